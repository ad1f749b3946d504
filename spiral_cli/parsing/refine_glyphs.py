"""Off-grid refinement of many small drawings at once (`spiral parse` on glyphs).

The agent's strokes sit on its action grid (2 px cells on a 64 px canvas). The differentiable
rasteriser of `refine_native` moves their points and widths off the grid; run on one glyph at
a time its set-up costs more than the fit. So the glyphs are laid side by side on one mosaic,
a gap apart so that no stroke reaches a neighbour, fitted together in one gradient descent,
and cut apart again; each glyph keeps its refined strokes only if libmypaint's render of them
is closer to its target than the agent's was."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from spiral_cli.painting.painter import ink, render_program
from spiral_cli.parsing.refine_native import fit_strokes
from spiral_cli.programs.model import StrokeProgram

GAP = 16  # px between glyphs on the mosaic: beyond any stroke's reach in the fit
# A glyph's curves are a few px long: small tiles waste fewer pixels, five points follow them,
# and a few steps of 0.3 px move a stroke by about the action grid's half cell.
TILE, SAMPLES, POINT_RATE = 4, 5, 0.3


def refine_glyphs(programs: list[StrokeProgram], targets_ink: np.ndarray, renders_ink: np.ndarray,
                  iterations: int) -> tuple[list[StrokeProgram], np.ndarray]:
    """Programs fitted to targets_ink (N, H, W) in [0, 1], given the ink of their renders;
    returns the programs kept and their renders' ink."""
    count, height, width = targets_ink.shape
    columns = math.ceil(math.sqrt(count))
    cell = (width + GAP, height + GAP)
    origin = lambda i: ((i % columns) * cell[0], (i // columns) * cell[1])
    mosaic_ink = np.zeros((math.ceil(count / columns) * cell[1], columns * cell[0]), np.float32)
    runs, owners = [], []
    for index, (program, target) in enumerate(zip(programs, targets_ink)):
        x, y = origin(index)
        mosaic_ink[y: y + height, x: x + width] = target
        for run in program.pen_strokes:
            runs.append([_moved(a, x, y) for a in run])
            owners.append(index)
    if not runs:
        return list(programs), renders_ink
    mosaic = replace(programs[0], width=mosaic_ink.shape[1], height=mosaic_ink.shape[0], grid=None, actions=())
    fitted = fit_strokes(mosaic.with_strokes(runs), mosaic_ink, iterations, POINT_RATE, TILE, SAMPLES).pen_strokes
    kept, kept_ink = [], renders_ink.copy()
    for index, (program, target) in enumerate(zip(programs, targets_ink)):
        x, y = origin(index)
        mine = [[_moved(a, -x, -y, width, height) for a in run] for run, owner in zip(fitted, owners) if owner == index]
        candidate = program.with_strokes(mine) if mine else program
        render = ink(render_program(candidate)[..., 0]) if mine else renders_ink[index]
        if ((render - target) ** 2).sum() < ((renders_ink[index] - target) ** 2).sum():
            kept.append(replace(candidate, grid=None))
            kept_ink[index] = render
        else:
            kept.append(program)
    return kept, kept_ink


def _moved(action, dx: float, dy: float, width: float | None = None, height: float | None = None):
    def place(point):
        x, y = point[0] + dx, point[1] + dy
        if width is not None:
            x, y = min(max(x, 0.0), width), min(max(y, 0.0), height)
        return (float(x), float(y))

    return replace(action, start=place(action.start), control=place(action.control), end=place(action.end))
