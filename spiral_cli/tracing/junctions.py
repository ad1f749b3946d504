"""Which branches people's strokes run on through at a junction of the centre lines.

Where lines meet, the skeleton branches; the tracer joins two branches into one stroke where
a pen would run on from one into the other. Turning least is not always it: thinning bends a
line's skeleton as it nears a junction (a horizontal bar crossed by a trunk and two falling
strokes, as in 禾, looks straighter joined to a falling stroke over the last few pixels), and
which lines run on through a crossing is a habit of the script. So the choice is learned: a
small network over each pair of arms at a junction (their directions near the junction and a
few line widths out, how straight the pair is at both scales and whether it is each arm's
straightest, the arms' lengths and whether they end freely, how many lines meet), fitted to
where people's recorded strokes run on (`tools/train_junctions.py`, on the training split of
`spiral dataset strokes`; the weights are `checkpoints/junctions`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spiral_cli.tracing.decider import Decider, fit_decider, load_decider
from spiral_cli.tracing.skeleton import Pairing, outward, path_length

WEIGHTS = Path(__file__).resolve().parents[2] / "checkpoints" / "junctions" / "junctions.safetensors"
FEATURES = 17
NEAR, FAR = 1.0, 3.0  # line widths (at least 3 px) over which an arm's direction is measured
RUN_ON = 0.25  # the probability above which two arms are one stroke: chosen on the validation share
# (first 400 of each; count error Omniglot, kanji: straight on 0.395, 0.527; 0.15: 0.372, 0.517; 0.2: 0.375,
# 0.510; 0.25: 0.375, 0.507; 0.3: 0.380, 0.497; 0.4: 0.395,
# 0.497; 0.5: 0.417, 0.497; 0.6: 0.448, 0.510; and the tracer on 1,000 MNIST validation digits draws
# 0.79 of the 2s in one stroke straight on, 0.77 at 0.15, 0.74 at 0.2 and 0.25, 0.72 at 0.3)
PROBE = 2.0  # line widths out along each arm where a person's stroke is looked for


class JunctionModel(Decider):
    """Probability that a person's stroke runs on from one arm of a junction into another."""

    def __init__(self):
        super().__init__(FEATURES)


def fit_junctions(features: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None,
                  epochs: int = 3000, seed: int = 0) -> JunctionModel:
    return fit_decider(JunctionModel(), features, labels, weights, epochs, seed)


def load_junctions(path: Path = WEIGHTS) -> Decider:
    return load_decider(path, FEATURES, "tools/train_junctions.py")


def learned_pairing(width: float, model: Decider | None = None) -> Pairing:
    """The tracer's pairing at junctions by the model (default: the shipped one): each pair
    scored both ways round and averaged."""
    def pairing(arms: list[np.ndarray], free: list[bool]) -> tuple[np.ndarray, float]:
        pairs, features = pair_features(arms, free, width)
        scores = np.zeros((len(arms), len(arms)))
        if pairs:
            x, y = np.array(pairs).T
            scores[x, y] = (model or load_junctions()).probabilities(features)
        return (scores + scores.T) / 2, RUN_ON
    return pairing


def pair_features(arms: list[np.ndarray], free: list[bool], width: float) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Every ordered pair (x, y) of a junction's arms (paths leading out of it, (row, column))
    and its features (n, FEATURES); directions are (x, y), lengths in line widths."""
    near, far = max(3.0, NEAR * width), max(3.0, FAR * width)
    d_near = np.array([outward(arm, 0, near) for arm in arms])[:, ::-1]
    d_far = np.array([outward(arm, 0, far) for arm in arms])[:, ::-1]
    straight_near, straight_far = -d_near @ d_near.T, -d_far @ d_far.T
    np.fill_diagonal(straight_far, -np.inf)
    best = straight_far.argmax(1)
    lengths = np.log1p(np.array([path_length(arm) for arm in arms]) / width)
    flags = np.array(free, np.float32)
    x, y = np.nonzero(~np.eye(len(arms), dtype=bool))
    features = np.column_stack([d_near[x], d_near[y], d_far[x], d_far[y], straight_near[x, y], straight_far[x, y],
                                best[x] == y, best[y] == x, lengths[x], lengths[y], flags[x], flags[y],
                                np.full(len(x), np.log(len(arms)))]).astype(np.float32)
    return list(zip(x.tolist(), y.tolist())), features.reshape(-1, FEATURES)


def pair_labels(arms: list[np.ndarray], pairs: list[tuple[int, int]], strokes: list[np.ndarray],
                width: float) -> np.ndarray:
    """1 where one of a person's strokes (canvas (x, y) polylines, points about 1 px apart)
    passes by both arms' probes (PROBE line widths out, or a third of a short arm) in one go:
    within a line width (at least 1.5 px) of each, and no farther along the stroke than the
    way through the junction."""
    probes, outs = [], []
    for arm in arms:
        arc = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(arm, axis=0), axis=1))]
        out = min(PROBE * width, arc[-1] / 3 if len(arm) > 1 else 0.0)
        probes.append(arm[min(int(np.searchsorted(arc, out)), len(arm) - 1)][::-1] + 0.5)
        outs.append(out)
    tolerance = max(1.5, width)
    labels = np.zeros(len(pairs), np.float32)
    for stroke in strokes:
        if len(stroke) < 2:
            continue
        along = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))]
        distances = np.linalg.norm(stroke[None] - np.array(probes)[:, None], axis=-1)  # (arms, points)
        nearest = distances.argmin(1)
        close = distances.min(1) <= tolerance
        for k, (x, y) in enumerate(pairs):
            way = outs[x] + outs[y] + 2 * width
            if close[x] and close[y] and abs(along[nearest[x]] - along[nearest[y]]) <= 1.5 * way:
                labels[k] = 1.0
    return labels
