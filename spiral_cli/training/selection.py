"""Model selection on the validation split: each checkpoint's policy is run greedily on
validation images the run never trains on, and the best one is kept in RUN_DIR/best.

Parsing, evaluation and --init-from load `best` when a run has one; --resume continues from
the latest checkpoint. Reinforcement learning here is noisy (two checkpoints five minutes
apart of one MNIST run differed by 0.17 in relative residual), so the last checkpoint is
a lottery that the validation split removes, without looking at the test split."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from spiral_cli.data.datasets import WITH_VALID, data_kind
from spiral_cli.export.files import write_output

BEST = "best"
VALIDATION = "validation"  # the key of the figures in a checkpoint's state.json


def selects(config) -> bool:
    """Conditional paint runs on data with a validation split, unless --select 0."""
    return (config.select_images > 0 and config.conditional and config.env == "paint"
            and config.data is not None and data_kind(config.data) in WITH_VALID)


def validation_error(checkpoint: Path, config) -> dict:
    """The greedy agent of `checkpoint` on the first select_images validation images."""
    from spiral_cli.evaluation.reconstruction import evaluate_agent
    from spiral_cli.parsing.agent import Agent

    agent = Agent.load(checkpoint)  # its own weights, with the run's config.json beside it
    report, _, _ = evaluate_agent(agent, config.data, n=config.select_images, greedy=True, split="valid")
    return {"images": report.images, "relative_residual": round(report.relative_residual, 5),
            "strokes": round(report.strokes_per_image, 2)}


def best_checkpoint(run_dir: Path) -> Path | None:
    directory = Path(run_dir) / BEST
    return directory if (directory / "state.json").is_file() else None


def keep_if_best(run_dir: Path, checkpoint: Path, state: dict) -> bool:
    """Copy `checkpoint` (whose state holds its validation figures) to RUN_DIR/best when its
    error is below the kept one's; the optimizer's state stays behind (best is not resumed)."""
    error = state[VALIDATION]["relative_residual"]
    kept = best_checkpoint(run_dir)
    if kept is not None and json.loads((kept / "state.json").read_text())[VALIDATION]["relative_residual"] <= error:
        return False
    partial, old = run_dir / f"{BEST}.partial", run_dir / f"{BEST}.old"
    for stale in (partial, old):
        shutil.rmtree(stale, ignore_errors=True)
    shutil.copytree(checkpoint, partial, ignore=shutil.ignore_patterns("*.optimizer.*"))
    write_output(partial / "state.json", json.dumps({**state, "checkpoint": checkpoint.name}, indent=1).encode())
    if kept is not None:
        os.replace(kept, old)
    os.replace(partial, run_dir / BEST)
    shutil.rmtree(old, ignore_errors=True)
    return True


def select(config, run_dir: Path, checkpoint: Path) -> str | None:
    """Validate `checkpoint`, note the figures in its state and keep it if best; the line to log."""
    if not selects(config):
        return None
    figures = validation_error(checkpoint, config)
    state = json.loads((checkpoint / "state.json").read_text())
    state[VALIDATION] = figures
    write_output(checkpoint / "state.json", json.dumps(state, indent=1).encode())
    best = keep_if_best(run_dir, checkpoint, state)
    return (f"validation ({figures['images']} images, greedy): relative residual {figures['relative_residual']:.4f}, "
            f"{figures['strokes']:.1f} strokes" + (" (best so far: kept in best/)" if best else ""))
