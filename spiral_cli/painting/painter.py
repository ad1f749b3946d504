"""Executing stroke-program actions with libmypaint."""

from __future__ import annotations

import colorsys
from collections import OrderedDict

import numpy as np

from spiral_cli.painting.brushes import DEFAULT_BRUSH, brush_definition
from spiral_cli.painting.surface import FIXED_ONE, Brush, Surface
from spiral_cli.programs.model import Action, StrokeProgram

POINTS_PER_STROKE = 50  # events sent to libmypaint per Bezier, as in the official SPIRAL
_TAU = np.linspace(0.0, 1.0, POINTS_PER_STROKE + 1)[1:]


def ink(canvases: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] (1 = full ink) of uint8 canvases painted on white paper."""
    return 1.0 - canvases.astype(np.float32) / 255.0


class Painter:
    """A canvas and a brush that execute actions given in program pixels.

    ``scale`` maps program pixels to canvas pixels, so the same program re-renders at
    any resolution: coordinates and brush sizes are both multiplied by it."""

    def __init__(self, width: int, height: int, brush: str = DEFAULT_BRUSH, scale: float = 1.0):
        self.brush_name = brush
        self.scale = scale
        self._definition = brush_definition(brush)
        self.surface = Surface(round(width * scale), round(height * scale))
        self.reset()

    def reset(self) -> None:
        """A white canvas, a freshly seeded brush, the pen resting at the upper left."""
        self.brush = Brush(self._definition, self.brush_name)
        self.surface.clear()
        self.position = (0.0, 0.0)
        self._pen_down_pressure: float | None = None
        self.surface.begin()
        self.brush.move_to(self.surface, 0.0, 0.0)
        self.surface.end()

    def clear(self) -> None:
        """A white canvas with the pen at rest, keeping the brush: for rendering many strokes
        one after another with a brush without random dynamics (reset makes a new brush)."""
        self.surface.clear()
        self.position = (0.0, 0.0)
        self._pen_down_pressure = None

    def coverage(self) -> np.ndarray:
        """(H, W) float32: how far each pixel went from white towards black (strokes drawn in black)."""
        return 1.0 - self.surface.premultiplied()[..., 0].astype(np.float32) / FIXED_ONE

    def continue_from(self, other: Painter) -> None:
        """Take another painter's canvas, pen and brush state, to try out an action without
        touching it: a stroke that goes on with the pen down paints here exactly as it would
        there (for brushes without random dabs)."""
        self.surface.copy_from(other.surface)
        self.surface.begin()
        self._jump(other.position)
        self.surface.end()
        if other._pen_down_pressure is not None:  # after a jump a fresh brush is what `other` has too
            self.brush.take_state(other.brush)
        self._pen_down_pressure = other._pen_down_pressure

    def execute(self, action: Action) -> None:
        self.surface.begin()
        if action.draws:
            self._draw(action)
        else:
            self._jump(action.end)
        self.surface.end()

    def _jump(self, point) -> None:
        s = self.scale
        self.brush.move_to(self.surface, point[0] * s, point[1] * s)
        self.position = (float(point[0]), float(point[1]))
        self._pen_down_pressure = None

    def _draw(self, action: Action) -> None:
        if action.start != self.position:
            self._jump(action.start)
        s = self.scale
        self.brush.set_radius(action.size * s / 2)
        r, g, b = action.color if action.color is not None else (0.0, 0.0, 0.0)
        self.brush.set_hsv(*colorsys.rgb_to_hsv(r, g, b))
        # Pressure ramps from the previous segment's when the pen stays down.
        p0 = action.pressure if self._pen_down_pressure is None else self._pen_down_pressure
        (x0, y0), (xc, yc), (x1, y1) = action.start, action.control, action.end
        t = _TAU
        u = 1.0 - t
        xs = (u * u * x0 + 2 * u * t * xc + t * t * x1) * s
        ys = (u * u * y0 + 2 * u * t * yc + t * t * y1) * s
        ps = p0 + (action.pressure - p0) * t
        self.brush.stroke_through(self.surface, xs.tolist(), ys.tolist(), ps.tolist())
        self.position = (float(x1), float(y1))
        self._pen_down_pressure = action.pressure

    def rgb(self) -> np.ndarray:
        """(H, W, 3) uint8 canvas."""
        return self.surface.rgb()


def render_program(
    program: StrokeProgram, scale: float = 1.0, brush: str | None = None, painter: Painter | None = None
) -> np.ndarray:
    """Render a whole program to an (H, W, 3) uint8 array. Renders on a fresh painter are
    remembered (`RENDERS`): the parse pipeline scores one program several times over."""
    if painter is not None:
        painter.reset()
        return _painted(painter, program)
    key = (program.width, program.height, brush or program.brush, scale, program.actions)
    render = RENDERS.get(key)
    if render is None:
        render = _painted(Painter(program.width, program.height, brush or program.brush, scale), program)
        RENDERS.put(key, render)
    return render.copy()  # the caller may draw on its copy


def _painted(painter: Painter, program: StrokeProgram) -> np.ndarray:
    for action in program.actions:
        painter.execute(action)
    return painter.rgb()


class _Renders:
    """The most recent renders, up to a budget of bytes (a batch of glyphs, or a few pages)."""

    def __init__(self, budget: int):
        self.budget, self.used, self.items = budget, 0, OrderedDict()

    def get(self, key) -> np.ndarray | None:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        return None

    def put(self, key, render: np.ndarray) -> None:
        if render.nbytes > self.budget or key in self.items:
            return
        self.items[key] = render
        self.used += render.nbytes
        while self.used > self.budget:
            self.used -= self.items.popitem(last=False)[1].nbytes


RENDERS = _Renders(64 * 2**20)
