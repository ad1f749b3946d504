"""Each stroke of a painting in the colour that fits the picture best, given what lies under it.

A colour agent picks every stroke's colour from a few levels per channel, one step at a time,
from its 64 px view. Once the strokes are known the best colours follow by least squares: a
stroke of colour c and coverage a over the canvas C gives (1 - a) C + a c, so the picture is
linear in the colours (each stroke counts where it is visible, a times what later strokes leave
uncovered) and all strokes' colours are solved at once. The result is kept only
where the real renderer agrees that it is closer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import spsolve

from spiral_cli.painting.painter import Painter, render_program
from spiral_cli.programs.model import Action, StrokeProgram

RIDGE = 1e-3  # in squared coverage: a pixel's worth of ink is 1


def recolour(program: StrokeProgram, target_rgb: np.ndarray) -> tuple[StrokeProgram, np.ndarray]:
    """The program with its strokes' colours solved against target_rgb (H, W, 3) in [0, 1], and
    its render (H, W, 3) uint8; the program unchanged when that renders no closer."""
    painter = Painter(program.width, program.height, program.brush)
    draws = [i for i, a in enumerate(program.actions) if a.draws]
    before = render_program(program)
    if not draws:
        return program, before
    visible, uncovered = _visibility([_footprint(painter, program.actions[i]).ravel() for i in draws])
    rest = target_rgb.reshape(-1, 3) - uncovered[:, None]  # the paper's white where nothing covers it
    # normal equations, pulled gently towards the strokes' own colours so that a stroke
    # painted over entirely keeps its colour; then clipped to what a colour can be
    own = np.array([program.actions[i].color or (0.0, 0.0, 0.0) for i in draws], np.float64)
    normal = (visible.T @ visible + RIDGE * sparse.identity(len(draws))).tocsc()
    colours = np.clip(spsolve(normal, visible.T @ rest + RIDGE * own).reshape(len(draws), 3), 0.0, 1.0)
    actions = list(program.actions)
    for index, colour in zip(draws, colours):
        actions[index] = replace(actions[index], color=tuple(float(c) for c in colour))
    after = render_program(program.with_actions(actions))
    if _error(after, target_rgb) < _error(before, target_rgb):
        return program.with_actions(actions), after
    return program, before


def _visibility(footprints: list[np.ndarray]) -> tuple[sparse.csc_matrix, np.ndarray]:
    """(pixels, strokes) sparse: where each stroke shows, its coverage times what the strokes
    after it leave uncovered; and (pixels,) what no stroke covers."""
    uncovered = np.ones(len(footprints[0]), np.float64)
    rows, values = [None] * len(footprints), [None] * len(footprints)
    for k in reversed(range(len(footprints))):  # the last stroke is seen whole
        rows[k] = np.flatnonzero(footprints[k] > 0)
        coverage = footprints[k][rows[k]]
        values[k] = coverage * uncovered[rows[k]]
        uncovered[rows[k]] *= 1 - coverage
    columns = np.concatenate([np.full(len(r), k) for k, r in enumerate(rows)])
    matrix = sparse.csc_matrix((np.concatenate(values), (np.concatenate(rows), columns)),
                               shape=(len(uncovered), len(footprints)))
    return matrix, uncovered


def _footprint(painter: Painter, action: Action) -> np.ndarray:
    """(H, W) coverage of one stroke drawn in black on white paper."""
    painter.clear()
    painter.execute(Action("jump", action.start, action.start, action.start, action.pressure, action.size))
    painter.execute(replace(action, color=(0.0, 0.0, 0.0)))
    return painter.coverage()


def _error(render: np.ndarray, target_rgb: np.ndarray) -> float:
    return float(((render.astype(np.float32) / 255.0 - target_rgb) ** 2).mean())
