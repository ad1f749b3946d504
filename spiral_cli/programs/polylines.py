"""Stroke programs as polylines: what plotters, stroke datasets and the chamfer distance need."""

from __future__ import annotations

import numpy as np

from spiral_cli.programs.model import StrokeProgram

SPACING = 1.0  # px between the points strokes are sampled at


def stroke_polylines(program: StrokeProgram, spacing: float = SPACING) -> list[np.ndarray]:
    """Each continuous stroke, in drawing order, as (n, 2) points about `spacing` px apart
    along its curves."""
    lines = []
    for run in program.pen_strokes:
        pieces = [np.array([run[0].start])]
        for a in run:
            p0, c, p1 = (np.array(v, float) for v in (a.start, a.control, a.end))
            count = max(2, int(np.ceil((np.linalg.norm(c - p0) + np.linalg.norm(p1 - c)) / spacing)) + 1)
            t = np.linspace(0, 1, count)[1:, None]
            pieces.append((1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t ** 2 * p1)
        lines.append(np.concatenate(pieces))
    return lines


def mean_size(program: StrokeProgram) -> float | None:
    """The brush size (px) of the program's draws on average: one pen for a plotter."""
    sizes = [a.size for a in program.actions if a.draws]
    return float(np.mean(sizes)) if sizes else None
