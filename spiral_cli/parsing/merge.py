"""Merging strokes drawn twice: the agent sometimes draws a bold line as two thin strokes side
by side, which a plotter then draws twice and a person would count as one. A stroke that runs
along another (nearly all its points within their line widths of it) is left out and the other
widened to carry both (and moved halfway towards the other, for two drawn side by side), when
the render of that stays within a small tolerance of the two strokes' error."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.spatial import cKDTree

from spiral_cli.painting.painter import Painter
from spiral_cli.parsing.composite import kept_ink, trial_drawer
from spiral_cli.parsing.prune import ink_error
from spiral_cli.programs.model import StrokeProgram
from spiral_cli.programs.polylines import stroke_polylines

COVERED = 0.9  # share of a stroke's points that must lie along the other
WIDENING = (1.0, 1.25, 1.5, 1.75, 2.0)  # the kept stroke's sizes tried, as multiples of its own
# a merge may cost this share of the empty page's error (chosen on 240 training drawings of
# Omniglot, KanjiVG and the sheep: count error 1.50 unmerged, 1.41 merged, residual 0.2030 and
# 0.2027; half or twice this tolerance did worse)
TOLERANCE = 0.01


def merge_doubled(program: StrokeProgram, target_ink: np.ndarray, render: np.ndarray, painter: Painter,
                  tolerance: float = TOLERANCE) -> tuple[StrokeProgram, np.ndarray]:
    """The program with each doubled stroke merged into the one it runs along, and the ink of
    its render; target_ink and render (the program's) (H, W) in [0, 1]."""
    allowed = tolerance * float((target_ink ** 2).sum())
    drawn, given = trial_drawer(program, painter), program
    error = ink_error(drawn(program), target_ink)
    tried: set[tuple] = set()
    while (pair := _doubled_pair(program, tried)) is not None:
        tried.add(_key(program, pair[:2]))
        merged, merged_error = _best_merge(program, pair, target_ink, drawn)
        if merged_error <= error + allowed:
            allowed -= max(merged_error - error, 0.0)  # the tolerance is for the whole drawing
            program, error = merged, merged_error
    return program, kept_ink(program, given, render, painter)


def _doubled_pair(program: StrokeProgram, tried: set) -> tuple[int, int, np.ndarray] | None:
    """(dropped, kept, offset): the shortest stroke lying along another, not yet tried, and
    its mean offset from the other."""
    runs = program.pen_strokes
    if len(runs) < 2:
        return None
    lines = stroke_polylines(program)
    trees = [cKDTree(line) for line in lines]
    widths = [np.mean([a.size for a in run]) for run in runs]
    for i in sorted(range(len(runs)), key=lambda k: len(lines[k])):
        for j in range(len(runs)):
            if j == i or len(lines[j]) < len(lines[i]) or _key(program, (i, j)) in tried:
                continue
            reach = (widths[i] + widths[j]) / 2  # their inks overlap (a wider reach merged too much on training glyphs)
            distances, nearest = trees[j].query(lines[i])
            if np.mean(distances <= reach) >= COVERED:
                return i, j, (lines[i] - lines[j][nearest]).mean(0)
    return None


def _key(program: StrokeProgram, pair: tuple[int, int]) -> tuple:
    runs = program.pen_strokes
    return runs[pair[0]], runs[pair[1]]


def _best_merge(program: StrokeProgram, pair: tuple, target_ink: np.ndarray, drawn) -> tuple[StrokeProgram, float]:
    dropped, kept, offset = pair
    runs = list(program.pen_strokes)
    best = None
    for shift, factor in ((s, f) for s in (0.0, 0.5) for f in WIDENING):
        dx, dy = (float(v) * shift for v in offset)
        widened = tuple(replace(a, size=a.size * factor, start=_moved(a.start, dx, dy), control=_moved(a.control, dx, dy),
                                end=_moved(a.end, dx, dy)) for a in runs[kept])
        trial = program.with_strokes([widened if k == kept else r for k, r in enumerate(runs) if k != dropped])
        trial_error = ink_error(drawn(trial), target_ink)
        if best is None or trial_error < best[1]:
            best = (trial, trial_error)
    return best


def _moved(point, dx: float, dy: float) -> tuple[float, float]:
    return (point[0] + dx, point[1] + dy)

