"""Parsing photos of scenes into scene programs: with a trained scenes agent (one greedy pass,
or the best of several sampled rollouts) or with the paper's MCMC baseline."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from spiral_cli.envs.scenes import SceneConfig
from spiral_cli.parsing.images import InkImage
from spiral_cli.parsing.mcmc import mcmc_parse
from spiral_cli.scenes.model import SceneProgram

METHODS = ("agent", "mcmc")
ROLLOUTS = {"fast": 1, "best": 16}  # greedy pass, then sampled rollouts for best


@dataclass(frozen=True)
class SceneParseResult:
    path: str
    program: SceneProgram
    target: np.ndarray  # (H, W, 3) uint8, the photo as the agent saw it
    render: np.ndarray
    error: float  # per-pixel mean squared error, colours in [0, 1]
    relative_residual: float  # error / error of the empty platform

    @property
    def strokes(self) -> int:
        return len(self.program.objects)


def scene_target(image: InkImage, canvas: int) -> np.ndarray:
    """The photo's centre square at canvas x canvas, (canvas, canvas, 3) uint8."""
    rgb = Image.fromarray(np.round(image.rgb * 255).astype(np.uint8))
    side = min(rgb.size)
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    square = rgb.crop((left, top, left + side, top + side)).resize((canvas, canvas), Image.Resampling.BOX)
    return np.asarray(square)


def errors_of(renders: np.ndarray, targets: np.ndarray) -> np.ndarray:
    difference = (renders.astype(np.float64) - targets.astype(np.float64)) / 255.0
    return (difference**2).reshape(len(targets), -1).mean(1)


def agent_scenes(agent, targets: np.ndarray, quality: str = "fast", seed: int = 0
                 ) -> tuple[list[SceneProgram], np.ndarray]:
    """Programs and renders: the greedy pass, or with `best` the lowest-error of it and
    sampled rollouts."""
    programs, renders = agent.run(targets, greedy=True, seed=seed)
    programs, best = list(programs), errors_of(renders, targets)
    for rollout in range(1, ROLLOUTS[quality]):
        sampled, sampled_renders = agent.run(targets, seed=seed + rollout)
        errors = errors_of(sampled_renders, targets)
        for index in np.nonzero(errors < best)[0]:
            programs[index], renders[index], best[index] = sampled[index], sampled_renders[index], errors[index]
    return programs, renders


def mcmc_scenes(targets: np.ndarray, budget: int, config: SceneConfig = SceneConfig(), seed: int = 0
                ) -> tuple[list[SceneProgram], np.ndarray]:
    from spiral_cli.scenes.renderer import SceneRenderer

    renderer = SceneRenderer(config.canvas, config.canvas)
    try:
        results = [mcmc_parse(t, budget, renderer, config, seed=seed + i) for i, t in enumerate(targets)]
    finally:
        renderer.close()
    programs = [config.empty_program().with_objects(r.objects) for r in results]
    return programs, np.stack([r.render for r in results])


def blank_scene(config: SceneConfig) -> np.ndarray:
    from spiral_cli.scenes.renderer import SceneRenderer

    renderer = SceneRenderer(config.canvas, config.canvas)
    try:
        return renderer.render([])
    finally:
        renderer.close()


def parse_scene_images(images: list[InkImage], method: str = "agent", agent=None, quality: str = "fast",
                       budget: int = 1000, seed: int = 0, checkpoint: str = "") -> list[SceneParseResult]:
    config = agent.env if agent is not None else SceneConfig()
    targets = np.stack([scene_target(image, config.canvas) for image in images])
    if method == "mcmc":
        programs, renders = mcmc_scenes(targets, budget, config, seed)
    else:
        programs, renders = agent_scenes(agent, targets, quality, seed)
    errors = errors_of(renders, targets)
    empty = errors_of(np.broadcast_to(blank_scene(config), targets.shape), targets)
    results = []
    for index, image in enumerate(images):
        relative = float(errors[index] / max(empty[index], 1e-12))
        source = {"image": image.path, "method": method, "reconstruction_error": float(errors[index]),
                  "relative_residual": relative, "objects": len(programs[index].objects)}
        source |= {"budget": budget} if method == "mcmc" else {"checkpoint": checkpoint, "quality": quality}
        results.append(SceneParseResult(image.path, replace(programs[index], source=source), targets[index],
                                        renders[index], float(errors[index]), relative))
    return results
