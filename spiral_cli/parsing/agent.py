"""A trained agent loaded for inference: from a run directory or a shipped checkpoint."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from spiral_cli.agent import Policy
from spiral_cli.agent.noise import RowNoise
from spiral_cli.envs import make_vector_env
from spiral_cli.errors import UsageError
from spiral_cli.parsing.search import ink, search_step
from spiral_cli.programs.model import StrokeProgram
from spiral_cli.training.checkpoint import latest_checkpoint
from spiral_cli.training.config import TrainConfig
from spiral_cli.training.selection import best_checkpoint
from spiral_cli.training.setup import build_discriminator, build_policy, environment_for

SHIPPED = Path(__file__).resolve().parent.parent.parent / "checkpoints"


def shipped_checkpoints() -> list[str]:
    """Names of the checkpoints that ship in the project's checkpoints/ folder."""
    if not SHIPPED.is_dir():
        return []
    return sorted(p.name for p in SHIPPED.iterdir() if (p / "config.json").is_file())


def resolve_checkpoint(name_or_path: str | Path) -> tuple[Path, Path]:
    """(config.json, policy.safetensors) of a run dir (its best checkpoint on the validation
    split when it kept one, else its latest), a checkpoint dir or a shipped name."""
    path = Path(name_or_path)
    if not path.exists() and (SHIPPED / str(name_or_path)).is_dir():
        path = SHIPPED / str(name_or_path)
    if not path.is_dir():
        raise UsageError(f"no shipped checkpoint named {name_or_path!r} and no such directory")
    weights_dir = best_checkpoint(path) or latest_checkpoint(path) or path
    for config_dir in (path, path.parent):
        if (config_dir / "config.json").is_file() and (weights_dir / "policy.safetensors").is_file():
            return config_dir / "config.json", weights_dir / "policy.safetensors"
    raise UsageError(f"{path}: not a spiral checkpoint (needs config.json and policy.safetensors)")


@dataclass
class Agent:
    config: TrainConfig
    env: object  # the environment configuration it was trained on
    policy: Policy
    source: str = ""  # the name or path it was loaded from, for other processes to load it too
    critic: torch.nn.Module | None = None  # the discriminator trained beside it, when it ships

    @classmethod
    def load(cls, name_or_path: str | Path) -> Agent:
        config_path, weights_path = resolve_checkpoint(name_or_path)
        try:
            config = TrainConfig.from_dict(json.loads(config_path.read_text()))
        except (OSError, json.JSONDecodeError, TypeError) as exc:
            raise UsageError(f"{config_path}: unreadable training configuration ({exc})") from None
        env = environment_for(config)
        policy = load_weights(build_policy(config, env.action_components(), env.image_shape), weights_path)
        critic_path = weights_path.parent / "discriminator.safetensors"
        critic = None
        if critic_path.is_file():
            critic = load_weights(build_discriminator(config, env.image_shape), critic_path)
        return cls(config, env, policy, str(name_or_path), critic)

    @torch.no_grad()
    def run(self, targets: np.ndarray | None, count: int | None = None, greedy: bool = False,
            seed: int = 0, candidates: int = 1, steps: int | None = None,
            temperature: float = 1.0, judged: bool = False,
            context: list | None = None) -> tuple[list[StrokeProgram], np.ndarray]:
        """Run whole episodes: on targets (N, H, W, C) uint8 when conditional, else `count`
        unconditional samples. With `candidates` > 1 (conditional only) each step keeps the
        best of that many proposals; `steps` overrides the episode length; `temperature`
        below 1 samples closer to the most likely actions; `judged` (conditional only) puts
        even a single proposal to the renderer, so a stroke that does not help is not drawn;
        `context` holds per target the actions already on its canvas. Returns the
        programs and the final canvases."""
        n = len(targets) if targets is not None else count
        noise = RowNoise.for_targets(targets, seed, n)  # an image's strokes do not depend on its batch
        env = self.env if steps is None else replace(self.env, episode_length=steps)
        envs = make_vector_env(self.config.env, n, env)
        observation, _ = envs.reset(seed=seed, options={"context": context} if context else None)
        target = torch.from_numpy(targets) if targets is not None and self.config.conditional else None
        canvas = torch.from_numpy(observation["canvas"])
        target_ink = ink(targets) if target is not None and (candidates > 1 or judged) else None
        state, previous = self.policy.initial_state(n), None
        for _ in range(env.episode_length):
            core, maps, state = self.policy.step(canvas, target, previous, state)
            if target_ink is not None:
                actions = search_step(self.policy, envs, core, maps, target_ink, candidates, noise=noise)
            else:
                actions, _ = self.policy.sample(core, maps, greedy=greedy, temperature=temperature, noise=noise)
            observation, *_ = envs.step({k: v.numpy() for k, v in actions.items()})
            canvas, previous = torch.from_numpy(observation["canvas"]), actions
        return envs.programs, observation["canvas"]


def load_weights(module: torch.nn.Module, path: Path) -> torch.nn.Module:
    try:
        module.load_state_dict(load_file(str(path)))
    except Exception as exc:  # safetensors raises several types for damaged files
        raise UsageError(f"{path}: cannot load weights ({exc})") from None
    return module.eval()
