"""Reconstruction error, relative residual and strokes per image over a test split."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

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

    def to_dict(self) -> dict:
        return asdict(self)


def score(finals: np.ndarray, targets: np.ndarray, programs, seconds: float, blank: np.ndarray | None = None
          ) -> ReconstructionReport:
    """`blank` is the canvas before any action (default white paper)."""
    errors = ((ink(finals) - ink(targets)) ** 2).reshape(len(targets), -1).mean(1)
    empty = ((ink(targets) - (0.0 if blank is None else ink(blank))) ** 2).reshape(len(targets), -1).mean(1)
    return ReconstructionReport(
        images=len(targets),
        mean_error=float(errors.mean()),
        empty_error=float(empty.mean()),
        relative_residual=float(errors.mean() / empty.mean()),
        strokes_per_image=float(np.mean([p.marks for p in programs])),  # objects, for scenes
        images_per_second=len(targets) / seconds,
    )


def evaluate_agent(agent, data: str, n: int = 1000, batch: int = 100, greedy: bool = False, seed: int = 0,
                   candidates: int = 1, quality: str | None = None):
    """Run the agent (with best-of-`candidates` search when > 1, or as `spiral parse
    --quality` does when given) on the first n test images of `data`; returns the report,
    targets and finals."""
    from spiral_cli.parsing.parse import reconstruct

    targets = load_dataset(data, "test", agent.env.canvas, agent.env.color, limit=n).images
    start = time.perf_counter()
    programs, finals = [], []
    for offset in range(0, len(targets), batch):
        chunk = targets[offset : offset + batch]
        if quality is not None:
            p, f, _ = reconstruct(agent, chunk, quality, seed=seed + offset)
        else:
            p, f = agent.run(chunk, greedy=greedy, seed=seed + offset, candidates=candidates)
        programs += p
        finals.append(f)
    finals = np.concatenate(finals)
    return score(finals, targets, programs, time.perf_counter() - start), targets, finals
