"""The MUJOCO SCENES dataset (paper section 4.2): renders of up to five random objects on the
platform, each saved as a PNG beside its ground-truth scene program (JSON).

Scene i depends only on (seed, i), so a dataset is the same whatever the number of workers,
and an interrupted run can be finished by running the command again."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from spiral_cli.envs.scenes import SceneConfig
from spiral_cli.export.files import write_output
from spiral_cli.scenes.gl import choose_backend
from spiral_cli.scenes.io import scene_from_dict, scene_json
from spiral_cli.scenes.model import SHAPES, SIZES, SceneObject, SceneProgram, cell_center

MANIFEST = "dataset.json"
CHUNK = 250


def random_cells(rng: np.random.Generator, count: int, grid: int) -> list[int]:
    """Distinct grid cells in raster order (far row first), the order the warm start adds them."""
    return sorted(int(c) for c in rng.choice(grid * grid, size=count, replace=False))


def random_scene(rng: np.random.Generator, config: SceneConfig, max_objects: int = 5) -> list[SceneObject]:
    """One to max_objects objects: shape, cell, size and colour levels uniform."""
    count = int(rng.integers(1, max_objects + 1))
    return [
        SceneObject(
            shape=SHAPES[int(rng.integers(len(SHAPES)))],
            position=cell_center(cell, config.grid),
            size=SIZES[int(rng.integers(len(SIZES)))],
            color=tuple(config.color_value(int(rng.integers(config.color_levels))) for _ in range(3)),
        )
        for cell in random_cells(rng, count, config.grid)
    ]


def scene_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, index])


def _make_chunk(task: tuple) -> int:
    out_dir, indices, seed, max_objects, canvas = task
    from spiral_cli.scenes.renderer import SceneRenderer

    config = SceneConfig(canvas=canvas)
    renderer = SceneRenderer(canvas, canvas)
    for index in indices:
        stem = Path(out_dir) / f"{index:06d}"
        if stem.with_suffix(".png").exists() and stem.with_suffix(".json").exists():
            continue
        objects = random_scene(scene_rng(seed, index), config, max_objects)
        program = replace(config.empty_program().with_objects(objects),
                          source={"dataset": "mujoco-scenes", "seed": seed, "index": index})
        write_output(stem.with_suffix(".json"), scene_json(program).encode())
        _write_png(stem.with_suffix(".png"), renderer.render(objects))
    renderer.close()
    return len(indices)


def _write_png(path: Path, image: np.ndarray) -> None:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    write_output(path, buffer.getvalue())


def make_scenes_dataset(out_dir: Path, n: int, max_objects: int = 5, seed: int = 0, workers: int | None = None,
                        canvas: int = 64, on_progress=None) -> None:
    """Write n scenes to out_dir; `on_progress(done)` after each chunk of scenes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"dataset": "mujoco-scenes", "n": n, "max_objects": max_objects, "seed": seed, "canvas": canvas}
    write_output(out_dir / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
    tasks = [(str(out_dir), range(start, min(n, start + CHUNK)), seed, max_objects, canvas) for start in range(0, n, CHUNK)]
    workers = workers or _cores()
    choose_backend()  # probed once here; the workers inherit MUJOCO_GL
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for done in pool.map(_make_chunk, tasks):
            if on_progress:
                on_progress(done)


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def load_scene_programs(files: list[Path]) -> list[SceneProgram]:
    """The ground-truth programs beside the given dataset PNGs."""
    return [scene_from_dict(json.loads(f.with_suffix(".json").read_text()), origin=str(f)) for f in files]
