"""A drawing's lines at their own resolution: the ink's level, its line width, and a clean
mask of where the lines are, for skeletonising."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.morphology import remove_small_holes, remove_small_objects, skeletonize

FAINT = 0.1  # ink below this is paper (noise, paper tone)


@dataclass(frozen=True)
class Lines:
    mask: np.ndarray  # (H, W) bool: where the lines are
    width: float  # px: ink mass over centre-line length
    level: float  # the ink of a line's core, in (0, 1]: 1 for a pen, less for a pencil
    length: float  # px of centre line

    @property
    def blank(self) -> bool:
        return self.length == 0.0


def find_lines(ink: np.ndarray) -> Lines:
    """Threshold at half the ink's level, measure the width, then smooth textured lines
    (at a scale of the width), close the pinholes of a dry brush and drop specks."""
    ink = ink.astype(np.float32)
    inked = ink[ink > FAINT]
    if inked.size == 0:
        return Lines(np.zeros(ink.shape, bool), 0.0, 1.0, 0.0)
    level = float(np.percentile(inked, 90))
    mask = ink > level / 2
    width, length = _width(ink, mask, level)
    if width > 3:
        mask = ndimage.gaussian_filter(ink, width / 6) > level / 2
        area = int(round(width * width))
        mask = remove_small_objects(remove_small_holes(mask, area), area)
        width, length = _width(ink, mask, level)
    return Lines(mask, width, level, length)


def _width(ink: np.ndarray, mask: np.ndarray, level: float) -> tuple[float, float]:
    """(ink mass / centre-line length, centre-line length): for anti-aliased lines the
    mass counts partial pixels at the edges, so the width is not rounded to whole pixels."""
    skeleton = skeletonize(mask)
    count = int(skeleton.sum())
    if count == 0:
        return 0.0, 0.0
    diagonal = _diagonal_share(skeleton)
    length = count * (1 + diagonal * (np.sqrt(2) - 1))
    mass = float(np.clip(ink / level, 0, 1)[ndimage.binary_dilation(mask, iterations=2)].sum())
    return max(1.0, mass / length), float(length)


def _diagonal_share(skeleton: np.ndarray) -> float:
    """Share of the skeleton's steps that are diagonal (they are sqrt(2) px long)."""
    straight = (skeleton[:, 1:] & skeleton[:, :-1]).sum() + (skeleton[1:] & skeleton[:-1]).sum()
    diagonal = (skeleton[1:, 1:] & skeleton[:-1, :-1]).sum() + (skeleton[1:, :-1] & skeleton[:-1, 1:]).sum()
    return float(diagonal / max(straight + diagonal, 1))
