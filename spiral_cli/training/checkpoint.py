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
    tensors = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    save_file(tensors, str(directory / f"{name}.safetensors"))
    if optimizer is not None:
        state, groups = _flatten_optimizer(optimizer)
        save_file(state, str(directory / f"{name}.optimizer.safetensors"))
        (directory / f"{name}.optimizer.json").write_text(json.dumps(groups))


def load_module(module: torch.nn.Module, optimizer, directory: Path, name: str) -> None:
    module.load_state_dict(load_file(str(directory / f"{name}.safetensors")))
    if optimizer is not None and (directory / f"{name}.optimizer.safetensors").exists():
        state = load_file(str(directory / f"{name}.optimizer.safetensors"))
        groups = json.loads((directory / f"{name}.optimizer.json").read_text())
        optimizer.load_state_dict(_unflatten_optimizer(state, groups))


def _flatten_optimizer(optimizer) -> tuple[dict, list]:
    full = optimizer.state_dict()
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
