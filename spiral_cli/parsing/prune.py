"""Dropping the strokes a render does not need: each continuous stroke, shortest first, is
left out when the render without it is no farther from the target (a stroke drawn
over ink already there, or beside the line). The drawing keeps every stroke that helps; the
person's count of strokes is approached from above."""

from __future__ import annotations

import numpy as np

from spiral_cli.painting.painter import Painter
from spiral_cli.parsing.composite import kept_ink, trial_drawer
from spiral_cli.programs.model import StrokeProgram


def prune_strokes(program: StrokeProgram, target_ink: np.ndarray, render: np.ndarray, painter: Painter
                  ) -> tuple[StrokeProgram, np.ndarray]:
    """The program without the continuous strokes its render does not need, and the ink of
    its render; target_ink and render (the program's, already made) (H, W) in [0, 1];
    `painter` (the program's size and brush) draws the trials."""
    runs = list(program.pen_strokes)
    drawn = trial_drawer(program, painter)  # each trial judged against the same kind of render
    given, error = program, ink_error(drawn(program), target_ink)
    for run in sorted(runs, key=stroke_length):
        if len(runs) == 1:
            break
        fewer = [r for r in runs if r is not run]
        trial = program.with_strokes(fewer)
        trial_error = ink_error(drawn(trial), target_ink)
        if trial_error <= error:
            runs, program, error = fewer, trial, trial_error
    return program, kept_ink(program, given, render, painter)


def ink_error(render: np.ndarray, target_ink: np.ndarray) -> float:
    """Summed squared ink difference: what each step of the glyph pipeline keeps from rising."""
    return float(((render - target_ink) ** 2).sum())


def stroke_length(run) -> float:
    """px along a continuous stroke's curves, end to end."""
    return float(sum(np.hypot(a.end[0] - a.start[0], a.end[1] - a.start[1]) for a in run))
