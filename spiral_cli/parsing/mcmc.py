"""The paper's baseline for scenes (section 4.6): blocked Metropolis-Hastings over up to 20
objects. A block is one object slot (a presence flag and every attribute); a proposal
resamples one block uniformly, so it is symmetric and the acceptance ratio is the likelihood
ratio. The likelihood is Gaussian around the target with diagonal covariance 0.25."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spiral_cli.envs.scenes import SceneConfig
from spiral_cli.scenes.model import SHAPES, SIZES, SceneObject, cell_center
from spiral_cli.scenes.renderer import MAX_OBJECTS, SceneRenderer

VARIANCE = 0.25


@dataclass
class McmcResult:
    objects: list[SceneObject]
    render: np.ndarray  # (H, W, 3) uint8 of the best state seen
    error: float  # per-pixel mean squared error of that render, colours in [0, 1]
    errors: np.ndarray  # best error after each render, (budget,)


def _squared(render: np.ndarray, target: np.ndarray) -> np.ndarray:
    return ((render.astype(np.float64) - target.astype(np.float64)) / 255.0) ** 2


def log_likelihood(render: np.ndarray, target: np.ndarray) -> float:
    """log N(target; render, 0.25 I) up to a constant, colours in [0, 1]."""
    return float(-0.5 * _squared(render, target).sum() / VARIANCE)


def mean_squared_error(render: np.ndarray, target: np.ndarray) -> float:
    return float(_squared(render, target).mean())


def _random_slot(rng: np.random.Generator, config: SceneConfig) -> SceneObject | None:
    """A uniformly resampled block: absent, or an object with uniform attributes."""
    if rng.random() < 0.5:
        return None
    return SceneObject(
        shape=SHAPES[int(rng.integers(len(SHAPES)))],
        position=cell_center(int(rng.integers(config.grid * config.grid)), config.grid),
        size=SIZES[int(rng.integers(len(SIZES)))],
        color=tuple(config.color_value(int(rng.integers(config.color_levels))) for _ in range(3)),
    )


def mcmc_parse(target: np.ndarray, budget: int, renderer: SceneRenderer, config: SceneConfig = SceneConfig(),
               seed: int = 0, slots: int = MAX_OBJECTS) -> McmcResult:
    """Run `budget` proposals (one render each) from the empty scene; keep the best state."""
    rng = np.random.default_rng(seed)
    state: list[SceneObject | None] = [None] * slots
    render = renderer.render([])
    current = log_likelihood(render, target)
    best = (current, [], render)
    errors = np.empty(budget)
    for step in range(budget):
        index = int(rng.integers(slots))
        proposal = list(state)
        proposal[index] = _random_slot(rng, config)
        objects = [o for o in proposal if o is not None]
        candidate_render = renderer.render(objects)
        candidate = log_likelihood(candidate_render, target)
        if np.log(rng.random()) < candidate - current:
            state, current, render = proposal, candidate, candidate_render
            if current > best[0]:
                best = (current, objects, render)
        errors[step] = mean_squared_error(best[2], target)
    return McmcResult(objects=list(best[1]), render=best[2], error=mean_squared_error(best[2], target), errors=errors)
