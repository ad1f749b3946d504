"""Human drawings as programs of the paint environment: each recording's strokes, in the
order the person drew them, fitted with quadratic strokes on the action grid.

`spiral dataset strokes` writes them to one `strokes.npz` (plain arrays, no pickle): the
actions of every episode, its render with the dataset's pen, where it came from, whether it
is held out, and the true polylines (canvas pixels) for stroke-count and chamfer figures.
`spiral train --data strokes:DIR --human F` clones them; `spiral eval --data strokes:DIR`
compares an agent's strokes with them."""

from __future__ import annotations

import multiprocessing
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from spiral_cli.data.human_strokes import HumanDrawing
from spiral_cli.envs.paint import PaintConfig
from spiral_cli.errors import UsageError
from spiral_cli.tracing.curves import smooth
from spiral_cli.tracing.episodes import fit_program, render_episodes

FILE = "strokes.npz"
SOURCES = ("omniglot", "kanji", "sheep")
COMPONENTS = ("flag", "end", "control", "size", "pressure")
OMNIGLOT_FRAME = 105.0  # Omniglot's strokes are in its 105 px image frame: kept, so renders match the images
MARGIN = 5.0  # px around a kanji or sheep scaled into the canvas
TOLERANCE, LOOSEST = 0.6, 2.0  # px a fitted stroke may stray from the person's line
SPACING = 0.5  # px between resampled points
# The pen of the dataset's renders, size index and pressure level: of those tried, the one whose
# renders of Omniglot's recordings come closest to Omniglot's own images at 64 px.
PEN = {"size": 1, "pressure": 3}


@dataclass(frozen=True)
class StrokePrograms:
    images: np.ndarray  # (N, H, W, 1) uint8 renders, canvas convention
    actions: dict  # component -> (N, T) int16
    source: np.ndarray  # (N,) index into SOURCES
    test: np.ndarray  # (N,) bool: held out
    names: np.ndarray  # (N,) str
    points: np.ndarray  # (P, 2) float32 (x, y) canvas px of the true polylines
    stroke_starts: np.ndarray  # (S + 1,) into points
    drawing_starts: np.ndarray  # (N + 1,) into strokes
    brush: str  # of the renders

    def __len__(self) -> int:
        return len(self.images)

    def true_strokes(self, index: int) -> list[np.ndarray]:
        first, last = self.drawing_starts[index], self.drawing_starts[index + 1]
        return [self.points[self.stroke_starts[s]: self.stroke_starts[s + 1]] for s in range(first, last)]

    def episode(self, index: int) -> list[dict]:
        steps = self.actions["flag"].shape[1]
        return [{k: int(v[index, t]) for k, v in self.actions.items()} for t in range(steps)]

    def subset(self, chosen: np.ndarray) -> StrokePrograms:
        chosen = np.flatnonzero(chosen) if chosen.dtype == bool else np.asarray(chosen)
        strokes = [self.true_strokes(i) for i in chosen]
        points, stroke_starts, drawing_starts = _pack(strokes)
        return StrokePrograms(self.images[chosen], {k: v[chosen] for k, v in self.actions.items()},
                              self.source[chosen], self.test[chosen], self.names[chosen],
                              points, stroke_starts, drawing_starts, self.brush)


def canvas_strokes(drawing: HumanDrawing, canvas: int) -> list[np.ndarray]:
    """The drawing's polylines in canvas pixels (x, y): Omniglot's frame scaled, a kanji or
    sheep scaled to fit inside the margin and centred."""
    strokes = [np.asarray(s, np.float64) for s in drawing.strokes]
    if drawing.source == "omniglot":
        return [s * canvas / OMNIGLOT_FRAME for s in strokes]
    everything = np.concatenate(strokes)
    low, high = everything.min(0), everything.max(0)
    scale = (canvas - 2 * MARGIN) / max(float((high - low).max()), 1e-6)
    offset = (canvas - (high - low) * scale) / 2
    return [(s - low) * scale + offset for s in strokes]


def program_of(strokes: list[np.ndarray], config: PaintConfig) -> list[dict] | None:
    """The episode drawing these canvas polylines in order, or None when they need more steps
    than an episode has even at the loosest fit."""
    paths = [_resampled(s)[:, ::-1] for s in strokes]  # (x, y) -> (row, column)
    actions = fit_program(paths, config, TOLERANCE, LOOSEST)
    return None if actions is None else [dict(a, **PEN) for a in actions]


def _resampled(stroke: np.ndarray) -> np.ndarray:
    """Points every SPACING px along the polyline, lightly smoothed (recordings jitter); a dot
    stays a dot."""
    steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if along[-1] < SPACING:
        return np.repeat(stroke[:1], 2, axis=0)
    at = np.linspace(0.0, along[-1], max(2, int(np.ceil(along[-1] / SPACING)) + 1))
    points = np.stack([np.interp(at, along, stroke[:, k]) for k in range(2)], axis=1)
    return smooth(points, 2)


def build(drawings: list[HumanDrawing], config: PaintConfig, workers: int = 1,
          on_progress=None) -> tuple[StrokePrograms, dict]:
    """The programs of the drawings that fit an episode, rendered; and per source how many
    were read and kept. Fitting is the slow part: it runs in `workers` processes."""
    strokes = [canvas_strokes(d, config.canvas) for d in drawings]
    chunks = [strokes[i: i + 200] for i in range(0, len(strokes), 200)]
    fitted = []
    fit = partial(_programs_of, config=config)
    with multiprocessing.get_context("spawn").Pool(workers) if workers > 1 else nullcontext() as pool:
        for programs in pool.imap(fit, chunks) if pool else map(fit, chunks):
            fitted += programs
            if on_progress:
                on_progress(len(programs))
    counts = {}
    for drawing, actions in zip(drawings, fitted):
        read, kept = counts.get(drawing.source, (0, 0))
        counts[drawing.source] = (read + 1, kept + (actions is not None))
    chosen = [i for i, actions in enumerate(fitted) if actions is not None]
    if not chosen:
        raise UsageError("no drawing fits an episode")
    episodes = [fitted[i] for i in chosen]
    images = [render_episodes(episodes[s: s + 256], config)[1] for s in range(0, len(episodes), 256)]
    points, stroke_starts, drawing_starts = _pack([[s.astype(np.float32) for s in strokes[i]] for i in chosen])
    programs = StrokePrograms(
        images=np.concatenate(images),
        actions={k: np.array([[a[k] for a in e] for e in episodes], np.int16) for k in COMPONENTS},
        source=np.array([SOURCES.index(drawings[i].source) for i in chosen], np.int8),
        test=np.array([drawings[i].test for i in chosen]),
        names=np.array([drawings[i].name for i in chosen]),
        points=points, stroke_starts=stroke_starts, drawing_starts=drawing_starts, brush=config.brush,
    )
    return programs, {k: {"read": r, "kept": f} for k, (r, f) in counts.items()}


def _programs_of(strokes: list[list[np.ndarray]], config: PaintConfig) -> list:
    return [program_of(s, config) for s in strokes]


def _pack(drawings: list[list[np.ndarray]]):
    strokes = [s for d in drawings for s in d]
    points = np.concatenate(strokes).astype(np.float32) if strokes else np.zeros((0, 2), np.float32)
    stroke_starts = np.concatenate([[0], np.cumsum([len(s) for s in strokes])]).astype(np.int64)
    drawing_starts = np.concatenate([[0], np.cumsum([len(d) for d in drawings])]).astype(np.int64)
    return points, stroke_starts, drawing_starts


def save(programs: StrokePrograms, folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    partial = folder / (FILE + ".partial.npz")
    np.savez_compressed(
        partial, images=programs.images, source=programs.source, test=programs.test,
        names=programs.names.astype(str), points=programs.points, stroke_starts=programs.stroke_starts,
        drawing_starts=programs.drawing_starts, brush=np.array(programs.brush), **{f"action_{k}": v for k, v in programs.actions.items()},
    )
    partial.replace(path)
    return path


def load(folder: Path) -> StrokePrograms:
    """A folder's strokes.npz (arrays only: nothing in it is unpickled)."""
    path = Path(folder) / FILE if Path(folder).is_dir() else Path(folder)
    if not path.is_file():
        raise UsageError(f"strokes: {path} not found (make it with: spiral dataset strokes {folder})")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return StrokePrograms(
                images=arrays["images"], actions={k: arrays[f"action_{k}"] for k in COMPONENTS},
                source=arrays["source"], test=arrays["test"], names=arrays["names"], points=arrays["points"],
                stroke_starts=arrays["stroke_starts"], drawing_starts=arrays["drawing_starts"],
                brush=str(arrays["brush"]),
            )
    except (KeyError, ValueError, OSError) as error:
        raise UsageError(f"strokes: {path} is not a stroke-program file ({error})") from None


def split(programs: StrokePrograms, name: str) -> StrokePrograms:
    """The 'train' or 'test' drawings."""
    return programs.subset(programs.test == (name == "test"))
