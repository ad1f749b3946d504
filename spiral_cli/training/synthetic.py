"""Random programs to warm-start an agent by behaviour cloning: render a program,
then learn to recover its actions from the render (no dataset labels needed)."""

from __future__ import annotations

import numpy as np

from spiral_cli.data.scenes import random_scene
from spiral_cli.envs.paint import PaintConfig
from spiral_cli.envs.scenes import COLOR_KEYS, MOVES, SceneConfig
from spiral_cli.scenes.model import SHAPES, SIZES, cell_of


def synthetic_episode(config, rng: np.random.Generator, max_strokes: int = 8) -> list[dict]:
    """Actions of one random episode of the environment `config` describes."""
    if isinstance(config, SceneConfig):
        return scene_episode(config, rng, min(max_strokes, 5))
    return stroke_episode(config, rng, max_strokes)


def scene_episode(config: SceneConfig, rng: np.random.Generator, max_objects: int = 5) -> list[dict]:
    """Add the objects of a random scene like the MUJOCO SCENES data (in raster order of their
    cells, so that the order to recover is well defined), then skip."""
    objects = random_scene(rng, config, max_objects)[: config.episode_length]
    actions = [
        {
            "move": MOVES.index("add"),
            "shape": SHAPES.index(o.shape),
            "location": cell_of(o.position, config.grid),
            "size": SIZES.index(o.size),
            **{k: config.color_level(v) for k, v in zip(COLOR_KEYS, o.color)},
        }
        for o in objects
    ]
    skip = {name: 0 for name in config.action_space().spaces} | {"move": MOVES.index("skip")}
    return actions + [skip] * (config.episode_length - len(actions))


def executed_actions(config, episode: list[dict], rng: np.random.Generator) -> list[dict]:
    """What the environment executes while the agent learns to output `episode`: for scenes,
    about half of the objects placed slightly wrong, so that the canvas never quite matches
    the target and the agent must count objects, not wait for a perfect copy, before it
    skips (the canvas equals the target only in cloning; the agent's own attempts differ)."""
    if not isinstance(config, SceneConfig):
        return episode
    executed = []
    for action in episode:
        action = dict(action)
        if action["move"] == MOVES.index("add") and rng.random() < 0.5:
            _nudge(action, config, rng)
        executed.append(action)
    return executed


def _nudge(action: dict, config: SceneConfig, rng: np.random.Generator) -> None:
    if rng.random() < 0.3:
        action["shape"] = int(rng.integers(len(SHAPES)))
    if rng.random() < 0.3:
        action["size"] = int(rng.integers(len(SIZES)))
    for key in COLOR_KEYS:
        if rng.random() < 0.3:
            action[key] = int(np.clip(action[key] + rng.choice([-1, 1]), 0, config.color_levels - 1))
    if rng.random() < 0.3:
        row, column = divmod(action["location"], config.grid)
        row, column = (int(np.clip(v + rng.integers(-1, 2), 0, config.grid - 1)) for v in (row, column))
        action["location"] = row * config.grid + column


def stroke_episode(config: PaintConfig, rng: np.random.Generator, max_strokes: int = 8) -> list[dict]:
    """Actions of one painting episode, drawn like handwriting: one to three pen-down sequences of
    smooth strokes that continue each other, all with one pen, kept inside the middle of
    the canvas; each sequence starts with a jump, and no-op jumps fill the rest."""
    grid, steps = config.grid, config.episode_length
    max_strokes = max(1, min(max_strokes, steps - 2))
    actions: list[dict] = []
    size = int(rng.integers(1, min(3, len(config.brush_sizes))))  # thin-to-medium pens
    pressure = int(rng.integers(config.pressure_levels // 4, config.pressure_levels))
    color = {k: int(rng.integers(config.color_levels)) for k in ("red", "green", "blue")} if config.color else {}
    sequences = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
    budget = int(rng.integers(1, max_strokes + 1))
    low, high = grid / 8, grid * 7 / 8  # the drawing stays in this box
    position = (0, 0)
    for sequence in range(sequences):
        strokes = budget if sequence == sequences - 1 else max(1, budget // 2)
        budget -= strokes
        start = tuple(int(v) for v in rng.integers(int(low), int(high), 2))
        actions.append(_action(0, start, start, size, pressure, color, grid))
        position = np.array(start, float)
        heading = rng.uniform(0, 2 * np.pi)
        for _ in range(strokes):
            if len(actions) >= steps:
                break
            heading += rng.normal(0, 0.8)
            length = rng.uniform(grid * 0.15, grid * 0.45)
            end = position + length * np.array([np.cos(heading), np.sin(heading)])
            if not np.all((low <= end) & (end <= high)):  # turn back into the box
                heading += np.pi
                end = np.clip(position + length * np.array([np.cos(heading), np.sin(heading)]), low, high)
            bend = rng.normal(0, length * 0.3)
            normal = np.array([-np.sin(heading), np.cos(heading)])
            control = _clip((position + end) / 2 + bend * normal, grid)
            actions.append(_action(1, _clip(end, grid), control, size, pressure, color, grid))
            position = np.array(_clip(end, grid), float)
        if budget <= 0:
            break
    while len(actions) < steps:  # nothing left to draw: stay put
        actions.append(_action(0, _clip(position, grid), _clip(position, grid), size, pressure, color, grid))
    return actions[:steps]


def _clip(point, grid: int) -> tuple[int, int]:
    return tuple(int(np.clip(round(v), 0, grid - 1)) for v in point)


def _action(flag, end, control, size, pressure, color, grid) -> dict:
    return {
        "flag": flag,
        "end": end[1] * grid + end[0],
        "control": control[1] * grid + control[0],
        "size": size,
        "pressure": pressure,
        **color,
    }


def synthetic_targets(config: PaintConfig, count: int, seed: int = 0, max_strokes: int = 8) -> np.ndarray:
    """Final renders of `count` random programs, (count, H, W, C) uint8: data made by the
    project itself, for tests and benchmarks."""
    from spiral_cli.envs.paint import PaintVectorEnv

    rng = np.random.default_rng(seed)
    episodes = [synthetic_episode(config, rng, max_strokes) for _ in range(count)]
    envs = PaintVectorEnv(count, **config.to_dict())
    observation, _ = envs.reset()
    for t in range(config.episode_length):
        observation, *_ = envs.step({k: np.array([e[t][k] for e in episodes]) for k in episodes[0][t]})
    return observation["canvas"]
