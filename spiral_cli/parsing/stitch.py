"""Joining strokes that continue one another: across a window's border, or across a gap a
textured brush left. Two ends join when they lie within reach (about a line width) and the
strokes head on in the same direction there; the closest, straightest pairs join first."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.spatial import cKDTree

from spiral_cli.programs.model import Action, StrokeProgram

MAX_TURN = np.cos(np.radians(35))  # strokes that would turn more than this where they meet stay apart

Run = list[Action]


def join_strokes(program: StrokeProgram, reach: float) -> StrokeProgram:
    """The program with continuing strokes joined into one (a short straight piece bridges
    any gap); a circle drawn in four windows becomes one stroke."""
    runs = [list(run) for run in program.pen_strokes]
    if len(runs) < 2:
        return program
    partner = _pairs(runs, reach)
    return program.with_strokes(_chains(runs, partner))


def _ends(runs: list[Run]) -> tuple[np.ndarray, np.ndarray]:
    """(2R, 2) points and outward unit directions: end 2i is run i's start, 2i + 1 its end."""
    ends = [outward(run, at_start) for run in runs for at_start in (True, False)]
    return np.array([p for p, _ in ends], float), np.array([d for _, d in ends], float)


def outward(run: Run, at_start: bool) -> tuple[tuple[float, float], np.ndarray]:
    """One end of a continuous stroke and the unit direction the stroke heads in out of it."""
    action = run[0] if at_start else run[-1]
    point = action.start if at_start else action.end
    vector = np.subtract(point, _inner(action, at_start))
    return point, vector / max(float(np.linalg.norm(vector)), 1e-9)


def _inner(action: Action, at_start: bool) -> tuple[float, float]:
    """A point inside the curve near one of its ends: its control point, or the other end."""
    end = action.start if at_start else action.end
    if np.allclose(action.control, end):
        return action.end if at_start else action.start
    return action.control


def _pairs(runs: list[Run], reach: float) -> dict[int, int]:
    points, directions = _ends(runs)
    candidates = []
    for a, b in cKDTree(points).query_pairs(reach):
        if a // 2 == b // 2:
            continue
        gap = points[b] - points[a]
        distance = float(np.linalg.norm(gap))
        if -directions[a] @ directions[b] < MAX_TURN:
            continue
        if distance > 0.5 and (gap @ directions[a] < MAX_TURN * distance or -gap @ directions[b] < MAX_TURN * distance):
            continue  # side by side, not end to end
        candidates.append((distance - float(-directions[a] @ directions[b]), a, b))
    partner: dict[int, int] = {}
    group = list(range(len(runs)))  # union-find over runs: joining may not close a ring

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for _, a, b in sorted(candidates):
        if a in partner or b in partner or root(a // 2) == root(b // 2):
            continue
        partner[a], partner[b] = b, a
        group[root(a // 2)] = root(b // 2)
    return partner


def _chains(runs: list[Run], partner: dict[int, int]) -> list[Run]:
    """Runs strung together through their partnered ends, each chain from a free end, in the
    order of the program's first run of each."""
    used = [False] * len(runs)
    chains = []
    for index in range(len(runs)):
        if used[index]:
            continue
        entry = 2 * index  # walk back to a free end of this chain (joins never close a ring)
        while entry in partner:
            entry = partner[entry] ^ 1
        chain: Run = []
        while True:
            run_index = entry // 2
            used[run_index] = True
            run = runs[run_index] if entry % 2 == 0 else _reversed(runs[run_index])
            if chain:
                bridge = _bridge(chain[-1], run[0])
                run[0] = replace(run[0], start=chain[-1].end) if not bridge else run[0]
                chain += bridge
            chain += run
            exit_ = entry ^ 1
            if exit_ not in partner or used[partner[exit_] // 2]:
                break
            entry = partner[exit_]
        chains.append(chain)
    return chains


def _reversed(run: Run) -> Run:
    return [replace(a, start=a.end, end=a.start) for a in reversed(run)]


def _bridge(last: Action, first: Action) -> Run:
    """Nothing when the ends meet, else a straight piece from one to the other."""
    if np.allclose(last.end, first.start, atol=1e-6):
        return []
    middle = tuple(float(v) for v in (np.add(last.end, first.start) / 2))
    return [Action("draw", last.end, middle, first.start, last.pressure, last.size, last.color)]
