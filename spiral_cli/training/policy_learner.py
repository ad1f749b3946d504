"""The policy learner: A2C with a value baseline and an entropy bonus on the policy's own
episodes, behaviour cloning on a teacher's (synthetic programs, or search), in batches of
whole episodes."""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

import torch
import torch.nn.functional as F

from safetensors.torch import load_file

from spiral_cli.parsing.agent import resolve_checkpoint
from spiral_cli.training.checkpoint import load_module, save_module
from spiral_cli.training.shared import AGENT, HUMAN, SEARCH, SYNTHETIC, TRACE
from spiral_cli.training.rewards import episode_rewards, relative_residual
from spiral_cli.training.setup import (
    REINFORCE, Shared, build_discriminator, build_policy, child_process_init, parent_alive, serve_commands,
)

SOURCES = {AGENT: "agent", SYNTHETIC: "synthetic", SEARCH: "search", TRACE: "trace", HUMAN: "human"}
SEARCH_REPLAY = "search-replay"
IMAGE_EVERY = 50  # updates between image grids sent to TensorBoard
SEARCH_MEMORY = 16  # searched batches kept for --search-replay: the last minute or so


def policy_learner_main(shared: Shared, seed: int) -> None:
    child_process_init(shared, seed)
    learner = PolicyLearner(shared)
    learner.run()


class PolicyLearner:
    """The learner process: takes batches of slots, updates, publishes weights, checkpoints."""

    def __init__(self, shared: Shared):
        self.shared = shared
        config = shared.config
        policy = build_policy(config, shared.components, shared.image_shape)
        discriminator = build_discriminator(config, shared.image_shape).eval() if config.uses_discriminator else None
        self.updater = PolicyUpdater(policy, config, shared.env_config, discriminator)
        if shared.resume_from:
            load_module(policy, self.updater.optimizer, Path(shared.resume_from), "policy")
            self.updater.use_configured_learning_rate()
        elif config.init_from:
            policy.load_state_dict(load_file(str(resolve_checkpoint(config.init_from)[1])))
        shared.policy_weights.publish(policy)
        self.d_version = -1
        self.slots_per_batch = config.batch_size // config.envs_per_actor
        self.pending: dict[int, list[int]] = {source: [] for source in SOURCES}  # filled slots by source
        self.searched: deque[dict] = deque(maxlen=SEARCH_MEMORY)

    def run(self) -> None:
        shared, updater = self.shared, self.updater
        while not shared.stop.is_set() and parent_alive(shared):
            self._serve_commands()
            slots = self._collect()
            if slots is None:
                continue
            source = int(shared.store.source[slots[0]])
            batch = shared.store.read(slots)
            shared.store.free(slots)
            if source == AGENT and updater.discriminator is not None:
                self.d_version = shared.d_weights.pull(updater.discriminator, self.d_version)
            if source == AGENT and shared.config.critic_warming_up(shared.d_updates.value):
                self._count_env_steps(batch)  # its renders only teach the critic
            else:
                self._learn(batch, source, SOURCES[source])
            if source == AGENT and shared.replay is not None:
                shared.replay.add(batch["canvas"][-1], batch["target"])
            if source == SEARCH and shared.config.search_replay:
                self._replay_search(batch)
        self._serve_commands()

    def _learn(self, batch, source: int, name: str) -> None:
        """One update; publish the weights and report. Env steps count only fresh batches."""
        shared = self.shared
        rate = shared.config.learning_rate_in(shared.phase.value != REINFORCE)
        self.updater.set_learning_rate(rate)
        metrics = self.updater.learn(batch, source)
        metrics["learning_rate"] = rate
        shared.policy_weights.publish(self.updater.policy)
        with shared.policy_updates.get_lock():
            shared.policy_updates.value += 1
        if name != SEARCH_REPLAY:
            self._count_env_steps(batch)
        else:  # already reported when the batch was fresh
            metrics.pop("search_l2_relative")
        metrics.update(kind="policy", update=shared.policy_updates.value, source=name)
        if shared.policy_updates.value % IMAGE_EVERY == 1:
            metrics["images"] = _side_by_side(batch).numpy()
        shared.metrics.put(metrics)

    def _count_env_steps(self, batch) -> None:
        with self.shared.env_steps.get_lock():
            self.shared.env_steps.value += batch["log_prob"].numel()

    def _replay_search(self, batch) -> None:
        """Keep the searched batch and learn again from recent ones: its labels stay good
        while the policy moves little, and they cost far more to make than to learn from."""
        self.searched.append(batch)
        for _ in range(self.shared.config.search_replay):
            self._learn(self.searched[int(torch.randint(len(self.searched), ()))], SEARCH, SEARCH_REPLAY)

    def _collect(self) -> list[int] | None:
        """A batch of slots from one source: synthetic programs, the tracer, people, search, or the policy itself."""
        if self.shared.phase.value == REINFORCE and not self.shared.config.imitation_fraction:
            for source in (SYNTHETIC, TRACE, HUMAN):  # left over from the warm start: no longer wanted
                self.shared.store.free(self.pending[source])
                self.pending[source].clear()
        while True:
            for slots in self.pending.values():
                if len(slots) >= self.slots_per_batch:
                    batch, slots[:] = slots[: self.slots_per_batch], slots[self.slots_per_batch :]
                    return batch
            full = self.shared.store.take_full()
            if not full:
                self._serve_commands()
                if self.shared.stop.is_set() or not parent_alive(self.shared):
                    return None
                time.sleep(0.005)
                continue
            for slot in full:
                self.pending[int(self.shared.store.source[slot])].append(slot)

    def _serve_commands(self) -> None:
        serve_commands(self.shared, "policy", self._save)

    def _save(self, directory: Path) -> tuple[int, int]:
        save_module(self.updater.policy, self.updater.optimizer, directory, "policy")
        return self.shared.policy_updates.value, self.shared.env_steps.value


class PolicyUpdater:
    """The update maths, free of processes: A2C on episodes, or behaviour cloning."""

    def __init__(self, policy, config, env_config, discriminator=None):
        self.policy, self.config, self.env_config, self.discriminator = policy, config, env_config, discriminator
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
        self.return_scale = ReturnScale() if config.normalize_returns else None

    def _unroll(self, batch, scored: str = "actions"):
        """Core outputs over the executed episodes, and per step the log-probability and
        entropy of the `scored` actions: those executed, or the teacher's labels."""
        steps, size = batch["log_prob"].shape
        target = batch["target"] if self.config.conditional else None
        core, maps = self.policy.unroll(batch["canvas"][:-1], target, batch["actions"], self.policy.initial_state(size))
        flat_actions = {k: v.flatten() for k, v in batch[scored].items()}
        log_probs, entropies = self.policy.evaluate(core.flatten(0, 1), maps, flat_actions)
        return core, log_probs.sum(-1).view(steps, size), entropies.sum(-1).view(steps, size)

    def use_configured_learning_rate(self) -> None:
        """A restored optimizer keeps the learning rate it was saved with; a resumed run (or a
        population member after exploit and explore) may have been given another."""
        self.set_learning_rate(self.config.learning_rate)

    def set_learning_rate(self, rate: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = rate

    def learn(self, batch, source: int) -> dict:
        """One update on a batch of slots from one source: clone a teacher's actions
        (synthetic programs, search, the tracer or people), or reinforce the policy's own."""
        if source == SYNTHETIC:
            return self.imitate(batch, "bc_loss")
        if source == HUMAN:  # the target is the render of the labels: nothing to score
            return self.imitate(batch, "human_loss")
        if source in (SEARCH, TRACE):
            name = "search" if source == SEARCH else "trace"
            metrics = self.imitate(batch, f"{name}_loss")
            metrics[f"{name}_l2_relative"] = relative_residual(batch["canvas"][-1], batch["target"], batch["canvas"][0])
            return metrics
        return self.reinforce(batch)

    def imitate(self, batch, name: str = "bc_loss") -> dict:
        """Maximise the likelihood of a teacher's actions (synthetic programs or search)."""
        start = time.perf_counter()
        _, log_probs, entropy = self._unroll(batch, "labels")
        loss = -log_probs.mean()
        self._step(loss)
        return {name: loss.item(), "entropy": entropy.mean().item(), "learn_seconds": time.perf_counter() - start}

    def reinforce(self, batch) -> dict:
        start = time.perf_counter()
        config = self.config
        rewards = episode_rewards(batch, config, self.discriminator)
        returns = _discounted_returns(rewards, config.discount)
        core, log_probs, entropy = self._unroll(batch)
        values = self.policy.value_of(core)
        if self.return_scale is not None:  # the value head learns returns in units of their running spread
            returns = self.return_scale.normalized(returns)
        advantages = (returns - values).detach()
        if config.normalize_advantages:
            # The floor keeps noise from being blown up when every episode earned the same.
            advantages = (advantages - advantages.mean()) / advantages.std().clamp_min(1e-2)
        policy_loss = -(log_probs * advantages).mean()
        value_loss = 0.5 * F.mse_loss(values, returns)
        entropy_loss = -entropy.mean()
        loss = policy_loss + config.value_cost * value_loss + config.entropy_cost * entropy_loss
        self._step(loss)
        strokes = self.env_config.marks(batch["actions"]).float().sum(0).mean()  # objects, for scenes
        metrics = {
            "reward": float(rewards.sum(0).mean()),
            "policy_loss": policy_loss.item(),
            "value_loss": value_loss.item(),
            "entropy": entropy.mean().item(),
            "strokes": float(strokes),
            "learn_seconds": time.perf_counter() - start,
        }
        if config.conditional:
            metrics["l2_relative"] = relative_residual(batch["canvas"][-1], batch["target"], batch["canvas"][0])
        return metrics

    def _step(self, loss) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.policy.parameters(), self.config.max_grad_norm)
        self.optimizer.step()


class ReturnScale:
    """Running mean and variance of the returns (exponential, per batch). The discriminator's
    scores drift by orders of magnitude while its critic trains (the mean episode reward of
    one MNIST run went from +0.1 to -16 within a minute of reinforcement); a value loss in those
    raw units swamps the policy gradient in the network both share, and the clipped update
    wrecked a cloned policy (entropy 2 to 9, relative residual 0.35 to 0.99). Measured in
    units of the returns' running spread, the value targets stay near one whatever the scale."""

    def __init__(self, decay: float = 0.9):
        self.decay, self.mean, self.variance = decay, None, None

    def normalized(self, returns: torch.Tensor) -> torch.Tensor:
        mean, variance = returns.mean().item(), returns.var().item()
        if self.mean is None:
            self.mean, self.variance = mean, variance
        else:
            shift = mean - self.mean
            self.mean += (1 - self.decay) * shift
            self.variance = self.decay * (self.variance + (1 - self.decay) * shift ** 2) + (1 - self.decay) * variance
        return (returns - self.mean) / max(self.variance, 1e-4) ** 0.5  # a spread floor as for advantages


def _discounted_returns(rewards: torch.Tensor, discount: float) -> torch.Tensor:
    returns = torch.zeros_like(rewards)
    running = torch.zeros(rewards.shape[1], device=rewards.device)
    for t in reversed(range(rewards.shape[0])):
        running = rewards[t] + discount * running
        returns[t] = running
    return returns


def _side_by_side(batch, count: int = 8) -> torch.Tensor:
    """(H, 2W, C) uint8 rows of final render beside target, for TensorBoard."""
    finals, targets = batch["canvas"][-1][:count], batch["target"][:count]
    rows = [torch.cat([f, t], dim=1) for f, t in zip(finals, targets)]
    return torch.cat(rows, dim=0)
