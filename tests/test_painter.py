
import numpy as np
import pytest

from spiral_cli.painting import Painter
from spiral_cli.painting.surface import Surface, Brush
from spiral_cli.painting.brushes import brush_definition
from spiral_cli.painting.painter import render_program
from spiral_cli.programs import Action
from spiral_cli.programs.model import StrokeProgram
from tests.conftest import ink


def draw(painter, start, control, end, size=4.0, pressure=1.0, color=None):
    painter.execute(Action("draw", start, control, end, pressure, size, color))


@pytest.mark.parametrize("brush", ["classic/dry_brush", "classic/pen"])
def test_ink_lands_inside_the_stroke_bounding_box_only(brush):
    painter = Painter(64, 64, brush)
    draw(painter, (16.0, 20.0), (30.0, 20.0), (44.0, 24.0), size=4.0)
    amount = ink(painter.rgb())
    assert amount[18:26, 16:44].mean() > 0.2
    # Bezier box grown by the brush radius and a margin for dry_brush's scatter.
    outside = amount.copy()
    outside[10:35, 8:53] = 0
    assert outside.max() < 0.02


def test_fresh_canvas_is_white_and_jump_draws_nothing():
    painter = Painter(64, 64)
    assert (painter.rgb() == 255).all()
    painter.execute(Action("jump", (0.0, 0.0), (0.0, 0.0), (40.0, 40.0), 1.0, 8.0))
    assert (painter.rgb() == 255).all()
    assert painter.position == (40.0, 40.0)


def test_brush_starts_at_upper_left():
    painter = Painter(64, 64, "classic/pen")
    assert painter.position == (0.0, 0.0)
    draw(painter, painter.position, (6.0, 6.0), (12.0, 12.0), size=6.0)
    amount = ink(painter.rgb())
    assert amount[:3, :3].mean() > 0.2 and amount[20:, :].max() < 0.02


def test_colour_strokes_have_their_colour():
    painter = Painter(64, 64, "classic/pen")
    draw(painter, (10.0, 32.0), (32.0, 32.0), (54.0, 32.0), size=8.0, color=(1.0, 0.0, 0.0))
    centre = painter.rgb()[32, 20:44].astype(int)
    assert (centre[:, 0] > 230).all() and (centre[:, 1] < 40).all() and (centre[:, 2] < 40).all()


def test_transparent_surface_reads_back_unpremultiplied():
    surface = Surface(64, 64)
    surface.clear(None)
    brush = Brush(brush_definition("classic/pen"))
    brush.set_radius(3.0)
    brush.set_hsv(2 / 3, 1.0, 1.0)  # pure blue
    surface.begin()
    brush.move_to(surface, 10, 32)
    brush.stroke_through(surface, [float(x) for x in range(11, 54)], [32.0] * 43, [1.0] * 43)
    surface.end()
    rgba = surface.rgba()
    edge = (rgba[..., 3] > 0) & (rgba[..., 3] < 200)  # anti-aliased, partly transparent pixels
    assert edge.sum() > 10
    # Un-premultiplied: partial alpha keeps full colour, not a darkened one.
    assert (rgba[edge][:, 2] > 240).all() and (rgba[edge][:, :2] < 20).all()
    assert (rgba[rgba[..., 3] == 0][:, :3] == 0).all()


def test_surfaces_of_any_size_cover_every_pixel():
    painter = Painter(100, 70, "classic/pen")
    draw(painter, (90.0, 60.0), (95.0, 65.0), (99.0, 69.0), size=6.0)
    assert painter.rgb().shape == (70, 100, 3)
    assert ink(painter.rgb())[60:, 88:].mean() > 0.2


def test_same_episode_twice_is_bit_identical_even_for_dry_brush():
    painter = Painter(64, 64, "classic/dry_brush")
    strokes = [((5.0, 5.0), (30.0, 50.0), (60.0, 10.0)), ((60.0, 10.0), (20.0, 20.0), (10.0, 60.0))]
    renders = []
    for _ in range(2):
        painter.reset()
        for s in strokes:
            draw(painter, *s, size=8.0, pressure=0.7)
        renders.append(painter.rgb())
    assert np.array_equal(*renders)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def _episodes(painter, count):
    for _ in range(count):
        painter.reset()
        draw(painter, (5.0, 5.0), (30.0, 50.0), (60.0, 10.0))
        painter.rgb()


@pytest.mark.parametrize(
    "brush, episodes",
    [("classic/pen", 10_000), pytest.param("classic/dry_brush", 100_000, marks=pytest.mark.slow)],
)
def test_memory_stays_flat_over_many_episodes(brush, episodes):
    painter = Painter(64, 64, brush)
    _episodes(painter, 2_000)
    before = _rss_mb()
    _episodes(painter, episodes)
    assert _rss_mb() - before < 3


def test_a_remembered_render_is_the_render_and_a_callers_changes_do_not_reach_it():
    program = StrokeProgram(64, 64, "classic/dry_brush", "grayscale").with_actions(
        [Action("jump", (10.0, 32.0), (10.0, 32.0), (10.0, 32.0), 1.0, 4.0),
         Action("draw", (10.0, 32.0), (30.0, 20.0), (50.0, 32.0), 0.8, 4.0)])
    first = render_program(program)
    assert (first < 128).any(), "ink where the stroke is"
    first[:] = 0
    again = render_program(program)
    assert (again == 255).mean() > 0.5, "a caller's changes to a render do not reach the next"
    assert np.array_equal(again, render_program(program, painter=Painter(64, 64, "classic/dry_brush")))
