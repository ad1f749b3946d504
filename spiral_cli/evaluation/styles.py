"""Glyphs in other pens: people's held-out strokes drawn again from hairline to bold and with
pen, pencil, ink and dry brush, parsed, and scored against the strokes they were drawn with.

A user's glyphs are not drawn with the pen of the training renders; this shows whether the
strokes that come back stay clean (as many as the person drew, on their lines) as the line
gets thinner, bolder or textured, beside the classic tracer on the same images."""

from __future__ import annotations

import itertools
import time

import numpy as np

from spiral_cli.evaluation.reconstruction import score
from spiral_cli.painting.calibration import size_for_width
from spiral_cli.painting.painter import render_program
from spiral_cli.parsing.parse import canvas_image, parse_read
from spiral_cli.programs.model import Action, StrokeProgram

# name: (libmypaint brush, whether its size is set by the ink its line carries). Graphite is
# light: a pencil keeps the pen's size, since carrying the pen's ink would blur it into a cloud.
BRUSHES = {"pen": ("classic/pen", True), "pencil": ("classic/pencil", False),
           "ink": ("classic/calligraphy", True), "dry brush": ("classic/dry_brush", True)}
WIDTHS = (1.0, 2.5, 5.0, 10.0)  # px of ink across the line, on a 64 px glyph
PRESSURE = 0.8


def styles(brushes=tuple(BRUSHES), widths=WIDTHS) -> list[tuple[str, float]]:
    """(brush name, width) pairs: every width with the pen, every brush at the middle widths."""
    pairs = [("pen", w) for w in widths]
    return pairs + [(b, w) for b in brushes if b != "pen" for w in widths if 1.0 < w < 10.0]


def drawn_with(truth: list[list[np.ndarray]], brush: str, width: float, canvas: int) -> np.ndarray:
    """(N, canvas, canvas, 1) uint8 renders of each drawing's true polylines with the brush
    at the size whose line carries `width` px of ink (a pencil: a `width` px pen's size)."""
    name, calibrated = BRUSHES[brush]
    size = size_for_width(name if calibrated else "classic/pen", width)
    renders = []
    for lines in truth:
        actions = []
        for line in lines:
            points = [tuple(map(float, p)) for p in line]
            actions.append(Action("jump", points[0], points[0], points[0], PRESSURE, size))
            if len(points) == 1:  # a dot
                points = points * 2
            for a, b in itertools.pairwise(points):
                middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
                actions.append(Action("draw", a, middle, b, PRESSURE, size))
        program = StrokeProgram(canvas, canvas, name, "grayscale", tuple(actions))
        renders.append(render_program(program)[..., :1])
    return np.stack(renders)


def style_reports(checkpoint: str, truth: list[list[np.ndarray]], pairs=None, canvas: int = 64) -> dict:
    """Per style, `spiral parse` (default quality) with the checkpoint and with `--method
    trace` on the same renders, each scored against the true strokes."""
    reports = {}
    for brush, width in pairs or styles():
        targets = drawn_with(truth, brush, width, canvas)
        images = [canvas_image(target, f"{brush} {width:g} px #{i}") for i, target in enumerate(targets)]
        reports[f"{brush} {width:g} px"] = {
            "parse": _parsed(images, targets, truth, checkpoint=checkpoint),
            "parse --method trace": _parsed(images, targets, truth, method="trace"),
        }
    return reports


def _parsed(images, targets, truth, **how) -> dict:
    start = time.perf_counter()
    programs = [result.program for result in parse_read(images, **how)]
    seconds = time.perf_counter() - start
    renders = np.stack([render_program(p)[..., :1] if p.strokes else np.full_like(t, 255)
                        for p, t in zip(programs, targets)])
    return score(renders, targets, programs, seconds, truth=truth).to_dict()
