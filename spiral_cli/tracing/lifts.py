"""Where people lift the pen at a corner of a centre line.

A skeleton runs on through every corner, but people do not: a kanji's strokes end at most of
its corners, an Omniglot character's at few, a digit's at almost none. Which corners end a
stroke is learned: a small network over each corner's geometry (how sharply and which way it
turns, how long its arms are, how much line and how many paths are near it), fitted to where
people's recorded strokes start and end (`tools/train_lifts.py`, on the training split of
`spiral dataset strokes`; the weights are `checkpoints/lifts`)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from spiral_cli.tracing.decider import Decider, fit_decider, load_decider

WEIGHTS = Path(__file__).resolve().parents[2] / "checkpoints" / "lifts" / "lifts.safetensors"
SHARPEST_SMOOTH = 45.0  # degrees: a centre line turning less than this has no corner there
REACH = 1.5  # line widths either side of a point over which its turn is measured
JUMP = 1.5  # px: a longer step of a skeleton path crosses merged junctions
NEIGHBOURHOOD = 8.0  # line widths around a corner whose lines say how busy the glyph is there
FEATURES = 13  # turn (cos, sin), arm directions in and out, arm lengths, lines and paths nearby, arms' and glyph's straightness
STRAIGHT_REACH = 4.0  # line widths of each arm whose straightness is measured
LIFT = 0.7  # the probability above which the pen is lifted. Mean count error on validation drawings
# (Omniglot, kanji, sheep) at 0.5: 0.563, 0.434, 2.110; 0.6: 0.538, 0.432, 2.163; 0.7: 0.534, 0.446,
# 2.220; 0.8: 0.536, 0.477, 2.314. Not 0.6: there a ruler-drawn square splits into its four sides


class LiftModel(Decider):
    """Probability that people lift the pen at a corner, from its features."""

    def __init__(self):
        super().__init__(FEATURES)


def fit_lifts(features: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None, epochs: int = 3000,
              seed: int = 0) -> LiftModel:
    return fit_decider(LiftModel(), features, labels, weights, epochs, seed)


def load_lifts(path: Path = WEIGHTS) -> Decider:
    return load_decider(path, FEATURES, "tools/train_lifts.py")


def corners(paths: list[np.ndarray], width: float) -> tuple[list[tuple[int, int]], np.ndarray]:
    """(path, point) of every corner of the (row, column) paths, and their features (n, FEATURES):
    the points where a path turns sharpest and more than SHARPEST_SMOOTH degrees, measured
    over REACH line widths either side (not at a folded cusp, where the pen turns back on
    purpose), at least that far from an end and from each other. Directions are taken as a
    pen runs the path from its upper end (how people write, and how drawing_order starts)."""
    reach = REACH * width
    points = np.concatenate(paths) if paths else np.zeros((0, 2))
    glyph = _straight_share(paths, reach)
    owners = np.concatenate([np.full(len(p), k) for k, p in enumerate(paths)]) if paths else np.zeros(0)
    places, features = [], []
    for index, path in enumerate(paths):
        forward = tuple(path[0]) <= tuple(path[-1])
        oriented = path if forward else path[::-1]
        arc = _arc(oriented)
        turns = _turns(oriented, arc, reach)
        taken: list[float] = []
        for i in np.argsort(-turns, kind="stable"):
            if turns[i] <= SHARPEST_SMOOTH:
                break
            if any(abs(arc[i] - a) < reach for a in taken):
                continue
            taken.append(arc[i])
            angle = np.radians(turns[i])
            before, after = _direction(oriented, arc, i, -reach), _direction(oriented, arc, i, reach)
            near = np.linalg.norm(points - oriented[i], axis=1) < NEIGHBOURHOOD * width
            places.append((index, int(i) if forward else len(path) - 1 - int(i)))
            features.append([np.cos(angle), np.sin(angle), *before, *after,
                             np.log1p(arc[i] / width), np.log1p((arc[-1] - arc[i]) / width),
                             np.log1p(near.sum() / width), np.log1p(len(np.unique(owners[near]))),
                             _straightness(oriented, arc, i, -STRAIGHT_REACH * width),
                             _straightness(oriented, arc, i, STRAIGHT_REACH * width), glyph])
    return places, np.array(features, np.float32).reshape(-1, FEATURES)


def lifted(paths: list[np.ndarray], width: float, model: Decider | None = None,
           threshold: float = LIFT) -> list[np.ndarray]:
    """The paths cut at the corners where the model says people lift the pen."""
    places, features = corners(paths, width)
    if not places:
        return paths
    lift = (model or load_lifts()).probabilities(features) > threshold
    cuts: dict[int, list[int]] = {}
    for (index, point), chosen in zip(places, lift):
        if chosen:
            cuts.setdefault(index, []).append(point)
    out = []
    for index, path in enumerate(paths):
        bounds = [0, *sorted(cuts.get(index, [])), len(path) - 1]
        out += [path[a:b + 1] for a, b in itertools.pairwise(bounds) if b > a]
    return out


def corner_labels(paths: list[np.ndarray], places: list[tuple[int, int]], ends: np.ndarray, width: float) -> np.ndarray:
    """1 where a person's stroke starts or ends within a line width (at least 2 px) of the
    corner; `ends` (m, 2) in canvas (x, y), the paths in pixel (row, column)."""
    if not len(places):
        return np.zeros(0, np.float32)
    points = np.array([paths[i][j][::-1] + 0.5 for i, j in places])
    if not len(ends):
        return np.zeros(len(points), np.float32)
    distance = np.linalg.norm(points[:, None] - ends[None], axis=-1).min(1)
    return (distance <= max(2.0, width)).astype(np.float32)


def _arc(path: np.ndarray) -> np.ndarray:
    return np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))] if len(path) > 1 else np.zeros(1)


def _turns(path: np.ndarray, arc: np.ndarray, reach: float) -> np.ndarray:
    """Degrees the path turns at each point, between the chords reach px back and ahead; 0
    within reach of an end, of a folded cusp's tip (where the pen turns back on purpose) and
    of a jump across merged junctions (where two lines cross, not a corner)."""
    back = path - path[np.searchsorted(arc, arc - reach)]
    ahead = path[np.minimum(np.searchsorted(arc, arc + reach), len(path) - 1)] - path
    norms = np.linalg.norm(back, axis=1) * np.linalg.norm(ahead, axis=1)
    cosine = (back * ahead).sum(1) / np.maximum(norms, 1e-9)
    turns = np.where(norms > 0, np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))), 0.0)
    turns[(arc < reach) | (arc[-1] - arc < reach)] = 0.0
    tips = np.flatnonzero((path[:-2] == path[2:]).all(1)) + 1 if len(path) > 2 else []
    jumps = np.flatnonzero(np.diff(arc) > JUMP)
    for place in [*(arc[t] for t in tips), *(arc[j:j + 2].mean() for j in jumps)]:
        turns[np.abs(arc - place) < reach] = 0.0
    return turns


def _direction(path: np.ndarray, arc: np.ndarray, i: int, reach: float) -> np.ndarray:
    """Unit (x, y) direction of the arm reach px back (< 0) or ahead (> 0) of point i, as the pen travels."""
    j = np.searchsorted(arc, arc[i] + reach)
    j = int(np.clip(j, 0, len(path) - 1))
    vector = (path[i] - path[j]) if reach < 0 else (path[j] - path[i])
    vector = vector[::-1]  # (row, column) -> (x, y)
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _straightness(path: np.ndarray, arc: np.ndarray, i: int, reach: float) -> float:
    """Chord over arc length of the arm reach px back (< 0) or ahead (> 0) of point i: 1 when straight."""
    j = int(np.clip(np.searchsorted(arc, arc[i] + reach), 0, len(path) - 1))
    a, b = sorted((i, j))
    length = arc[b] - arc[a]
    return float(np.linalg.norm(path[b] - path[a]) / length) if length > 0 else 1.0


def _straight_share(paths: list[np.ndarray], reach: float) -> float:
    """Share of the glyph's centre-line points where it runs straight (turns under 15 degrees)."""
    arcs = [(p, _arc(p)) for p in paths if len(p) > 2]
    inner = (np.concatenate([_turns(p, a, reach)[(a >= reach) & (a[-1] - a >= reach)] for p, a in arcs])
             if arcs else np.zeros(0))
    return float((inner < 15).mean()) if len(inner) else 1.0
