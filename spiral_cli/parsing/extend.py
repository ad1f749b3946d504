"""Extending strokes that stop short of their line's end. The agent's strokes often end a few
px before the line does (its points sit on a grid, and it learnt to leave the end to a short
extra stroke), so a straight line comes back as a line and a stub. Each stroke's ends are
pushed on in the direction the stroke heads, a quarter line width at a time, while the target
has ink there and the render gets no farther from it. A stub that lies along a stroke's end,
within the ink of that stroke carried on, is then left out and the end carried over it, when
the render stays within a small tolerance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from spiral_cli.painting.calibration import width_of_size
from spiral_cli.painting.painter import Painter
from spiral_cli.parsing.composite import kept_ink, trial_drawer
from spiral_cli.parsing.prune import ink_error, stroke_length
from spiral_cli.parsing.stitch import outward
from spiral_cli.programs.model import StrokeProgram

MAX_STEPS = 8  # of a quarter line width: an end moves at most two line widths
INKED = 0.5  # target ink beyond an end that the line goes on there
# line widths: a continuous stroke no longer than this may be a stub (on 240 training drawings
# of every source, 2 cost 0.025 in stroke count error, 1 cost 0.004; a separate tick is longer)
STUB = 1.0
# the absorbed stubs may cost this share of the empty page's error, for the whole drawing
TOLERANCE = 0.01


def extend_ends(program: StrokeProgram, target_ink: np.ndarray, render: np.ndarray, painter: Painter
                ) -> tuple[StrokeProgram, np.ndarray]:
    """The program with its strokes' ends moved on along the target's lines, and the ink of its
    render; target_ink and render (the program's) (H, W) in [0, 1]. The steps are judged on an
    estimate (the render with the new piece of line stamped on), each end's move by the render."""
    runs = [list(run) for run in program.pen_strokes]
    drawn, given, level = trial_drawer(program, painter), program, float(render.max())  # the pen's ink
    estimate = drawn(program)
    error = ink_error(estimate, target_ink)
    for index in range(len(runs)):
        for at_start in (True, False):
            run = _carried_on(runs[index], at_start, program.brush, target_ink, estimate, level)
            if run is runs[index]:
                continue
            trial = replace(program.with_strokes(runs[:index] + [run] + runs[index + 1:]), grid=None)
            trial_render = drawn(trial)
            trial_error = ink_error(trial_render, target_ink)
            if trial_error <= error:
                runs[index], program, estimate, error = run, trial, trial_render, trial_error
    return program, kept_ink(program, given, render, painter)


def _carried_on(run: list, at_start: bool, brush: str, target_ink: np.ndarray, render: np.ndarray,
                level: float) -> list:
    """The run with one end pushed on while the estimated render gets no farther from the target."""
    estimate = render
    for _ in range(MAX_STEPS):
        pushed = _pushed(run, at_start, brush, target_ink)
        if pushed is None:
            break
        action = pushed[0] if at_start else pushed[-1]
        window, piece = _segment_ink(outward(run, at_start)[0], outward(pushed, at_start)[0],
                                     width_of_size(brush, action.size), target_ink.shape)
        before, target = estimate[window], target_ink[window]
        after = np.maximum(before, level * piece)
        if ((after - target) ** 2).sum() > ((before - target) ** 2).sum():
            break
        estimate = estimate.copy() if estimate is render else estimate
        estimate[window], run = after, pushed
    return run


def _segment_ink(a, b, width: float, shape: tuple[int, int]) -> tuple[tuple[slice, slice], np.ndarray]:
    """(window, ink) of a round-capped line from a to b, `width` px wide, with a 1 px soft edge."""
    radius = width / 2 + 1
    low = np.floor(np.minimum(a, b) - radius).astype(int).clip(0)
    high = np.ceil(np.maximum(a, b) + radius).astype(int) + 1
    high = np.minimum(high, (shape[1], shape[0]))
    ys, xs = np.mgrid[low[1]:high[1], low[0]:high[0]].astype(np.float32) + 0.5
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    along = b - a
    t = np.clip(((xs - a[0]) * along[0] + (ys - a[1]) * along[1]) / max(float(along @ along), 1e-9), 0.0, 1.0)
    distance = np.hypot(xs - a[0] - t * along[0], ys - a[1] - t * along[1])
    return (slice(low[1], high[1]), slice(low[0], high[0])), np.clip(width / 2 - distance + 0.5, 0.0, 1.0)


def absorb_stubs(program: StrokeProgram, target_ink: np.ndarray, render: np.ndarray, painter: Painter,
                 tolerance: float = TOLERANCE) -> tuple[StrokeProgram, np.ndarray]:
    """The program with each stub beside another stroke's end left out and that end carried
    over it, and the ink of its render."""
    allowed = tolerance * float((target_ink ** 2).sum())
    drawn, given = trial_drawer(program, painter), program
    error = ink_error(drawn(program), target_ink)
    tried: set = set()
    while (stub := _next_stub(program, tried)) is not None:
        tried.add(stub)
        best = None
        for trial in _carried_over(program, stub):
            trial_error = ink_error(drawn(trial), target_ink)
            if best is None or trial_error < best[1]:
                best = (trial, trial_error)
        if best is not None and best[1] <= error + allowed:
            allowed -= max(best[1] - error, 0.0)
            program, error = replace(best[0], grid=None), best[1]
    return program, kept_ink(program, given, render, painter)


def _next_stub(program: StrokeProgram, tried: set) -> tuple | None:
    """The shortest continuous stroke not yet tried that is short enough to be a stub."""
    runs = [run for run in program.pen_strokes if run not in tried]
    runs = [run for run in runs if stroke_length(run) <= STUB * width_of_size(program.brush, run[0].size)]
    return min(runs, key=stroke_length) if runs and len(program.pen_strokes) > 1 else None


def _carried_over(program: StrokeProgram, stub: tuple):
    """Programs without the stub, each with one nearby stroke end moved on as far as the stub reaches."""
    runs = [list(run) for run in program.pen_strokes if run != stub]
    points = np.array([p for a in stub for p in (a.start, a.control, a.end)], float)
    for index, run in enumerate(runs):
        for at_start in (True, False):
            point, direction = outward(run, at_start)
            reach = width_of_size(program.brush, (run[0] if at_start else run[-1]).size)
            offsets = points - point
            across = np.abs(offsets[:, 0] * direction[1] - offsets[:, 1] * direction[0])
            if np.min(np.linalg.norm(offsets, axis=1)) > reach or across.max() > reach / 2:
                continue  # not within the line's own ink carried on (a tick at a line's end is a stroke)
            ahead = float(np.max(offsets @ direction))
            moved = _moved_end(run, at_start, max(ahead, 0.0))
            yield program.with_strokes(runs[:index] + [moved] + runs[index + 1:])


def _pushed(run: list, at_start: bool, brush: str, target_ink: np.ndarray) -> list | None:
    """The run with one end moved a quarter line width on, or None where the target's line ends."""
    action = run[0] if at_start else run[-1]
    step = width_of_size(brush, action.size) / 4
    point, direction = outward(run, at_start)
    # the new ink lies beyond the stroke's round cap, half a width past its end point
    x, y = np.add(point, direction * 2.5 * step)
    height, width = target_ink.shape
    if not (0 <= x < width and 0 <= y < height) or target_ink[int(y), int(x)] < INKED:
        return None
    return _moved_end(run, at_start, step)


def _moved_end(run: list, at_start: bool, distance: float) -> list:
    """The run with one end moved `distance` px on in the direction the stroke heads there."""
    action = run[0] if at_start else run[-1]
    point, direction = outward(run, at_start)
    end = tuple(float(v) for v in np.add(point, direction * distance))
    control = tuple(float(v) for v in np.add(action.control, direction * distance / 2))  # a straight line stays straight
    moved = replace(action, start=end, control=control) if at_start else replace(action, end=end, control=control)
    return [moved, *run[1:]] if at_start else [*run[:-1], moved]

