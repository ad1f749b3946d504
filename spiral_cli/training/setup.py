"""What the trainer's processes share, and the networks each of them builds."""

from __future__ import annotations

import os
import queue
import signal
from dataclasses import dataclass, field
from pathlib import Path

import torch

from spiral_cli.agent import Discriminator, Policy, model_config
from spiral_cli.envs import env_config
from spiral_cli.envs.components import ActionComponent
from spiral_cli.training.config import TrainConfig
from spiral_cli.training.shared import Flag, ReplayStore, RolloutStore, SharedWeights

WARM_START, REINFORCE = 0, 1


@dataclass
class Shared:
    """Handed to every child process; holds only shared-memory tensors and mp primitives."""

    config: TrainConfig
    env_config: object
    components: list[ActionComponent]
    image_shape: tuple
    store: RolloutStore
    policy_weights: SharedWeights
    d_weights: SharedWeights | None
    replay: ReplayStore | None
    data: torch.Tensor | None  # training images (N, H, W, C) uint8
    programs: dict | None  # people's stroke programs (--human): component -> (N, T) int64
    paintings: dict | None  # --paintings: "images" (N, H, W, 3) uint8 and component -> (N, T) int64
    stop: Flag
    phase: object  # WARM_START or REINFORCE, lock-free: actors read it
    policy_updates: object
    env_steps: object
    d_updates: object
    metrics: object
    commands: dict = field(default_factory=dict)  # learner name -> queue
    acks: object = None
    parent_pid: int = 0
    resume_from: str | None = None


def phase_at(config: TrainConfig, wall_seconds: float) -> int:
    """WARM_START during the run's first warm_start_minutes, REINFORCE after."""
    return WARM_START if wall_seconds < config.warm_start_minutes * 60 else REINFORCE


def budget_spent(config: TrainConfig, wall_seconds: float, updates: int) -> bool:
    if config.minutes is not None and wall_seconds >= config.minutes * 60:
        return True
    return config.updates is not None and updates >= config.updates


def build_policy(config: TrainConfig, components, image_shape) -> Policy:
    return Policy(components, image_shape[-1], config.conditional, model_config(config.model, **config.model_options))


def build_discriminator(config: TrainConfig, image_shape) -> Discriminator:
    return Discriminator(image_shape[-1], config.conditional, model_config(config.model, **config.model_options))


def environment_for(config: TrainConfig):
    """The environment configuration of a run (colour when the data are colour images)."""
    options = dict(config.env_options)
    if config.env == "paint":
        options["color"] = config.paints_in_colour
    return env_config(config.env, **options)


def child_process_init(shared: Shared, seed: int) -> None:
    """One thread per process (they share 2 cores); Ctrl-C is the parent's to handle."""
    torch.set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.manual_seed(seed)


def parent_alive(shared: Shared) -> bool:
    """A trainer killed with SIGKILL leaves its children orphaned: they notice and exit."""
    return os.getppid() == shared.parent_pid


def serve_commands(shared: Shared, name: str, save) -> None:
    """Answer the trainer's pending command for learner `name`: `save(directory)` writes the
    learner's part of a checkpoint and returns the counters it saved at, which are acked."""
    try:
        command, argument = shared.commands[name].get_nowait()
    except queue.Empty:
        return
    if command == "save":
        shared.acks.put((name, *save(Path(argument))))
