"""Checkpoints as safetensors plus JSON: data, never code; nothing here unpickles.

A run directory holds config.json, metrics.jsonl, TensorBoard events and checkpoints
ckpt-<update>/; the file `latest` names the newest complete one and is replaced
atomically after every part has been written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from spiral_cli.errors import UsageError
from spiral_cli.export.files import write_output

KEEP = 2


def save_module(module: torch.nn.Module, optimizer: torch.optim.Optimizer | None, directory: Path, name: str) -> None:
    save_state(module_state(module, optimizer), directory, name)


def load_module(module: torch.nn.Module, optimizer, directory: Path, name: str) -> None:
    restore_state(module, optimizer, load_state(directory, name))


def module_state(module: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> dict:
    """Weights and optimizer state as plain tensors and lists: what a learner on another
    machine sends back so that the trainer writes the checkpoint files."""
    weights = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    return {"weights": weights, "optimizer": None if optimizer is None else optimizer.state_dict()}


def restore_state(module: torch.nn.Module, optimizer, state: dict) -> None:
    module.load_state_dict(state["weights"])
    if optimizer is not None and state.get("optimizer") is not None:
        optimizer.load_state_dict(state["optimizer"])


def save_state(state: dict, directory: Path, name: str) -> None:
    save_file(state["weights"], str(directory / f"{name}.safetensors"))
    if state.get("optimizer") is not None:
        tensors, groups = _flatten_optimizer(state["optimizer"])
        save_file(tensors, str(directory / f"{name}.optimizer.safetensors"))
        (directory / f"{name}.optimizer.json").write_text(json.dumps(groups))


def load_state(directory: Path, name: str) -> dict:
    state = {"weights": load_file(str(directory / f"{name}.safetensors")), "optimizer": None}
    if (directory / f"{name}.optimizer.safetensors").exists():
        tensors = load_file(str(directory / f"{name}.optimizer.safetensors"))
        groups = json.loads((directory / f"{name}.optimizer.json").read_text())
        state["optimizer"] = _unflatten_optimizer(tensors, groups)
    return state


def _flatten_optimizer(full: dict) -> tuple[dict, list]:
    tensors = {}
    for index, values in full["state"].items():
        for key, value in values.items():
            tensors[f"{index}.{key}"] = torch.as_tensor(value).contiguous()
    return tensors, full["param_groups"]


def _unflatten_optimizer(tensors: dict, groups: list) -> dict:
    state: dict = {}
    for flat, value in tensors.items():
        index, key = flat.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    # JSON turns tuples (Adam's betas) into lists; torch expects them back as tuples.
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v for k, v in g.items()} for g in groups]
    return {"state": state, "param_groups": groups}


def new_checkpoint_dir(run_dir: Path, update: int) -> Path:
    directory = run_dir / f"ckpt-{update:08d}.partial"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def commit_checkpoint(run_dir: Path, partial: Path, state: dict) -> Path:
    """Write state.json, move the directory into place, then point `latest` at it."""
    (partial / "state.json").write_text(json.dumps(state, indent=1))
    final = partial.with_suffix("")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(partial, final)
    write_output(run_dir / "latest", (final.name + "\n").encode())
    for old in sorted(run_dir.glob("ckpt-*"))[:-KEEP]:
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


HISTORY = "history"


def record_history(run_dir: Path, checkpoint: Path, state: dict) -> Path:
    """A copy of the checkpoint's policy, named by its env steps, beside its counters: what a
    learning curve is evaluated on after the run (checkpoints themselves are pruned)."""
    folder = run_dir / HISTORY
    folder.mkdir(exist_ok=True)
    stem = folder / f"policy-{state['env_steps']:012d}"
    shutil.copy(checkpoint / "policy.safetensors", stem.with_suffix(".safetensors"))
    counters = {k: state[k] for k in ("updates", "env_steps", "wall_seconds", "phase", "validation") if k in state}
    write_output(stem.with_suffix(".json"), json.dumps(counters).encode())
    return stem


def history(run_dir: Path) -> list[tuple[Path, dict]]:
    """(policy weights, counters) of every recorded checkpoint, in order."""
    return [(p.with_suffix(".safetensors"), json.loads(p.read_text()))
            for p in sorted((run_dir / HISTORY).glob("policy-*.json"))]


def latest_checkpoint(run_dir: Path) -> Path | None:
    pointer = run_dir / "latest"
    if not pointer.exists():
        return None
    directory = run_dir / pointer.read_text().strip()
    return directory if (directory / "state.json").exists() else None


def read_state(checkpoint: Path) -> dict:
    try:
        return json.loads((checkpoint / "state.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"{checkpoint}: unreadable checkpoint state ({exc})") from None


def seconds_behind(init_from: str | None) -> float:
    """Wall seconds of training behind the weights `--init-from` names, its own and what they
    in turn started from: a run that starts from them counts them into its total."""
    if not init_from:
        return 0.0
    from spiral_cli.parsing.agent import resolve_checkpoint

    weights_dir = resolve_checkpoint(init_from)[1].parent
    if not (weights_dir / "state.json").is_file():
        return 0.0
    state = read_state(weights_dir)
    return float(state.get("total_wall_seconds", state.get("wall_seconds", 0.0)))
