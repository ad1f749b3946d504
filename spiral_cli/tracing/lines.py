"""A drawing's lines at their own resolution: the ink's level, its line width, and a clean
mask of where the lines are, for skeletonising."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.morphology import remove_small_holes, remove_small_objects, skeletonize

FAINT = 0.1  # ink below this is paper (noise, paper tone)
RAGGED = 0.1  # pieces and pinholes per line width of length above which lines are textured


@dataclass(frozen=True)
class Lines:
    ink: np.ndarray  # (H, W) in [0, 1], the paper's tone taken out
    mask: np.ndarray  # (H, W) bool: where the lines are
    width: float  # px: ink mass over centre-line length
    level: float  # the ink of a line's core, in (0, 1]: 1 for a pen, less for a pencil
    length: float  # px of centre line
    textured: bool = False  # broken, pinholed lines (a dry brush): smoothed before tracing

    @property
    def blank(self) -> bool:
        return self.length == 0.0


def find_lines(ink: np.ndarray) -> Lines:
    """Threshold at half the ink's level, measure the width, then smooth textured lines
    (at a scale of the width), close the pinholes of a dry brush and drop specks."""
    ink = without_paper(ink.astype(np.float32))
    inked = ink[ink > FAINT]
    if inked.size == 0:
        return Lines(ink, np.zeros(ink.shape, bool), 0.0, 1.0, 0.0)
    level = float(np.percentile(inked, 90))
    mask = ink > level / 2
    width, length = _width(ink, mask, level)
    textured = _ragged(mask, width, length)
    if textured:
        smoothed = ndimage.gaussian_filter(ink, max(1.0, width / 3)) > level / 2
        area = int(round(width * width))
        smoothed = remove_small_objects(remove_small_holes(smoothed, max_size=area), max_size=area)
        smoothed_width, smoothed_length = _width(ink, smoothed, level)
        if smoothed_length > 0:  # else the "pieces" were the drawing itself: a glyph of dots
            mask, width, length = smoothed, smoothed_width, smoothed_length
        else:
            textured = False
    return Lines(ink, mask, width, level, length, textured)


def _ragged(mask: np.ndarray, width: float, length: float) -> bool:
    """Textured lines (a dry brush, chalk, a blotting ink) break into pieces and pinholes:
    many more of them per width of line than clean lines' crossings and loops make."""
    holes = ndimage.label(~mask)[1] - 1
    pieces = ndimage.label(mask, np.ones((3, 3)))[1]
    return (holes + pieces) * width / length > RAGGED


def without_paper(ink: np.ndarray, paper: np.ndarray | None = None) -> np.ndarray:
    """Ink with the paper's own tone and shading (`paper_tone`, by default the image's own) taken out."""
    paper = paper_tone(ink) if paper is None else paper
    return np.clip((ink - paper) / np.maximum(1 - paper, 0.05), 0, 1).astype(np.float32)


def paper_tone(ink: np.ndarray, block: int = 32) -> np.ndarray:
    """The paper's ink at each pixel: what most of each block of the image is (its median),
    smoothed across blocks."""
    h, w = ink.shape
    rows, cols = -(-h // block), -(-w // block)
    padded = np.pad(ink, ((0, rows * block - h), (0, cols * block - w)), mode="edge")
    paper = np.median(padded.reshape(rows, block, cols, block).transpose(0, 2, 1, 3).reshape(rows, cols, -1), -1)
    return ndimage.zoom(ndimage.median_filter(paper, 3, mode="nearest"), block, order=1)[:h, :w]


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
