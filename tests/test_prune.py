"""`spiral parse` (default quality) drops the strokes a render does not need, and only those."""

import numpy as np

from spiral_cli.painting.painter import Painter, ink, render_program
from spiral_cli.parsing.prune import prune_strokes
from spiral_cli.programs.model import Action, StrokeProgram


def _line(a, b, size=3.0):
    middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return Action("draw", a, middle, b, 1.0, size)


def _program(runs):
    return StrokeProgram(64, 64, "classic/pen", "grayscale").with_strokes(runs)


def _pruned(program, target):
    return prune_strokes(program, target, ink(render_program(program)[..., 0]), Painter(64, 64, "classic/pen"))


def test_a_stroke_drawn_over_another_is_dropped_and_the_lines_are_kept():
    bar, cross = [_line((20.0, 10.0), (20.0, 54.0))], [_line((8.0, 32.0), (56.0, 32.0))]
    target = ink(render_program(_program([bar, cross]))[..., 0])
    over = [_line((20.0, 30.0), (20.0, 36.0))]  # a short stroke on ink already drawn
    beside = [_line((50.0, 8.0), (58.0, 8.0))]  # a short stroke where the target has no ink
    pruned, render = _pruned(_program([bar, over, cross, beside]), target)
    assert len(pruned.pen_strokes) == 2
    assert {run[0].start for run in pruned.pen_strokes} == {(20.0, 10.0), (8.0, 32.0)}
    assert np.abs(render - target).max() < 0.05


def test_every_stroke_that_helps_stays():
    runs = [[_line((10.0 + 10 * i, 10.0), (10.0 + 10 * i, 54.0))] for i in range(4)]
    program = _program(runs)
    target = ink(render_program(program)[..., 0])
    pruned, _ = _pruned(program, target)
    assert len(pruned.pen_strokes) == 4


def _merged(program, target):
    from spiral_cli.parsing.merge import merge_doubled

    return merge_doubled(program, target, ink(render_program(program)[..., 0]), Painter(64, 64, "classic/pen"))


def test_a_bold_line_drawn_as_two_thin_strokes_side_by_side_becomes_one():
    target = ink(render_program(_program([[_line((10.0, 32.0), (54.0, 32.0), 6.0)]]))[..., 0])
    doubled = _program([[_line((10.0, 30.75), (54.0, 30.75), 3.0)], [_line((11.0, 33.25), (53.0, 33.25), 3.0)]])
    merged, render = _merged(doubled, target)
    assert len(merged.pen_strokes) == 1
    assert merged.pen_strokes[0][0].size > 3.0, "the kept stroke is widened to carry both"
    before = ((ink(render_program(doubled)[..., 0]) - target) ** 2).sum()
    assert ((render - target) ** 2).sum() <= before + 0.01 * (target ** 2).sum()


def test_strokes_that_only_cross_or_run_apart_are_not_merged():
    bar, cross = [_line((20.0, 10.0), (20.0, 54.0))], [_line((8.0, 32.0), (56.0, 32.0))]
    apart = [_line((40.0, 10.0), (40.0, 54.0))]
    program = _program([bar, cross, apart])
    merged, _ = _merged(program, ink(render_program(program)[..., 0]))
    assert len(merged.pen_strokes) == 3


def _ended(program, target):
    from spiral_cli.parsing.extend import absorb_stubs, extend_ends

    painter = Painter(64, 64, "classic/pen")
    program, render = extend_ends(program, target, ink(render_program(program)[..., 0]), painter)
    return absorb_stubs(program, target, render, painter)


def test_a_stroke_stopping_short_of_its_line_is_carried_to_the_lines_end():
    target = ink(render_program(_program([[_line((10.0, 32.0), (54.0, 32.0))]]))[..., 0])
    short = _program([[_line((16.0, 32.0), (48.0, 32.0))]])
    ended, render = _ended(short, target)
    (run,) = ended.pen_strokes
    assert run[0].start[0] < 12.0 and run[-1].end[0] > 52.0
    assert abs(run[0].start[1] - 32.0) < 0.5 and abs(run[-1].end[1] - 32.0) < 0.5, "along the line, not off it"
    assert ((render - target) ** 2).sum() < 0.2 * ((ink(render_program(short)[..., 0]) - target) ** 2).sum()


def test_a_stub_finishing_a_lines_end_is_absorbed_into_the_line():
    line, cross = [_line((10.0, 20.0), (54.0, 20.0))], [_line((32.0, 26.0), (32.0, 56.0))]
    target = ink(render_program(_program([line, cross]))[..., 0])
    stub = [Action("draw", (53.0, 20.0), (51.0, 18.5), (50.5, 21.0), 1.0, 3.0)]  # a hook over the end
    parsed = _program([[_line((10.0, 20.0), (50.0, 20.0))], stub, cross])
    ended, render = _ended(parsed, target)
    assert len(ended.pen_strokes) == 2
    assert ((render - target) ** 2).sum() <= 0.01 * (target ** 2).sum()


def test_a_separate_short_stroke_is_not_absorbed():
    line, dot = [_line((10.0, 20.0), (40.0, 20.0))], [_line((52.0, 20.0), (54.0, 20.0))]  # an "i" on its side
    program = _program([line, dot])
    ended, _ = _ended(program, ink(render_program(program)[..., 0]))
    assert len(ended.pen_strokes) == 2


def test_trials_drawn_from_each_strokes_own_ink_match_libmypaints_render_of_the_whole():
    from dataclasses import replace

    from spiral_cli.parsing.composite import drawn_from_strokes, trial_drawer

    crossing = [[_line((10.0, 10.0), (54.0, 54.0), 4.0)], [_line((10.0, 54.0), (54.0, 10.0), 4.0)],
                [_line((32.0, 6.0), (32.0, 58.0), 2.0), _line((32.0, 58.0), (50.0, 58.0), 2.0)]]
    program = _program(crossing)
    whole = ink(render_program(program)[..., 0])
    assert whole.sum() > 50 and np.abs(drawn_from_strokes(program) - whole).max() <= 1.5 / 255
    painter = Painter(64, 64, "classic/pen")
    assert trial_drawer(program, painter) is drawn_from_strokes
    red = program.with_actions([replace(a, color=(1.0, 0.0, 0.0)) if i == 1 and a.draws else a
                                for i, a in enumerate(program.actions)])
    assert trial_drawer(red, painter) is not drawn_from_strokes, "strokes of two colours do not multiply"
    page = StrokeProgram(512, 512, "classic/pen", "grayscale").with_strokes(crossing)
    assert trial_drawer(page, painter) is not drawn_from_strokes, "a page is drawn whole"
