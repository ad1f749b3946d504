import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from spiral_cli.envs import env_config
from spiral_cli.programs import Action, StrokeProgram
from spiral_cli.training.config import TrainConfig
from spiral_cli.training.setup import build_policy


def ink(rgb: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] of a white-background canvas (DESIGN section 4)."""
    return 1.0 - rgb.astype(np.float64).mean(axis=-1) / 255.0


@pytest.fixture
def two_stroke_program() -> StrokeProgram:
    return StrokeProgram(
        width=64,
        height=64,
        brush="classic/pen",
        color_mode="grayscale",
        grid=None,
        actions=(
            Action("jump", (0.0, 0.0), (0.0, 0.0), (10.0, 10.0), 0.5, 3.0),
            Action("draw", (10.0, 10.0), (30.0, 4.0), (50.0, 12.0), 0.9, 3.0),
            Action("draw", (50.0, 12.0), (56.0, 30.0), (40.0, 50.0), 0.6, 5.0),
        ),
    )


def run_spiral(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    """The real command line in a child process: exit codes and stderr as a user sees them."""
    return subprocess.run(
        [sys.executable, "-m", "spiral_cli", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


@pytest.fixture(scope="session")
def untrained_checkpoint(tmp_path_factory):
    """A conditional agent with random weights: enough to exercise the plumbing."""
    folder = tmp_path_factory.mktemp("untrained")
    config = TrainConfig(data=None, warm_start_minutes=1.0, env_options={"brush": "classic/pen"})
    env = env_config("paint", brush="classic/pen")
    policy = build_policy(config, env.action_components(), env.image_shape)
    (folder / "config.json").write_text(config.to_json())
    save_file(policy.state_dict(), str(folder / "policy.safetensors"))
    return folder


def constant_decider(model, yes: bool):
    """A tracing decider (`tracing/decider.py`) that says yes, or no, everywhere."""
    with torch.no_grad():
        for layer in model.net:
            if isinstance(layer, torch.nn.Linear):
                layer.weight.zero_()
                layer.bias.zero_()
        model.net[-1].bias.fill_(10.0 if yes else -10.0)
    return model
