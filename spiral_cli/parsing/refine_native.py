"""Refining a whole program at the drawing's own resolution by gradient descent on a
differentiable rasteriser written with torch (as diffvg and LIVE refine curves).

Each continuous stroke keeps its shape's topology: its ends, joints and control points move,
and its width changes, to bring the rasterised ink closest to the target. The rasteriser lays
ink like a round pen: full inside half the width of the curve, fading over one pixel at the
edge, and strokes over one another compose as paint does (ink = 1 - product of 1 - alpha).
Only the tiles each curve can reach are computed. The real renderer has the last word: the
refined program is kept only if libmypaint's render of it is closer to the target."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from spiral_cli.painting.calibration import size_for_width, width_of_size
from spiral_cli.painting.painter import ink, render_program
from spiral_cli.programs.model import StrokeProgram

TILE = 8  # px
SAMPLES = 8  # points along each curve
ITERATIONS = 10
POINT_RATE = 0.1  # px per Adam step
WIDTH_RATE = 0.05
WIDTH_FACTORS = (0.85, 0.92, 1.08)  # tried on every stroke's width at once
MAX_ELEMENTS = 8_000_000  # pixel x curve-piece distances per fit (memory: about 100 bytes each); more is fitted in parts


class _Adam:
    """Adam (Kingma and Ba 2015), by hand: torch.optim's first use imports torch's compiler,
    seconds of start-up that a one-image parse would pay."""

    def __init__(self, tensors, rates, betas=(0.9, 0.999), eps=1e-8):
        self.tensors, self.rates, self.betas, self.eps, self.count = tensors, rates, betas, eps, 0
        self.first = [torch.zeros_like(t) for t in tensors]
        self.second = [torch.zeros_like(t) for t in tensors]

    @torch.no_grad()
    def step(self, gradients) -> None:
        self.count += 1
        b1, b2 = self.betas
        for tensor, rate, m, v, g in zip(self.tensors, self.rates, self.first, self.second, gradients):
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            step = rate * math.sqrt(1 - b2 ** self.count) / (1 - b1 ** self.count)
            tensor.sub_(step * m / (v.sqrt() + self.eps))


@dataclass
class _Layout:
    """Where each curve's start, control and end live in the parameter tensors."""
    starts: torch.Tensor
    ends: torch.Tensor
    controls: torch.Tensor
    run_of: torch.Tensor  # (S,) which continuous stroke each curve belongs to


def refine_native(program: StrokeProgram, target_ink: np.ndarray,
                  iterations: int = ITERATIONS) -> tuple[StrokeProgram, np.ndarray]:
    """The program with its strokes fitted to target_ink (H, W) in [0, 1], each stroke
    refined only where libmypaint's render of it comes closer to the target; and that
    render's ink."""
    program, render = calibrated_widths(program, target_ink)
    refined = fit_strokes(program, target_ink, iterations)
    return keep_better_strokes(program, render, refined, target_ink)


def calibrated_widths(program: StrokeProgram, target_ink: np.ndarray) -> tuple[StrokeProgram, np.ndarray]:
    """Every stroke's size times the factor whose libmypaint render is closest to the target
    (the tracer's width is measured on the image; the pen's own edge decides the best one),
    and that render's ink."""
    best, best_render = program, _render(program)
    best_error = _error(best_render, target_ink)
    for factor in WIDTH_FACTORS:
        trial = program.with_actions([replace(a, size=a.size * factor) for a in program.actions])
        render = _render(trial)
        error = _error(render, target_ink)
        if error < best_error:
            best, best_render, best_error = trial, render, error
    return best, best_render


def _render(program: StrokeProgram) -> np.ndarray:
    return ink(render_program(program)[..., 0])


def _error(render: np.ndarray, target_ink: np.ndarray) -> float:
    return float(((render - target_ink) ** 2).sum())


def fit_strokes(program: StrokeProgram, target_ink: np.ndarray, iterations: int = ITERATIONS,
                point_rate: float = POINT_RATE, tile: int = TILE, samples: int = SAMPLES,
                pages: list[int] | None = None) -> StrokeProgram:
    """Gradient descent on the rasteriser: every point and width at once. Smaller tiles and
    fewer samples per curve suit short curves (glyphs at 64 px). With `pages` (one per
    continuous stroke), target_ink is a stack (N, H, W) of drawings fitted together, each
    stroke on its own page in that page's coordinates: a drawing's fit is the same whichever
    others share the stack (coordinates offset on one large page would round differently)."""
    runs = program.pen_strokes
    if not runs:
        return program
    stack = target_ink[None] if pages is None else target_ink
    points, controls, widths, layout = _parameters(runs, program.brush)
    page_of_curve = None if pages is None else torch.tensor(pages)[layout.run_of]
    pairs = _tile_pairs(points, controls, layout, widths, stack.shape[1:], tile, samples, page_of_curve)
    if pairs is None:  # too much at once for bounded memory: fitted in two parts, one after the other
        if len(runs) == 1:
            return program
        return _fit_in_parts(program, runs, target_ink, iterations, point_rate, tile, samples, pages)
    tile_of, curve_of, tiles, tile_pages = pairs
    target = _tiles(torch.from_numpy(stack.astype(np.float32)), tiles, tile_pages, tile)
    log_widths = widths.log()
    parameters = [(points, point_rate), (controls, point_rate), (log_widths, WIDTH_RATE)]
    for tensor, _ in parameters:
        tensor.requires_grad_(True)
    adam = _Adam([t for t, _ in parameters], [rate for _, rate in parameters])
    pixels = _pixel_centres(tiles, tile)
    for _ in range(iterations):
        model = rasterise(points, controls, log_widths.exp(), layout, tile_of, curve_of, pixels, len(tiles), samples)
        loss = ((model - target) ** 2).sum()
        adam.step(torch.autograd.grad(loss, adam.tensors))
    return _program(program, runs, points.detach(), controls.detach(), log_widths.detach().exp(), layout)


def _fit_in_parts(program: StrokeProgram, runs, target_ink: np.ndarray, iterations: int, point_rate: float,
                  tile: int, samples: int, pages: list[int] | None) -> StrokeProgram:
    """Each half fitted on its own, then the strokes put back in their order: a stack's
    drawings split in two (whole drawings, so that each is fitted as alone), a single page's
    strokes at the median of their starts along its longer spread."""
    if pages is not None and len(set(pages)) > 1:
        drawings = sorted(set(pages))
        first = set(drawings[: len(drawings) // 2])
        halves = [np.flatnonzero([p in first for p in pages]), np.flatnonzero([p not in first for p in pages])]
    else:
        starts = np.array([run[0].start for run in runs])
        axis = int(np.argmax(starts.max(0) - starts.min(0)))
        order = np.argsort(starts[:, axis], kind="stable")
        halves = [order[: len(order) // 2], order[len(order) // 2:]]
    fitted: dict[int, tuple] = {}
    for half in halves:
        part = fit_strokes(program.with_strokes([runs[i] for i in half]), target_ink, iterations, point_rate, tile,
                           samples, None if pages is None else [pages[i] for i in half])
        fitted.update(zip(half.tolist(), part.pen_strokes))
    return program.with_strokes([fitted[i] for i in range(len(runs))])


def keep_better_strokes(program: StrokeProgram, render: np.ndarray, refined: StrokeProgram,
                        target_ink: np.ndarray) -> tuple[StrokeProgram, np.ndarray]:
    """Per continuous stroke, the refined one where the real renderer's error around it is
    lower; the mixed program only if its whole render is closer to the target than the
    original's (`render`, its ink). Returns the program kept and its render's ink."""
    errors = [(render - target_ink) ** 2, (_render(refined) - target_ink) ** 2]
    sums = [np.pad(e, ((1, 0), (1, 0))).cumsum(0).cumsum(1) for e in errors]  # integral images
    chosen = []
    for old, new in zip(program.pen_strokes, refined.pen_strokes):
        left, top, right, bottom = _box(old + new, target_ink.shape)
        around = [s[bottom, right] - s[top, right] - s[bottom, left] + s[top, left] for s in sums]
        chosen.append(new if around[1] < around[0] else old)
    mixed = program.with_strokes(chosen)
    mixed_render = _render(mixed)
    return (mixed, mixed_render) if _error(mixed_render, target_ink) < float(errors[0].sum()) else (program, render)


def _box(actions, shape) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) px around the actions' control polygons and widths."""
    xs = [v for a in actions for v in (a.start[0], a.control[0], a.end[0])]
    ys = [v for a in actions for v in (a.start[1], a.control[1], a.end[1])]
    margin = max(a.size for a in actions) * 2 + 2
    h, w = shape
    clip = lambda v, top: int(min(max(v, 0), top))
    return clip(min(xs) - margin, w), clip(min(ys) - margin, h), clip(max(xs) + margin + 1, w), clip(max(ys) + margin + 1, h)


def _parameters(runs, brush: str):
    points, controls, widths, starts, ends, control_index, run_of = [], [], [], [], [], [], []
    for r, run in enumerate(runs):
        points.append(run[0].start)
        for action in run:
            starts.append(len(points) - 1)
            control_index.append(len(controls))
            controls.append(action.control)
            points.append(action.end)
            ends.append(len(points) - 1)
            run_of.append(r)
        widths.append(width_of_size(brush, float(np.mean([a.size for a in run]))))
    layout = _Layout(torch.tensor(starts), torch.tensor(ends), torch.tensor(control_index), torch.tensor(run_of))
    return (torch.tensor(points, dtype=torch.float32), torch.tensor(controls, dtype=torch.float32),
            torch.tensor(widths, dtype=torch.float32).clamp(min=0.5), layout)


def _curves(points, controls, layout: _Layout, samples: int = SAMPLES) -> torch.Tensor:
    """(S, samples, 2) points along each quadratic Bezier."""
    t = torch.linspace(0, 1, samples)[None, :, None]
    p0, p1, c = points[layout.starts][:, None], points[layout.ends][:, None], controls[layout.controls][:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t ** 2 * p1


def _tile_pairs(points, controls, layout, widths, shape, tile: int = TILE, samples: int = SAMPLES,
                page_of_curve: torch.Tensor | None = None):
    """(tile index per pair, curve index per pair, (T, 2) tile origins on their pages, (T,)
    their pages): every tile that lies within reach of a curve (its half width, a few px of
    movement and half a tile's diagonal), on the curve's page (`page_of_curve`, else page 0)."""
    h, w = shape
    columns, rows = math.ceil(w / tile), math.ceil(h / tile)
    curves = _curves(points, controls, layout, samples)
    reach = widths[layout.run_of] / 2 + 3.0 + tile * 0.71
    low = ((curves.amin(1) - reach[:, None]) / tile).floor().long()
    high = ((curves.amax(1) + reach[:, None]) / tile).floor().long()
    low[:, 0].clamp_(0, columns - 1); high[:, 0].clamp_(0, columns - 1)
    low[:, 1].clamp_(0, rows - 1); high[:, 1].clamp_(0, rows - 1)
    tile_ids, curve_ids = [], []
    for s in range(len(curves)):
        xs = torch.arange(low[s, 0], high[s, 0] + 1)
        ys = torch.arange(low[s, 1], high[s, 1] + 1)
        ids = (ys[:, None] * columns + xs[None, :]).reshape(-1)
        tile_ids.append(ids)
        curve_ids.append(torch.full_like(ids, s))
    tile_ids, curve_ids = torch.cat(tile_ids), torch.cat(curve_ids)
    centres = torch.stack([(tile_ids % columns).float(), (tile_ids // columns).float()], 1) * tile + tile / 2
    near = _distance_to_polylines(centres[:, None, :], curves[curve_ids])[:, 0] <= reach[curve_ids]
    tile_ids, curve_ids = tile_ids[near], curve_ids[near]
    if len(tile_ids) * tile * tile * (samples - 1) > MAX_ELEMENTS:
        return None
    if page_of_curve is not None:
        tile_ids = tile_ids + page_of_curve[curve_ids] * (columns * rows)
    used, tile_of = torch.unique(tile_ids, return_inverse=True)
    pages, used = used // (columns * rows), used % (columns * rows)
    origins = torch.stack([(used % columns) * tile, (used // columns) * tile], 1)
    return tile_of, curve_ids, origins, pages


def _distance_to_polylines(p: torch.Tensor, polylines: torch.Tensor) -> torch.Tensor:
    """(P, N) distance from points p (P, N, 2) to polylines (P, K + 1, 2)."""
    a, b = polylines[:, :-1][:, None], polylines[:, 1:][:, None]  # (P, 1, K, 2)
    ab = b - a
    ap = p[:, :, None, :] - a
    t = ((ap * ab).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-6)).clamp(0, 1)
    squared = ((ap - t[..., None] * ab) ** 2).sum(-1).amin(-1)
    return squared.clamp(min=1e-8).sqrt()


def _pixel_centres(origins: torch.Tensor, tile: int = TILE) -> torch.Tensor:
    """(T, tile * tile, 2) x, y of each pixel's centre."""
    ys, xs = torch.meshgrid(torch.arange(tile), torch.arange(tile), indexing="ij")
    offsets = torch.stack([xs.reshape(-1), ys.reshape(-1)], 1).float() + 0.5
    return origins[:, None, :].float() + offsets[None]


def _tiles(images: torch.Tensor, origins: torch.Tensor, pages: torch.Tensor, tile: int = TILE) -> torch.Tensor:
    """(T, tile * tile) values of the tiles of a stack of images (N, H, W), each on its page,
    0 beyond the border."""
    n, h, w = images.shape
    padded = torch.zeros(n, math.ceil(h / tile) * tile, math.ceil(w / tile) * tile)
    padded[:, :h, :w] = images
    ys = origins[:, 1:2] + torch.arange(tile).repeat_interleave(tile)[None]
    xs = origins[:, 0:1] + torch.arange(tile).repeat(tile)[None]
    return padded[pages[:, None], ys, xs]


def rasterise(points, controls, widths, layout, tile_of, curve_of, pixels, tiles: int,
              samples: int = SAMPLES) -> torch.Tensor:
    """(T, tile * tile) ink of the program on the tiles it touches."""
    distance = _distance_to_polylines(pixels[tile_of], _curves(points, controls, layout, samples)[curve_of])  # (P, N)
    half = widths[layout.run_of][curve_of][:, None] / 2
    alpha = (half + 0.5 - distance).clamp(0, 1) * 0.999
    paper = torch.zeros(tiles, pixels.shape[1]).index_add(0, tile_of, torch.log1p(-alpha))
    return 1 - paper.exp()


def _program(program: StrokeProgram, runs, points, controls, widths, layout: _Layout) -> StrokeProgram:
    limit = lambda p: (float(min(max(p[0], 0.0), program.width)), float(min(max(p[1], 0.0), program.height)))
    points, controls, widths = points.tolist(), controls.tolist(), widths.tolist()  # floats, not tensors: fast
    moved_runs, curve = [], 0
    for r, run in enumerate(runs):
        size = size_for_width(program.brush, widths[r])
        moved = []
        for action in run:
            start, end = limit(points[layout.starts[curve]]), limit(points[layout.ends[curve]])
            moved.append(replace(action, start=start, control=limit(controls[layout.controls[curve]]), end=end, size=size))
            curve += 1
        moved_runs.append(moved)
    return program.with_strokes(moved_runs)
