"""Rewards for a batch of finished episodes (T steps, B episodes)."""

from __future__ import annotations

import torch

from spiral_cli.agent.discriminator import to_ink


def ink_of(canvas: torch.Tensor) -> torch.Tensor:
    """(..., H, W, C) uint8 canvas -> float ink of the same shape."""
    return 1.0 - canvas.float() / 255.0


def squared_error(canvas: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-image mean squared ink error; canvas (..., B, H, W, C), target (B, H, W, C)."""
    return ((ink_of(canvas) - ink_of(target)) ** 2).flatten(-3).mean(-1)


def relative_residual(final: torch.Tensor, target: torch.Tensor, blank: torch.Tensor) -> float:
    """Mean error / mean error of the blank canvas an episode starts from (DESIGN section 4:
    white paper; the empty platform for scenes)."""
    return float(squared_error(final, target).mean() / squared_error(blank, target).mean().clamp_min(1e-8))


def l2_rewards(canvas: torch.Tensor, target: torch.Tensor, per_step: bool) -> torch.Tensor:
    """canvas (T+1, B, ...). Errors are divided by the blank canvas's (canvas[0]), so a perfect
    copy earns 1 in total with per-step rewards and 0 at the end without."""
    errors = squared_error(canvas, target)  # (T+1, B)
    empty = errors[0].clamp_min(1e-4)
    relative = errors / empty
    if per_step:
        return relative[:-1] - relative[1:]
    rewards = torch.zeros_like(relative[1:])
    rewards[-1] = -relative[-1]
    return rewards


@torch.no_grad()
def discriminator_rewards(canvas, target, discriminator, per_step: bool) -> torch.Tensor:
    """D(final) at the last step (the paper), or D(c_t) - D(c_{t-1}) (SPIRAL++)."""
    steps_plus_one, batch = canvas.shape[:2]
    if per_step:
        frames = canvas.flatten(0, 1)
        conditions = None if target is None else target.repeat(steps_plus_one, 1, 1, 1)
        scores = _score(discriminator, frames, conditions).view(steps_plus_one, batch)
        return scores[1:] - scores[:-1]
    rewards = torch.zeros(steps_plus_one - 1, batch, device=canvas.device)
    rewards[-1] = _score(discriminator, canvas[-1], target)
    return rewards


def _score(discriminator, frames, targets):
    return discriminator(to_ink(frames), None if targets is None else to_ink(targets))


def stroke_start_penalty(actions: dict[str, torch.Tensor]) -> torch.Tensor:
    """1 where a step starts a new pen-down sequence: a draw after a jump or at t = 0."""
    draws = actions["flag"] == 1
    previous = torch.zeros_like(draws)
    previous[1:] = draws[:-1]
    return (draws & ~previous).float()


def no_ink_penalty(final: torch.Tensor) -> torch.Tensor:
    """1 for a final canvas with (almost) no visible ink."""
    return (ink_of(final).flatten(1).amax(1) < 0.1).float()


def color_emd(final: torch.Tensor, target: torch.Tensor, bins: int = 32) -> torch.Tensor:
    """Earth mover's distance between per-channel colour histograms (1-D: the L1 gap of CDFs)."""
    def cdf(images):
        values = (images.float() / 256 * bins).long().flatten(1, -2)  # (B, pixels, C)
        hist = torch.zeros(images.shape[0], bins, images.shape[-1], device=images.device)
        hist.scatter_add_(1, values, torch.ones_like(values, dtype=torch.float))
        return torch.cumsum(hist / values.shape[1], dim=1)
    return (cdf(final) - cdf(target)).abs().sum(1).mean(-1) / bins


def episode_rewards(batch: dict, config, discriminator=None) -> torch.Tensor:
    """All reward terms of the run's configuration, (T, B)."""
    canvas = batch["canvas"]
    target = batch["target"] if config.conditional else None
    if config.reward.startswith("l2"):
        rewards = l2_rewards(canvas, target, per_step=config.reward == "l2-step")
    else:
        rewards = discriminator_rewards(canvas, target, discriminator, config.reward == "discriminator-step")
    if config.stroke_penalty:
        rewards = rewards - config.stroke_penalty * stroke_start_penalty(batch["actions"])
    if config.ink_penalty:
        rewards[-1] -= config.ink_penalty * no_ink_penalty(canvas[-1])
    if config.color_penalty and canvas.shape[-1] == 3 and target is not None:
        rewards[-1] -= config.color_penalty * color_emd(canvas[-1], target)
    return rewards
