"""Best-of-K action search: the policy proposes strokes, the real painter judges them.

At each step every environment tries the policy's most likely action and K - 1 samples
on a scratch canvas and keeps the one that brings its canvas closest to the target. Each
proposal may also be taken with the pen lifted: a jump changes nothing now, so jumps are
ranked by how much uncovered target ink lies where they land, and a jump wins only when
no stroke helps. The pen rests in the canvas's corner, where no one begins a drawing, so
the first searched action only places it. Optionally the chosen action is then refined on
the action grid (each location to the best cell around it, each scalar to its best level,
one component at a time), which takes away most of the noise of a sampled stroke's width
and ends. Used at test time (`--quality best`) and, in training, as the expert
whose choices the policy learns to imitate (expert iteration)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from spiral_cli.agent import Policy
from spiral_cli.envs.paint import COLOR_KEYS
from spiral_cli.painting.painter import ink

JUMP_REACH = 4  # px around a jump's landing point in which uncovered ink counts
JUMP_WEIGHT = 1e-6  # far below any real stroke's improvement: jumps only break ties
STROKE_COST = 0.01  # a stroke must remove 1% of the empty canvas's error to be drawn


@torch.no_grad()
def propose(policy: Policy, core: torch.Tensor, maps: dict, candidates: int,
            temperature: float = 1.0, noise=None) -> dict[str, torch.Tensor]:
    """(B, 2K) actions: the greedy action and K - 1 samples, then the same K with the pen lifted."""
    batch = core.shape[0]
    repeated = {size: m.repeat_interleave(candidates, 0) for size, m in maps.items()}
    sampled, _ = policy.sample(core.repeat_interleave(candidates, 0), repeated, temperature=temperature, noise=noise)
    greedy, _ = policy.sample(core, maps, greedy=True)
    proposals = {k: v.view(batch, candidates).clone() for k, v in sampled.items()}
    for name, value in greedy.items():
        proposals[name][:, 0] = value
    lifted = {k: v.clone() for k, v in proposals.items()}
    lifted["flag"].zero_()
    return {k: torch.cat([proposals[k], lifted[k]], dim=1) for k in proposals}


def choose(envs, proposals: dict[str, torch.Tensor], target_ink: np.ndarray,
           stroke_cost: float = STROKE_COST) -> dict[str, torch.Tensor]:
    """The proposal per environment with the least squared error to the target after it
    is taken, plus `stroke_cost` (a share of the empty canvas's error) per drawn stroke, so
    that strokes which barely help are left out (ties go to the earlier proposal). In colour,
    each stroke is judged, and taken, in the colour that fits the target best under it, at no cost."""
    if envs.config.color:
        proposals, drawn = in_fitted_colours(envs, proposals, target_ink)
        stroke_cost = 0.0  # a picture's budget of strokes is for spending: each that helps is kept
    else:
        drawn = ink(envs.preview({k: v.numpy() for k, v in proposals.items()}))  # (B, K, H, W, C)
    errors = ((drawn - target_ink[:, None]) ** 2).reshape(*drawn.shape[:2], -1).mean(-1)
    empty = (target_ink ** 2).reshape(len(target_ink), -1).mean(-1)
    errors = errors + stroke_cost * empty[:, None] * (proposals["flag"].numpy() == 1)
    errors = errors - JUMP_WEIGHT * _uncovered_ink_at_landing(envs, proposals, target_ink)
    best = torch.from_numpy(errors.argmin(1))
    rows = torch.arange(len(best))
    return {k: v[rows, best] for k, v in proposals.items()}


def in_fitted_colours(envs, proposals: dict[str, torch.Tensor], target_ink: np.ndarray
                      ) -> tuple[dict[str, torch.Tensor], np.ndarray]:
    """The proposals with each stroke's colour levels those that fit the target best under
    it, and the ink (B, K, H, W, 3) each would leave. A stroke of one colour c laid with
    coverage a over canvas C gives (1 - a) C + a c (every dab has that colour), so c has a
    closed form once a is known, and a is what the stroke adds in white over itself in black:
    the agent proposes where to paint, the renderer says in what colour."""
    top = envs.config.color_levels - 1
    painted = {}
    for name, level in (("black", 0), ("white", top)):
        levels = {k: np.full(proposals[k].shape, level) for k in COLOR_KEYS}
        painted[name] = envs.preview({**{k: v.numpy() for k, v in proposals.items()}, **levels}).astype(np.float32) / 255
    cover = (painted["white"] - painted["black"]).mean(-1, keepdims=True).clip(0.0, 1.0)  # (B, K, H, W, 1)
    canvas = envs.canvases()[:, None].astype(np.float32) / 255
    target = 1.0 - target_ink[:, None]
    weight = (cover * cover).sum((2, 3))
    ideal = (cover * (target - (1 - cover) * canvas)).sum((2, 3)) / np.maximum(weight, 1e-6)  # (B, K, 3)
    chosen = np.rint(ideal.clip(0.0, 1.0) * top).astype(np.int64)  # the nearest of the evenly spaced levels
    drawn = (1 - cover) * canvas + cover * (chosen / top)[:, :, None, None, :]
    strokes = proposals["flag"].numpy() == 1
    fitted = dict(proposals)
    for channel, name in enumerate(COLOR_KEYS):
        fitted[name] = torch.from_numpy(np.where(strokes, chosen[..., channel], proposals[name].numpy()))
    return fitted, 1.0 - drawn


def _uncovered_ink_at_landing(envs, proposals, target_ink: np.ndarray) -> np.ndarray:
    """(B, K): for jumps, the mean target ink not yet drawn near where they land; 0 for strokes."""
    uncovered = np.clip(target_ink - ink(envs.canvases()), 0.0, None).mean(-1)  # (B, H, W)
    window = 2 * JUMP_REACH + 1
    nearby = F.avg_pool2d(torch.from_numpy(uncovered)[:, None], window, stride=1, padding=JUMP_REACH)[:, 0]
    config = envs.config
    cells = proposals["end"].numpy()
    rows, columns = np.divmod(cells, config.grid)
    unit = config.canvas / config.grid
    ys = np.clip((rows * unit).astype(int), 0, config.canvas - 1)
    xs = np.clip((columns * unit).astype(int), 0, config.canvas - 1)
    score = nearby.numpy()[np.arange(len(cells))[:, None], ys, xs]
    return np.where(proposals["flag"].numpy() == 0, score, 0.0)


def refine(envs, components, actions: dict[str, torch.Tensor], target_ink: np.ndarray,
           stroke_cost: float = STROKE_COST) -> dict[str, torch.Tensor]:
    """Coordinate descent on the action grid: each component in turn (draw or jump stays as
    chosen) takes the value among its alternatives that brings the canvas closest to the
    target; the current value comes first, so it stays on ties."""
    for component in components:
        if component.name == "flag":
            continue
        options = _alternatives(actions[component.name], component)
        proposals = {k: v[:, None].expand(-1, options.shape[1]).clone() for k, v in actions.items()}
        proposals[component.name] = options
        actions = choose(envs, proposals, target_ink, stroke_cost)
    return actions


def _alternatives(values: torch.Tensor, component) -> torch.Tensor:
    """(B, V): the current value, then the 3 x 3 cells around a location or every level of a scalar."""
    if component.grid is None:
        return torch.cat([values[:, None], torch.arange(component.size).expand(len(values), -1)], 1)
    grid = component.grid
    rows, columns = values // grid, values % grid
    offsets = torch.tensor([(0, 0)] + [(r, c) for r in (-1, 0, 1) for c in (-1, 0, 1) if (r, c) != (0, 0)])
    rows = (rows[:, None] + offsets[:, 0]).clamp(0, grid - 1)
    columns = (columns[:, None] + offsets[:, 1]).clamp(0, grid - 1)
    return rows * grid + columns


def search_step(policy: Policy, envs, core, maps, target_ink: np.ndarray, candidates: int,
                temperature: float = 1.0, stroke_cost: float = STROKE_COST, refined: bool = False, noise=None):
    """The actions of one searched step, (B,) per component; `refined`: then refine them.
    `noise`: a RowNoise for the sampled proposals (else torch's random stream)."""
    proposals = propose(policy, core, maps, candidates, temperature, noise)
    if envs.steps_taken == 0:
        proposals["flag"].zero_()
    actions = choose(envs, proposals, target_ink, stroke_cost)
    return refine(envs, policy.components, actions, target_ink, stroke_cost) if refined else actions
