"""Refining a program's continuous parameters against the real renderer.

The agent places points on a grid; here every stroke's end and control points (and its
width) are nudged off the grid, one at a time, keeping each nudge that lowers the squared
error of the re-rendered program to the target plus the search's cost per stroke (coordinate
descent)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from spiral_cli.painting.painter import Painter, render_program
from spiral_cli.parsing.search import STROKE_COST
from spiral_cli.programs.model import Action, StrokeProgram

STEPS_PX = (1.0, 0.5)  # nudge sizes, coarse then fine
TRIMS = (0.25, 0.5)  # shares of a stroke cut off at a free end: a half cuts a lead-in from the pen's corner


def refine_program(program: StrokeProgram, target_ink: np.ndarray, passes: int = 3) -> tuple[StrokeProgram, np.ndarray]:
    """The refined program and its render; target_ink is (H, W) or (H, W, C) in [0, 1].
    Each nudge size gets up to `passes` sweeps over the strokes, fewer if one changes nothing."""
    painter = Painter(program.width, program.height, program.brush)
    target = target_ink if target_ink.ndim == 3 else target_ink[..., None]
    channels = 3 if program.color_mode == "color" else 1  # as the environment's canvas

    def render(actions):
        return render_program(program.with_actions(actions), painter=painter)[..., :channels]

    # as in the search, a stroke must pay for itself: one that barely helps is better left out
    stroke_cost = STROKE_COST * float((target ** 2).mean())
    score = lambda actions, pixels: _error(pixels, target) + stroke_cost * sum(a.draws for a in actions)
    best_render = render(program.actions)
    best_score = score(program.actions, best_render)
    actions = list(program.actions)
    for step in STEPS_PX:
        for _ in range(passes):
            improved = False
            for index in range(len(actions)):
                if not actions[index].draws:
                    continue
                starts_sequence = index == 0 or not actions[index - 1].draws
                ends_sequence = index + 1 == len(actions) or not actions[index + 1].draws
                for candidate in _nudges(actions[index], step, program, starts_sequence, ends_sequence):
                    trial = _with(actions, index, candidate)
                    pixels = render(trial)
                    trial_score = score(trial, pixels)
                    if trial_score < best_score:
                        actions, best_score, best_render, improved = trial, trial_score, pixels, True
            if not improved:
                break
    return program.with_actions(actions), best_render


def _error(render: np.ndarray, target: np.ndarray) -> float:
    ink = 1.0 - render.astype(np.float32) / 255.0
    return float(((ink - target) ** 2).mean())


def _nudges(action: Action, step: float, program: StrokeProgram, starts_sequence: bool, ends_sequence: bool):
    """Each point moved by one step in each direction (the start only where the pen comes
    down, elsewhere it is the previous stroke's end), the width made larger and smaller, the
    stroke left out (the pen moves to its end unseen), and trimmed by a quarter or a half at a
    free end (where no other stroke joins it)."""
    limit = (float(program.width), float(program.height))
    clamp = lambda p: (min(max(p[0], 0.0), limit[0]), min(max(p[1], 0.0), limit[1]))
    for name in ("start", "end", "control") if starts_sequence else ("end", "control"):
        x, y = getattr(action, name)
        for dx, dy in ((step, 0), (-step, 0), (0, step), (0, -step)):
            yield replace(action, **{name: clamp((x + dx, y + dy))})
    for factor in (1.15, 1 / 1.15):
        yield replace(action, size=action.size * factor)
    yield replace(action, kind="jump", control=action.end)  # a stroke that only hurts goes
    for share in TRIMS:
        if starts_sequence:
            yield _trimmed(action, share, keep="end")
        if ends_sequence:
            yield _trimmed(action, 1 - share, keep="start")


def _trimmed(action: Action, t: float, keep: str) -> Action:
    """The part of the quadratic Bezier after (keep="end") or before (keep="start") parameter t
    (de Casteljau's split)."""
    p0, p1, p2 = (np.array(p, dtype=float) for p in (action.start, action.control, action.end))
    middle = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2
    point = lambda v: (float(v[0]), float(v[1]))
    if keep == "end":
        return replace(action, start=point(middle), control=point((1 - t) * p1 + t * p2))
    return replace(action, control=point((1 - t) * p0 + t * p1), end=point(middle))


def _with(actions: list[Action], index: int, changed: Action) -> list[Action]:
    """Replace one action, keeping the pen path joined: the next action starts where this
    one now ends, and a jump before it lands where it now starts."""
    result = list(actions)
    old = result[index]
    result[index] = changed
    if index + 1 < len(result) and result[index + 1].start == old.end:
        result[index + 1] = replace(result[index + 1], start=changed.end)
    if index > 0 and result[index - 1].end == old.start and changed.start != old.start:
        jump = result[index - 1]
        result[index - 1] = replace(jump, end=changed.start, control=changed.start if not jump.draws else jump.control)
    return result
