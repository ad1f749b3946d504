"""`spiral train --backend ray`: the same actors and learners as the local runtime, as Ray
actors that may run anywhere in a cluster.

The algorithm is shared with the local backend: rollout workers fill slots with the actor
functions (policy, search or synthetic programs), the policy learner applies
PolicyUpdater.learn and the discriminator learner DiscriminatorUpdater.update. What
changes is transport: slots and weights travel through Ray's object store instead of
shared memory, and learners send their state back so that the trainer (the driver)
writes the very same checkpoint files, which either backend resumes."""

from __future__ import annotations

import math

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from spiral_cli.errors import SpiralError, UsageError
from spiral_cli.training.checkpoint import (
    commit_checkpoint, latest_checkpoint, load_state, module_state, new_checkpoint_dir, read_state, restore_state,
    save_state, seconds_behind,
)
from spiral_cli.training.monitor import Monitor
from spiral_cli.training.selection import select
from spiral_cli.training.setup import (
    REINFORCE, WARM_START, budget_spent, build_discriminator, build_policy, phase_at,
)
from spiral_cli.training.shared import AGENT, SEARCH, SYNTHETIC, TRACE, ReplayStore, RolloutStore

SOURCES = {AGENT: "agent", SYNTHETIC: "synthetic", SEARCH: "search", TRACE: "trace"}


def import_ray():
    try:
        import ray
    except ImportError:
        raise UsageError("--backend ray needs Ray: pip install 'spiral-cli[ray]'") from None
    return ray


class RolloutWorker:
    """A batch of environments and a copy of the policy; each call fills one slot."""

    def __init__(self, config, env_config, data: np.ndarray | None, seed: int):
        from spiral_cli.envs import make_vector_env
        from spiral_cli.training.actor import load_teacher

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        components, shape = env_config.action_components(), env_config.image_shape
        self.envs = make_vector_env(config.env, config.envs_per_actor, env_config)
        self.policy = build_policy(config, components, shape).eval()
        self.teacher = load_teacher(config.teacher, components) if config.teacher else None
        self.rng = np.random.default_rng(seed)
        self.slot = SimpleNamespace(  # what the actor functions read of the local runtime's Shared
            config=config, env_config=env_config, phase=SimpleNamespace(value=WARM_START),
            data=None if data is None else torch.from_numpy(np.array(data)), paintings=None,  # local backend only
            store=RolloutStore(1, env_config.episode_length, config.envs_per_actor, shape, components),
        )

    def pid(self) -> int:
        return os.getpid()

    def rollout(self, weights: dict, phase: int) -> dict:
        from spiral_cli.training.actor import choose_source, fill_with_policy, fill_with_synthetic, fill_with_trace

        self.slot.phase.value = phase
        source = choose_source(self.slot, self.rng)
        if source == SYNTHETIC:
            fill_with_synthetic(self.envs, self.slot, 0, self.rng)
        elif source == TRACE:
            fill_with_trace(self.envs, self.slot, 0, self.rng)
        else:
            self.policy.load_state_dict(weights)
            searching = source == SEARCH
            chooser = self.teacher if searching and self.teacher else self.policy
            with torch.no_grad():
                fill_with_policy(chooser, self.envs, self.slot, 0, self.rng, searching)
        batch = self.slot.store.read([0])
        batch["source"] = int(self.slot.store.source[0])
        return batch


def to_device(value, device: str):
    """A batch (nested dicts of tensors) on the learner's device."""
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    return value.to(device) if isinstance(value, torch.Tensor) else value


def cpu_copy(module: torch.nn.Module) -> dict:
    return {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}


class PolicyLearnerWorker:
    def __init__(self, config, env_config, seed: int, device: str = "cpu"):
        from spiral_cli.training.policy_learner import PolicyUpdater

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        components, shape = env_config.action_components(), env_config.image_shape
        self.device = device
        policy = build_policy(config, components, shape).to(device)
        discriminator = build_discriminator(config, shape).to(device).eval() if config.uses_discriminator else None
        self.updater = PolicyUpdater(policy, config, env_config, discriminator)

    def pid(self) -> int:
        return os.getpid()

    def learn(self, batch: dict, source: int, d_weights: dict | None) -> dict:
        if d_weights is not None and source == AGENT:
            self.updater.discriminator.load_state_dict(d_weights)
        return self.updater.learn(to_device(batch, self.device), source)

    def weights(self) -> dict:
        return cpu_copy(self.updater.policy)

    def state(self) -> dict:
        return module_state(self.updater.policy, self.updater.optimizer)

    def restore(self, state: dict) -> None:
        restore_state(self.updater.policy, self.updater.optimizer, state)
        self.updater.use_configured_learning_rate()


class DiscriminatorLearnerWorker:
    """Keeps its own replay of final renders and updates at its own pace."""

    def __init__(self, config, image_shape, data: np.ndarray | None, seed: int, device: str = "cpu"):
        from spiral_cli.training.discriminator_learner import DiscriminatorUpdater

        torch.set_num_threads(1)
        self.config = config
        self.updater = DiscriminatorUpdater(build_discriminator(config, image_shape).to(device), config, seed)
        self.replay = ReplayStore(config.replay_batches * config.batch_size, image_shape, multiprocessing.get_context())
        self.data = None if data is None else torch.from_numpy(np.array(data))

    def train(self, renders: torch.Tensor, targets: torch.Tensor, updates: int) -> list[dict]:
        self.replay.add(renders, targets)
        if self.replay.count.value < self.config.batch_size:
            return []
        return [
            self.updater.update(*self.replay.sample(self.config.batch_size, self.updater.generator), self.data)
            for _ in range(updates)
        ]

    def weights(self) -> dict:
        return cpu_copy(self.updater.model)

    def state(self) -> dict:
        return module_state(self.updater.model, self.updater.optimizer)

    def restore(self, state: dict) -> None:
        restore_state(self.updater.model, self.updater.optimizer, state)


def join_slots(slots: list[dict]) -> dict:
    """Slots of one source into a learner batch (episodes side by side)."""
    return {
        "canvas": torch.cat([s["canvas"] for s in slots], dim=1),
        "target": torch.cat([s["target"] for s in slots], dim=0),
        "actions": {k: torch.cat([s["actions"][k] for s in slots], dim=1) for k in slots[0]["actions"]},
        "labels": {k: torch.cat([s["labels"][k] for s in slots], dim=1) for k in slots[0]["labels"]},
        "log_prob": torch.cat([s["log_prob"] for s in slots], dim=1),
    }


class RayTrainer:
    """The driver: keeps every rollout worker busy, batches slots for the learners, publishes
    weights, checkpoints, and replaces what the cluster loses."""

    def __init__(self, config, env, data, run_dir: Path, checkpoint, prior: dict, console=None,
                 initial_weights=None, address: str | None = None, learner_device: str = "cpu"):
        self.ray = ray = import_ray()
        self.owns_ray = not ray.is_initialized()
        if self.owns_ray:
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise SpiralError(f"cannot reach a Ray cluster at {address}: {exc}") from None
        if learner_device.startswith("cuda") and ray.cluster_resources().get("GPU", 0) < 1:
            raise SpiralError(f"--learner-device {learner_device}: the Ray cluster has no GPU")
        self.config, self.env, self.run_dir, self.learner_device = config, env, run_dir, learner_device
        self.data = None if data is None else ray.put(data.numpy())
        self.checkpoint_dir, self.initial_weights = checkpoint, initial_weights
        self.prior_wall = float(prior.get("wall_seconds", 0.0))
        self.seconds_behind = seconds_behind(config.init_from)
        self.counts = {k: int(prior.get(k, 0)) for k in ("updates", "env_steps", "d_updates")}
        self.monitor = Monitor(run_dir, console)
        self.seed = config.seed * 1000 + self.counts["updates"]
        self.slots_per_batch = config.batch_size // config.envs_per_actor
        self.workers = [self._new_worker() for _ in range(config.actors)]
        self._start_learners()

    # --- Ray actors --------------------------------------------------------------------
    def _next_seed(self) -> int:
        self.seed += 1
        return self.seed

    def _placement(self, **resources) -> dict:
        """Ray actor options: the given resources anywhere in the cluster, never inside the
        placement group of a Tune trial that started this trainer (a PBT member)."""
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        return {**resources, "scheduling_strategy": PlacementGroupSchedulingStrategy(placement_group=None)}

    def _new_worker(self):
        remote = self.ray.remote(**self._placement(num_cpus=1, max_restarts=0))(RolloutWorker)
        return remote.remote(self.config, self.env, self.data, self._next_seed())

    def _start_learners(self) -> None:
        """Fresh learners with the weights of the last checkpoint (or the run's start)."""
        ray, config, device = self.ray, self.config, self.learner_device
        placement = self._placement(num_cpus=0, num_gpus=1 if device.startswith("cuda") else 0)  # a GPU when asked
        self.learner = ray.remote(**placement)(PolicyLearnerWorker).remote(config, self.env, self._next_seed(), device)
        self.critic = None
        if config.uses_discriminator:
            self.critic = ray.remote(**placement)(DiscriminatorLearnerWorker).remote(
                config, self.env.image_shape, self.data, self._next_seed(), device)
        if self.checkpoint_dir is not None:
            ray.get(self.learner.restore.remote(load_state(self.checkpoint_dir, "policy")))
            if self.critic is not None:
                ray.get(self.critic.restore.remote(load_state(self.checkpoint_dir, "discriminator")))
        elif self.initial_weights is not None:
            ray.get(self.learner.restore.remote({"weights": self.initial_weights, "optimizer": None}))
        self.policy_weights = self.learner.weights.remote()
        self.d_weights = self.critic.weights.remote() if self.critic is not None else None

    def _recover_learners(self, error) -> None:
        latest = latest_checkpoint(self.run_dir)
        self.monitor.event(f"a learner was lost ({type(error).__name__}); restarting from "
                           f"{latest.name if latest else 'the start of the run'}")
        if latest is not None:
            self.checkpoint_dir = latest
            state = read_state(latest)
            self.counts = {k: int(state.get(k, 0)) for k in self.counts}
        self._start_learners()

    # --- phases, budget, checkpoints ------------------------------------------------------
    def _phase(self, wall_seconds: float) -> int:
        return phase_at(self.config, wall_seconds)

    def _finished(self, wall_seconds: float) -> bool:
        return budget_spent(self.config, wall_seconds, self.counts["updates"])

    def checkpoint(self, wall_seconds: float) -> Path:
        try:
            policy, critic = self._learner_states()
        except self.ray.exceptions.RayActorError as error:  # lost since its last update
            self._recover_learners(error)
            policy, critic = self._learner_states()
        partial = new_checkpoint_dir(self.run_dir, self.counts["updates"])
        save_state(policy, partial, "policy")
        if critic is not None:
            save_state(critic, partial, "discriminator")
        state = {
            **self.counts, "wall_seconds": round(wall_seconds, 2), "backend": "ray",
            "total_wall_seconds": round(wall_seconds + self.seconds_behind, 2),  # with --init-from's
            "phase": "warm-start" if self._phase(wall_seconds) == WARM_START else "reinforce",
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "metrics": {k: v for k, v in self.monitor.latest.items() if isinstance(v, (int, float))},
        }
        final = commit_checkpoint(self.run_dir, partial, state)
        selected = select(self.config, self.run_dir, final)
        if selected:
            self.monitor.event(selected)
        return final

    def _learner_states(self) -> tuple[dict, dict | None]:
        policy = self.ray.get(self.learner.state.remote())
        return policy, None if self.critic is None else self.ray.get(self.critic.state.remote())

    # --- main loop -----------------------------------------------------------------------
    def run(self):
        from spiral_cli.training.trainer import TrainSummary, _interrupt, _rate

        config, ray = self.config, self.ray
        start = time.monotonic()
        wall = lambda: self.prior_wall + time.monotonic() - start
        pending = {self._rollout(i, wall()): i for i in range(len(self.workers))}
        waiting = {source: [] for source in SOURCES}  # finished slots by source
        last_checkpoint, speed = time.monotonic(), deque(maxlen=40)
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous_handler = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
        final = None
        with self.monitor:
            try:
                while not self._finished(wall()):
                    ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
                    for ref in ready:
                        index = pending.pop(ref)
                        self._receive(ref, index, waiting)
                        pending[self._rollout(index, wall())] = index
                    self._learn(waiting, wall())
                    if time.monotonic() - last_checkpoint > config.checkpoint_minutes * 60:
                        self.monitor.event(f"checkpoint {self.checkpoint(wall()).name}")
                        last_checkpoint = time.monotonic()
                    speed.append((time.monotonic(), self.counts["env_steps"]))
                    self.monitor.show(self.counts["env_steps"], _rate(speed), wall())
            except KeyboardInterrupt:
                self.monitor.event("interrupted: saving a checkpoint")
            finally:
                final = self.checkpoint(wall())
                if in_main_thread:
                    signal.signal(signal.SIGTERM, previous_handler)
                for worker in [*self.workers, self.learner, self.critic]:
                    if worker is not None:
                        ray.kill(worker)
                if self.owns_ray:
                    ray.shutdown()
            self.monitor.event(f"saved {final}")
        return TrainSummary(self.run_dir, self.counts["updates"], self.counts["env_steps"], wall(),
                            dict(self.monitor.latest))

    def _rollout(self, index: int, wall_seconds: float):
        return self.workers[index].rollout.remote(self.policy_weights, self._phase(wall_seconds))

    def _receive(self, ref, index: int, waiting: dict) -> None:
        """Keep a finished slot; a lost worker (its process or node died) is replaced."""
        try:
            slot = self.ray.get(ref)
        except self.ray.exceptions.RayActorError as error:
            self.monitor.event(f"actor {index} was lost ({type(error).__name__}); starting a new one")
            self.workers[index] = self._new_worker()
            return
        waiting[slot.pop("source")].append(slot)

    def _learn(self, waiting: dict, wall_seconds: float) -> None:
        from spiral_cli.training.policy_learner import IMAGE_EVERY, _side_by_side

        if self._phase(wall_seconds) == REINFORCE and not self.config.imitation_fraction:
            waiting[SYNTHETIC].clear()  # left over from the warm start
            waiting[TRACE].clear()
        for source, slots in waiting.items():
            if len(slots) < self.slots_per_batch:
                continue
            batch = join_slots(slots[: self.slots_per_batch])
            del slots[: self.slots_per_batch]
            try:
                if source == AGENT and self.config.critic_warming_up(self.counts["d_updates"]):
                    self._train_critic(batch, wall_seconds, warming_up=True)  # its renders only teach the critic
                    self.counts["env_steps"] += batch["log_prob"].numel()
                    continue
                metrics = self.ray.get(self.learner.learn.remote(batch, source, self.d_weights))
                if source == AGENT and self.critic is not None:
                    self._train_critic(batch, wall_seconds)
            except self.ray.exceptions.RayActorError as error:
                self._recover_learners(error)
                return
            self.policy_weights = self.learner.weights.remote()
            self.counts["updates"] += 1
            self.counts["env_steps"] += batch["log_prob"].numel()
            metrics.update(kind="policy", update=self.counts["updates"], source=SOURCES[source])
            if self.counts["updates"] % IMAGE_EVERY == 1:
                metrics["images"] = _side_by_side(batch).numpy()
            self.monitor.record(metrics, self.counts["env_steps"], wall_seconds)

    def _train_critic(self, batch: dict, wall_seconds: float, warming_up: bool = False) -> None:
        """Updates on the batch's renders: the configured ratio, or during the critic's
        warm-up its updates spread over the filling of the replay."""
        config = self.config
        ratio = config.d_warmup / config.replay_batches if warming_up else config.d_updates_per_policy_update
        updates = max(1, math.ceil(ratio) if warming_up else round(ratio))
        for metrics in self.ray.get(self.critic.train.remote(batch["canvas"][-1], batch["target"], updates)):
            self.counts["d_updates"] += 1
            self.monitor.record(metrics | {"kind": "discriminator", "update": self.counts["d_updates"]},
                                self.counts["env_steps"], wall_seconds)
        self.d_weights = self.critic.weights.remote()
