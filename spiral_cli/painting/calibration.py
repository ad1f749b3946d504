"""How wide a brush really paints: libmypaint brushes lay ink wider (or narrower) than the
size they are given, each in its own way, so a line of a measured width is drawn at the size
whose line is measured as that wide."""

from __future__ import annotations

import functools

import numpy as np

from spiral_cli.painting.painter import Painter, ink
from spiral_cli.programs.model import Action

_SIZES = np.geomspace(0.5, 64.0, 22)
_LENGTH = 160.0


@functools.lru_cache(maxsize=32)
def _widths(brush: str) -> np.ndarray:
    """Ink mass per px of line, for a straight line at each of _SIZES."""
    widths = []
    for size in _SIZES:
        side = int(_LENGTH + 4 * size + 8)
        painter = Painter(side, side, brush)
        y, x0 = side / 2, 2 * size + 4
        painter.execute(Action("draw", (x0, y), (x0 + _LENGTH / 2, y), (x0 + _LENGTH, y), 1.0, float(size)))
        mass = float(ink(painter.rgb()[..., 0]).sum())
        widths.append(mass / (_LENGTH + size))  # a round cap adds about half a width at each end
    return np.maximum.accumulate(np.array(widths))


def size_for_width(brush: str, width: float) -> float:
    """The brush size whose line carries `width` px of ink across (pressure 1)."""
    widths = _widths(brush)
    return float(np.interp(width, widths, _SIZES))


def width_of_size(brush: str, size: float) -> float:
    return float(np.interp(size, _SIZES, _widths(brush)))
