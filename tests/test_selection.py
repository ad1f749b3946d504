import json

import torch
from safetensors.torch import load_file, save_file

from spiral_cli.parsing.agent import resolve_checkpoint
from spiral_cli.training.config import TrainConfig
from spiral_cli.training.selection import VALIDATION, best_checkpoint, keep_if_best, selects


def fake_checkpoint(run_dir, name: str, error: float) -> tuple:
    directory = run_dir / name
    directory.mkdir(parents=True)
    weights = {"w": torch.full((2,), error)}
    save_file(weights, str(directory / "policy.safetensors"))
    save_file(weights, str(directory / "policy.optimizer.safetensors"))
    state = {"updates": int(error * 100), VALIDATION: {"images": 10, "relative_residual": error, "strokes": 3.0}}
    (directory / "state.json").write_text(json.dumps(state))
    return directory, state


def kept_error(run_dir) -> float:
    return float(load_file(str(best_checkpoint(run_dir) / "policy.safetensors"))["w"][0])


def test_only_a_checkpoint_better_on_the_validation_split_replaces_the_kept_one(tmp_path):
    assert best_checkpoint(tmp_path) is None
    assert keep_if_best(tmp_path, *fake_checkpoint(tmp_path, "ckpt-1", 0.5))
    assert not keep_if_best(tmp_path, *fake_checkpoint(tmp_path, "ckpt-2", 0.7))
    assert kept_error(tmp_path) == 0.5
    assert keep_if_best(tmp_path, *fake_checkpoint(tmp_path, "ckpt-3", 0.25))
    kept = best_checkpoint(tmp_path)
    assert kept_error(tmp_path) == 0.25 and json.loads((kept / "state.json").read_text())["checkpoint"] == "ckpt-3"
    assert not (kept / "policy.optimizer.safetensors").exists()  # best is for inference, not resuming
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best", "ckpt-1", "ckpt-2", "ckpt-3"]


def test_a_run_dir_is_loaded_from_its_best_checkpoint_when_it_kept_one(tmp_path):
    (tmp_path / "config.json").write_text(TrainConfig(data=None, warm_start_minutes=1.0).to_json())
    latest, _ = fake_checkpoint(tmp_path, "ckpt-2", 0.7)
    (tmp_path / "latest").write_text("ckpt-2\n")
    assert resolve_checkpoint(tmp_path)[1] == latest / "policy.safetensors"
    keep_if_best(tmp_path, *fake_checkpoint(tmp_path, "ckpt-1", 0.5))
    assert resolve_checkpoint(tmp_path)[1] == tmp_path / "best" / "policy.safetensors"


def test_selection_needs_targets_with_a_validation_split():
    assert selects(TrainConfig(data="mnist:/tmp"))
    assert not selects(TrainConfig(data="mnist:/tmp", select_images=0))
    assert not selects(TrainConfig(data="mnist:/tmp", conditional=False))
    assert not selects(TrainConfig(data="strokes:/tmp"))  # people's programs: no validation split
    assert "--select has no effect" in " ".join(TrainConfig(data="strokes:/tmp", select_images=50).unused_options())
