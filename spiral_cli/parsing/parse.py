"""Parsing images into stroke programs with a trained agent."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from spiral_cli.errors import UsageError
from spiral_cli.parsing.agent import Agent, shipped_checkpoints
from spiral_cli.parsing.images import DEFAULT_MAX_PIXELS, CanvasFit, InkImage, fit_to_canvas, read_image
from spiral_cli.parsing.refine import refine_program
from spiral_cli.parsing.scenes import parse_scene_images
from spiral_cli.parsing.search import ink
from spiral_cli.programs.model import Action, StrokeProgram

QUALITIES = {
    # name: (candidates per step, rollouts per image, refine); fast is a single greedy pass
    "fast": (1, 1, False),
    "best": (16, 4, True),
}


@dataclass(frozen=True)
class ParseResult:
    image: InkImage
    program: StrokeProgram  # in the input image's pixel frame
    canvas_program: StrokeProgram  # on the agent's canvas
    target: np.ndarray  # the image as the agent saw it, (H, W, C) uint8
    render: np.ndarray  # the program's render on the agent's canvas
    error: float  # per-pixel mean squared ink error on the agent's canvas
    relative_residual: float  # error / error of an empty canvas

    @property
    def strokes(self) -> int:
        return len(self.program.strokes)


def parse_images(agent: Agent, images: list[InkImage], quality: str = "fast", steps: int | None = None,
                 seed: int = 0, checkpoint: str = "") -> list[ParseResult]:
    """One stroke program per image. `fast` is one greedy pass of the agent; `best` keeps,
    per image, the best of several searched rollouts by reconstruction error, then refines
    its strokes off the action grid against the renderer."""
    fitted = [fit_to_canvas(image, agent.env.canvas, agent.env.color) for image in images]
    targets = np.stack([canvas for canvas, _ in fitted])
    best_programs, best_renders, best_errors = reconstruct(agent, targets, quality, steps, seed)
    empty = (ink(targets) ** 2).reshape(len(targets), -1).mean(1)
    results = []
    for index, image in enumerate(images):
        fit = fitted[index][1]
        error, relative = float(best_errors[index]), float(best_errors[index] / max(empty[index], 1e-12))
        source = {
            "image": image.path, "checkpoint": checkpoint, "quality": quality, "canvas": agent.env.canvas,
            "scale": fit.scale, "offset": list(fit.offset), "light_on_dark": image.inverted,
            "reconstruction_error": error, "relative_residual": relative,
            "strokes": len(best_programs[index].strokes),
        }
        canvas_program = replace(best_programs[index], source=source)
        results.append(ParseResult(
            image=image, program=to_image_frame(canvas_program, image, fit), canvas_program=canvas_program,
            target=targets[index], render=best_renders[index], error=error, relative_residual=relative,
        ))
    return results


def reconstruct(agent: Agent, targets: np.ndarray, quality: str = "fast", steps: int | None = None,
                seed: int = 0) -> tuple[list[StrokeProgram], np.ndarray, np.ndarray]:
    """Programs, renders and squared errors for canvas-sized targets (N, H, W, C) uint8."""
    candidates, rollouts, refine = QUALITIES[quality]
    best_programs, best_renders, best_errors = None, None, np.full(len(targets), np.inf)
    for rollout in range(rollouts):
        programs, renders = agent.run(targets, greedy=candidates == 1, seed=seed + rollout,
                                      candidates=candidates, steps=steps)
        errors = _errors(renders, targets)
        if best_programs is None:
            best_programs, best_renders = list(programs), renders.copy()
        for index in np.nonzero(errors < best_errors)[0]:
            best_programs[index], best_renders[index] = programs[index], renders[index]
        best_errors = np.minimum(best_errors, errors)
    if refine:
        for index in range(len(targets)):
            best_programs[index], best_renders[index] = refine_program(best_programs[index], ink(targets[index]))
        best_errors = _errors(best_renders, targets)
    return best_programs, best_renders, best_errors


def _errors(renders: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return ((ink(renders) - ink(targets)) ** 2).reshape(len(targets), -1).mean(1)


def to_image_frame(program: StrokeProgram, image: InkImage, fit: CanvasFit) -> StrokeProgram:
    """The program moved from the agent's canvas onto the input image's pixels (points
    beyond the image, such as the pen's resting corner, are clipped to its border)."""
    def place(point):
        x, y = fit.to_image(point)
        return (min(max(x, 0.0), image.width), min(max(y, 0.0), image.height))

    def move(action: Action) -> Action:
        return replace(action, start=place(action.start), control=place(action.control), end=place(action.end),
                       size=float(min(action.size / fit.scale, max(image.width, image.height))))
    return replace(program, width=image.width, height=image.height, actions=tuple(move(a) for a in program.actions))


LINE_ART = ("omniglot", "mnist")  # shipped checkpoints for line art, most general first
COLOUR = ("faces",)


def default_checkpoint(image: InkImage) -> str:
    """A shipped conditional checkpoint for this image: colour pictures go to a colour
    model when one ships, everything else to line art."""
    shipped = set(shipped_checkpoints())
    colourful = float((image.rgb.max(-1) - image.rgb.min(-1)).mean()) > 0.1
    for name in (COLOUR + LINE_ART) if colourful else LINE_ART:
        if name in shipped:
            return name
    raise UsageError("no shipped checkpoint fits this image; give --checkpoint NAME or a run directory")


def parse_files(paths, checkpoint: str | None = None, quality: str = "fast", steps: int | None = None,
                seed: int = 0, max_pixels: int = DEFAULT_MAX_PIXELS, method: str = "agent", budget: int = 1000) -> list:
    """Read and parse image files (all read first, so a bad file stops the job before any output)."""
    images = [read_image(path, max_pixels) for path in paths]
    return parse_read(images, checkpoint, quality, steps, seed, method, budget)


_AGENTS: dict[str, Agent] = {}  # loaded once per process


def parse_read(images: list[InkImage], checkpoint: str | None = None, quality: str = "fast",
               steps: int | None = None, seed: int = 0, method: str = "agent", budget: int = 1000) -> list:
    """Parse images already read, each with `checkpoint` or the default for it: ParseResults
    for stroke agents; SceneParseResults for a scenes agent or `method` mcmc (the scene
    baseline, which needs no checkpoint)."""
    if method == "mcmc":
        return parse_scene_images(images, "mcmc", budget=budget, seed=seed)
    names = [checkpoint or default_checkpoint(image) for image in images]
    results: list = [None] * len(images)
    for name in dict.fromkeys(names):
        agent = _AGENTS.get(name) or _AGENTS.setdefault(name, Agent.load(name))
        if not agent.config.conditional:
            raise UsageError(f"{name}: an unconditional checkpoint cannot parse images (use spiral draw)")
        chosen = [i for i, n in enumerate(names) if n == name]
        if agent.config.env == "scenes":
            parsed = parse_scene_images([images[i] for i in chosen], "agent", agent, quality, seed=seed, checkpoint=name)
        else:
            parsed = parse_images(agent, [images[i] for i in chosen], quality, steps, seed, checkpoint=name)
        for index, result in zip(chosen, parsed):
            results[index] = result
    return results
