"""Actor processes: step a batch of environments with a local copy of the policy (or,
during a warm start, replay synthetic programs; with search, let the painter pick among
the policy's proposals)."""

from __future__ import annotations

import time

import numpy as np
import torch

from spiral_cli.agent import Policy
from spiral_cli.envs import make_vector_env
from spiral_cli.errors import UsageError
from spiral_cli.training.setup import REINFORCE, Shared, build_policy, child_process_init, parent_alive
from spiral_cli.parsing.search import ink, search_step
from spiral_cli.tracing.episodes import trace_episodes
from spiral_cli.training.shared import AGENT, FULL, HUMAN, SEARCH, SYNTHETIC, TRACE
from spiral_cli.training.synthetic import executed_actions, synthetic_episode


def actor_main(index: int, shared: Shared, seed: int) -> None:
    child_process_init(shared, seed)
    config = shared.config
    envs = make_vector_env(config.env, config.envs_per_actor, shared.env_config)
    policy = build_policy(config, shared.components, shared.image_shape)
    policy.eval()
    teacher = load_teacher(config.teacher, shared.components) if config.teacher else None
    rng = np.random.default_rng(seed)
    version = -1
    owned = shared.store.owned_by(index, config.actors)
    shared.store.release_unfinished(owned)
    while not shared.stop.is_set() and parent_alive(shared):
        slot = shared.store.claim(owned)
        if slot is None:  # the learner has not read them yet
            time.sleep(0.005)
            continue
        source = choose_source(shared, rng)
        if source == SYNTHETIC:
            fill_with_synthetic(envs, shared, slot, rng)
        elif source == TRACE:
            fill_with_trace(envs, shared, slot, rng)
        elif source == HUMAN:
            fill_with_human(envs, shared, slot, rng)
        else:
            version = shared.policy_weights.pull(policy, version)
            searching = source == SEARCH
            fill_with_policy(teacher if searching and teacher else policy, envs, shared, slot, rng, searching)
        shared.store.state[slot] = FULL


def choose_source(shared: Shared, rng) -> int:
    """Who chooses the actions of the next slot: people's strokes, the tracer or synthetic
    programs (cloning), search, or the policy."""
    config = shared.config
    if shared.phase.value != REINFORCE or rng.random() < config.imitation_fraction:
        share = rng.random()
        if share < config.human_fraction:
            return HUMAN
        return TRACE if share < config.human_fraction + config.trace_fraction else SYNTHETIC
    if config.search_candidates > 1 and rng.random() < config.search_fraction:
        return SEARCH
    return AGENT


def load_teacher(checkpoint: str, components) -> Policy:
    """A trained conditional policy whose searched programs a student imitates."""
    from spiral_cli.parsing.agent import Agent

    teacher = Agent.load(checkpoint)
    if [(c.name, c.size) for c in teacher.policy.components] != [(c.name, c.size) for c in components]:
        raise UsageError(f"--teacher {checkpoint}: its action space differs from this run's environment")
    if not teacher.config.conditional:
        raise UsageError(f"--teacher {checkpoint}: the teacher must be a conditional agent")
    return teacher.policy


@torch.no_grad()
def fill_with_policy(policy, envs, shared: Shared, slot: int, rng, searching: bool) -> None:
    """One slot of episodes: the policy samples its actions, or (searching) the painter
    keeps the best of its proposals for the slot's targets. The search's choices are the
    labels; with DAgger, some steps execute the policy's greedy action instead, so that the
    policy also learns what to do on canvases its own mistakes made."""
    store, steps, config = shared.store, shared.store.steps, shared.config
    target = None
    if shared.data is not None and (config.conditional or searching):
        target = shared.data[torch.from_numpy(rng.integers(len(shared.data), size=envs.num_envs))]
        store.target[slot] = target
    target_ink = ink(target.numpy()) if searching else None
    observation, _ = envs.reset()
    canvas = torch.from_numpy(observation["canvas"])
    state, previous = policy.initial_state(envs.num_envs), None
    for t in range(steps):
        store.canvas[slot, t] = canvas
        core, maps, state = policy.step(canvas, target if policy.conditional else None, previous, state)
        if searching:
            labels = search_step(policy, envs, core, maps, target_ink, config.search_candidates,
                                 config.search_temperature, config.search_stroke_cost, config.search_refine)
            actions = _with_own_actions(policy, core, maps, labels, rng, config.dagger)
            log_prob = torch.zeros(len(core))
        else:
            actions, log_prob = policy.sample(core, maps)
            labels = actions
        for name, value in actions.items():
            store.actions[name][slot, t] = value
            store.labels[name][slot, t] = labels[name]
        store.log_prob[slot, t] = log_prob
        observation, *_ = envs.step({k: v.numpy() for k, v in actions.items()})
        canvas, previous = torch.from_numpy(observation["canvas"]), actions
    store.canvas[slot, steps] = canvas
    store.source[slot] = SEARCH if searching else AGENT


def _with_own_actions(policy, core, maps, labels: dict, rng, share: float) -> dict:
    """The search's choices, with a random `share` of the environments taking the policy's
    greedy action instead (DAgger)."""
    if not share:
        return labels
    own, _ = policy.sample(core, maps, greedy=True)
    mine = torch.from_numpy(rng.random(len(core)) < share)
    return {name: torch.where(mine, own[name], value) for name, value in labels.items()}


def fill_with_synthetic(envs, shared: Shared, slot: int, rng) -> None:
    """Execute random programs; the target of each is the render of its program, and the
    agent learns to output the program from the canvases of what was executed (the same
    program, or for scenes a slightly wrong copy: see executed_actions)."""
    store, steps = shared.store, shared.store.steps
    episodes = [
        synthetic_episode(shared.env_config, rng, shared.config.synthetic_max_strokes) for _ in range(envs.num_envs)
    ]
    executed = [executed_actions(shared.env_config, e, rng) for e in episodes]
    target = None if executed == episodes else _execute(envs, episodes, steps)
    final = _execute(envs, executed, steps, store.canvas[slot])
    for name in episodes[0][0]:
        store.actions[name][slot] = torch.from_numpy(np.array([[e[t][name] for e in episodes] for t in range(steps)]))
        store.labels[name][slot] = store.actions[name][slot]
    store.canvas[slot, steps] = final
    store.target[slot] = final if target is None else target
    store.log_prob[slot] = 0.0
    store.source[slot] = SYNTHETIC


def fill_with_trace(envs, shared: Shared, slot: int, rng) -> None:
    """Training images with the centerline tracer's programs for them as labels (colour
    pictures: the colour search's, made beforehand by spiral dataset paintings)."""
    store, steps = shared.store, shared.store.steps
    if shared.paintings is not None:
        chosen = torch.from_numpy(rng.integers(len(shared.paintings["images"]), size=envs.num_envs))
        target = shared.paintings["images"][chosen]
        actions = {k: v[chosen] for k, v in shared.paintings.items() if k != "images"}
        episodes = [[{k: int(v[b, t]) for k, v in actions.items()} for t in range(steps)] for b in range(envs.num_envs)]
    else:
        target = shared.data[torch.from_numpy(rng.integers(len(shared.data), size=envs.num_envs))]
        episodes = trace_episodes(target.numpy(), shared.env_config)
    store.canvas[slot, steps] = _execute(envs, episodes, steps, store.canvas[slot])
    for name in episodes[0][0]:
        store.actions[name][slot] = torch.from_numpy(np.array([[e[t][name] for e in episodes] for t in range(steps)]))
        store.labels[name][slot] = store.actions[name][slot]
    store.target[slot] = target
    store.log_prob[slot] = 0.0
    store.source[slot] = TRACE


# Pens people's strokes are rendered with in cloning, so that the agent meets hairlines to bold
# lines: size indices (1, 2, 4 and 8 px on a 64 px canvas) with their odds; pressure levels.
HUMAN_SIZES, HUMAN_SIZE_ODDS = (0, 1, 2, 3), (0.15, 0.45, 0.25, 0.15)
HUMAN_PRESSURES = (3, 10)
HUMAN_SHIFT = 3  # grid cells a drawing may move (never past the canvas's edge)


def fill_with_human(envs, shared: Shared, slot: int, rng) -> None:
    """People's stroke programs, each with a random pen and a small random shift; the target
    is their render, so labels and target always agree."""
    store, steps, programs = shared.store, shared.store.steps, shared.programs
    chosen = torch.from_numpy(rng.integers(len(programs["flag"]), size=envs.num_envs))
    actions = {k: v[chosen].T.clone() for k, v in programs.items()}  # (T, B)
    sizes = rng.choice(HUMAN_SIZES, size=envs.num_envs, p=HUMAN_SIZE_ODDS)
    actions["size"][:] = torch.from_numpy(np.minimum(sizes, len(shared.env_config.brush_sizes) - 1))
    actions["pressure"][:] = torch.from_numpy(
        np.minimum(rng.integers(*HUMAN_PRESSURES, size=envs.num_envs), shared.env_config.pressure_levels - 1))
    _shift(actions, shared.env_config.grid, rng)
    episodes = [[{k: int(v[t, b]) for k, v in actions.items()} for t in range(steps)] for b in range(envs.num_envs)]
    store.canvas[slot, steps] = _execute(envs, episodes, steps, store.canvas[slot])
    for name, value in actions.items():
        store.actions[name][slot] = value
        store.labels[name][slot] = value
    store.target[slot] = store.canvas[slot, steps]
    store.log_prob[slot] = 0.0
    store.source[slot] = HUMAN


def _shift(actions: dict, grid: int, rng) -> None:
    """Move each episode's end and control cells by up to HUMAN_SHIFT cells, within the grid."""
    cells = torch.stack([actions["end"], actions["control"]])  # (2, T, B)
    rows, columns = cells // grid, cells % grid
    for axis in (rows, columns):
        low, high = axis.amin(dim=(0, 1)), axis.amax(dim=(0, 1))
        shift = torch.from_numpy(rng.integers(-HUMAN_SHIFT, HUMAN_SHIFT + 1, size=axis.shape[-1]))
        axis += shift.clamp(-low, grid - 1 - high)
    shifted = rows * grid + columns
    actions["end"], actions["control"] = shifted[0], shifted[1]


def _execute(envs, episodes: list[list[dict]], steps: int, canvases: torch.Tensor | None = None) -> torch.Tensor:
    """Step the environments through whole episodes; the canvas before each step goes to
    `canvases` (T, B, ...) when given. Returns the final canvases."""
    observation, _ = envs.reset()
    for t in range(steps):
        if canvases is not None:
            canvases[t] = torch.from_numpy(observation["canvas"])
        observation, *_ = envs.step({k: np.array([e[t][k] for e in episodes]) for k in episodes[0][t]})
    return torch.from_numpy(observation["canvas"])
