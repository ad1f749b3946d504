"""Fitting quadratic Bezier curves to a pen path, splitting it where one curve strays too far."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

Segment = tuple[np.ndarray, np.ndarray]  # (control, end): each curve starts where the previous ended


def smooth(path: np.ndarray, radius: int = 2) -> np.ndarray:
    """A moving average along the path (ends fixed, loops kept closed): takes out the
    staircase of skeleton pixels before curves are fitted."""
    if len(path) <= 2 * radius + 1:
        return path
    kernel = np.ones(2 * radius + 1) / (2 * radius + 1)
    padded = np.concatenate([np.repeat(path[:1], radius, 0), path, np.repeat(path[-1:], radius, 0)])
    result = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(2)], axis=1)
    result[0], result[-1] = path[0], path[-1]
    return result


def fit_segments(path: np.ndarray, tolerance: float) -> list[Segment]:
    """(control, end) of quadratic curves through the path: split where the chord is farthest
    from the path until each curve keeps within the tolerance."""
    control, error = fit_quadratic(path)
    if error <= tolerance or len(path) <= 3:
        return [(control, path[-1])]
    chord = path[-1] - path[0]
    length = np.linalg.norm(chord)
    offsets = path - path[0]
    cross = chord[0] * offsets[:, 1] - chord[1] * offsets[:, 0]
    distance = np.abs(cross) / length if length > 1e-6 else np.linalg.norm(offsets, axis=1)
    split = int(np.argmax(distance[1:-1])) + 1
    return fit_segments(path[: split + 1], tolerance) + fit_segments(path[split:], tolerance)


def fit_quadratic(path: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares control point of the quadratic from the path's first to its last point
    (parametrised by arc length), and the farthest a path point lies from the curve."""
    arc = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]
    t = (arc / arc[-1] if arc[-1] > 0 else np.linspace(0, 1, len(path)))[:, None]
    start, end = path[0], path[-1]
    weight = 2 * t * (1 - t)
    residual = path - (1 - t) ** 2 * start - t**2 * end
    control = (weight * residual).sum(0) / (weight**2).sum() if (weight**2).sum() > 1e-9 else (start + end) / 2
    samples = max(8, min(200, int(arc[-1])))
    s = np.linspace(0, 1, samples)[:, None]
    curve = (1 - s) ** 2 * start + 2 * s * (1 - s) * control + s**2 * end
    return control, float(np.sqrt(((path[:, None] - curve[None]) ** 2).sum(-1).min(1).max()))  # sqrt once: it is monotone


def centred(path: np.ndarray, ink: np.ndarray, width: float) -> np.ndarray:
    """Each point moved across the line to the ink's centre of mass there (sub-pixel: a
    skeleton sits on whole pixels, half a pixel off for an even width). Moves are capped at
    a quarter width, so a crossing line's ink cannot pull a point off its own."""
    if len(path) < 3:
        return path
    tangent = np.gradient(path, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    offsets = np.linspace(-0.75 * width, 0.75 * width, max(5, int(1.5 * width) * 2 + 1))
    samples = path[:, None, :] + offsets[None, :, None] * normal[:, None, :]
    values = ndimage.map_coordinates(ink, samples.reshape(-1, 2).T, order=1, mode="constant").reshape(samples.shape[:2])
    mass = values.sum(1)
    shift = (values * offsets[None]).sum(1) / np.maximum(mass, 1e-6)
    shift = np.clip(np.where(mass > 1e-3, shift, 0.0), -width / 4, width / 4)
    return path + shift[:, None] * normal


def extended(path: np.ndarray, ink: np.ndarray, width: float, level: float) -> np.ndarray:
    """The path with each end moved out to where a round pen's cap would meet the end of
    the ink: thinning stops short of a wide line's tip. At most half a width per end."""
    if len(path) < 2:
        return path
    reach = max(2, int(round(width)))
    ends = []
    for end, inner in ((path[0], path[min(reach, len(path) - 1)]), (path[-1], path[max(-reach - 1, -len(path))])):
        direction = end - inner
        direction = direction / max(float(np.linalg.norm(direction)), 1e-9)
        steps = np.arange(0.5, width + 0.5, 0.5)
        values = ndimage.map_coordinates(ink, (end[None] + steps[:, None] * direction[None]).T, order=1, mode="constant")
        inside = np.nonzero(values < level / 2)[0]
        tip = steps[inside[0]] if len(inside) else steps[-1]
        ends.append(end + direction * float(np.clip(tip - width / 2, 0.0, width / 2)))
    return np.concatenate([ends[0][None], path, ends[1][None]])
