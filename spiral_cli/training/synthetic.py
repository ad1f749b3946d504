"""Random stroke programs to warm-start an agent by behaviour cloning: render a program,
then learn to recover its actions from the render (no dataset labels needed)."""

from __future__ import annotations

import numpy as np

from spiral_cli.envs.paint import PaintConfig


def synthetic_episode(config: PaintConfig, rng: np.random.Generator, max_strokes: int = 8) -> list[dict]:
    """Actions of one episode, drawn like handwriting: one to three pen-down sequences of
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
