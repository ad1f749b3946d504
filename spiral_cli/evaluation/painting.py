"""Judging paintings of colour pictures (paper section 4.5): the mean squared colour error per
pixel (RGB in [0, 1]) of each held-out picture painted at a size in a stroke budget, beside two
baselines at the same size: a flat mosaic of 4 x 4 mean colours and the picture's mean colour."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image

from spiral_cli.data.datasets import IMAGE_SUFFIXES, center_square, file_split
from spiral_cli.errors import UsageError
from spiral_cli.painting.painter import render_program
from spiral_cli.parsing.images import InkImage

MOSAIC = 4  # cells per side of the flat-colour baseline


@dataclass(frozen=True)
class PaintingReport:
    side: int
    strokes: int  # the budget
    pictures: int
    mean_squared_error: float
    mosaic_error: float
    mean_colour_error: float
    strokes_drawn: float
    seconds_per_picture: float

    def to_dict(self) -> dict:
        return asdict(self)


def held_out_pictures(folder: Path, n: int, side: int) -> list[np.ndarray]:
    """The first n test-split pictures (the images:DIR hash rule), centre squares resized to
    side px, (side, side, 3) float in [0, 1]."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and file_split(p) == "test")
    if not files:
        raise UsageError(f"images: no test pictures under {folder}")
    pictures = []
    for path in files[:n]:
        with Image.open(path) as image:
            square = center_square(image.convert("RGB")).resize((side, side), Image.BICUBIC)  # as training reads them
            pictures.append(np.asarray(square, dtype=np.float32) / 255.0)
    return pictures


def mosaic(picture: np.ndarray, cells: int = MOSAIC) -> np.ndarray:
    """The picture as cells x cells flat tiles of their mean colour."""
    out = np.empty_like(picture)
    edges = [np.linspace(0, n, cells + 1).round().astype(int) for n in picture.shape[:2]]
    for r0, r1 in zip(edges[0][:-1], edges[0][1:]):
        for c0, c1 in zip(edges[1][:-1], edges[1][1:]):
            out[r0:r1, c0:c1] = picture[r0:r1, c0:c1].reshape(-1, 3).mean(0)
    return out


def squared_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(((a - b) ** 2).mean())


def evaluate_painting(checkpoint: str | None, pictures: list[np.ndarray], strokes: int, seed: int = 0,
                      method: str = "agent", workers: int = 1):
    """The report and the programs of `spiral parse --max-strokes` on each picture (its error
    is the one `spiral parse` reports: mean squared colour error of the re-render); `method`
    search: the colour stroke search instead of the checkpoint. Pictures are shared among
    `workers` processes."""
    images = [InkImage(f"picture {i}", 1.0 - p.mean(-1), p, False) for i, p in enumerate(pictures)]
    parse = partial(_parsed, checkpoint=checkpoint, seed=seed, strokes=strokes, method=method)
    start = time.perf_counter()
    if workers > 1 and len(images) > 1:
        parts = [images[i: i + 4] for i in range(0, len(images), 4)]  # each task carries its own pictures only
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            results = [r for part in pool.map(parse, parts) for r in part]
    else:
        results = parse(images)
    seconds = time.perf_counter() - start
    report = PaintingReport(
        side=pictures[0].shape[0], strokes=strokes, pictures=len(pictures),
        mean_squared_error=float(np.mean([r.error for r in results])),
        mosaic_error=float(np.mean([squared_error(mosaic(p), p) for p in pictures])),
        mean_colour_error=float(np.mean([squared_error(p.reshape(-1, 3).mean(0), p) for p in pictures])),
        strokes_drawn=float(np.mean([len(r.program.strokes) for r in results])),
        seconds_per_picture=seconds / len(pictures),
    )
    return report, [r.program for r in results]


def _parsed(images: list, checkpoint, seed: int, strokes: int, method: str) -> list:
    from spiral_cli.parsing.parse import parse_read

    return parse_read(images, checkpoint=checkpoint, seed=seed, max_strokes=strokes, method=method)


def painted(program) -> np.ndarray:
    """The program's render, (H, W, 3) float in [0, 1] (white for no strokes)."""
    if not program.strokes:
        return np.ones((program.height, program.width, 3), np.float32)
    return render_program(program).astype(np.float32) / 255.0


def parse_budgets(text: str) -> list[tuple[int, int]]:
    """'64:20,128:200' -> [(64, 20), (128, 200)]: picture side in px, strokes."""
    try:
        pairs = [tuple(int(v) for v in item.split(":")) for item in text.split(",") if item.strip()]
    except ValueError:
        pairs = []
    if not pairs or any(len(p) != 2 or min(p) < 1 for p in pairs):
        raise UsageError(f"--paint takes SIDE:STROKES pairs such as 64:20,128:200, got {text!r}")
    return pairs
