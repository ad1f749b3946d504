"""Which arms of a junction the tracer runs a stroke on through: the pairs' features, labels
from people's strokes, a model's choice deciding the strokes, and the shipped model on glyphs
whose strokes people agree on."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from spiral_cli.painting.painter import ink
from spiral_cli.tracing.junctions import JunctionModel, fit_junctions, pair_features, pair_labels
from spiral_cli.tracing.native import trace_program
from tests.conftest import constant_decider


def _arm(angle_degrees, length=20.0, step=0.5):
    """A straight (row, column) path leading out of a junction at (32, 32)."""
    t = np.arange(0, length + step, step)[:, None]
    direction = np.array([np.sin(np.radians(angle_degrees)), np.cos(np.radians(angle_degrees))])  # (row, column)
    return 32 + t * direction


def _glyph(draw, width=3):
    image = Image.new("L", (64, 64), 255)
    draw(ImageDraw.Draw(image), width)
    return ink(np.asarray(image))


def _plus(d, w):
    d.line([(10, 32), (54, 32)], fill=0, width=w)
    d.line([(32, 10), (32, 54)], fill=0, width=w)


def test_pair_features_see_which_arms_are_straight_on():
    arms = [_arm(0), _arm(180), _arm(90)]  # a T: the bar's two halves and the stem
    pairs, features = pair_features(arms, [True, True, True], width=3.0)
    assert len(pairs) == 6 and features.shape == (6, 17)
    straightness = {pair: row[9] for pair, row in zip(pairs, features)}  # the far-scale straightness
    assert straightness[(0, 1)] > 0.99 and abs(straightness[(0, 2)]) < 0.05
    best = {pair: row[10] for pair, row in zip(pairs, features)}
    assert best[(0, 1)] == 1.0 and best[(0, 2)] == 0.0


def test_a_pair_is_labelled_run_on_where_a_persons_stroke_goes_through_both_arms():
    arms = [_arm(0), _arm(180), _arm(90)]
    pairs, _ = pair_features(arms, [True, True, True], width=3.0)
    bar = np.stack([np.linspace(12, 52, 41), np.full(41, 32.0)], axis=1) + 0.5  # canvas (x, y) through the bar
    stem = np.stack([np.full(21, 32.0), np.linspace(32, 52, 21)], axis=1) + 0.5
    labels = dict(zip(pairs, pair_labels(arms, pairs, [bar, stem], 3.0)))
    assert labels[(0, 1)] == labels[(1, 0)] == 1.0
    assert labels[(0, 2)] == labels[(2, 1)] == 0.0, "the stem's stroke ends at the bar"


def test_the_model_decides_which_arms_run_on():
    plus = _glyph(_plus)
    # the corner model left out: an arm paired round a corner would be its decision, not this one's
    assert len(trace_program(plus, junctions=constant_decider(JunctionModel(), True), lifting=False).pen_strokes) == 2
    assert len(trace_program(plus, junctions=constant_decider(JunctionModel(), False), lifting=False).pen_strokes) == 4
    assert len(trace_program(plus).pen_strokes) == 2, "the shipped models draw a plus as people do"


def test_the_model_learns_a_rule_from_labelled_pairs():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2000, 17)).astype(np.float32)
    labels = (features[:, 9] > 0.2).astype(np.float32)  # say: people run on where the arms are straight
    model = fit_junctions(features, labels, epochs=400)
    test = rng.normal(size=(500, 17)).astype(np.float32)
    assert ((model.probabilities(test) > 0.5) == (test[:, 9] > 0.2)).mean() > 0.9


@pytest.mark.parametrize("width", [3, 4])
def test_the_shipped_model_runs_a_bar_straight_through_a_crossing(width):
    def grain(d, w):  # 禾's lower part: a bar, a trunk, and two strokes falling from the crossing
        d.line([(10, 26), (54, 24)], fill=0, width=w)
        d.line([(32, 8), (32, 58)], fill=0, width=w)
        d.line([(32, 26), (10, 50)], fill=0, width=w)
        d.line([(32, 26), (54, 50)], fill=0, width=w)

    strokes = [np.array([a.end for a in run] + [run[0].start]) for run in trace_program(_glyph(grain, width)).pen_strokes]
    assert len(strokes) == 4
    spans = sorted(float(np.ptp(s[:, 0])) for s in strokes)
    assert spans[-1] > 38, "the bar is one stroke from end to end"
    assert len(trace_program(_glyph(_plus, width)).pen_strokes) == 2, "a cross is two strokes"


@pytest.mark.parametrize("width", [3, 5])
def test_a_loop_is_entered_and_left_where_it_meets_the_line(width):
    def looped_two(d, w):  # down the neck, round the loop across it, out along the base
        d.line([(16, 18), (24, 10), (36, 9), (44, 16), (42, 28), (24, 44), (16, 54), (12, 60), (6, 54), (8, 46),
                (16, 44), (26, 48), (36, 54), (52, 56)], fill=0, width=w, joint="curve")

    two = _glyph(looped_two, width)
    assert len(trace_program(two).pen_strokes) == 1
    assert len(trace_program(two, junctions=constant_decider(JunctionModel(), False)).pen_strokes) == 1, "even where no arms would run on"
