"""A centerline tracer for the paint environment: skeletonise the ink, follow it as a pen
would (on through a junction in the straightest direction), fit quadratic strokes on the
action grid, then pick the pen size and pressure whose render is closest to the image.
A teacher for training (`spiral train --trace F`): labels for real images at a fraction of
the cost of search, and always the same labels for the same image."""

from __future__ import annotations

import itertools

import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize

from spiral_cli.envs.paint import PaintConfig, PaintVectorEnv
from spiral_cli.parsing.search import ink

NEIGHBOURS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
INK_THRESHOLD = 0.5
MIN_PATH = 3  # skeleton pixels: shorter branches are spurs of the thinning, not strokes
TOLERANCE = 1.0  # px a fitted stroke may stray from the skeleton before it is split
TURN_MEMORY = 0.6  # how much of the heading carries over per pixel: smooths pixel zigzags
PRESSURE_SHARES = (0.3, 0.5, 0.7, 1.0)  # of the pressure levels, tried per image


def trace_episodes(images: np.ndarray, config: PaintConfig) -> list[list[dict]]:
    """Actions of one episode per grayscale image (N, H, W, 1) uint8 on white paper."""
    traced = [_trace(image[..., 0], config) for image in images]
    styles = _styles(config)
    errors = []
    for size, pressure in styles:
        episodes = [[dict(a, size=s[size], pressure=pressure) for a in actions] for actions, s in traced]
        _, canvases = render_episodes(episodes, config)
        errors.append(((ink(canvases) - ink(images)) ** 2).reshape(len(images), -1).mean(1))
    best = np.argmin(np.array(errors), axis=0)
    return [
        [dict(a, size=sizes[styles[b][0]], pressure=styles[b][1]) for a in actions]
        for (actions, sizes), b in zip(traced, best)
    ]


def _styles(config: PaintConfig) -> list[tuple[int, int]]:
    """(which of the two nearest pen sizes, pressure level) pairs to try."""
    levels = sorted({max(0, round(share * config.pressure_levels) - 1) for share in PRESSURE_SHARES})
    return list(itertools.product((0, 1), levels))


def _trace(image: np.ndarray, config: PaintConfig) -> tuple[list[dict], tuple[int, int]]:
    """Flag, end and control of each step, and the two pen sizes nearest the stroke width."""
    mask = 1.0 - image / 255.0 > INK_THRESHOLD
    skeleton = skeletonize(mask)
    paths = _paths(skeleton)
    width = 2.0 * float(np.median(ndimage.distance_transform_edt(mask)[skeleton])) if skeleton.any() else 1.0
    widths = np.array(config.brush_sizes) * config.canvas / 64
    sizes = tuple(int(i) for i in sorted(np.argsort(np.abs(widths - width))[:2]))
    return _fit_program(paths, config), sizes


def _paths(skeleton: np.ndarray) -> list[np.ndarray]:
    """Pen paths over the skeleton's pixels, in drawing order: each starts at the top-most
    free end (or, for a closed loop, its top-most pixel) and goes on while ink is left."""
    pixels = {tuple(p) for p in np.argwhere(skeleton)}
    neighbours = {p: [(p[0] + dy, p[1] + dx) for dy, dx in NEIGHBOURS if (p[0] + dy, p[1] + dx) in pixels]
                  for p in pixels}
    used: set[tuple] = set()
    free = lambda p: [q for q in neighbours[p] if (min(p, q), max(p, q)) not in used]
    paths = []
    while True:
        open_pixels = [p for p in pixels if free(p)]
        if not open_pixels:
            return paths
        ends = [p for p in open_pixels if len(free(p)) == 1]
        path = _follow(min(ends or open_pixels), free, neighbours, used)
        if len(path) >= MIN_PATH:
            paths.append(np.array(path, dtype=float))


def _follow(start, free, neighbours, used: set) -> list[tuple]:
    path, current, heading = [start], start, None
    while options := free(current):
        if heading is None:  # first move: prefer an edge neighbour to a diagonal one
            step = min(options, key=lambda q: (abs(q[0] - current[0]) + abs(q[1] - current[1]), q))
        else:
            step = max(options, key=lambda q: float(_unit(np.subtract(q, current)) @ heading))
        for q in options:  # the corners of a diagonal step would otherwise be walked again
            if q == step or q in neighbours[step]:
                used.update({(min(current, q), max(current, q)), (min(q, step), max(q, step))})
        direction = _unit(np.subtract(step, current))
        heading = direction if heading is None else _unit(TURN_MEMORY * heading + (1 - TURN_MEMORY) * direction)
        path.append(step)
        current = step
    return path


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / max(np.linalg.norm(v), 1e-9)


def _fit_program(paths: list[np.ndarray], config: PaintConfig) -> list[dict]:
    """A jump to each path's start, then its strokes; looser fits, then fewer (longest kept)
    paths, until it fits the episode; no-op jumps fill the rest."""
    tolerance, kept = TOLERANCE, list(paths)
    while True:
        pieces = [(path, _segments(path, tolerance)) for path in kept]
        if sum(1 + len(segments) for _, segments in pieces) <= config.episode_length:
            break
        if tolerance < 8 * TOLERANCE:
            tolerance *= 1.5
        else:
            kept.remove(min(kept, key=len))
    actions = []
    for path, segments in pieces:
        actions.append(_action(config, 0, path[0], path[0]))
        actions += [_action(config, 1, end, control) for control, end in segments]
    rest = actions[-1] if actions else _action(config, 0, np.zeros(2), np.zeros(2))
    actions += [dict(rest, flag=0, control=rest["end"])] * (config.episode_length - len(actions))
    return actions


def _segments(path: np.ndarray, tolerance: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """(control, end) of quadratic curves through the path: split where the chord is farthest
    from the path until each curve keeps within the tolerance."""
    control, error = _fit_quadratic(path)
    if error <= tolerance or len(path) <= 3:
        return [(control, path[-1])]
    chord = path[-1] - path[0]
    length = np.linalg.norm(chord)
    offsets = path - path[0]
    cross = chord[0] * offsets[:, 1] - chord[1] * offsets[:, 0]
    distance = np.abs(cross) / length if length > 1e-6 else np.linalg.norm(offsets, axis=1)
    split = int(np.argmax(distance[1:-1])) + 1
    return _segments(path[: split + 1], tolerance) + _segments(path[split:], tolerance)


def _fit_quadratic(path: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares control point of the quadratic from the path's first to its last point
    (parametrised by arc length), and the farthest a path point lies from the curve."""
    arc = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]
    t = (arc / arc[-1] if arc[-1] > 0 else np.linspace(0, 1, len(path)))[:, None]
    start, end = path[0], path[-1]
    weight = 2 * t * (1 - t)
    residual = path - (1 - t) ** 2 * start - t**2 * end
    control = (weight * residual).sum(0) / (weight**2).sum() if (weight**2).sum() > 1e-9 else (start + end) / 2
    s = np.linspace(0, 1, 50)[:, None]
    curve = (1 - s) ** 2 * start + 2 * s * (1 - s) * control + s**2 * end
    return control, float(np.sqrt(((path[:, None] - curve[None]) ** 2).sum(-1)).min(1).max())


def _action(config: PaintConfig, flag: int, end, control) -> dict:
    """Skeleton pixel (row, column) to the nearest grid cell; a pixel's centre is at +0.5."""
    unit = config.canvas / config.grid
    cell = lambda p: int(np.clip(round((p[0] + 0.5) / unit), 0, config.grid - 1)) * config.grid + int(
        np.clip(round((p[1] + 0.5) / unit), 0, config.grid - 1))
    return {"flag": flag, "end": cell(end), "control": cell(control)}


def render_episodes(episodes: list[list[dict]], config: PaintConfig):
    """The stroke programs and final canvases of whole episodes."""
    envs = PaintVectorEnv(len(episodes), **config.to_dict())
    observation, _ = envs.reset()
    for t in range(config.episode_length):
        observation, *_ = envs.step({k: np.array([e[t][k] for e in episodes]) for k in episodes[0][t]})
    return envs.programs, observation["canvas"]

