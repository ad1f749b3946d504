"""Where the tracer lifts the pen at a corner: corner finding, labels from people's strokes,
the fitted model, and the shipped model on glyphs whose stroke counts people agree on."""

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from spiral_cli.painting.painter import ink
from spiral_cli.tracing.lifts import FEATURES, LiftModel, corner_labels, corners, fit_lifts, lifted
from spiral_cli.tracing.native import trace_program
from tests.conftest import constant_decider


def _path(points, step=0.5):
    """A (row, column) polyline through (x, y) points, sampled every `step` px."""
    out = []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        n = max(2, int(np.hypot(x1 - x0, y1 - y0) / step))
        t = np.linspace(0, 1, n, endpoint=False)[:, None]
        out.append(np.c_[y0 + t * (y1 - y0), x0 + t * (x1 - x0)])
    out.append(np.array([[points[-1][1], points[-1][0]]], float))
    return np.concatenate(out)


def test_an_l_has_one_corner_at_its_bend_and_a_line_or_a_circle_none():
    bend = _path([(20, 10), (20, 50), (50, 50)])
    places, features = corners([bend], width=3.0)
    assert len(places) == 1 and features.shape == (1, FEATURES)
    row, column = bend[places[0][1]]
    assert abs(row - 50) <= 2 and abs(column - 20) <= 2
    assert abs(np.degrees(np.arctan2(features[0, 1], features[0, 0])) - 90) < 10
    assert features[0, 10] > 0.99 and features[0, 11] > 0.99, "both arms straight"
    hook = _path([(20, 10), (20, 50), (28, 50), (32, 46), (32, 40), (28, 36)])  # the arm out curls back
    _, curled = corners([hook], width=3.0)
    assert curled[0, 11] < 0.95 < curled[0, 10]
    circle = np.c_[32 + 20 * np.sin(np.linspace(0, 2 * np.pi, 300)), 32 + 20 * np.cos(np.linspace(0, 2 * np.pi, 300))]
    assert not corners([_path([(10, 32), (54, 32)]), circle], width=3.0)[0]


def test_the_pen_lifts_at_a_corner_only_when_the_model_says_so():
    bend = _path([(20, 10), (20, 50), (50, 50)])
    first, second = lifted([bend], 3.0, constant_decider(LiftModel(), True))
    assert np.array_equal(first[-1], second[0]) and len(first) + len(second) == len(bend) + 1
    assert len(lifted([bend], 3.0, constant_decider(LiftModel(), False))) == 1


def test_a_corner_is_labelled_a_lift_where_a_persons_stroke_ends():
    bend = _path([(20, 10), (20, 50), (50, 50)])
    places, _ = corners([bend], width=3.0)
    corner = np.array([[20.5, 50.5]])  # (x, y) canvas coordinates of the bend
    assert corner_labels([bend], places, corner, 3.0).tolist() == [1.0]
    assert corner_labels([bend], places, np.array([[20.5, 10.5], [50.5, 50.5]]), 3.0).tolist() == [0.0]


def test_the_model_learns_which_corners_end_strokes():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2000, FEATURES)).astype(np.float32)
    labels = (features[:, 2] > 0.3).astype(np.float32)  # say: people lift when the arm comes in rightwards
    model = fit_lifts(features, labels, epochs=400)
    test = rng.normal(size=(500, FEATURES)).astype(np.float32)
    assert ((model.probabilities(test) > 0.5) == (test[:, 2] > 0.3)).mean() > 0.9


def _glyph(draw, width=3):
    image = Image.new("L", (64, 64), 255)
    draw(ImageDraw.Draw(image), width)
    return ink(np.asarray(image))


@pytest.mark.parametrize("width", [3, 4])
def test_the_shipped_model_lifts_where_people_do_and_not_on_simple_shapes(width):
    sun = _glyph(lambda d, w: (d.rectangle((18, 8, 46, 56), outline=0, width=w),
                               d.line([(18, 32), (46, 32)], fill=0, width=w)), width)  # 日: four strokes in KanjiVG
    unlifted, lifted_strokes = len(trace_program(sun, lifting=False).pen_strokes), len(trace_program(sun).pen_strokes)
    assert abs(lifted_strokes - 4) <= 1 < abs(unlifted - 4), "closer to the four strokes people write"
    for shape in (lambda d, w: d.ellipse((12, 12, 52, 52), outline=0, width=w),
                  lambda d, w: d.line([(16, 12), (48, 12), (26, 54)], fill=0, width=w, joint="curve")):
        assert len(trace_program(_glyph(shape, width)).pen_strokes) == 1, "a circle or a 7 in one line"
    # a ruler-straight square is written as KanjiVG writes 口: left side; top and right; bottom
    square = _glyph(lambda d, w: d.rectangle((14, 14, 50, 50), outline=0, width=w), width)
    assert 1 <= len(trace_program(square).pen_strokes) <= 3
