"""Glyphs redrawn in other pens for `spiral eval --styles`: the ink lies on the person's
lines, a bold pen lays more than a hairline, a pencil is lighter than a pen, and each style
is parsed and scored against the true strokes beside the tracer."""

import numpy as np

from spiral_cli.evaluation.styles import BRUSHES, drawn_with, style_reports, styles

L_SHAPE = [[np.array([[16.0, 12.0], [16.0, 50.0], [48.0, 50.0]], np.float32)],
           [np.array([[20.0, 20.0], [44.0, 20.0]], np.float32), np.array([[32.0, 28.0], [32.0, 52.0]], np.float32)]]


def _ink(canvases):
    return 1.0 - canvases[..., 0] / 255.0


def test_every_style_puts_ink_on_the_lines_and_nowhere_else():
    near = np.zeros((64, 64), bool)
    near[6:57, 10:23] = near[44:57, 10:55] = True
    for brush, width in styles():
        ink = _ink(drawn_with(L_SHAPE[:1], brush, width, 64))[0]
        assert ink[near].sum() > 10, (brush, width)
        assert ink[~near].sum() < 0.05 * ink.sum(), (brush, width)


def test_widths_and_brushes_differ_as_named():
    mass = {w: _ink(drawn_with(L_SHAPE, "pen", w, 64)).sum() for w in (1.0, 10.0)}
    assert mass[10.0] > 4 * mass[1.0]
    pen, pencil = (_ink(drawn_with(L_SHAPE, b, 2.5, 64)).max() for b in ("pen", "pencil"))
    assert pencil < 0.8 * pen
    assert set(BRUSHES) == {"pen", "pencil", "ink", "dry brush"}


def test_style_reports_score_the_parse_and_the_tracer_against_true_strokes():
    reports = style_reports("omniglot", L_SHAPE, pairs=[("pen", 2.5)])
    methods = reports["pen 2.5 px"]
    assert set(methods) == {"parse", "parse --method trace"}
    for report in methods.values():
        assert report["true_strokes_per_image"] == 1.5
        assert report["relative_residual"] < 0.8  # much better than an empty page
        assert report["chamfer_px"] < 3.0


def test_styles_need_true_strokes(tmp_path):
    from tests.conftest import run_spiral

    result = run_spiral("eval", "--checkpoint", "omniglot", "--data", f"mnist:{tmp_path}", "--styles", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["spiral: --styles redraws true strokes: it takes --data strokes:DIR"]
