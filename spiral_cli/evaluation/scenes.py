"""Scene parsing judged against the ground-truth programs of held-out MUJOCO SCENES: the
reconstruction error, whether the object count is right, and per attribute how often a
ground-truth object is recovered (objects are paired by position with the Hungarian method)."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from spiral_cli.data.datasets import parse_data_spec, scene_files
from spiral_cli.data.scenes import load_scene_programs
from spiral_cli.envs.scenes import SceneConfig
from spiral_cli.errors import UsageError
from spiral_cli.parsing.mcmc import mcmc_parse
from spiral_cli.parsing.scenes import blank_scene, errors_of
from spiral_cli.scenes.model import SceneObject, SceneProgram, cell_of

ATTRIBUTES = ("type", "position", "size", "color")


@dataclass
class SceneReport:
    scenes: int
    renders_per_scene: float
    mean_error: float
    relative_residual: float
    objects_per_scene: float
    count_accuracy: float
    attribute_accuracy: dict = field(default_factory=dict)  # attribute -> share of ground-truth objects
    scenes_per_second: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def load_scene_test(data: str, n: int, canvas: int = 64) -> tuple[np.ndarray, list[SceneProgram]]:
    """The first n held-out scenes: renders (n, H, W, 3) uint8 and ground-truth programs."""
    kind, folder = parse_data_spec(data)
    if kind != "scenes":
        raise UsageError(f"--data {data}: scene evaluation needs scenes:DIR")
    files = scene_files(folder, "test", n)
    if not files:
        raise UsageError(f"{folder}: no held-out scenes (make them with: spiral dataset scenes {folder})")
    from PIL import Image

    images = []
    for file in files:
        with Image.open(file) as image:
            images.append(np.asarray(image.convert("RGB").resize((canvas, canvas))))
    return np.stack(images), load_scene_programs(files)


def _cells_apart(a: SceneObject, b: SceneObject, grid: int) -> int:
    (row_a, col_a), (row_b, col_b) = divmod(cell_of(a.position, grid), grid), divmod(cell_of(b.position, grid), grid)
    return max(abs(row_a - row_b), abs(col_a - col_b))


def attribute_hits(truth: list[SceneObject], found: list[SceneObject], grid: int) -> dict[str, int]:
    """How many ground-truth objects have a paired found object that matches each attribute."""
    hits = dict.fromkeys(ATTRIBUTES, 0)
    if not truth or not found:
        return hits
    cost = np.array([[np.hypot(*np.subtract(t.position, f.position)) for f in found] for t in truth])
    for i, j in zip(*linear_sum_assignment(cost)):
        t, f = truth[i], found[j]
        hits["type"] += t.shape == f.shape
        hits["position"] += _cells_apart(t, f, grid) <= 1
        hits["size"] += t.size == f.size
        hits["color"] += np.allclose(t.color, f.color, atol=1e-6)
    return hits


def score_scenes(programs: list[SceneProgram], renders: np.ndarray, targets: np.ndarray, truths: list[SceneProgram],
                 blank: np.ndarray, seconds: float, renders_per_scene: float) -> SceneReport:
    errors = errors_of(renders, targets)
    empty = errors_of(np.broadcast_to(blank, targets.shape), targets)
    grid = truths[0].grid
    hits = dict.fromkeys(ATTRIBUTES, 0)
    for truth, found in zip(truths, programs):
        for name, count in attribute_hits(list(truth.objects), list(found.objects), grid).items():
            hits[name] += count
    objects = sum(len(t.objects) for t in truths)
    return SceneReport(
        scenes=len(targets),
        renders_per_scene=renders_per_scene,
        mean_error=float(errors.mean()),
        relative_residual=float(errors.mean() / empty.mean()),
        objects_per_scene=float(np.mean([len(p.objects) for p in programs])),
        count_accuracy=float(np.mean([len(p.objects) == len(t.objects) for p, t in zip(programs, truths)])),
        attribute_accuracy={name: hits[name] / max(objects, 1) for name in ATTRIBUTES},
        scenes_per_second=len(targets) / seconds,
    )


def evaluate_scene_agent(agent, targets, truths, quality: str = "fast", seed: int = 0) -> tuple[SceneReport, np.ndarray]:
    from spiral_cli.parsing.scenes import ROLLOUTS, agent_scenes

    start = time.perf_counter()
    programs, renders = agent_scenes(agent, targets, quality, seed)
    seconds = time.perf_counter() - start
    rollouts = ROLLOUTS[quality]
    report = score_scenes(programs, renders, targets, truths, blank_scene(agent.env), seconds,
                          renders_per_scene=rollouts * agent.env.episode_length)
    return report, renders


def evaluate_mcmc(targets, truths, budgets: list[int], config: SceneConfig = SceneConfig(), seed: int = 0,
                  workers: int = 1) -> tuple[dict[int, SceneReport], np.ndarray, np.ndarray]:
    """One chain per scene and budget (a chain with a smaller budget is the prefix of a longer
    one: same seed), spread over `workers` processes. Returns reports per budget, the
    best-error curve of the largest budget (scenes, renders) and its final renders."""
    blank = blank_scene(config)
    reports, results = {}, []
    for budget in sorted(budgets):
        start = time.perf_counter()
        results = _run_chains(targets, budget, config, seed, workers)
        programs = [config.empty_program().with_objects(r.objects) for r in results]
        renders = np.stack([r.render for r in results])
        reports[budget] = score_scenes(programs, renders, targets, truths, blank, time.perf_counter() - start, budget)
    return reports, np.stack([r.errors for r in results]), renders


def _run_chains(targets, budget, config, seed, workers):
    chunks = [(targets[i::workers], budget, config, seed, i, workers) for i in range(workers)]
    if workers == 1:
        parts = [_chains(chunks[0])]
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            parts = list(pool.map(_chains, chunks))
    results = [None] * len(targets)
    for first, part in enumerate(parts):
        results[first::workers] = part
    return results


def _chains(task):
    """MCMC for every `workers`-th scene from `first`; scene i always gets seed + i."""
    from spiral_cli.scenes.renderer import SceneRenderer

    targets, budget, config, seed, first, workers = task
    renderer = SceneRenderer(config.canvas, config.canvas)
    try:
        return [mcmc_parse(t, budget, renderer, config, seed=seed + first + k * workers) for k, t in enumerate(targets)]
    finally:
        renderer.close()
