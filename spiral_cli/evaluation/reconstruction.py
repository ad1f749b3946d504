"""Reconstruction error, relative residual and strokes per image over a test split."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

from multiprocessing import get_context

import numpy as np

from spiral_cli.data import load_dataset


def ink(canvas: np.ndarray) -> np.ndarray:
    return 1.0 - canvas.astype(np.float64) / 255.0


@dataclass
class ReconstructionReport:
    images: int
    mean_error: float  # per-pixel MSE of ink at the canvas size, averaged over images
    empty_error: float
    relative_residual: float
    strokes_per_image: float
    images_per_second: float
    # Against people's strokes (strokes:DIR data): continuous strokes drawn and true, the mean
    # |drawn - true| per image, and the chamfer distance in canvas px.
    pen_strokes_per_image: float | None = None
    true_strokes_per_image: float | None = None
    stroke_count_error: float | None = None
    chamfer_px: float | None = None
    images_without_strokes: int | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def score(finals: np.ndarray, targets: np.ndarray, programs, seconds: float, blank: np.ndarray | None = None,
          truth: list | None = None) -> ReconstructionReport:
    """`blank` is the canvas before any action (default white paper); `truth`, the true
    polylines of each target when known."""
    errors = ((ink(finals) - ink(targets)) ** 2).reshape(len(targets), -1).mean(1)
    empty = ((ink(targets) - (0.0 if blank is None else ink(blank))) ** 2).reshape(len(targets), -1).mean(1)
    return ReconstructionReport(
        images=len(targets),
        mean_error=float(errors.mean()),
        empty_error=float(empty.mean()),
        relative_residual=float(errors.mean() / empty.mean()),
        strokes_per_image=float(np.mean([p.marks for p in programs])),  # objects, for scenes
        images_per_second=len(targets) / seconds,
        **(_against_truth(programs, truth) if truth is not None else {}),
    )


def _against_truth(programs, truth: list) -> dict:
    from spiral_cli.evaluation.lineart import chamfer, resampled
    from spiral_cli.programs.polylines import stroke_polylines

    drawn = np.array([len(p.pen_strokes) for p in programs])
    true = np.array([len(t) for t in truth])
    distances = np.array([chamfer(stroke_polylines(p), [resampled(line) for line in t]) if len(p.pen_strokes)
                          else np.nan for p, t in zip(programs, truth)])
    return {
        "pen_strokes_per_image": float(drawn.mean()),
        "true_strokes_per_image": float(true.mean()),
        "stroke_count_error": float(np.abs(drawn - true).mean()),
        "chamfer_px": float(np.nanmean(distances)) if not np.isnan(distances).all() else None,
        "images_without_strokes": int(np.isnan(distances).sum()) or None,  # left out of the chamfer distance
    }


def true_strokes(data: str, n: int) -> list | None:
    """People's strokes as the first n test images of strokes:DIR data draw them (None for
    other data)."""
    if not data.startswith("strokes:"):
        return None
    from spiral_cli.data.datasets import load_stroke_programs
    from spiral_cli.evaluation.human import drawn_strokes

    programs = load_stroke_programs(data, "test")
    return drawn_strokes(programs.subset(np.arange(min(n, len(programs)))))


def evaluate_agent(agent, data: str, n: int = 1000, batch: int = 100, greedy: bool = False, seed: int = 0,
                   candidates: int = 1, quality: str | None = None, workers: int = 1, split: str = "test"):
    """Run the agent (with best-of-`candidates` search when > 1, or as `spiral parse
    --quality` does when given) on the first n images of `data`'s `split`; returns the report,
    targets and finals. With workers > 1 the batches are shared among that many processes,
    each with its own copy of the agent."""
    targets = load_dataset(data, split, agent.env.canvas, agent.env.color, limit=n).images
    tasks = [(targets[offset : offset + batch], seed + offset) for offset in range(0, len(targets), batch)]
    method = (greedy, candidates, quality)
    start = time.perf_counter()
    if workers > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=get_context("spawn"),
                                 initializer=_worker_init, initargs=(agent.source, method)) as pool:
            outcomes = list(pool.map(_run_batch, tasks))
    else:
        _worker_init(agent, method)
        outcomes = [_run_batch(task) for task in tasks]
    programs = [program for batch_programs, _ in outcomes for program in batch_programs]
    finals = np.concatenate([batch_finals for _, batch_finals in outcomes])
    seconds = time.perf_counter() - start
    truth = true_strokes(data, n) if split == "test" else None
    return score(finals, targets, programs, seconds, truth=truth), targets, finals


def evaluate_tracer(env, data: str, n: int = 1000):
    """The centerline tracer (the `--trace` teacher) on the first n test images of `data`,
    in the grayscale paint environment `env`: report, targets and finals."""
    from spiral_cli.tracing.episodes import render_episodes, trace_episodes

    targets = load_dataset(data, "test", env.canvas, env.color, limit=n).images
    start = time.perf_counter()
    programs, finals = render_episodes(trace_episodes(targets, env), env)
    seconds = time.perf_counter() - start
    return score(finals, targets, programs, seconds, truth=true_strokes(data, n)), targets, finals


_WORKER: dict = {}  # the agent and the method of this process


def _worker_init(agent, method: tuple) -> None:
    """`agent` is an Agent, or where to load it from in a worker process (one torch thread per process)."""
    if not hasattr(agent, "run"):
        import torch

        from spiral_cli.parsing.agent import Agent

        torch.set_num_threads(1)
        agent = Agent.load(agent)
    _WORKER.update(agent=agent, method=method)


def _run_batch(task: tuple[np.ndarray, int]):
    from spiral_cli.parsing.parse import draws_lines, parse_canvases, reconstruct

    targets, seed = task
    agent, (greedy, candidates, quality) = _WORKER["agent"], _WORKER["method"]
    if quality is not None and draws_lines(agent):  # as spiral parse treats the same image in a file
        return parse_canvases(agent, targets, quality, seed=seed)
    if quality is not None:
        programs, finals, _ = reconstruct(agent, targets, quality, seed=seed)
        return programs, finals
    return agent.run(targets, greedy=greedy, seed=seed, candidates=candidates)
