"""Off-grid refinement of many small drawings at once (`spiral parse` on glyphs).

The agent's strokes sit on its action grid (2 px cells on a 64 px canvas). The differentiable
rasteriser of `refine_native` moves their points and widths off the grid; run on one glyph at
a time its set-up costs more than the fit. So the glyphs are fitted together in one gradient
descent, each on its own page of a stack in its own coordinates (so that a glyph's fit does not
depend on which others share its batch); each glyph keeps its refined strokes only if
libmypaint's render of them is closer to its target than the agent's was."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from spiral_cli.painting.painter import ink, render_program
from spiral_cli.parsing.refine_native import fit_strokes
from spiral_cli.programs.model import StrokeProgram

# A glyph's curves are a few px long: small tiles waste fewer pixels, five points follow them,
# and a few steps of 0.3 px move a stroke by about the action grid's half cell.
TILE, SAMPLES, POINT_RATE = 4, 5, 0.3


def refine_glyphs(programs: list[StrokeProgram], targets_ink: np.ndarray, renders_ink: np.ndarray,
                  iterations: int) -> tuple[list[StrokeProgram], np.ndarray]:
    """Programs fitted to targets_ink (N, H, W) in [0, 1], given the ink of their renders;
    returns the programs kept and their renders' ink."""
    runs, owners = [], []
    for index, program in enumerate(programs):
        runs += program.pen_strokes
        owners += [index] * len(program.pen_strokes)
    if not runs:
        return list(programs), renders_ink
    stack = replace(programs[0], grid=None, actions=()).with_strokes(runs)
    fitted = fit_strokes(stack, targets_ink, iterations, POINT_RATE, TILE, SAMPLES, pages=owners).pen_strokes
    kept, kept_ink = [], renders_ink.copy()
    for index, (program, target) in enumerate(zip(programs, targets_ink)):
        mine = [run for run, owner in zip(fitted, owners) if owner == index]
        candidate = program.with_strokes(mine) if mine else program
        render = ink(render_program(candidate)[..., 0]) if mine else renders_ink[index]
        if ((render - target) ** 2).sum() < ((renders_ink[index] - target) ** 2).sum():
            kept.append(replace(candidate, grid=None))
            kept_ink[index] = render
        else:
            kept.append(program)
    return kept, kept_ink
