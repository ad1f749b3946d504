"""The centerline tracer on the paint environment's action grid: the skeleton's pen paths
(`tracing.skeleton`) fitted with quadratic strokes on the grid, then the pen size and
pressure whose render is closest to the image.
A teacher for training (`spiral train --trace F`): labels for real images at a fraction of
the cost of search, and always the same labels for the same image."""

from __future__ import annotations

import itertools

import numpy as np
from scipy import ndimage

from spiral_cli.envs.paint import PaintConfig, PaintVectorEnv
from spiral_cli.painting.painter import ink
from spiral_cli.tracing.curves import fit_segments, smooth
from spiral_cli.tracing.skeleton import drawing_order, skeleton_paths

INK_THRESHOLD = 0.5
MIN_PATH = 2.0  # px: shorter paths are specks, not strokes
TOLERANCE = 1.0  # px a fitted stroke may stray from the skeleton before it is split
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
    paths = drawing_order([smooth(p, 1) for p in skeleton_paths(mask, min_length=MIN_PATH)])
    centre = np.concatenate(paths).round().astype(int) if paths else np.zeros((0, 2), int)
    width = 2.0 * float(np.median(ndimage.distance_transform_edt(mask)[tuple(centre.T)])) if len(centre) else 1.0
    widths = np.array(config.brush_sizes) * config.canvas / 64
    sizes = tuple(int(i) for i in sorted(np.argsort(np.abs(widths - width))[:2]))
    return _fit_program(paths, config), sizes


def _fit_program(paths: list[np.ndarray], config: PaintConfig) -> list[dict]:
    """Looser fits, then fewer (longest kept) paths at the loosest fit, until the paths fit the episode."""
    kept, loosest = list(paths), 8 * TOLERANCE
    actions = fit_program(kept, config, loosest=loosest)
    while actions is None:
        kept.remove(min(kept, key=len))
        actions = fit_program(kept, config, tolerance=loosest, loosest=loosest)
    return actions


def fit_program(paths: list[np.ndarray], config: PaintConfig, tolerance: float = TOLERANCE,
                loosest: float = 8 * TOLERANCE) -> list[dict] | None:
    """A jump to each (row, column) path's start, then its strokes, fitted ever more loosely
    up to `loosest` px until they fit the episode (None if they never do); no-op jumps fill
    the rest."""
    while True:
        pieces = [(path, fit_segments(path, tolerance)) for path in paths]
        if sum(1 + len(segments) for _, segments in pieces) <= config.episode_length:
            break
        if tolerance >= loosest:
            return None
        tolerance *= 1.5
    actions = []
    for path, segments in pieces:
        actions.append(_action(config, 0, path[0], path[0]))
        actions += [_action(config, 1, end, control) for control, end in segments]
    rest = actions[-1] if actions else _action(config, 0, np.zeros(2), np.zeros(2))
    actions += [dict(rest, flag=0, control=rest["end"])] * (config.episode_length - len(actions))
    return actions


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

