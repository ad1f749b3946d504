"""A greedy stroke search that paints a colour picture in the paint environment's actions: a
teacher for colour agents (faces), as the centerline tracer is for line art.

Each step tries random strokes, some going on from where the pen is (one step) and some after
a jump (two steps), and keeps the one that removes the most squared error per step; then it
moves that stroke's ends, control point and size one grid cell or size at a time while that
helps. A stroke's footprint is rendered once by the real painter in black; since every dab of
a stroke has the same colour, painting it in colour c over canvas C gives (1 - a) C + a c
(a the footprint's coverage), so the best colour is solved in closed form and then snapped to
the colour levels. Pressure stays at its top level: opaque strokes cover the most."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from spiral_cli.agent.noise import content_seed
from spiral_cli.envs.paint import COLOR_KEYS, PaintConfig
from spiral_cli.painting.painter import Painter

CANDIDATES = 64  # random strokes tried per step
NEIGHBOURS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-2, 0), (2, 0), (0, -2), (0, 2))  # grid cells


@dataclass(frozen=True)
class Stroke:
    start: int | None  # the cell jumped to first, or None to go on from the pen
    control: int
    end: int
    size: int

    @property
    def steps(self) -> int:
        return 1 if self.start is None else 2


class _Canvas:
    """The picture being painted, in float RGB [0, 1], and where the pen is."""

    def __init__(self, target: np.ndarray, config: PaintConfig, start: np.ndarray | None = None):
        self.config, self.target = config, target.astype(np.float32) / 255.0
        self.rgb = np.ones_like(self.target) if start is None else start.astype(np.float32) / 255.0
        self.pen = (0.0, 0.0)
        self.scratch = Painter(config.canvas, config.canvas, config.brush)
        self.levels = np.linspace(0.0, 1.0, config.color_levels)

    def footprint(self, stroke: Stroke) -> np.ndarray:
        """(H, W) coverage of the stroke drawn in black from where it starts."""
        config, painter = self.config, self.scratch
        painter.clear()  # the pen has no random dynamics to reseed
        start = self.pen if stroke.start is None else config.grid_point(stroke.start)
        painter.execute(config.decode(_components(0, stroke.end if stroke.start is None else stroke.start), (0.0, 0.0)))
        painter.execute(config.decode(_components(1, stroke.end, stroke.control, stroke.size, config), start))
        return painter.coverage()

    def best_colour(self, coverage: np.ndarray) -> tuple[np.ndarray, float]:
        """The colour level per channel that removes the most error, and the error removed
        (computed inside the stroke's bounding box: nothing changes outside it)."""
        rows, columns = np.flatnonzero(coverage.any(1)), np.flatnonzero(coverage.any(0))
        if not len(rows):
            return np.zeros(3, np.int64), 0.0
        box = np.s_[rows[0]: rows[-1] + 1, columns[0]: columns[-1] + 1]
        a, rgb, target = coverage[box][..., None], self.rgb[box], self.target[box]
        weight = float((a * a).sum())
        if weight < 1e-6:
            return np.zeros(3, np.int64), 0.0
        ideal = (a * (target - (1 - a) * rgb)).sum((0, 1)) / weight
        chosen = np.abs(self.levels[:, None] - ideal.clip(0, 1)[None]).argmin(0)
        painted = (1 - a) * rgb + a * self.levels[chosen]
        return chosen, float(((rgb - target) ** 2).sum() - ((painted - target) ** 2).sum())

    def gain(self, stroke: Stroke) -> tuple[float, np.ndarray, np.ndarray]:
        coverage = self.footprint(stroke)
        colour, gain = self.best_colour(coverage)
        return gain, colour, coverage

    def paint(self, stroke: Stroke, colour: np.ndarray, coverage: np.ndarray) -> None:
        a = coverage[..., None]
        self.rgb = (1 - a) * self.rgb + a * self.levels[colour]
        self.pen = self.config.grid_point(stroke.end)


def paint_episode(target: np.ndarray, config: PaintConfig, candidates: int = CANDIDATES, seed: int = 0,
                  steps: int | None = None, start: np.ndarray | None = None) -> list[dict]:
    """The actions (component -> level) of one episode painting `target` (H, W, 3) uint8 at
    the config's canvas, from white paper or the canvas `start` (uint8, the pen at rest);
    steps left when no stroke helps are jumps that stay put."""
    steps = config.episode_length if steps is None else steps
    canvas, rng = _Canvas(target, config, start), np.random.default_rng(content_seed(target, seed))
    episode: list[dict] = []
    while len(episode) < steps:
        left = steps - len(episode)
        stroke, gain, colour, coverage = _refined(canvas, _best_random(canvas, rng, candidates, bool(episode), left))
        if gain <= 0:
            break
        if stroke.start is not None:
            episode.append(_components(0, stroke.start))
        episode.append({**_components(1, stroke.end, stroke.control, stroke.size, config),
                        **dict(zip(COLOR_KEYS, (int(c) for c in colour)))})
        canvas.paint(stroke, colour, coverage)
    last = episode[-1]["end"] if episode else 0
    return episode + [_components(0, last)] * (steps - len(episode))


def _best_random(canvas: _Canvas, rng, candidates: int, pen_placed: bool, left: int) -> Stroke:
    """The random stroke that removes the most error per step; half go on from the pen."""
    cells, sizes = canvas.config.grid ** 2, len(canvas.config.brush_sizes)
    best, best_rate = None, -np.inf
    for k in range(candidates):
        chained = (pen_placed and k % 2 == 0) or left < 2  # the last step cannot afford a jump
        stroke = Stroke(None if chained else int(rng.integers(cells)), int(rng.integers(cells)),
                        int(rng.integers(cells)), int(rng.integers(sizes)))
        rate = canvas.gain(stroke)[0] / stroke.steps
        if rate > best_rate:
            best, best_rate = stroke, rate
    return best


def _refined(canvas: _Canvas, stroke: Stroke) -> tuple[Stroke, float, np.ndarray, np.ndarray]:
    """Hill climbing on the grid: each neighbouring stroke that removes more error replaces it."""
    gain, colour, coverage = canvas.gain(stroke)
    improved = True
    while improved:
        improved = False
        for neighbour in _neighbours(stroke, canvas.config):
            trial = canvas.gain(neighbour)
            if trial[0] > gain + 1e-6:
                stroke, (gain, colour, coverage), improved = neighbour, trial, True
    return stroke, gain, colour, coverage


def _neighbours(stroke: Stroke, config: PaintConfig) -> list[Stroke]:
    def moved(cell: int, dr: int, dc: int) -> int | None:
        row, column = divmod(cell, config.grid)
        row, column = row + dr, column + dc
        return row * config.grid + column if 0 <= row < config.grid and 0 <= column < config.grid else None

    out = []
    for dr, dc in NEIGHBOURS:
        for field in ("control", "end") + (() if stroke.start is None else ("start",)):
            cell = moved(getattr(stroke, field), dr, dc)
            if cell is not None:
                out.append(Stroke(**{**stroke.__dict__, field: cell}))
    out += [Stroke(**{**stroke.__dict__, "size": s}) for s in (stroke.size - 1, stroke.size + 1)
            if 0 <= s < len(config.brush_sizes)]
    return out


def _components(flag: int, end: int, control: int | None = None, size: int = 0, config: PaintConfig | None = None) -> dict:
    top = config.pressure_levels - 1 if config is not None else 0
    return {"flag": flag, "end": int(end), "control": int(end if control is None else control), "size": int(size),
            "pressure": top, **dict.fromkeys(COLOR_KEYS, 0)}



class ColourSearch:
    """The search in the place of an agent (`spiral parse --method search`): `run` has the
    signature of Agent.run that the coarse-to-fine painting pipeline calls."""

    def __init__(self, config: PaintConfig | None = None, candidates: int = CANDIDATES):
        self.env = config or PaintConfig(color=True, brush="classic/pen")
        self.candidates = candidates

    def run(self, targets: np.ndarray, greedy: bool = True, temperature: float = 1.0, seed: int = 0,
            context: list | None = None, steps: int | None = None, candidates: int = 1):
        """Programs and final canvases of one searched episode per target, painted over the
        `context` actions of each (greedy, temperature and an agent's candidates mean nothing
        to this search, which tries its own)."""
        from spiral_cli.envs import make_vector_env

        steps = self.env.episode_length if steps is None else steps
        envs = make_vector_env("paint", len(targets), replace(self.env, episode_length=steps))
        observation, _ = envs.reset(options={"context": context} if context else None)
        episodes = [paint_episode(target, self.env, self.candidates, seed, steps, start)
                    for target, start in zip(targets, observation["canvas"])]
        for t in range(steps):
            observation, *_ = envs.step({k: np.array([e[t][k] for e in episodes]) for k in episodes[0][t]})
        return envs.programs, observation["canvas"]
