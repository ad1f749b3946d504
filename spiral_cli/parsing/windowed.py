"""The agent at native resolution: it looks at a drawing window by window, each window at
the working scale (the agent's canvas size), on a canvas that already shows what has been
drawn there, and adds what is missing. Windows with no missing ink are skipped; windows
that do not overlap are parsed together in one batch."""

from __future__ import annotations

import numpy as np

from spiral_cli.painting.painter import ink, render_program
from spiral_cli.parsing.agent import Agent
from spiral_cli.parsing.windows import Window, back_in_image, moved, reaches, tile_plan, waves, window_pixels
from spiral_cli.programs.model import Action, StrokeProgram

MISSING = 0.25  # a window is parsed when it misses ink of a line a quarter of its side long
SEARCH = {"fast": 1, "best": 8}  # proposals per step the renderer judges


def add_missing_strokes(agent: Agent, program: StrokeProgram, target_ink: np.ndarray, scale: float,
                        quality: str = "fast", seed: int = 0, line_width: float = 1.0,
                        steps: int | None = None, batch: int = 32) -> StrokeProgram:
    """`program` (image px) with the agent's strokes added where ink is still missing;
    `scale` maps image px to the agent's px; `steps` actions per window (default: the
    agent's episode length)."""
    canvas = agent.env.canvas
    drawn = ink(render_program(program)[..., 0])
    missing = np.clip(target_ink - drawn, 0.0, 1.0)
    plan = tile_plan(program.width, program.height, canvas / scale, canvas)
    enough = MISSING * (canvas / scale) * line_width
    chosen = [w for w in plan if float(w.crop(missing).sum()) > enough]
    actions = list(program.actions)
    for wave in waves(chosen):
        for start in range(0, len(wave), batch):
            windows = wave[start : start + batch]
            actions += _parse_windows(agent, program.with_actions(actions), target_ink, windows, quality, seed, steps)
    return program.with_actions(actions)


def _parse_windows(agent: Agent, program: StrokeProgram, target_ink: np.ndarray, windows: list[Window],
                   quality: str, seed: int, steps: int | None) -> list[Action]:
    targets = np.stack([window_pixels(1.0 - target_ink[..., None], w) for w in windows])
    context = [[moved(a, w.to_window, w.scale) for a in program.actions if reaches(a, w)] for w in windows]
    programs, _ = agent.run(targets, judged=True, candidates=SEARCH[quality], seed=seed, context=context, steps=steps)
    added = []
    for window, parsed in zip(windows, programs):
        added += [[back_in_image(a, window, program.width, program.height) for a in run] for run in parsed.pen_strokes]
    return list(program.with_strokes(added).actions)
