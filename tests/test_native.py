"""Parsing drawings at their own resolution: tracing, windows, joining, refinement, and the
line-art evaluation, on drawings the tests make themselves."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image, ImageDraw

from spiral_cli.evaluation.lineart import chamfer, resampled, svg_polylines
from spiral_cli.programs.polylines import stroke_polylines
from spiral_cli.export.svg import program_svg
from spiral_cli.painting.painter import ink, render_program
from spiral_cli.parsing.images import read_image
from spiral_cli.parsing.parse import cap_strokes, native_error, parse_files
from spiral_cli.parsing.refine_native import fit_strokes, refine_native
from spiral_cli.parsing.stitch import join_strokes
from spiral_cli.parsing.windows import coarse_to_fine, tile_plan, waves
from spiral_cli.programs.io import save_program
from spiral_cli.programs.model import Action, StrokeProgram
from tests.conftest import run_spiral

SVG = "{http://www.w3.org/2000/svg}"


def drawing(path, size=400, width=3):
    """Three separate lines and a circle, as a pen would draw them, and their true strokes."""
    image = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(image)
    lines = [[(40, 60), (360, 60)], [(60, 120), (60, 360)], [(120, 380), (360, 140)]]
    for points in lines:
        pen.line(points, fill=0, width=width)
    pen.ellipse((170, 160, 290, 280), outline=0, width=width)
    image.save(path)
    circle = [(230 + 60 * np.cos(a), 220 + 60 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 41)]
    return lines + [circle]


def truth_program(strokes, size=400) -> StrokeProgram:
    actions = []
    for stroke in strokes:
        actions.append(Action("jump", stroke[0], stroke[0], stroke[0], 1.0, 2.0))
        for a, b in zip(stroke[:-1], stroke[1:]):
            actions.append(Action("draw", tuple(map(float, a)), tuple((np.add(a, b) / 2).tolist()), tuple(map(float, b)), 1.0, 2.0))
    return StrokeProgram(size, size, "classic/pen", "grayscale", tuple(actions))


def test_trace_draws_each_line_once_where_it_is(tmp_path):
    truth = drawing(tmp_path / "lines.png")
    (result,) = parse_files([tmp_path / "lines.png"], method="trace")
    assert result.strokes == 4, "three lines and a circle, each one continuous stroke"
    assert result.relative_residual < 0.35
    render = ink(render_program(result.program)[..., 0])
    assert render[60, 200] > 0.5 and render[240, 60] > 0.5 and render[220, 290] > 0.5
    assert render[300, 300] < 0.1 and render[220, 230] < 0.1, "no ink in the circle's middle or the empty corner"
    assert chamfer(stroke_polylines(result.program), stroke_polylines(truth_program(truth))) < 1.0
    paths = list(ET.fromstring(program_svg(result.program)).iter(f"{SVG}path"))
    assert len(paths) == 4


def test_the_pipeline_is_no_worse_than_the_tracer_it_starts_from(tmp_path, untrained_checkpoint):
    drawing(tmp_path / "lines.png")
    (traced,) = parse_files([tmp_path / "lines.png"], method="trace")
    (refined,) = parse_files([tmp_path / "lines.png"], method="trace-refine")
    (full,) = parse_files([tmp_path / "lines.png"], checkpoint=str(untrained_checkpoint))
    assert refined.relative_residual <= traced.relative_residual + 1e-6
    assert full.relative_residual < 0.35 and full.program.width == 400
    assert full.program.source["method"] == "agent" and "working_scale" in full.program.source


def test_a_blank_page_gives_an_empty_program_and_a_note(tmp_path):
    Image.new("L", (300, 300), 255).save(tmp_path / "blank.png")
    result = run_spiral("parse", str(tmp_path / "blank.png"), "--json", "-o", str(tmp_path / "blank.json"))
    assert result.returncode == 0, result.stderr
    assert "blank image" in result.stderr and result.stderr.count("\n") == 2
    program = json.loads((tmp_path / "blank.json").read_text())
    assert program["source"]["strokes"] == 0 and program["source"]["relative_residual"] == 0
    assert not [a for a in program["actions"] if a["kind"] == "draw"]


def test_a_colour_photo_given_to_line_art_is_warned_about(tmp_path):
    pixels = np.zeros((200, 200, 3), np.uint8)
    pixels[..., 0] = np.linspace(0, 255, 200)[None]
    pixels[..., 2] = np.linspace(255, 0, 200)[:, None]
    Image.fromarray(pixels).save(tmp_path / "photo.png")
    (result,) = parse_files([tmp_path / "photo.png"], method="trace")
    assert any("colour picture" in note for note in result.notes)  # the CLI prints each note as a warning


def test_max_strokes_keeps_the_longest(tmp_path):
    drawing(tmp_path / "lines.png")
    (result,) = parse_files([tmp_path / "lines.png"], method="trace", max_strokes=2)
    assert result.strokes == 2
    lengths = sorted(len(p) for p in stroke_polylines(result.program))
    assert min(lengths) > 300, "the two long lines, not the circle or the short one"
    assert cap_strokes(result.program, 5) == result.program


def quarter_arcs(centre=(100.0, 100.0), radius=50.0) -> StrokeProgram:
    """A circle drawn as four separate strokes, one per window, their ends touching."""
    actions = []
    for k in range(4):
        a0, a1 = k * np.pi / 2, (k + 1) * np.pi / 2
        point = lambda a: (centre[0] + radius * np.cos(a), centre[1] + radius * np.sin(a))
        control_angle = (a0 + a1) / 2
        control = (centre[0] + radius * np.sqrt(2) * np.cos(control_angle), centre[1] + radius * np.sqrt(2) * np.sin(control_angle))
        start, end = point(a0), point(a1)
        actions += [Action("jump", start, start, start, 1.0, 3.0), Action("draw", start, control, end, 1.0, 3.0)]
    order = [2, 0, 3, 1]  # in no particular order
    shuffled = [a for k in order for a in actions[2 * k : 2 * k + 2]]
    return StrokeProgram(200, 200, "classic/pen", "grayscale", tuple(shuffled))


def test_a_circle_drawn_across_four_windows_is_joined_into_one_stroke():
    program = quarter_arcs()
    assert len(program.pen_strokes) == 4
    joined = join_strokes(program, reach=4.0)
    assert len(joined.pen_strokes) == 1 and len(joined.strokes) == 4
    before, after = (ink(render_program(p)[..., 0]) for p in (program, joined))
    assert np.abs(before - after).mean() < 0.01, "joining changes no ink"


def test_strokes_side_by_side_or_far_apart_stay_apart():
    parallel = [((10.0, 50.0), (60.0, 50.0)), ((10.0, 54.0), (60.0, 54.0)), ((80.0, 50.0), (120.0, 50.0))]
    actions = []
    for start, end in parallel:
        actions += [Action("jump", start, start, start, 1.0, 2.0),
                    Action("draw", start, tuple(np.add(start, end) / 2), end, 1.0, 2.0)]
    program = StrokeProgram(200, 100, "classic/pen", "grayscale", tuple(actions))
    assert len(join_strokes(program, reach=6.0).pen_strokes) == 3


def test_window_plans_cover_the_image_neighbour_after_neighbour():
    plan = tile_plan(1000, 600, 160, 64)
    covered = np.zeros((600, 1000), bool)
    for window in plan:
        window.crop(covered)[...] = True  # a view of the window's pixels
    assert covered.all()
    assert all(a.overlaps(b) for a, b in zip(plan[:-1], plan[1:])), "each window touches the one before"
    for batch in waves(plan):
        assert not any(a.overlaps(b) for i, a in enumerate(batch) for b in batch[i + 1 :])
    assert sum(len(b) for b in waves(plan)) == len(plan)
    assert len(coarse_to_fine(512, 512, 64)) == 1 + 4 + 16


def test_refinement_moves_a_misplaced_stroke_onto_its_line():
    target = np.zeros((80, 120), np.float32)
    target[39:43, 20:100] = 1.0  # a line 4 px wide along y = 41
    start, end = (20.0, 44.5), (100.0, 44.5)  # drawn 3.5 px too low
    program = StrokeProgram(120, 80, "classic/pen", "grayscale", (
        Action("jump", start, start, start, 1.0, 2.5), Action("draw", start, (60.0, 44.5), end, 1.0, 2.5)))
    fitted = fit_strokes(program, target, iterations=40)
    assert abs(fitted.strokes[0].control[1] - 41) < abs(44.5 - 41) - 1.5
    refined, render = refine_native(program, target)
    assert np.array_equal(render, ink(render_program(refined)[..., 0])), "the render it returns is the program's"
    assert native_error(refined, target)[0] <= native_error(program, target)[0]


def test_eval_lineart_reports_against_true_strokes(tmp_path):
    truth = drawing(tmp_path / "lines.png")
    save_program(truth_program(truth), tmp_path / "lines.json")
    report = tmp_path / "report.json"
    result = run_spiral("eval", "--data", f"lineart:{tmp_path}", "--method", "trace", "--json", str(report),
                        "--sheet", str(tmp_path / "sheet.png"), "--workers", "1")
    assert result.returncode == 0, result.stderr
    figures = json.loads(report.read_text())["trace"]["all"]
    assert figures["drawings"] == 1 and figures["strokes_over_true"] == 1.0
    assert figures["chamfer_px"] < 1.0 and figures["relative_residual"] < 0.35
    assert Image.open(tmp_path / "sheet.png").size[0] >= 3 * 192


def test_svg_true_strokes_read_like_the_program():
    program = quarter_arcs()
    from_svg = svg_polylines(program_svg(program))
    assert len(from_svg) == 4
    assert chamfer(from_svg, stroke_polylines(program)) < 0.05


def test_chamfer_measures_the_distance_to_the_line_not_to_its_sample_points():
    arc = np.stack([np.linspace(5, 45, 9), 20 + 8 * np.sin(np.linspace(0, 3, 9))], axis=1)
    sampled = lambda line, step: resampled(line, step)
    assert chamfer([sampled(arc, 1.0)], [sampled(arc, 0.7)]) < 0.02, "the same line, sampled elsewhere along it"
    shifted = arc + [0.0, 0.4]
    assert 0.3 < chamfer([sampled(arc, 1.0)], [sampled(shifted, 1.0)]) < 0.45, "a line 0.4 px off"


def test_context_is_painted_but_not_part_of_the_episode():
    from spiral_cli.envs.paint import PaintVectorEnv

    envs = PaintVectorEnv(2, brush="classic/pen")
    line = Action("draw", (10.0, 32.0), (32.0, 32.0), (54.0, 32.0), 1.0, 4.0)
    observation, _ = envs.reset(options={"context": [[line], []]})
    assert observation["canvas"][0, 32, 32, 0] < 100 and observation["canvas"][1, 32, 32, 0] == 255
    assert envs.programs[0].actions == () and tuple(observation["position"][0]) == (0.0, 0.0)


def test_a_page_too_big_to_fit_at_once_is_fitted_in_parts(monkeypatch):
    from spiral_cli.parsing import refine_native as module

    program = quarter_arcs()
    target = ink(render_program(program)[..., 0])
    shifted = program.with_actions([
        module.replace(a, start=(a.start[0] + 1.5, a.start[1]), control=(a.control[0] + 1.5, a.control[1]),
                       end=(a.end[0] + 1.5, a.end[1])) for a in program.actions])
    monkeypatch.setattr(module, "MAX_ELEMENTS", 30_000)  # two arcs at most
    parts = []
    split = module._fit_in_parts
    monkeypatch.setattr(module, "_fit_in_parts", lambda *args: parts.append(1) or split(*args))
    fitted = fit_strokes(shifted, target, iterations=20)
    assert parts, "fitted in parts"
    assert len(fitted.pen_strokes) == 4
    assert [run[0].start[1] for run in fitted.pen_strokes] == pytest.approx(
        [run[0].start[1] for run in shifted.pen_strokes], abs=2.0), "each stroke stays itself, in its place"
    kept, _ = module.keep_better_strokes(shifted, ink(render_program(shifted)[..., 0]), fitted, target)
    assert native_error(kept, target)[0] < native_error(shifted, target)[0]


def test_a_result_worse_than_an_empty_page_says_so(tmp_path):
    from spiral_cli.parsing.parse import finish

    image = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(image).line([(20, 20), (180, 20)], fill=0, width=3)
    image.save(tmp_path / "line.png")
    read = read_image(tmp_path / "line.png")
    wrong = StrokeProgram(200, 200, "classic/pen", "grayscale", (
        Action("jump", (20.0, 150.0), (20.0, 150.0), (20.0, 150.0), 1.0, 6.0),
        Action("draw", (20.0, 150.0), (100.0, 150.0), (180.0, 150.0), 1.0, 6.0)))
    result = finish(read, wrong, {}, [], None)
    assert result.relative_residual > 1 and result.program.source["worse_than_empty"]
    assert any("worse than an empty page" in note for note in result.notes)


def test_convert_writes_each_drawing_before_parsing_the_next(tmp_path, monkeypatch):
    from spiral_cli.parsing import convert, parse

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b"):
        drawing(folder / f"{name}.png")
    convert.init_worker(convert.ConvertJob(formats=("svg",), method="trace"))
    calls = []
    real = parse.parse_read

    def interrupted(images, *args):
        calls.append(images[0].path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the run is killed while the second drawing is parsed
        return real(images, *args)

    monkeypatch.setattr(parse, "parse_read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        convert.convert_chunk((sorted(folder.glob("*.png")), folder, out))
    assert (out / "a.svg").is_file() and not (out / "b.svg").exists()


def test_options_the_tracer_has_no_use_for_are_refused(tmp_path):
    from spiral_cli.errors import UsageError

    drawing(tmp_path / "lines.png")
    for method, options in (("trace", {"quality": "best"}), ("trace", {"steps": 5}), ("trace-refine", {"checkpoint": "mnist"})):
        with pytest.raises(UsageError):
            parse_files([tmp_path / "lines.png"], method=method, **options)


def test_glyphs_fitted_side_by_side_each_come_closer_and_never_worse():
    from spiral_cli.parsing.refine_glyphs import refine_glyphs

    def line_program(y, size=2.0):
        start, end = (8.0, y), (56.0, y)
        return StrokeProgram(64, 64, "classic/pen", "grayscale", (
            Action("jump", start, start, start, 1.0, size), Action("draw", start, (32.0, y), end, 1.0, size)))

    truths = [line_program(30.5), line_program(60.0), line_program(4.0)]  # two run along the glyph's edges
    targets = np.stack([ink(render_program(p)[..., 0]) for p in truths])
    guesses = [line_program(32.0), line_program(62.0), truths[2]]  # 1.5 and 2 px off; the third exact
    renders = np.stack([ink(render_program(p)[..., 0]) for p in guesses])
    kept, kept_ink = refine_glyphs(guesses, targets, renders, iterations=10)
    before = ((renders - targets) ** 2).sum((1, 2))
    after = ((kept_ink - targets) ** 2).sum((1, 2))
    assert after[0] < 0.7 * before[0] and after[1] < before[1], "misplaced lines move onto their targets"
    assert after[2] <= before[2], "a glyph never gets worse"
    assert np.array_equal(kept_ink[0], ink(render_program(kept[0])[..., 0])), "the render is the kept program's"
    assert all(0 <= v <= 64 for p in kept for a in p.actions for v in (*a.start, *a.end, *a.control))
    for index in range(3):  # a glyph's fit does not depend on the others in its batch
        alone, alone_ink = refine_glyphs([guesses[index]], targets[index:index + 1], renders[index:index + 1], 10)
        assert alone[0].actions == kept[index].actions and np.array_equal(alone_ink[0], kept_ink[index])


def test_a_stack_too_large_for_one_fit_is_split_between_whole_glyphs(monkeypatch):
    from spiral_cli.parsing import refine_native
    from spiral_cli.parsing.refine_glyphs import refine_glyphs

    def glyph(y, dy):  # a bent stroke drawn dy px off its line
        start, end = (8.0, y + dy), (56.0, y + dy + 4)
        return StrokeProgram(64, 64, "classic/pen", "grayscale", (
            Action("jump", start, start, start, 1.0, 2.0), Action("draw", start, (32.0, y + dy - 6), end, 1.0, 2.0),
            Action("draw", end, (40.0, y + dy + 20), (20.0, y + dy + 30), 1.0, 2.0)))

    truths = [glyph(10.0 + 4 * k, 0.0) for k in range(6)]
    guesses = [glyph(10.0 + 4 * k, 1.5) for k in range(6)]
    targets = np.stack([ink(render_program(p)[..., 0]) for p in truths])
    renders = np.stack([ink(render_program(p)[..., 0]) for p in guesses])
    whole = refine_glyphs(guesses, targets, renders, 10)[0]
    monkeypatch.setattr(refine_native, "MAX_ELEMENTS", 20_000)  # a few glyphs' worth: fitted in parts
    parts = refine_glyphs(guesses, targets, renders, 10)[0]
    assert [p.actions for p in parts] == [p.actions for p in whole]
    assert any(p.actions != g.actions for p, g in zip(whole, guesses)), "the fit moved strokes"


def test_a_glyph_of_dots_is_ink_to_draw_not_a_blank_page():
    from spiral_cli.tracing.lines import find_lines

    image = Image.new("L", (64, 64), 255)
    pen = ImageDraw.Draw(image)
    for x, y in [(20, 16), (30, 32), (24, 48)]:
        pen.ellipse([x - 3, y - 3, x + 3, y + 3], fill=0)
    lines = find_lines(1.0 - np.asarray(image, np.float32) / 255.0)
    assert not lines.blank and lines.mask.sum() >= 3 * 25


@pytest.mark.parametrize("length", [10.0, 40.0, 160.0])
def test_a_segment_drawn_at_the_size_for_a_width_is_that_wide_at_any_length(length):
    """The pen paints short segments wider than long ones (each is drawn in the same time)."""
    from spiral_cli.painting.calibration import size_for_width
    from spiral_cli.painting.painter import Painter

    for width in (2.0, 5.0):
        size = size_for_width("classic/pen", width, length)
        across = []
        for y in (20.0, 20.5):  # a line along pixels' edges and one through their centres
            painter = Painter(int(length) + 40, 41, "classic/pen")
            painter.execute(Action("draw", (20.0, y), (20.0 + length / 2, y), (20.0 + length, y), 1.0, size))
            across.append(ink(painter.rgb()[..., 0]).sum(0)[int(20 + length / 4): int(20 + 3 * length / 4) + 1].mean())
        assert np.mean(across) == pytest.approx(width, rel=0.1), (length, width, size)


def test_a_comb_of_short_strokes_is_traced_at_its_own_width():
    from spiral_cli.parsing.parse import canvas_image, parse_read

    bars = [[Action("draw", (12.0 + 10 * i, 12.0), (12.0 + 10 * i, 32.0), (12.0 + 10 * i, 52.0), 1.0, 2.5)]
            for i in range(5)]
    comb = render_program(StrokeProgram(64, 64, "classic/pen", "grayscale").with_strokes(bars))[..., :1]
    traced = parse_read([canvas_image(comb)], method="trace")[0]
    assert len(traced.program.pen_strokes) == 5
    assert traced.relative_residual < 0.1  # 0.32 when sizes came from long lines, too wide for these


def _glyph(lines, width):
    image = Image.new("L", (64, 64), 255)
    pen = ImageDraw.Draw(image)
    for points in lines:
        pen.line(points, fill=0, width=width, joint="curve")
    return np.asarray(image)[..., None]


@pytest.mark.parametrize("width", [3, 5, 7])
def test_a_three_is_one_stroke_through_its_cusp_and_a_tee_stays_two(width):
    from spiral_cli.parsing.parse import canvas_image, parse_read

    three = _glyph([[(20, 10), (36, 10), (43, 16), (42, 24), (36, 30), (24, 32), (36, 34), (43, 41), (43, 49),
                     (36, 55), (20, 55)]], width)
    tee = _glyph([[(12, 14), (52, 14)], [(32, 14), (32, 28)]], width)  # a stem as short as the 3's middle
    traced_three, traced_tee = parse_read([canvas_image(three), canvas_image(tee)], method="trace")
    assert len(traced_three.program.pen_strokes) == 1, "the pen goes out to the middle tip and back"
    assert traced_three.relative_residual < 0.15
    render = ink(render_program(traced_three.program)[..., 0])
    assert render[32, 25] > 0.5, "the cusp's tip is drawn out to the end of its ink"
    assert len(traced_tee.program.pen_strokes) == 2, "a stem at right angles to its bar is a stroke of its own"
