"""Rendering throughput with canvas read-back, in one or many processes: strokes per second
for libmypaint brushes, renders per second for MuJoCo scenes."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import asdict, dataclass

import numpy as np

from spiral_cli.envs.paint import PaintConfig
from spiral_cli.painting.painter import Painter


@dataclass(frozen=True)
class RenderResult:
    brush: str
    canvas: int
    processes: int
    strokes: int  # renders, for scenes
    seconds: float

    @property
    def strokes_per_second(self) -> float:
        return self.strokes / self.seconds

    def to_dict(self) -> dict:
        return asdict(self) | {"strokes_per_second": round(self.strokes_per_second, 1)}


def _draw_for(brush: str, canvas: int, seconds: float, seed: int) -> int:
    """Draw random environment strokes for `seconds`, reading the canvas after each one;
    a new episode (fresh brush and canvas) every 20 strokes, as in training."""
    config = PaintConfig(canvas=64, brush=brush)
    space = config.action_space()
    space.seed(seed)
    painter = Painter(64, 64, brush, scale=canvas / 64)
    strokes = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if strokes % config.episode_length == 0:
            painter.reset()
        components = space.sample()
        components["flag"] = 1
        painter.execute(config.decode(components, painter.position))
        painter.rgb()
        strokes += 1
    return strokes


SCENES = "mujoco-scenes"  # measured in place of a brush: whole scene renders


def _render_scenes_for(canvas: int, seconds: float, seed: int) -> int:
    """Render random scenes of one to five objects (the dataset's) for `seconds`."""
    from spiral_cli.data.scenes import random_scene
    from spiral_cli.envs.scenes import SceneConfig
    from spiral_cli.scenes.renderer import SceneRenderer

    rng, config = np.random.default_rng(seed), SceneConfig()
    renderer = SceneRenderer(canvas, canvas)
    renders = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        renderer.render(random_scene(rng, config))
        renders += 1
    renderer.close()
    return renders


def _work_for(brush: str, canvas: int, seconds: float, seed: int) -> int:
    return _render_scenes_for(canvas, seconds, seed) if brush == SCENES else _draw_for(brush, canvas, seconds, seed)


def measure(brush: str, canvas: int, processes: int = 1, seconds: float = 3.0) -> RenderResult:
    if processes == 1:
        start = time.perf_counter()
        strokes = _work_for(brush, canvas, seconds, 0)
        return RenderResult(brush, canvas, 1, strokes, time.perf_counter() - start)
    # spawn: libmypaint's OpenMP runtime does not survive fork.
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        pool.starmap(_work_for, [(brush, canvas, 0.05, i) for i in range(processes)])  # warm up
        start = time.perf_counter()
        counts = pool.starmap(_work_for, [(brush, canvas, seconds, i) for i in range(processes)])
        elapsed = time.perf_counter() - start
    return RenderResult(brush, canvas, processes, sum(counts), elapsed)


def bench_render(
    brushes=("classic/dry_brush", "classic/pen"),
    canvases=(64, 512),
    processes: int | None = None,
    seconds: float = 3.0,
    on_result=None,
) -> list[RenderResult]:
    processes = processes or os.cpu_count() or 1
    counts = sorted({1, processes})
    results = []
    for brush in brushes:
        for canvas in canvases:
            for count in counts:
                result = measure(brush, canvas, count, seconds)
                results.append(result)
                if on_result is not None:
                    on_result(result)
    return results


def machine() -> dict:
    return {"cpus": os.cpu_count(), "numpy": np.__version__}
