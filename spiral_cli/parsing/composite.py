"""Trial programs drawn from their strokes' own inks. Ink of one colour laid over ink adds as
1 - (1 - a)(1 - b), whatever the order, so the render of a set of continuous strokes is the
product of the strokes' own renders (libmypaint's agrees within 1/255 per pixel). The steps of
the glyph pipeline that try a program with one stroke left out or changed (pruning, extending,
merging) then draw that one stroke, not all of them."""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from spiral_cli.painting.painter import Painter, ink, render_program
from spiral_cli.programs.model import StrokeProgram

# px: larger programs' trials are drawn whole (a stroke's own ink is a canvas of floats, and
# a page has hundreds of strokes)
MOST_PIXELS = 128 * 128


def drawn_from_strokes(program: StrokeProgram) -> np.ndarray:
    """The ink (H, W) in [0, 1] of the program as the product of its continuous strokes' own
    renders (each drawn once: render_program remembers them, so a stroke that the steps of the
    pipeline leave unchanged is not drawn again)."""
    paper = np.ones((program.height, program.width), np.float32)
    for run in program.pen_strokes:
        paper *= 1.0 - ink(render_program(program.with_strokes([run]))[..., 0])
    return 1.0 - paper


def trial_drawer(program: StrokeProgram, painter: Painter) -> Callable[[StrokeProgram], np.ndarray]:
    """How the trials of `program` are drawn: from their strokes' own inks when all of its
    strokes have one colour on a glyph-sized canvas, otherwise by libmypaint whole."""
    one_colour = len({action.color for action in program.actions if action.draws}) <= 1
    if one_colour and program.width * program.height <= MOST_PIXELS:
        return drawn_from_strokes
    return functools.partial(render_ink, painter=painter)


def render_ink(program: StrokeProgram, painter: Painter) -> np.ndarray:
    """The ink (H, W) in [0, 1] of libmypaint's render of the program, drawn by `painter`."""
    return ink(render_program(program, painter=painter)[..., 0])


def kept_ink(kept: StrokeProgram, given: StrokeProgram, render: np.ndarray, painter: Painter) -> np.ndarray:
    """The ink of the program a step kept: `render` (given's) when it kept the given one,
    libmypaint's own render otherwise (trials are judged on estimates; results are drawn)."""
    return render if kept is given else render_ink(kept, painter)
