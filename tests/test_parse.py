"""spiral parse and convert: reading what users throw at them, mapping strokes back onto
the input, resuming a folder, and loading checkpoints without pickle."""

import json
import os
import pickle
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import run_spiral
from spiral_cli.parsing.agent import Agent, shipped_checkpoints
from spiral_cli.parsing.images import InkImage, fit_to_canvas, read_image

SHIPPED = "mnist"
needs_shipped = pytest.mark.skipif(SHIPPED not in shipped_checkpoints(), reason="the mnist checkpoint is not shipped")


def line_image(path, size=(200, 120), light_on_dark=False, mode="L"):
    """A thick diagonal line; returns its ink mask."""
    height, width = size[1], size[0]
    ys, xs = np.mgrid[0:height, 0:width]
    mask = np.abs((ys - 20) - (xs - 40) * 0.6) < 5
    mask &= (xs > 40) & (xs < 160)
    ink = mask.astype(np.uint8) * 255
    pixels = ink if light_on_dark else 255 - ink
    Image.fromarray(pixels).convert(mode).save(path)
    return mask


# --- reading images ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "I;16"])
def test_modes_read_as_the_same_ink(tmp_path, mode):
    path = tmp_path / f"line.{'tif' if mode == 'I;16' else 'png'}"
    mask = line_image(path, mode=mode if mode != "I;16" else "L")
    if mode == "I;16":
        Image.fromarray((np.asarray(Image.open(path), np.uint16) * 257)).save(path)
    image = read_image(path)
    assert image.ink.shape == mask.shape
    assert image.ink[mask].mean() > 0.95 and image.ink[~mask].mean() < 0.05


@pytest.mark.parametrize("suffix", ["jpg", "webp", "bmp", "tiff"])
def test_formats(tmp_path, suffix):
    mask = line_image(tmp_path / f"line.{suffix}")
    image = read_image(tmp_path / f"line.{suffix}")
    assert image.ink[mask].mean() > 0.85 and image.ink[~mask].mean() < 0.05


def test_transparent_background_is_paper(tmp_path):
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 18:22] = (0, 0, 0, 255)  # an opaque black bar on a transparent ground
    Image.fromarray(rgba).save(tmp_path / "bar.png")
    image = read_image(tmp_path / "bar.png")
    assert image.ink[15, 20] > 0.95 and image.ink[2, 2] < 0.05


def test_light_ink_on_dark_ground_is_detected(tmp_path):
    mask = line_image(tmp_path / "chalk.png", light_on_dark=True)
    image = read_image(tmp_path / "chalk.png")
    assert image.inverted and image.ink[mask].mean() > 0.95


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.full((30, 60), 255, np.uint8)
    pixels[:, :10] = 0  # ink on the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.fromarray(pixels).save(tmp_path / "photo.jpg", exif=exif)
    image = read_image(tmp_path / "photo.jpg")
    assert image.ink.shape == (60, 30) and image.ink[:10].mean() > 0.8


def test_fit_centres_the_ink_on_the_canvas(tmp_path):
    line_image(tmp_path / "line.png")
    canvas, fit = fit_to_canvas(read_image(tmp_path / "line.png"), 64, False)
    ink = 1 - canvas[..., 0] / 255.0
    rows, cols = np.nonzero(ink > 0.5)
    assert abs(cols.mean() - 32) < 4 and abs(rows.mean() - 32) < 4
    assert fit.to_image((32, 32)) == pytest.approx((100, 56), abs=2)


def test_a_glyph_already_at_the_canvas_scale_is_not_resampled():
    ink = np.zeros((64, 64), np.float32)
    ink[10:54, 20:23] = 1.0  # a 44 px bar, 3 px wide: between the smallest and largest ink box
    ink[30:33, 20:44] = 0.6
    image = InkImage("bar", ink, np.repeat(1 - ink[..., None], 3, -1), False)
    canvas, fit = fit_to_canvas(image, 64, False)
    assert fit.scale == 1.0
    assert np.abs((1 - canvas[..., 0] / 255.0) - ink).max() < 0.01  # centred already: the same pixels


def test_a_pencil_glyph_comes_back_as_strokes_on_its_lines(tmp_path):
    """Faint lines (a pencil's) are seen at a pen's ink: the agent draws them, not a scribble,
    in the pencil's grey (in black they would be further from the drawing than an empty page)."""
    pixels = np.full((64, 64), 255, np.uint8)
    pixels[12:52, 30:33] = 185  # a light gray bar: ink 0.27
    Image.fromarray(pixels).save(tmp_path / "pencil.png")
    result = run_spiral("parse", str(tmp_path / "pencil.png"), "--png", "--checkpoint", "omniglot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "faint lines" in result.stderr and "drawn in their grey" in result.stderr
    render = np.asarray(Image.open(tmp_path / "pencil.spiral.png").convert("L")).astype(float)
    drawn = render < 230
    near = np.zeros_like(drawn)
    near[8:56, 25:38] = True
    assert drawn[12:52, 30:33].mean() > 0.8, "the bar is drawn"
    assert (drawn & ~near).sum() < 0.05 * drawn.sum(), "and nothing else"
    assert abs(np.median(render[drawn]) - 185) < 30, "in the pencil's grey"


# --- bad input -----------------------------------------------------------------------------

def bad_inputs(tmp_path):
    good = tmp_path / "good.png"
    line_image(good)
    (tmp_path / "text.png").write_text("not an image")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "truncated.png").write_bytes(good.read_bytes()[:60])
    zero = tmp_path / "zero.png"
    zero.write_bytes(good.read_bytes()[:16] + (0).to_bytes(4, "big") + good.read_bytes()[20:])
    Image.new("L", (3000, 3000), 255).save(tmp_path / "huge.png")
    (tmp_path / "folder.png").mkdir()
    return {
        "text.png": "not an image", "empty.png": "empty file", "truncated.png": "damaged",
        "zero.png": "", "huge.png": "--max-pixels", "folder.png": "is a directory",
        "missing.png": "no such file",
    }


def test_each_bad_input_is_one_line_and_exit_2(tmp_path, untrained_checkpoint):
    from concurrent.futures import ThreadPoolExecutor

    cases = bad_inputs(tmp_path)
    parse = lambda name: run_spiral("parse", str(tmp_path / name), "--checkpoint", str(untrained_checkpoint),
                                    "--max-pixels", "4000000")
    with ThreadPoolExecutor(4) as pool:  # each is a process of its own: start-up is most of the time
        results = dict(zip(cases, pool.map(parse, cases)))
    for name, words in cases.items():
        result = results[name]
        assert result.returncode == 2, (name, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
        assert words in result.stderr, (name, result.stderr)
        assert not list(tmp_path.glob("*.svg")), "no output for a failed parse"


def test_unreadable_file(tmp_path, untrained_checkpoint):
    path = tmp_path / "secret.png"
    line_image(path)
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: permissions are not enforced")
    result = run_spiral("parse", str(path), "--checkpoint", str(untrained_checkpoint))
    assert result.returncode == 2 and "permission denied" in result.stderr


def test_parse_writes_outputs_next_to_the_input(tmp_path, untrained_checkpoint):
    line_image(tmp_path / "line.png")
    result = run_spiral("parse", str(tmp_path / "line.png"), "--svg", "--json", "--png",
                        "--checkpoint", str(untrained_checkpoint))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"line.png", "line.svg", "line.json", "line.spiral.png"}
    program = json.loads((tmp_path / "line.json").read_text())
    assert program["canvas"]["width"] == 200 and program["canvas"]["height"] == 120
    for key in ("reconstruction_error", "relative_residual", "strokes"):
        assert key in program["source"]
    assert Image.open(tmp_path / "line.spiral.png").size == (200, 120)


def test_parse_to_stdout(tmp_path, untrained_checkpoint):
    line_image(tmp_path / "line.png")
    result = run_spiral("parse", str(tmp_path / "line.png"), "-o", "-", "--checkpoint", str(untrained_checkpoint))
    assert result.returncode == 0 and result.stdout.startswith("<svg")
    assert not list(tmp_path.glob("*.svg"))


def test_checkpoint_loads_without_pickle(untrained_checkpoint, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    agent = Agent.load(untrained_checkpoint)
    assert agent.config.conditional


# --- what a trained agent does -------------------------------------------------------------

@needs_shipped
@pytest.mark.parametrize("candidates", [1, 4])
def test_an_images_sampled_strokes_do_not_depend_on_the_images_beside_it(untrained_checkpoint, candidates):
    """parse on one image, convert on a folder and the Ray backend batch images differently."""
    agent = Agent.load(untrained_checkpoint)
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 256, (3, *agent.env.image_shape), dtype=np.uint8)
    together, _ = agent.run(targets, candidates=candidates)
    alone, _ = agent.run(targets[2:], candidates=candidates)
    again, _ = agent.run(targets[2:], candidates=candidates, seed=1)
    assert together[2].actions == alone[0].actions
    assert together[0].actions != together[1].actions and again[0].actions != alone[0].actions  # still sampled


@needs_shipped
def test_a_glyphs_parse_does_not_depend_on_the_glyphs_beside_it():
    """The whole pipeline, not only the agent's samples: the off-grid fit, ends, stubs, pruning."""
    from spiral_cli.bench.parse import drawing
    from spiral_cli.parsing.parse import load_agent, parse_canvases

    agent = load_agent("omniglot")
    targets = np.stack([np.round(255 * (1 - drawing(64, seed)))[..., None].astype(np.uint8) for seed in range(5)])
    together, _ = parse_canvases(agent, targets, "fast", tracer_if_closer=False)
    for index in (0, 3):
        alone, _ = parse_canvases(agent, targets[index:index + 1], "fast", tracer_if_closer=False)
        assert alone[0].actions == together[index].actions


def test_strokes_land_on_the_input_ink(tmp_path):
    mask = line_image(tmp_path / "line.png")
    # from another folder: a shipped checkpoint needs none of its training data
    result = run_spiral("parse", str(tmp_path / "line.png"), "--svg", "--png", "--checkpoint", SHIPPED,
                        "--quality", "best", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    render = 1 - np.asarray(Image.open(tmp_path / "line.spiral.png").convert("L"), float) / 255
    drawn = render > 0.5
    near = np.zeros_like(mask)
    for dy in range(-4, 5):
        for dx in range(-4, 5):
            near |= np.roll(np.roll(mask, dy, 0), dx, 1)
    assert drawn.sum() > 0.5 * mask.sum(), "the line is drawn"
    assert (drawn & near).sum() > 0.9 * drawn.sum(), "and the strokes lie on it"
    svg = ET.parse(tmp_path / "line.svg").getroot()
    assert svg.get("viewBox") == "0 0 200 120"


# --- convert -------------------------------------------------------------------------------

def test_convert_resumes_and_reports_failures(tmp_path, untrained_checkpoint):
    source, out = tmp_path / "in", tmp_path / "out"
    (source / "sub").mkdir(parents=True)
    for index in range(3):
        line_image(source / f"{index}.png")
    line_image(source / "sub" / "deep.png")
    (source / "broken.png").write_text("nope")
    args = ["convert", str(source), str(out), "--formats", "svg,json", "--checkpoint", str(untrained_checkpoint),
            "--workers", "1", "--recursive"]
    first = run_spiral(*args)
    assert first.returncode == 1 and "4 done, 0 skipped" in first.stderr and "1 failed" in first.stderr
    assert "broken.png" in first.stderr and "Traceback" not in first.stderr
    assert (out / "sub" / "deep.svg").is_file() and (out / "0.json").is_file()
    (out / "1.svg").unlink()  # as if interrupted before this output was written
    second = run_spiral(*args)
    assert "1 done, 3 skipped" in second.stderr
    assert (out / "1.svg").is_file()
    assert not [p for p in out.rglob("*") if p.name.startswith(".")], "no temporary files left"


def test_convert_hands_every_worker_the_same_share_in_batches():
    from spiral_cli.parsing.convert import BATCH, even_chunks

    for count, workers in ((200, 2), (1000, 2), (7, 3), (1, 4), (129, 1), (600, 1)):
        chunks = even_chunks(list(range(count)), workers, "fast")
        assert [i for chunk in chunks for i in chunk] == list(range(count)), "every image once, in order"
        assert max(map(len, chunks)) <= BATCH["fast"] and max(map(len, chunks)) - min(map(len, chunks)) <= 1
        if count >= workers:
            assert len(chunks) % workers == 0, "no worker is left with one more chunk than the others"
    assert [len(c) for c in even_chunks(list(range(200)), 2, "fast")] == [50] * 4
    assert even_chunks([], 2, "fast") == []


def test_faint_strokes_are_drawn_in_the_lines_grey_only_when_that_is_closer():
    from spiral_cli.painting.painter import ink, render_program
    from spiral_cli.parsing.tone import match_tone
    from spiral_cli.programs.model import Action, StrokeProgram

    bar = (Action("jump", (32, 12), (32, 12), (32, 12), 1.0, 3.0),
           Action("draw", (32, 12), (32, 32), (32, 52), 1.0, 3.0))
    program = StrokeProgram(64, 64, "classic/pen", "grayscale", bar)
    black = ink(render_program(program)[..., 0])
    toned, render, notes = match_tone(program, 0.3 * black, 0.3)
    assert all(a.color == pytest.approx((0.7,) * 3) for a in toned.strokes) and "grey" in notes[0]
    assert ((render - 0.3 * black) ** 2).mean() < 0.1 * ((black - 0.3 * black) ** 2).mean()
    kept, _, notes = match_tone(program, black, 0.3)  # a wrong level: black is closer, so it stays
    assert kept is program and "darker" in notes[0]
    assert match_tone(program, black, 0.9) == (program, None, [])  # pen lines: nothing to do


@pytest.mark.skipif("omniglot" not in shipped_checkpoints(), reason="the omniglot checkpoint is not shipped")
def test_a_glyph_one_episode_cannot_finish_gets_a_second_pass_at_best():
    from spiral_cli.painting.painter import ink, render_program
    from spiral_cli.parsing.parse import load_agent, parse_canvases
    from spiral_cli.programs.model import Action, StrokeProgram

    bars = [[Action("draw", (12.0 + 10 * i, 12.0), (12.0 + 10 * i, 32.0), (12.0 + 10 * i, 52.0), 1.0, 2.5)]
            for i in range(5)]  # a comb of five strokes
    target = render_program(StrokeProgram(64, 64, "classic/pen", "grayscale").with_strokes(bars))[..., :1]
    agent = load_agent("omniglot")
    comb = ink(target[..., 0])
    missed = lambda render: float(((ink(render[..., 0]) - comb) ** 2).sum() / (comb ** 2).sum())
    # six actions a pass: one pass cannot draw the five bars
    best, best_renders = parse_canvases(agent, target[None], "best", steps=6, tracer_if_closer=False)
    fast, fast_renders = parse_canvases(agent, target[None], "fast", steps=6, tracer_if_closer=False)
    assert len(fast[0].actions) <= 6, "fast makes one pass"
    assert len(best[0].actions) > 6, "best makes a second pass over what the first left"
    assert missed(best_renders[0]) < 0.6 * missed(fast_renders[0])


def comb_glyph():
    from spiral_cli.painting.painter import render_program
    from spiral_cli.parsing.parse import canvas_image
    from spiral_cli.programs.model import Action, StrokeProgram

    bars = [[Action("draw", (12.0 + 10 * i, 12.0), (12.0 + 10 * i, 32.0), (12.0 + 10 * i, 52.0), 1.0, 2.5)]
            for i in range(5)]
    return canvas_image(render_program(StrokeProgram(64, 64, "classic/pen", "grayscale").with_strokes(bars))[..., :1])


def test_a_glyph_the_tracer_redraws_closer_gets_the_tracers_strokes(untrained_checkpoint, monkeypatch):
    from dataclasses import replace

    from spiral_cli.parsing import parse

    monkeypatch.setitem(parse.QUALITIES, "fast", replace(parse.QUALITIES["fast"], traced_enough=None))
    comb = comb_glyph()
    traced = parse.parse_read([comb], method="trace")[0]
    parsed = parse.parse_read([comb], str(untrained_checkpoint))[0]  # random weights scribble
    assert parsed.relative_residual == pytest.approx(traced.relative_residual) and traced.relative_residual < 0.2
    assert parsed.program.source["strokes_from"] == "tracer" and parsed.program.source["agent_relative_residual"] > 0.2
    assert any("closer" in note for note in parsed.notes)


def test_a_glyph_the_tracer_redraws_closely_is_not_given_to_the_agent_at_fast(untrained_checkpoint, monkeypatch):
    from spiral_cli.parsing import parse

    comb, calls = comb_glyph(), []
    real = parse.reconstruct
    monkeypatch.setattr(parse, "reconstruct", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    traced = parse.parse_read([comb], method="trace")[0]
    parsed = parse.parse_read([comb], str(untrained_checkpoint))[0]
    assert traced.relative_residual < parse.QUALITIES["fast"].traced_enough and not calls
    assert parsed.program.source["agent_skipped"] and parsed.relative_residual == pytest.approx(traced.relative_residual)
    assert any("not run" in note for note in parsed.notes)
    best = parse.parse_read([comb], str(untrained_checkpoint), quality="best", steps=4)[0]
    assert calls and "agent_skipped" not in best.program.source  # best always runs the agent


def test_a_glyph_the_agent_is_far_behind_the_tracer_on_is_not_finished(untrained_checkpoint, monkeypatch):
    from dataclasses import replace

    from spiral_cli.parsing import parse

    monkeypatch.setitem(parse.QUALITIES, "fast", replace(parse.QUALITIES["fast"], traced_enough=None))
    calls = []
    real = parse.extend_ends
    monkeypatch.setattr(parse, "extend_ends", lambda *args: calls.append(1) or real(*args))
    parsed = parse.parse_read([comb_glyph()], str(untrained_checkpoint))[0]  # random weights scribble
    assert not calls and parsed.program.source["strokes_from"] == "tracer"
    monkeypatch.setattr(parse, "GIVE_UP", float("inf"))
    parse.parse_read([comb_glyph()], str(untrained_checkpoint))
    assert calls  # never given up: its ends are carried on


def test_a_glyph_the_agent_is_hopelessly_behind_on_is_not_fitted_off_the_grid(untrained_checkpoint, monkeypatch):
    from dataclasses import replace

    from spiral_cli.parsing import parse

    monkeypatch.setitem(parse.QUALITIES, "fast", replace(parse.QUALITIES["fast"], traced_enough=None))
    fitted = []
    real = parse._fitted_off_grid
    monkeypatch.setattr(parse, "_fitted_off_grid", lambda programs, *args: fitted.append(len(programs)) or real(programs, *args))
    glyphs = [comb_glyph(), comb_glyph()]
    assert parse.parse_read(glyphs, str(untrained_checkpoint))[0].program.source["strokes_from"] == "tracer"
    assert not fitted  # random weights scribble far from the comb: no fit is tried
    monkeypatch.setattr(parse, "HOPELESS", float("inf"))
    parse.parse_read(glyphs, str(untrained_checkpoint))
    assert fitted == [2]
