"""A colour picture painted coarse to fine, as Learning to Paint's --divide: the agent paints
the whole picture on one canvas, then quarters of it on canvases that show what is painted
there already, then sixteenths, each window at the agent's canvas size. Within a level the
windows that differ most from the picture are painted first, until the stroke budget is
spent; a level stops the descent when its windows would be blown up more than MAX_ZOOM times
(the agent would paint pixels it cannot see)."""

from __future__ import annotations

import numpy as np

from spiral_cli.painting.painter import render_program
from spiral_cli.parsing.agent import Agent
from spiral_cli.parsing.images import InkImage
from spiral_cli.parsing.recolour import recolour
from spiral_cli.parsing.windows import Window, back_in_image, moved, reaches, tile_plan, window_pixels
from spiral_cli.programs.model import StrokeProgram

MAX_ZOOM = 2.0  # agent px per image px at the finest level


def default_budget(agent: Agent, width: int, height: int) -> int:
    """Strokes of every window of every level down to MAX_ZOOM."""
    return sum(len(level) for level in levels(agent, width, height)) * agent.env.episode_length


def levels(agent: Agent, width: int, height: int) -> list[list[Window]]:
    """The whole picture, then 2 x 2, 4 x 4, ... windows, while a window's side in image px
    is at least the canvas over MAX_ZOOM."""
    canvas, side = agent.env.canvas, float(max(width, height))
    plan = [tile_plan(width, height, side, canvas, overlap=0.0)]
    while side / 2 >= canvas / MAX_ZOOM:
        side /= 2
        plan.append(tile_plan(width, height, side, canvas, overlap=0.0))
    return plan


def paint_picture(agent: Agent, image: InkImage, strokes: int | None = None, seed: int = 0,
                  temperature: float | None = None, rollouts: int = 1,
                  candidates: int = 1) -> tuple[StrokeProgram, np.ndarray]:
    """The program (image px) painting `image` in at most `strokes` strokes (default: every
    level, `default_budget`), and its render (H, W, 3) in [0, 1]; each window keeps the
    closest of `rollouts` episodes (the first greedy without a `temperature`, the others sampled),
    each step the closest of `candidates` proposals (`search`: in the colours that fit best),
    and at the end all strokes take the colours that fit the picture best (`recolour`)."""
    budget = default_budget(agent, image.width, image.height) if strokes is None else strokes
    program = StrokeProgram(image.width, image.height, agent.env.brush, "color")
    render = np.ones_like(image.rgb)
    length = agent.env.episode_length
    for level in levels(agent, image.width, image.height):
        spent = len(program.strokes)
        if budget - spent <= 0:
            break
        worst_first = sorted(level, key=lambda w: -float(((w.crop(render) - w.crop(image.rgb)) ** 2).sum()))
        chosen = worst_first[: max(1, (budget - spent) // length)]
        steps = min(length, budget - spent)
        program = _paint_windows(agent, program, image.rgb, chosen, seed, temperature, steps, rollouts, candidates)
        program = _within_budget(program, budget)
        render = render_program(program).astype(np.float32) / 255.0
    program, painted = recolour(program, image.rgb)  # every window's colours, fitted together
    return program, painted.astype(np.float32) / 255.0


def _paint_windows(agent: Agent, program: StrokeProgram, rgb: np.ndarray, windows: list[Window], seed: int,
                   temperature: float | None, steps: int, rollouts: int, candidates: int) -> StrokeProgram:
    """`program` with an episode of the agent added in each window, the closest of
    `rollouts` (the windows of a level do not overlap, so they are painted in one batch)."""
    targets = np.stack([window_pixels(rgb, w) for w in windows])
    context = [[moved(a, w.to_window, w.scale) for a in program.actions if reaches(a, w)] for w in windows]
    painted, errors = None, np.full(len(windows), np.inf)
    for rollout in range(rollouts):
        greedy = temperature is None and rollout == 0  # the others sample, or they would repeat it
        programs, canvases = agent.run(targets, greedy=greedy, temperature=temperature or 1.0,
                                       seed=seed + rollout, context=context, steps=steps, candidates=candidates)
        error = ((canvases.astype(np.float32) - targets) ** 2).reshape(len(windows), -1).mean(1)
        painted = painted or list(programs)
        for index in np.nonzero(error < errors)[0]:
            painted[index] = programs[index]
        errors = np.minimum(errors, error)
    actions = list(program.actions)
    for window, parsed in zip(windows, painted):
        actions += [back_in_image(a, window, program.width, program.height) for a in parsed.actions]
    return program.with_actions(actions)


def _within_budget(program: StrokeProgram, budget: int) -> StrokeProgram:
    """The program up to its `budget`-th stroke: later windows' strokes are the ones dropped."""
    drawn, kept = 0, []
    for action in program.actions:
        if action.draws:
            if drawn == budget:
                break
            drawn += 1
        kept.append(action)
    return program.with_actions(kept)
