"""Parsing throughput: seconds per image and images per second for 64 px glyphs and 512 px
and 1024 px line drawings, in one or several processes, on drawings made here (random
smooth pen strokes, so the figures need no data set), or on a folder of the user's images
(read from their files as spiral convert reads them)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from spiral_cli.painting.painter import render_program
from spiral_cli.parsing.convert import even_chunks, settle_worker
from spiral_cli.programs.model import Action, StrokeProgram

COUNTS = {64: 32, 512: 4, 1024: 2}  # images per measurement and process
STROKES = {64: 3, 512: 15, 1024: 30}


@dataclass(frozen=True)
class ParseBench:
    side: int  # px of the made drawings; of a folder's images, the longest side
    quality: str
    method: str
    processes: int
    images: int
    seconds: float
    inputs: str = "made drawings"  # or the folder of images

    def to_dict(self) -> dict:
        return asdict(self) | {"seconds_per_image": self.seconds * self.processes / self.images,
                               "images_per_second": self.images / self.seconds}


def drawing(side: int, seed: int) -> np.ndarray:
    """(side, side) ink of random smooth pen strokes about 3 px wide (2 px at 64 px)."""
    rng = np.random.default_rng(seed)
    actions = []
    size = 2.0 if side > 64 else 1.2
    for _ in range(STROKES.get(side, 10)):
        point = rng.uniform(0.1, 0.9, 2) * side
        actions.append(Action("jump", tuple(point), tuple(point), tuple(point), 1.0, size))
        heading = rng.uniform(0, 2 * np.pi)
        for _ in range(rng.integers(1, 4)):
            heading += rng.normal(0, 0.8)
            step = rng.uniform(0.08, 0.25) * side
            control = np.clip(point + step / 2 * np.array([np.cos(heading), np.sin(heading)]), 0, side)
            heading += rng.normal(0, 0.5)
            end = np.clip(control + step / 2 * np.array([np.cos(heading), np.sin(heading)]), 0, side)
            actions.append(Action("draw", tuple(point), tuple(control), tuple(end), 1.0, size))
            point = end
    program = StrokeProgram(side, side, "classic/pen", "grayscale", tuple(actions))
    return 1.0 - render_program(program)[..., 0].astype(np.float32) / 255


def bench_parse(sides=(64, 512, 1024), qualities=("fast", "best"), processes=(1, 2), method="agent",
                checkpoint=None, on_result=None, images: list[Path] | None = None) -> list[ParseBench]:
    """Made drawings of each side, or with `images` those files (each process count parses
    them all, in batches as spiral convert makes them)."""
    results = []
    for count in processes:
        context = multiprocessing.get_context("spawn")  # libmypaint and torch threads do not survive fork
        with concurrent.futures.ProcessPoolExecutor(count, mp_context=context, initializer=settle_worker) as pool:
            list(pool.map(_parse, [(64, [0], "fast", method, checkpoint)] * count))  # load the agent everywhere
            for side, inputs in [(_longest_side(images), images)] if images else [(side, None) for side in sides]:
                for quality in qualities:
                    items = inputs or list(range(COUNTS.get(side, 2) * count))  # files, or seeds of drawings
                    tasks = [(side, chunk, quality, method, checkpoint)  # as spiral convert hands them out
                             for chunk in even_chunks(items, count, quality)]
                    start = time.perf_counter()
                    list(pool.map(_parse, tasks))
                    result = ParseBench(side, quality, method, count, len(items), time.perf_counter() - start,
                                        str(Path(images[0]).parent) if inputs else "made drawings")
                    results.append(result)
                    if on_result:
                        on_result(result)
    return results


def _longest_side(paths: list[Path] | None) -> int:
    from PIL import Image

    return max(max(Image.open(path).size) for path in paths) if paths else 0


def _parse(task) -> int:
    from spiral_cli.parsing.images import InkImage, read_image
    from spiral_cli.parsing.parse import parse_read

    side, items, quality, method, checkpoint = task
    images = []
    for item in items:
        if isinstance(item, Path):
            images.append(read_image(item))
            continue
        ink = drawing(side, item)
        images.append(InkImage(f"bench-{side}-{item}", ink, np.repeat(1.0 - ink[..., None], 3, -1), False))
    return sum(result.strokes for result in parse_read(images, checkpoint, quality, method=method))
