"""Actor processes: step a batch of environments with a local copy of the policy."""

from __future__ import annotations

import queue

import numpy as np
import torch

from spiral_cli.envs import make_vector_env
from spiral_cli.training.setup import REINFORCE, Shared, build_policy, child_process_init, parent_alive
from spiral_cli.training.synthetic import synthetic_episode


def actor_main(index: int, shared: Shared, seed: int) -> None:
    child_process_init(shared, seed)
    config = shared.config
    envs = make_vector_env(config.env, config.envs_per_actor, shared.env_config)
    policy = build_policy(config, shared.components, shared.image_shape)
    policy.eval()
    rng = np.random.default_rng(seed)
    version = -1
    while not shared.stop.is_set() and parent_alive(shared):
        try:
            slot = shared.free_slots.get(timeout=0.5)
        except queue.Empty:
            continue
        shared.actor_slots[index] = slot
        if shared.phase.value == REINFORCE:
            version = shared.policy_weights.pull(policy, version)
            _act(policy, envs, shared, slot, rng)
        else:
            _replay_synthetic(envs, shared, slot, rng)
        shared.full_slots.put(slot)
        shared.actor_slots[index] = -1


@torch.no_grad()
def _act(policy, envs, shared: Shared, slot: int, rng) -> None:
    store, steps = shared.store, shared.store.steps
    target = None
    if shared.config.conditional:
        target = shared.data[torch.from_numpy(rng.integers(len(shared.data), size=envs.num_envs))]
        store.target[slot] = target
    observation, _ = envs.reset()
    canvas = torch.from_numpy(observation["canvas"])
    state, previous = policy.initial_state(envs.num_envs), None
    for t in range(steps):
        store.canvas[slot, t] = canvas
        core, maps, state = policy.step(canvas, target, previous, state)
        actions, log_prob = policy.sample(core, maps)
        for name, value in actions.items():
            store.actions[name][slot, t] = value
        store.log_prob[slot, t] = log_prob
        observation, *_ = envs.step({k: v.numpy() for k, v in actions.items()})
        canvas, previous = torch.from_numpy(observation["canvas"]), actions
    store.canvas[slot, steps] = canvas
    store.synthetic[slot] = False


def _replay_synthetic(envs, shared: Shared, slot: int, rng) -> None:
    """Execute random programs; the target of each is its own final render."""
    store, steps = shared.store, shared.store.steps
    episodes = [
        synthetic_episode(shared.env_config, rng, shared.config.synthetic_max_strokes) for _ in range(envs.num_envs)
    ]
    observation, _ = envs.reset()
    for t in range(steps):
        store.canvas[slot, t] = torch.from_numpy(observation["canvas"])
        actions = {k: np.array([e[t][k] for e in episodes]) for k in episodes[0][t]}
        for name, value in actions.items():
            store.actions[name][slot, t] = torch.from_numpy(value)
        observation, *_ = envs.step(actions)
    final = torch.from_numpy(observation["canvas"])
    store.canvas[slot, steps] = final
    store.target[slot] = final
    store.log_prob[slot] = 0.0
    store.synthetic[slot] = True
