"""The classic baseline at any resolution (`spiral parse --method trace`): the centre lines
of the drawing as continuous pen strokes, each a chain of quadratic Bezier segments, drawn
with a round pen as wide as the lines."""

from __future__ import annotations

import numpy as np

from spiral_cli.painting.calibration import segment_length, size_for_width
from spiral_cli.programs.model import Action, StrokeProgram
from spiral_cli.tracing.curves import centred, extended, fit_segments, smooth
from spiral_cli.tracing.decider import Decider
from spiral_cli.tracing.junctions import learned_pairing
from spiral_cli.tracing.lifts import lifted
from spiral_cli.tracing.lines import Lines, find_lines
from spiral_cli.tracing.skeleton import drawing_order, skeleton_paths, split_at_cusps

BRUSH = "classic/pen"
TOLERANCE = 0.75  # px a curve may stray from the centre line before it is split
CUSP = 3.0  # line widths: a free branch up to this long at a cusp is where the pen turns back, not a stroke


def trace_program(ink: np.ndarray, lines: Lines | None = None, brush: str = BRUSH,
                  segment_sizes: bool = True, lifts: Decider | None = None, lifting: bool = True,
                  junctions: Decider | None = None, learned_junctions: bool = True) -> StrokeProgram:
    """A stroke program in the image's pixel frame for ink (H, W) in [0, 1]; each segment at
    the size that paints one of its length as wide as the lines (`segment_sizes`), or every
    segment at the size of a long line (what refine_native's width calibration assumes).
    With `lifting`, the pen lifts at the corners where people lift it (`lifts`, by default
    the shipped corner model); with `learned_junctions`, strokes run on through junctions
    where people's do (`junctions`, by default the shipped junction model), else straight on."""
    lines = lines or find_lines(ink)
    program = StrokeProgram(ink.shape[1], ink.shape[0], brush, "grayscale")
    if lines.blank:
        return program
    paths = centre_paths(lines, junctions, learned_junctions)
    if lifting:
        paths = lifted(paths, lines.width, lifts)
    paths = drawing_order([_centre_line(p, lines) for p in paths])
    actions: list[Action] = []
    for path in paths:
        points = path[:, ::-1] + 0.5  # (row, column) of pixels to (x, y) of their centres
        actions += stroke_actions(points, fit_segments(points, TOLERANCE), brush, lines.width, 1.0,
                                  segment_sizes)
    return program.with_actions(actions)


def centre_paths(lines: Lines, junctions: Decider | None = None, learned_junctions: bool = True) -> list[np.ndarray]:
    """The skeleton's pen paths (pixel row, column) over the lines, pen lifted only at their ends."""
    spur, min_length, cusp = skeleton_scales(lines)
    pairing = learned_pairing(lines.width, junctions) if learned_junctions else None
    return skeleton_paths(lines.mask, spur, min_length, cusp, pairing)


def skeleton_scales(lines: Lines) -> tuple[float, float, float]:
    """(spur, shortest path, longest cusp) in px for the lines' skeleton."""
    # a textured line's outline grows long spurs and specks that no hand drew
    spur = max(3.0, (1.5 if lines.textured else 1.0) * lines.width)
    return spur, max(2.0, lines.width if lines.textured else lines.width / 2), CUSP * lines.width


def _centre_line(path: np.ndarray, lines: Lines) -> np.ndarray:
    """A skeleton path smoothed, centred on the ink and carried to the ends of the lines,
    each piece between cusps on its own, so every cusp's tip reaches the end of its ink too."""
    radius = max(1, int(round(lines.width / 3)))
    pieces = [extended(centred(smooth(piece, radius), lines.ink, lines.width), lines.ink, lines.width, lines.level)
              for piece in split_at_cusps(path)]
    return np.concatenate(pieces)


def stroke_actions(points: np.ndarray, segments, brush: str, width: float, pressure: float,
                   segment_sizes: bool = True) -> list[Action]:
    """A jump to the first (x, y) point, then one draw per (control, end) segment, each at the
    size that paints a segment of its length (or a long line) `width` px wide."""
    point = lambda p: (float(p[0]), float(p[1]))
    start = point(points[0])
    actions = []
    for control, end in segments:
        length = segment_length(start, point(control), point(end)) if segment_sizes else None
        size = size_for_width(brush, width, length)
        actions.append(Action("draw", start, point(control), point(end), pressure, size))
        start = point(end)
    first = actions[0].size if actions else size_for_width(brush, width)
    return [Action("jump", point(points[0]), point(points[0]), point(points[0]), pressure, first), *actions]
