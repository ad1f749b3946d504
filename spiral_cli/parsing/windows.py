"""Window plans: where on an image the agent looks, at what scale, in what order.

One mechanism for line art (a grid of canvas-sized windows at the working scale) and for
painting coarse to fine (the whole image, then 2 x 2, then 4 x 4 windows, as Learning to
Paint's --divide). Windows are squares in image px; the agent sees each at canvas px."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from spiral_cli.parsing.images import CanvasFit, warp
from spiral_cli.programs.model import Action

OVERLAP = 0.25  # share of a window that its neighbour also covers


@dataclass(frozen=True)
class Window:
    left: float
    top: float
    side: float  # image px
    canvas: int  # agent px

    @property
    def scale(self) -> float:
        """Image px to agent px."""
        return self.canvas / self.side

    def to_window(self, point) -> tuple[float, float]:
        return ((point[0] - self.left) * self.scale, (point[1] - self.top) * self.scale)

    def to_image(self, point) -> tuple[float, float]:
        return (point[0] / self.scale + self.left, point[1] / self.scale + self.top)

    def overlaps(self, other: Window) -> bool:
        return (self.left < other.left + other.side and other.left < self.left + self.side
                and self.top < other.top + other.side and other.top < self.top + self.side)

    def crop(self, values: np.ndarray) -> np.ndarray:
        """The (H, W) array's window as an integer slice (clipped to the array)."""
        h, w = values.shape[:2]
        top, left = max(0, int(self.top)), max(0, int(self.left))
        return values[top : min(h, int(math.ceil(self.top + self.side))), left : min(w, int(math.ceil(self.left + self.side)))]


def tile_plan(width: int, height: int, side: float, canvas: int, overlap: float = OVERLAP) -> list[Window]:
    """Windows of `side` image px covering the image with `overlap`, row by row, every other
    row right to left (a snake): each window is the neighbour of the one before."""
    def starts(length: int) -> list[float]:
        if length <= side:
            return [(length - side) / 2]
        count = math.ceil((length - side) / (side * (1 - overlap))) + 1
        return list(np.linspace(0, length - side, count))

    rows = starts(height)
    plan = []
    for r, top in enumerate(rows):
        columns = starts(width)
        for left in (columns if r % 2 == 0 else columns[::-1]):
            plan.append(Window(float(left), float(top), float(side), canvas))
    return plan


def coarse_to_fine(width: int, height: int, canvas: int, divisions=(1, 2, 4)) -> list[Window]:
    """The whole image, then finer and finer grids of windows (painting: big shapes first)."""
    return [w for d in divisions for w in tile_plan(width, height, max(width, height) / d, canvas, overlap=0.0)]


def waves(plan: list[Window]) -> list[list[Window]]:
    """The plan in batches of windows that do not overlap, in plan order: the windows of one
    batch are parsed together, and each batch sees what the batches before it drew."""
    batches: list[list[Window]] = []
    for window in plan:
        for batch in batches:
            if not any(window.overlaps(other) for other in batch):
                batch.append(window)
                break
        else:
            batches.append([window])
    return batches


def reaches(action: Action, window: Window) -> bool:
    """Whether a draw may leave ink in the window (its control polygon's box, widened by its size)."""
    if not action.draws:
        return False
    xs = (action.start[0], action.control[0], action.end[0])
    ys = (action.start[1], action.control[1], action.end[1])
    margin = action.size
    return (min(xs) - margin < window.left + window.side and max(xs) + margin > window.left
            and min(ys) - margin < window.top + window.side and max(ys) + margin > window.top)


def moved(action: Action, move, factor: float) -> Action:
    """The action with its points moved by `move` and its size times `factor`."""
    return replace(action, start=move(action.start), control=move(action.control), end=move(action.end),
                   size=action.size * factor)


def window_pixels(values: np.ndarray, window: Window) -> np.ndarray:
    """The window of paper-white (H, W, C) values in [0, 1] at the agent's scale, (canvas, canvas, C) uint8."""
    fit = CanvasFit(window.scale, (-window.left * window.scale, -window.top * window.scale))
    return np.round(warp(values, fit, window.canvas) * 255).astype(np.uint8)


def back_in_image(action: Action, window: Window, width: int, height: int) -> Action:
    """A window's action moved back onto the image, its points clipped to the image's border."""
    def place(point):
        x, y = window.to_image(point)
        return (min(max(x, 0.0), width), min(max(y, 0.0), height))

    return moved(action, place, 1 / window.scale)
