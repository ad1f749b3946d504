"""`spiral train`: starts the actors and learners, watches them, checkpoints, resumes."""

from __future__ import annotations

import json
import os
import queue
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.multiprocessing as mp

from spiral_cli.data import load_dataset
from spiral_cli.data.datasets import load_stroke_programs
from spiral_cli.errors import SpiralError, UsageError
from spiral_cli.training.actor import actor_main, load_teacher
from spiral_cli.training.checkpoint import (
    commit_checkpoint, latest_checkpoint, load_module, new_checkpoint_dir, read_state, record_history,
    seconds_behind,
)
from spiral_cli.training.config import TrainConfig
from spiral_cli.training.discriminator_learner import discriminator_learner_main
from spiral_cli.training.monitor import Monitor
from spiral_cli.training.policy_learner import policy_learner_main
from spiral_cli.training.selection import select
from spiral_cli.training.setup import (
    REINFORCE, WARM_START, Shared, budget_spent, build_discriminator, build_policy, environment_for, phase_at,
)
from spiral_cli.training.shared import Flag, ReplayStore, RolloutStore, SharedWeights

ACK_TIMEOUT = 300.0


@dataclass
class TrainSummary:
    run_dir: Path
    updates: int
    env_steps: int
    wall_seconds: float
    metrics: dict


def prepare_run(config: TrainConfig | None, run_dir: Path, resume: bool, overrides: dict | None = None):
    """The run's configuration and the checkpoint to resume from (if any)."""
    run_dir = Path(run_dir)
    config_path = run_dir / "config.json"
    if resume:
        if not config_path.exists():
            raise UsageError(f"{run_dir}: not a training run (no config.json)")
        saved = TrainConfig.from_dict(json.loads(config_path.read_text()))
        for key, value in (overrides or {}).items():
            setattr(saved, key, value)
        saved.validate()
        config_path.write_text(saved.to_json())
        return saved, latest_checkpoint(run_dir)
    if latest_checkpoint(run_dir) is not None:
        raise UsageError(f"{run_dir} already holds a run: continue it with --resume, or choose another --run-dir")
    config.validate()
    run_dir.mkdir(parents=True, exist_ok=True)
    config_path.write_text(config.to_json())
    return config, None


def train(config: TrainConfig | None, run_dir: Path, resume: bool = False, overrides: dict | None = None,
          console=None, command: str | None = None, backend: str = "local", address: str | None = None,
          learner_device: str = "cpu") -> TrainSummary:
    """Train (or resume) the run in run_dir with the local multi-process runtime or on Ray
    (`address` of a cluster, or a local Ray instance); both write the same files. `command`
    (the command line) is logged to the run's commands.txt for its model card, at the start,
    so that a run killed midway still records how it began."""
    if backend not in BACKENDS:
        raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    try:
        torch.device(learner_device)
    except RuntimeError:
        raise UsageError(f"--learner-device must name a torch device such as cpu or cuda, got {learner_device!r}") from None
    if learner_device != "cpu" and backend != "ray":
        raise UsageError("--learner-device is for --backend ray (the local backend trains on the CPU)")
    if backend == "ray":
        from spiral_cli.training.ray_backend import import_ray

        import_ray()  # a missing extra fails here, before anything is written
    run_dir = Path(run_dir)
    config, checkpoint = prepare_run(config, run_dir, resume, overrides)
    if backend == "ray" and config.human_fraction:  # before any data is read or the command logged
        raise UsageError("--human runs on the local backend (--backend ray does not clone people's strokes yet)")
    if backend == "ray" and config.paintings:
        raise UsageError("--paintings runs on the local backend (--backend ray does not clone them yet)")
    if backend == "ray" and config.warm_start_learning_rate is not None:
        raise UsageError("--warm-start-lr runs on the local backend (--backend ray keeps one learning rate)")
    if command:
        with open(run_dir / "commands.txt", "a") as log:
            log.write(command + "\n")
    prior = read_state(checkpoint) if checkpoint else {}
    env = environment_for(config)
    if config.teacher:
        load_teacher(config.teacher, env.action_components())  # fail here, not in every actor
    initial = initial_weights(config, env) if config.init_from and checkpoint is None else None
    data = programs = None
    if config.data is not None:
        data = torch.from_numpy(load_dataset(config.data, "train", env.canvas, env.color).images).share_memory_()
    if config.human_fraction:
        programs = {k: torch.from_numpy(v.astype("int64")).share_memory_()
                    for k, v in load_stroke_programs(config.human_programs, "train").actions.items()}
    paintings = teacher_paintings(config, env) if config.paintings else None
    if backend == "ray":
        from spiral_cli.training.ray_backend import RayTrainer

        return RayTrainer(config, env, data, run_dir, checkpoint, prior, console, initial, address, learner_device).run()
    return Trainer(config, env, data, run_dir, checkpoint, prior, console, initial, programs, paintings).run()


def teacher_paintings(config: TrainConfig, env) -> dict:
    """The colour search's programs of --paintings, checked against this run's pen and canvas."""
    from spiral_cli.data.paintings import load_paintings, mirrored_paintings

    made = load_paintings(Path(config.paintings))
    if made.brush != env.brush or made.images.shape[1:] != env.image_shape:
        raise UsageError(f"--paintings {config.paintings}: made with {made.brush} at {made.images.shape[1]} px, "
                         f"but this run paints with {env.brush} at {env.canvas} px")
    images, actions = mirrored_paintings(made.images, made.actions, env.grid)
    tensors = {"images": images, **{k: v.astype("int64") for k, v in actions.items()}}
    return {k: torch.from_numpy(v).share_memory_() for k, v in tensors.items()}


def initial_weights(config: TrainConfig, env) -> dict:
    """The policy weights --init-from names, checked to fit this run's policy."""
    from safetensors.torch import load_file

    from spiral_cli.parsing.agent import resolve_checkpoint

    weights = load_file(str(resolve_checkpoint(config.init_from)[1]))
    try:
        build_policy(config, env.action_components(), env.image_shape).load_state_dict(weights)
    except RuntimeError:
        raise UsageError(f"--init-from {config.init_from}: its network does not fit this run's") from None
    return weights


BACKENDS = ("local", "ray")


class Trainer:
    def __init__(self, config, env, data, run_dir, checkpoint, prior, console, initial_weights=None, programs=None,
                 paintings=None):
        self.config, self.env, self.run_dir = config, env, run_dir
        self.context = mp.get_context("spawn")  # libmypaint's OpenMP and torch do not survive fork
        ctx = self.context
        components = env.action_components()
        shape = env.image_shape
        slots_per_batch = config.batch_size // config.envs_per_actor
        slots = 2 * slots_per_batch + 2 * config.actors
        policy = build_policy(config, components, shape)
        if initial_weights is not None:  # what actors use until the learner publishes
            policy.load_state_dict(initial_weights)
        elif checkpoint is not None:
            load_module(policy, None, checkpoint, "policy")
        d_weights = replay = None
        if config.uses_discriminator:
            d_weights = SharedWeights(build_discriminator(config, shape), ctx)
            replay = ReplayStore(config.replay_batches * config.batch_size, shape, ctx)
        self.prior_wall = float(prior.get("wall_seconds", 0.0))
        self.seconds_behind = seconds_behind(config.init_from)
        self.shared = Shared(
            config=config, env_config=env, components=components, image_shape=shape,
            store=RolloutStore(slots, env.episode_length, config.envs_per_actor, shape, components),
            policy_weights=SharedWeights(policy, ctx), d_weights=d_weights, replay=replay, data=data, programs=programs,
            paintings=paintings,
            stop=Flag(ctx), phase=ctx.RawValue("i", self._phase(self.prior_wall)),
            policy_updates=ctx.Value("q", int(prior.get("updates", 0))),
            env_steps=ctx.Value("q", int(prior.get("env_steps", 0))),
            d_updates=ctx.Value("q", int(prior.get("d_updates", 0))),
            metrics=ctx.Queue(),
            commands={"policy": ctx.Queue(), "discriminator": ctx.Queue()},
            acks=ctx.Queue(), parent_pid=os.getpid(),
            resume_from=str(checkpoint) if checkpoint else None,
        )
        self.monitor = Monitor(run_dir, console)
        self.actors: list = [None] * config.actors
        self.learners: dict = {}
        self.seed_counter = config.seed * 1000 + int(prior.get("updates", 0))

    # --- processes ---------------------------------------------------------------------
    def _next_seed(self) -> int:
        self.seed_counter += 1
        return self.seed_counter

    def _start(self, target, *args):
        process = self.context.Process(target=target, args=(*args, self._next_seed()), daemon=True)
        process.start()
        return process

    def _start_actor(self, index: int) -> None:
        self.actors[index] = self._start(actor_main, index, self.shared)

    def _check_actors(self) -> None:
        for index, process in enumerate(self.actors):
            if process.is_alive():
                continue
            self.monitor.event(f"actor {index} died (exit code {process.exitcode}); restarting it")
            self._start_actor(index)

    def _check_learners(self) -> None:
        for name, process in self.learners.items():
            if not process.is_alive():
                raise SpiralError(
                    f"the {name} learner died (exit code {process.exitcode}); "
                    f"continue from the last checkpoint with: spiral train --resume {self.run_dir}"
                )

    # --- budget and phases ---------------------------------------------------------------
    def _phase(self, wall_seconds: float) -> int:
        return phase_at(self.config, wall_seconds)

    def _finished(self, wall_seconds: float) -> bool:
        return budget_spent(self.config, wall_seconds, self.shared.policy_updates.value)

    # --- checkpoints ---------------------------------------------------------------------
    def checkpoint(self, wall_seconds: float) -> Path:
        shared = self.shared
        partial = new_checkpoint_dir(self.run_dir, shared.policy_updates.value)
        waiting = set(self.learners)
        for name in waiting:
            shared.commands[name].put(("save", str(partial)))
        deadline = time.monotonic() + ACK_TIMEOUT
        counts = {}
        while waiting:
            try:
                name, updates, env_steps = shared.acks.get(timeout=1.0)
                counts[name] = (updates, env_steps)
                waiting.discard(name)
            except queue.Empty:
                self._check_learners()
                if time.monotonic() > deadline:
                    raise SpiralError("learners did not write their checkpoint in time") from None
        state = {
            # the counts at the moment each learner saved its weights
            "updates": counts["policy"][0],
            "env_steps": counts["policy"][1],
            "d_updates": counts.get("discriminator", (shared.d_updates.value,))[0],
            "wall_seconds": round(wall_seconds, 2),
            "total_wall_seconds": round(wall_seconds + self.seconds_behind, 2),  # with --init-from's
            "phase": "warm-start" if shared.phase.value == WARM_START else "reinforce",
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "metrics": {k: v for k, v in self.monitor.latest.items() if isinstance(v, (int, float))},
        }
        final = commit_checkpoint(self.run_dir, partial, state)
        selected = select(self.config, self.run_dir, final)
        if selected:
            self.monitor.event(selected)
        if self.config.history:
            record_history(self.run_dir, final, read_state(final))
        return final

    # --- main loop -----------------------------------------------------------------------
    def run(self) -> TrainSummary:
        shared, config = self.shared, self.config
        start = time.monotonic()
        wall = lambda: self.prior_wall + time.monotonic() - start
        self.learners["policy"] = self._start(policy_learner_main, shared)
        if config.uses_discriminator:
            self.learners["discriminator"] = self._start(discriminator_learner_main, shared)
        for index in range(config.actors):
            self._start_actor(index)
        last_checkpoint = time.monotonic()
        speed = deque(maxlen=40)
        in_main_thread = threading.current_thread() is threading.main_thread()  # only there can signals be handled
        previous_handler = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None  # `kill` = Ctrl-C
        with self.monitor:
            try:
                # one clock reading per turn: a run whose budget ends with its warm start never reinforces
                while not self._finished(now := wall()):
                    self._drain_metrics(now)
                    self._check_learners()
                    self._check_actors()
                    if shared.phase.value == WARM_START and self._phase(now) == REINFORCE:
                        shared.phase.value = REINFORCE
                        self.monitor.event("warm start finished: reinforcement learning from here")
                    if time.monotonic() - last_checkpoint > config.checkpoint_minutes * 60:
                        last_checkpoint = time.monotonic()  # the interval includes validating it
                        self.monitor.event(f"checkpoint {self.checkpoint(wall()).name}")
                    speed.append((time.monotonic(), shared.env_steps.value))
                    rate = _rate(speed)
                    self.monitor.show(shared.env_steps.value, rate, wall())
                    time.sleep(0.5)
            except KeyboardInterrupt:
                self.monitor.event("interrupted: saving a checkpoint")
            finally:
                self._drain_metrics(wall())
                final = self.checkpoint(wall()) if all(p.is_alive() for p in self.learners.values()) else None
                self._shutdown()
                if in_main_thread:
                    signal.signal(signal.SIGTERM, previous_handler)
            if final is not None:
                self.monitor.event(f"saved {final}")
        return TrainSummary(self.run_dir, shared.policy_updates.value, shared.env_steps.value, wall(),
                            dict(self.monitor.latest))

    def _drain_metrics(self, wall_seconds: float) -> None:
        while True:
            try:
                metrics = self.shared.metrics.get_nowait()
            except queue.Empty:
                return
            self.monitor.record(metrics, self.shared.env_steps.value, wall_seconds)

    def _shutdown(self) -> None:
        self.shared.stop.set()
        for process in [*self.learners.values(), *self.actors]:
            if process is not None:
                process.join(timeout=10)
                if process.is_alive():
                    process.terminate()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _rate(samples) -> float:
    if len(samples) < 2 or samples[-1][0] == samples[0][0]:
        return 0.0
    return (samples[-1][1] - samples[0][1]) / (samples[-1][0] - samples[0][0])
