"""The drawing's own grey for its strokes.

The strokes are found on the lines raised to a pen's ink (the agent and the tracer work on
pen lines), but a pencil's lines carry far less ink than a pen's: re-rendered in black they
are further from the drawing than an empty page. So the strokes of a faint drawing are drawn
in the grey of its lines' measured level, when that re-renders closer to the drawing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from spiral_cli.painting.painter import ink, render_program
from spiral_cli.programs.model import StrokeProgram

FAINT_LEVEL = 0.6  # lines whose core carries less ink than this are faint (a pencil's)


def in_grey(program: StrokeProgram, level: float) -> StrokeProgram:
    """Every stroke in the grey whose ink is `level` (1 is black)."""
    grey = (1.0 - level,) * 3
    return program.with_actions(replace(a, color=grey) if a.draws else a for a in program.actions)


def match_tone(program: StrokeProgram, target_ink: np.ndarray, level: float,
               render: np.ndarray | None = None) -> tuple[StrokeProgram, np.ndarray | None, list[str]]:
    """The program, the ink of its render (None when none was made) and a note for the user:
    for faint lines, the strokes in the lines' grey if that is closer to target_ink (H, W)."""
    if level >= FAINT_LEVEL or program.color_mode != "grayscale" or not program.strokes:
        return program, render, []
    black = render if render is not None else ink(render_program(program)[..., 0])
    toned = in_grey(program, level)
    grey = ink(render_program(toned)[..., 0])
    what = f"faint lines (ink level {level:.2f}, a pencil?)"
    if ((grey - target_ink) ** 2).mean() < ((black - target_ink) ** 2).mean():
        return toned, grey, [f"{what}: the strokes are drawn in their grey"]
    return program, black, [f"{what}: the strokes follow them but re-render darker than the drawing"]
