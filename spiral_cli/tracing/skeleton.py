"""Centre lines of ink as pen paths: skeletonise, cut the skeleton into branches between
junctions, drop the short spurs thinning leaves, then chain branches through each junction
where one continues the other: straight on by default, the way a pen crosses an X or runs
along a T's bar, or as a learned pairing says (`tracing/junctions.py`)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize

OFFSETS = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx])
STRAIGHT_ENOUGH = np.cos(np.radians(50))  # two branches continue each other when they turn less than this
CUSP_OPPOSED = np.cos(np.radians(110))  # a cusp's spike turns at least this far from both its neighbours
# a junction's arms (paths leading out of it) and whether each ends freely -> (m, m) scores of
# each pair continuing each other, and the score below which arms are not joined
Pairing = Callable[[list[np.ndarray], list[bool]], tuple[np.ndarray, float]]


def skeleton_paths(mask: np.ndarray, spur: float = 3.0, min_length: float = 2.0, cusp: float = 0.0,
                   pairing: Pairing | None = None) -> list[np.ndarray]:
    """Pen paths, (n, 2) float (row, column) arrays, over the skeleton of a boolean mask
    (`skeleton_branches`), chained through junctions by `pairing` (default `straight_on`);
    paths shorter than `min_length` px are left out."""
    branches, graph = skeleton_branches(mask, spur, cusp)
    paths = _chain(branches, graph, pairing or straight_on(_reach(spur)))
    return [p for p in paths if path_length(p) >= min_length]


def skeleton_branches(mask: np.ndarray, spur: float = 3.0, cusp: float = 0.0) -> tuple[list, _Graph]:
    """The skeleton's branches between its nodes, (start node, end node, pixel path), and its
    graph. Branches shorter than `spur` px that end freely at a junction are thinning
    artefacts; a free branch up to `cusp` px long at a three-way junction is a cusp the pen
    goes out to and back from (the middle of a 3, the top of an r's stem)."""
    skeleton = skeletonize(mask)
    graph = _Graph(skeleton)
    branches = graph.branches()
    branches = _prune_spurs(branches, graph, spur)
    branches = _merge_close_junctions(branches, graph, spur)
    branches = _fold_cusps(branches, graph, cusp, reach=_reach(spur))
    return branches, graph


def straight_on(reach: float) -> Pairing:
    """Branches continue each other through a junction when they turn least, and by less
    than 50 degrees where more than two meet (their directions over `reach` px)."""
    def pairing(arms: list[np.ndarray], free: list[bool]) -> tuple[np.ndarray, float]:
        directions = np.array([outward(arm, 0, reach) for arm in arms])
        return -directions @ directions.T, STRAIGHT_ENOUGH
    return pairing


def junction_arms(branches, graph: _Graph) -> list[tuple[list[tuple[int, int]], list[np.ndarray], list[bool]]]:
    """Per junction: its (branch, end) members, their paths leading out of the junction, and
    whether each ends freely at its other end."""
    out = []
    for members in _junction_ends(branches, graph).values():
        arms = [branches[i][2] if side == 0 else branches[i][2][::-1] for i, side in members]
        free = [not graph.is_junction(branches[i][1 - side]) for i, side in members]
        out.append((members, arms, free))
    return out


def _reach(spur: float) -> float:
    return max(3.0, spur)


class _Graph:
    """Skeleton pixels, their 8-neighbours, and nodes: ends (one neighbour) and junctions
    (clusters of pixels with three or more)."""

    def __init__(self, skeleton: np.ndarray):
        self.pixels = np.argwhere(skeleton)
        index = np.full(np.add(skeleton.shape, 2), -1, np.int64)
        index[self.pixels[:, 0] + 1, self.pixels[:, 1] + 1] = np.arange(len(self.pixels))
        around = self.pixels[:, None, :] + 1 + OFFSETS[None]
        neighbours = index[around[..., 0], around[..., 1]]  # (P, 8), -1 where none
        self.neighbours = [row[row >= 0] for row in neighbours]
        degree = (neighbours >= 0).sum(1)
        junction = np.zeros(skeleton.shape, bool)
        junction[tuple(self.pixels[degree >= 3].T)] = True
        labels, count = ndimage.label(junction, structure=np.ones((3, 3)))
        # node id per pixel: junction clusters 0..count-1, ends and isolated dots after them, -1 inside branches
        self.node = np.full(len(self.pixels), -1, np.int64)
        self.node[degree >= 3] = labels[tuple(self.pixels[degree >= 3].T)] - 1
        loose = np.nonzero(degree <= 1)[0]
        self.node[loose] = count + np.arange(len(loose))
        self.junctions = count

    def is_junction(self, node: int) -> bool:
        return 0 <= node < self.junctions

    def branches(self) -> list[tuple[int, int, np.ndarray]]:
        """(start node, end node, pixel path) of every branch; closed loops without a node
        have node -1 at both ends."""
        seen = np.zeros(len(self.pixels), bool)
        walked_pairs: set[tuple[int, int]] = set()
        branches = []
        for start in np.nonzero(self.node >= 0)[0]:
            if not len(self.neighbours[start]):
                branches.append((self.node[start], self.node[start], self.pixels[[start]].astype(float)))
                continue
            for first in self.neighbours[start]:
                if self.node[first] == self.node[start] or seen[first] or (start, first) in walked_pairs:
                    continue
                path = self._walk(start, first, seen)
                walked_pairs.add((path[-1], path[-2]))
                branches.append((self.node[start], self.node[path[-1]], self.pixels[path].astype(float)))
        for start in np.nonzero(~seen & (self.node < 0))[0]:  # loops: every pixel has two neighbours
            if seen[start]:
                continue
            path = self._walk(start, self.neighbours[start][0], seen, loop=True)
            branches.append((-1, -1, self.pixels[path].astype(float)))
        return branches

    def _walk(self, start: int, current: int, seen: np.ndarray, loop: bool = False) -> list[int]:
        path, previous = [start, current], start
        seen[start] = loop or seen[start]
        while self.node[current] < 0:
            seen[current] = True
            options = [q for q in self.neighbours[current] if q != previous and not (seen[q] and self.node[q] < 0)]
            if not options:
                if loop:
                    path.append(start)  # close the loop
                break
            previous, current = current, min(options, key=lambda q: self._distance(current, q))
            path.append(current)
        return path

    def _distance(self, a: int, b: int) -> float:
        return float(np.abs(self.pixels[a] - self.pixels[b]).sum())  # edge neighbours before diagonal ones


def _prune_spurs(branches, graph: _Graph, spur: float):
    """Drop short branches from a junction to a free end (once: what remains is real)."""
    kept = []
    for a, b, path in branches:
        free = graph.is_junction(a) != graph.is_junction(b)
        if free and path_length(path) < spur:
            continue
        kept.append((a, b, path))
    return kept


def _merge_close_junctions(branches, graph: _Graph, length: float):
    """Two lines crossing at a shallow angle thin into two junctions joined by a short
    bridge: drop the bridge and make the two one junction, so each line can go straight on."""
    group = list(range(graph.junctions))

    def root(j: int) -> int:
        while group[j] != j:
            group[j] = group[group[j]]
            j = group[j]
        return j

    kept = []
    for a, b, path in branches:
        if graph.is_junction(a) and graph.is_junction(b) and a != b and path_length(path) < length:
            group[root(a)] = root(b)
        else:
            kept.append((a, b, path))
    rename = lambda node: root(node) if graph.is_junction(node) else node
    return [(rename(a), rename(b), path) for a, b, path in kept]


def _junction_ends(branches, graph: _Graph) -> dict[int, list[tuple[int, int]]]:
    """Junction -> the (branch, which end 0/1) that meet there."""
    ends: dict[int, list[tuple[int, int]]] = {}
    for i, (a, b, _) in enumerate(branches):
        for side, node in ((0, a), (1, b)):
            if graph.is_junction(node):
                ends.setdefault(node, []).append((i, side))
    return ends


def _fold_cusps(branches, graph: _Graph, cusp: float, reach: float):
    """At a junction of three branches, one of which ends freely within `cusp` px, fold that
    one into a neighbour as a there-and-back excursion: the pen draws the three in one line,
    where pairing straight branches would leave one over as a stroke of its own."""
    ends = _junction_ends(branches, graph)
    folded: dict[int, int] = {}  # cusp branch -> the branch it is folded into
    branches = list(branches)
    for members in ends.values():
        indices = [i for i, _ in members]
        if len(members) != 3 or len(set(indices)) != 3 or any(i in folded or i in folded.values() for i in indices):
            continue
        free = [(i, side) for i, side in members
                if not graph.is_junction(branches[i][1 - side]) and path_length(branches[i][2]) <= cusp]
        if not free:
            continue
        spike, spike_side = min(free, key=lambda m: path_length(branches[m[0]][2]))
        others = [m for m in members if m[0] != spike]
        direction = lambda m: outward(branches[m[0]][2], m[1], reach)
        if any(direction((spike, spike_side)) @ direction(m) > CUSP_OPPOSED for m in others):
            continue  # a spike that points along a neighbour is a branch of its own (a T's stem)
        host, host_side = others[0]
        out = branches[spike][2] if spike_side == 0 else branches[spike][2][::-1]  # from the junction to the tip
        a, b, path = branches[host]
        there_and_back = np.concatenate([out, out[-2::-1]])
        path = np.concatenate([there_and_back[::-1], path]) if host_side == 0 else np.concatenate([path, there_and_back])
        branches[host] = (a, b, path)
        folded[spike] = host
    return [branch for i, branch in enumerate(branches) if i not in folded]


def _chain(branches, graph: _Graph, pairing: Pairing) -> list[np.ndarray]:
    """Join branches at junctions where one continues the other (best-scored pairs first;
    where more than two meet, only pairs that score above the pairing's threshold). A loop
    that leaves a junction and comes back to it is entered and left there by the pen: its
    ends are paired first, whatever their scores (the loop of a 2 is not a stroke of its own)."""
    partner: dict[tuple[int, int], tuple[int, int]] = {}
    for members, arms, free in junction_arms(branches, graph):
        # two arms always run on into each other: only a real junction is scored
        scores, threshold = pairing(arms, free) if len(members) > 2 else (np.zeros((len(members),) * 2), 0.0)
        indices = [i for i, _ in members]
        loop = [indices.count(i) == 2 for i in indices]
        pairs = sorted(((loop[x] or loop[y], float(scores[x, y]), x, y)
                        for x in range(len(members)) for y in range(x + 1, len(members))), reverse=True)
        taken: set[int] = set()
        for looped, score, x, y in pairs:
            if x in taken or y in taken or members[x][0] == members[y][0]:
                continue
            if score < threshold and len(members) > 2 and not looped:
                break
            partner[members[x]], partner[members[y]] = members[y], members[x]
            taken.update((x, y))
    used = [False] * len(branches)
    paths = []
    # chains from free ends first, then what is left are loops through junctions
    starts = [(i, side) for i in range(len(branches)) for side in (0, 1) if (i, side) not in partner]
    for i, side in starts + [(i, 0) for i in range(len(branches))]:
        if used[i]:
            continue
        pieces, current = [], (i, side)
        while current is not None and not used[current[0]]:
            index, entry = current
            used[index] = True
            path = branches[index][2]
            pieces.append(path if entry == 0 else path[::-1])
            current = partner.get((index, 1 - entry))
        paths.append(np.concatenate(pieces))
    return paths


def outward(path: np.ndarray, side: int, reach: float) -> np.ndarray:
    """Unit direction of a branch leaving its end `side`, over about `reach` px."""
    oriented = path if side == 0 else path[::-1]
    steps = np.linalg.norm(np.diff(oriented, axis=0), axis=1)
    arc = np.r_[0.0, np.cumsum(steps)]
    far = oriented[min(int(np.searchsorted(arc, reach)), len(oriented) - 1)]
    vector = far - oriented[0]
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def path_length(path: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum()) if len(path) > 1 else 0.0


def split_at_cusps(path: np.ndarray) -> list[np.ndarray]:
    """A path cut at the tips of its folded cusps (where it turns straight back over itself),
    each piece ending at the tip, so smoothing cannot round a tip off nor keep it from
    reaching the end of the ink."""
    turns = [i for i in range(1, len(path) - 1) if np.array_equal(path[i - 1], path[i + 1])]
    bounds = [0, *turns, len(path) - 1]
    return [path[a:b + 1] for a, b in itertools.pairwise(bounds)]


def drawing_order(paths: list[np.ndarray]) -> list[np.ndarray]:
    """Paths in the order a pen would take them: first the one that reaches highest (then
    leftmost), started from that end; then always the nearest end to where the pen lifted."""
    remaining = list(paths)
    ordered: list[np.ndarray] = []
    pen = None
    while remaining:
        if pen is None:
            index = min(range(len(remaining)), key=lambda i: min(tuple(remaining[i][0]), tuple(remaining[i][-1])))
            path = remaining.pop(index)
            ordered.append(path if tuple(path[0]) <= tuple(path[-1]) else path[::-1])
        else:
            gaps = [(min(np.linalg.norm(p[0] - pen), np.linalg.norm(p[-1] - pen)), i) for i, p in enumerate(remaining)]
            path = remaining.pop(min(gaps)[1])
            ordered.append(path if np.linalg.norm(path[0] - pen) <= np.linalg.norm(path[-1] - pen) else path[::-1])
        pen = ordered[-1][-1]
    return ordered
