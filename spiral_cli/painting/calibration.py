"""How wide a brush really paints: libmypaint brushes lay ink wider (or narrower) than the
size they are given, each in its own way, so a line of a measured width is drawn at the size
whose line is measured as that wide.

Brushes with speed dynamics (the pen) also paint a short segment wider than a long one: every
segment is sent as the same number of events at the same time step, so a short one is drawn
slowly. A 40 px segment of the pen at size 2.5 carries 4.8 px of ink across, a 160 px one 3.9.
Given a segment's length, the size is read off lines of that length."""

from __future__ import annotations

import functools

import numpy as np

from spiral_cli.painting.painter import Painter, ink
from spiral_cli.programs.model import Action

_SIZES = np.geomspace(0.5, 64.0, 22)
_LENGTH = 160.0
_SEGMENT_LENGTHS = np.geomspace(4.0, 256.0, 7)  # px
_LOG_SEGMENT_LENGTHS = np.log(_SEGMENT_LENGTHS)


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


@functools.lru_cache(maxsize=32)
def _widths_by_length(brush: str) -> np.ndarray:
    """(lengths, sizes): ink across the middle of a straight segment of each length and size."""
    table = np.zeros((len(_SEGMENT_LENGTHS), len(_SIZES)))
    for i, length in enumerate(_SEGMENT_LENGTHS):
        for j, size in enumerate(_SIZES):
            table[i, j] = _across(brush, float(length), float(size))
    return np.maximum.accumulate(table, axis=1)


def _across(brush: str, length: float, size: float) -> float:
    """Ink across a horizontal segment, averaged over the middle half of its columns and over
    a line on a pixel row's edge and one through its centre (a thin pen's line differs by 20%)."""
    margin = int(2 * size + 4)
    width, height = int(length) + 2 * margin, 2 * margin + 1
    painter, x0, across = Painter(width, height, brush), float(margin), []
    for y in (float(margin), margin + 0.5):
        painter.reset()
        painter.execute(Action("draw", (x0, y), (x0 + length / 2, y), (x0 + length, y), 1.0, size))
        columns = ink(painter.rgb()[..., 0]).sum(0)
        across.append(columns[int(x0 + length / 4): int(np.ceil(x0 + 3 * length / 4)) + 1].mean())
    return float(np.mean(across))


def size_for_width(brush: str, width: float, length: float | None = None) -> float:
    """The brush size whose line carries `width` px of ink across (pressure 1): of a long line,
    or of a segment `length` px long."""
    if length is None:
        return float(np.interp(width, _widths(brush), _SIZES))
    position = np.log(np.clip(length, _SEGMENT_LENGTHS[0], _SEGMENT_LENGTHS[-1]))
    return float(np.exp(np.interp(position, _LOG_SEGMENT_LENGTHS, _log_sizes_by_length(brush, float(width)))))


@functools.lru_cache(maxsize=256)
def _log_sizes_by_length(brush: str, width: float) -> np.ndarray:
    """log of the size painting `width` px at each of _SEGMENT_LENGTHS (a drawing's segments
    share its line width, so this is read once per drawing, not per segment)."""
    return np.log([np.interp(width, row, _SIZES) for row in _widths_by_length(brush)])


def width_of_size(brush: str, size: float) -> float:
    return float(np.interp(size, _SIZES, _widths(brush)))


def segment_length(start, control, end) -> float:
    """About the arc length of a quadratic Bezier: between its chord and its control polygon."""
    chord = float(np.hypot(end[0] - start[0], end[1] - start[1]))
    polygon = float(np.hypot(control[0] - start[0], control[1] - start[1]) + np.hypot(end[0] - control[0], end[1] - control[1]))
    return (2 * chord + polygon) / 3
