"""Training throughput in env steps/s: actors alone, the learner alone, and end to end."""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from pathlib import Path

import torch

from spiral_cli.envs import env_config, make_vector_env
from spiral_cli.training.config import TrainConfig
from spiral_cli.training.setup import build_policy


def _actor_steps(model: str, brush: str, seconds: float, envs_per_actor: int, seed: int) -> int:
    """One actor's loop without the trainer around it: policy inference + painting."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    env = env_config("paint", brush=brush)
    config = TrainConfig(model=model)
    policy = build_policy(config, env.action_components(), env.image_shape).eval()
    envs = make_vector_env("paint", envs_per_actor, env)
    target = torch.full((envs_per_actor, *env.image_shape), 255, dtype=torch.uint8)
    steps, deadline = 0, time.perf_counter() + seconds
    with torch.no_grad():
        while time.perf_counter() < deadline:
            observation, _ = envs.reset()
            state, previous = policy.initial_state(envs_per_actor), None
            for _ in range(env.episode_length):
                canvas = torch.from_numpy(observation["canvas"])
                core, maps, state = policy.step(canvas, target, previous, state)
                previous, _ = policy.sample(core, maps)
                observation, *_ = envs.step({k: v.numpy() for k, v in previous.items()})
                steps += envs_per_actor
    return steps


def actors_alone(model: str, brush: str, processes: int, seconds: float, envs_per_actor: int = 16) -> float:
    if processes == 1:
        start = time.perf_counter()
        return _actor_steps(model, brush, seconds, envs_per_actor, 0) / (time.perf_counter() - start)
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        start = time.perf_counter()
        counts = pool.starmap(_actor_steps, [(model, brush, seconds, envs_per_actor, i) for i in range(processes)])
        return sum(counts) / (time.perf_counter() - start)


def learner_alone(model: str, seconds: float, batch_size: int = 64) -> float:
    """A2C updates on a fixed random batch of whole episodes, one thread."""
    from spiral_cli.training.policy_learner import PolicyUpdater

    torch.set_num_threads(1)
    env = env_config("paint")
    config = TrainConfig(model=model, reward="l2-step", batch_size=batch_size)
    updater = PolicyUpdater(build_policy(config, env.action_components(), env.image_shape), config, env)
    steps, size = env.episode_length, batch_size
    generator = torch.Generator().manual_seed(0)
    batch = {
        "canvas": torch.randint(0, 256, (steps + 1, size, *env.image_shape), dtype=torch.uint8, generator=generator),
        "target": torch.randint(0, 256, (size, *env.image_shape), dtype=torch.uint8, generator=generator),
        "actions": {c.name: torch.randint(c.size, (steps, size), generator=generator) for c in env.action_components()},
        "log_prob": torch.zeros(steps, size),
    }
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        updater.reinforce(batch)
        done += steps * size
    return done / (time.perf_counter() - start)


def end_to_end(model: str, brush: str, seconds: float, actors: int, backend: str = "local") -> float:
    """A real `spiral train` run (local processes or Ray) on l2 rewards with generated
    targets; the rate is taken over the second half of the run, after start-up."""
    from spiral_cli.training.trainer import train

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "targets"
        _write_stroke_targets(data_dir, 256)
        config = TrainConfig(
            data=f"images:{data_dir}", env_options={"brush": brush, "color": False}, model=model,
            reward="l2-step", actors=actors, minutes=seconds / 60, checkpoint_minutes=1e9,
        )
        train(config, Path(folder) / "run", backend=backend)
        rows = [json.loads(l) for l in (Path(folder) / "run" / "metrics.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["kind"] == "policy"]
    half = [r for r in rows if r["wall_seconds"] >= rows[-1]["wall_seconds"] / 2]
    if len(half) < 2:
        return float("nan")  # too few updates in the time given to measure a rate
    return (half[-1]["env_steps"] - half[0]["env_steps"]) / (half[-1]["wall_seconds"] - half[0]["wall_seconds"])


def _write_stroke_targets(folder: Path, count: int) -> None:
    """Targets rendered by the project itself: random pen strokes."""
    from PIL import Image

    from spiral_cli.envs.paint import PaintConfig
    from spiral_cli.training.synthetic import synthetic_targets

    folder.mkdir(parents=True)
    for index, canvas in enumerate(synthetic_targets(PaintConfig(brush="classic/pen"), count, seed=0)):
        Image.fromarray(canvas[..., 0]).save(folder / f"{index:04d}.png")
