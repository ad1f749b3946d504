"""The rewards and the critic's loss on hand-made canvases: what a perfect, a partial, an
empty and a wrong drawing earn, and when each penalty fires."""

import numpy as np
import pytest
import torch
from torch import nn

from spiral_cli.training.config import TrainConfig
from spiral_cli.training.discriminator_learner import DiscriminatorUpdater
from spiral_cli.training.rewards import (
    color_emd, discriminator_rewards, episode_rewards, l2_rewards, no_ink_penalty, stroke_start_penalty,
)

SIDE = 16


def canvas(*boxes, channels: int = 1, level: int = 0) -> np.ndarray:
    """(SIDE, SIDE, C) uint8 white paper with ink boxes (y0, y1, x0, x1) at `level`."""
    image = np.full((SIDE, SIDE, channels), 255, np.uint8)
    for y0, y1, x0, x1 in boxes:
        image[y0:y1, x0:x1] = level
    return image


TARGET = canvas((4, 12, 4, 12))
DRAWINGS = {  # final canvases from best to worst
    "perfect": TARGET,
    "half": canvas((4, 12, 4, 8)),
    "empty": canvas(),
    "wrong": canvas((0, 4, 0, 16), (12, 16, 0, 16)),  # as much ink as the target, all of it elsewhere
}


def episode(final: np.ndarray, steps: int = 3) -> torch.Tensor:
    """(T+1, 1, H, W, C) canvases: blank paper, then the final drawing appearing at step 1."""
    frames = [canvas(channels=final.shape[-1])] + [final] * steps
    return torch.from_numpy(np.stack(frames)[:, None])


def total_rewards(per_step: bool) -> dict[str, float]:
    target = torch.from_numpy(TARGET[None])
    return {name: float(l2_rewards(episode(final), target, per_step).sum()) for name, final in DRAWINGS.items()}


@pytest.mark.parametrize("per_step", [False, True])
def test_l2_rewards_rank_perfect_over_partial_over_empty_over_wrong(per_step):
    totals = total_rewards(per_step)
    assert totals["perfect"] > totals["half"] > totals["empty"] > totals["wrong"]


def test_l2_rewards_are_relative_to_the_empty_canvas():
    final_only, step = total_rewards(per_step=False), total_rewards(per_step=True)
    assert final_only["perfect"] == pytest.approx(0.0) and final_only["empty"] == pytest.approx(-1.0)
    assert step["perfect"] == pytest.approx(1.0) and step["empty"] == pytest.approx(0.0)
    assert step["half"] == pytest.approx(0.5)  # half the target's ink drawn, half the error removed


def test_per_step_l2_pays_each_step_for_what_it_adds():
    target = torch.from_numpy(TARGET[None])
    frames = torch.from_numpy(np.stack([canvas(), DRAWINGS["half"], TARGET, TARGET])[:, None])
    assert l2_rewards(frames, target, per_step=True)[:, 0].tolist() == pytest.approx([0.5, 0.5, 0.0])
    final_only = l2_rewards(frames, target, per_step=False)[:, 0].tolist()
    assert final_only == pytest.approx([0.0, 0.0, 0.0])  # only the last step is paid, and it is perfect


class InkCritic(nn.Module):
    """Scores a canvas by how much ink it has where the target has ink, minus elsewhere."""

    def forward(self, images, targets):
        inside = (images * targets).flatten(1).sum(1)
        return inside - (images * (1 - targets)).flatten(1).sum(1)


def test_discriminator_rewards_pay_the_critics_score_at_the_end_or_its_differences():
    target = torch.from_numpy(TARGET[None])
    frames = torch.from_numpy(np.stack([canvas(), DRAWINGS["half"], TARGET])[:, None])
    final_only = discriminator_rewards(frames, target, InkCritic(), per_step=False)[:, 0]
    step = discriminator_rewards(frames, target, InkCritic(), per_step=True)[:, 0]
    assert final_only.tolist() == pytest.approx([0.0, 64.0])  # the target's 64 px of ink
    assert step.tolist() == pytest.approx([32.0, 32.0])
    assert float(step.sum()) == pytest.approx(float(final_only.sum()) - 0.0)  # the blank canvas scores 0


def critic_config(**overrides) -> TrainConfig:
    settings = dict(data=None, conditional=True, model_options={"d_input_size": SIDE}, gradient_penalty=10.0,
                    d_centering=1.0, d_learning_rate=1e-3)
    settings.update(overrides)
    return TrainConfig(**settings)


class LinearCritic(nn.Module):
    """D(x) = w . x + b with |w| = norm: its gradient norm is `norm` everywhere."""

    def __init__(self, norm: float, bias: float = 0.0):
        super().__init__()
        weight = torch.randn(SIDE * SIDE, generator=torch.Generator().manual_seed(0))
        self.weight = nn.Parameter(weight / weight.norm() * norm)
        self.bias = nn.Parameter(torch.tensor(bias))

    def forward(self, images, targets):
        return images.flatten(1) @ self.weight + self.bias


def renders_and_targets(count: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    targets = torch.from_numpy(np.stack([TARGET] * count))
    renders = torch.from_numpy(np.stack([DRAWINGS["half"]] * count))
    return renders, targets


@pytest.mark.parametrize("norm, penalty", [(1.0, 0.0), (2.0, 1.0), (0.0, 1.0), (3.0, 4.0)])
def test_gradient_penalty_of_a_linear_critic_is_its_norm_minus_one_squared(norm, penalty):
    config = critic_config()
    metrics = DiscriminatorUpdater(LinearCritic(norm), config, seed=0).update(*renders_and_targets(), None)
    assert metrics["gradient_penalty"] == pytest.approx(penalty, abs=1e-5)


def test_the_critics_loss_is_wasserstein_plus_penalty_plus_centering():
    """A constant critic: real and fake score alike (Wasserstein term 0), its gradient is 0
    (penalty 1), and the centering term is its output squared."""
    config = critic_config(gradient_penalty=10.0, d_centering=1.0)
    metrics = DiscriminatorUpdater(LinearCritic(0.0, bias=3.0), config, seed=0).update(*renders_and_targets(), None)
    assert metrics["d_loss"] == pytest.approx(10.0 * 1.0 + 1.0 * 9.0)
    uncentred = critic_config(gradient_penalty=10.0, d_centering=0.0)
    metrics = DiscriminatorUpdater(LinearCritic(0.0, bias=3.0), uncentred, seed=0).update(*renders_and_targets(), None)
    assert metrics["d_loss"] == pytest.approx(10.0)


def test_centering_pulls_the_critics_mean_output_to_zero():
    critic = LinearCritic(1.0, bias=5.0)
    config = critic_config(gradient_penalty=0.0, d_centering=1.0, d_learning_rate=0.05)
    learner = DiscriminatorUpdater(critic, config, seed=0)
    for _ in range(200):
        metrics = learner.update(*renders_and_targets(), None)
    assert abs((metrics["d_real"] + metrics["d_fake"]) / 2) < 0.5


def test_a_trained_critic_rewards_the_perfect_drawing_over_the_empty_one():
    """The sign of the whole adversarial reward: a few updates of the real critic on targets
    against half-drawn renders, then the discriminator reward ranks the drawings."""
    from spiral_cli.agent.discriminator import Discriminator
    from spiral_cli.agent import model_config

    torch.manual_seed(0)
    config = critic_config()
    critic = Discriminator(1, True, model_config("default", d_input_size=SIDE))
    learner = DiscriminatorUpdater(critic, config, seed=0)
    renders, targets = renders_and_targets()
    empty = torch.from_numpy(np.stack([canvas()] * 8))
    for _ in range(60):
        learner.update(torch.cat([renders[:4], empty[:4]]), targets, None)
    target = torch.from_numpy(TARGET[None])
    totals = {name: float(discriminator_rewards(episode(final), target, critic, per_step=False).sum())
              for name, final in DRAWINGS.items() if name != "wrong"}
    assert totals["perfect"] > totals["half"] > totals["empty"]


def test_stroke_start_penalty_fires_on_each_new_pen_down_sequence():
    flags = torch.tensor([[1, 0, 0], [1, 1, 0], [0, 1, 1], [1, 1, 0], [1, 0, 1]])  # (T, B): 1 draws, 0 jumps
    penalty = stroke_start_penalty({"flag": flags})
    assert penalty.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]]


def test_no_ink_penalty_fires_only_for_a_canvas_without_visible_ink():
    finals = torch.from_numpy(np.stack([canvas(), canvas((4, 12, 4, 12), level=250), TARGET, canvas((0, 1, 0, 1))]))
    assert no_ink_penalty(finals).tolist() == [1.0, 1.0, 0.0, 0.0]


def test_colour_emd_is_zero_for_the_same_histogram_and_grows_with_the_colour_gap():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (1, SIDE, SIDE, 3), dtype=np.uint8)
    shuffled = rng.permutation(image.reshape(-1, 3)).reshape(image.shape)  # same colours, other places
    assert float(color_emd(torch.from_numpy(image), torch.from_numpy(shuffled))) == pytest.approx(0.0, abs=1e-6)
    black, grey, white = (torch.full((1, SIDE, SIDE, 3), v, dtype=torch.uint8) for v in (0, 128, 255))
    assert 0 < float(color_emd(black, grey)) < float(color_emd(black, white)) == pytest.approx(31 / 32)


def batch_for(final: np.ndarray, flags: list[int]) -> dict:
    steps = len(flags)
    return {"canvas": episode(final, steps), "target": torch.from_numpy(TARGET[None]),
            "actions": {"flag": torch.tensor(flags)[:, None]}}


def test_episode_rewards_apply_each_penalty_only_when_asked():
    batch = batch_for(canvas(), [1, 0, 1])
    plain = episode_rewards(batch, TrainConfig(reward="l2-step"))
    assert plain.sum() == pytest.approx(0.0)
    strokes = episode_rewards(batch, TrainConfig(reward="l2-step", stroke_penalty=0.1))
    assert (plain - strokes)[:, 0].tolist() == pytest.approx([0.1, 0.0, 0.1])
    inkless = episode_rewards(batch, TrainConfig(reward="l2-step", ink_penalty=0.5))
    assert (plain - inkless)[:, 0].tolist() == pytest.approx([0.0, 0.0, 0.5])
    drawn = episode_rewards(batch_for(TARGET, [1, 1, 1]), TrainConfig(reward="l2-step", ink_penalty=0.5))
    assert drawn.sum() == pytest.approx(1.0)  # ink on the canvas: no penalty


def test_colour_penalty_counts_for_colour_canvases_only():
    gray = episode_rewards(batch_for(canvas(), [0, 0, 0]), TrainConfig(reward="l2", color_penalty=1.0))
    assert gray[-1, 0] == pytest.approx(-1.0)  # the l2 term alone
    red = canvas((4, 12, 4, 12), channels=3)
    red[4:12, 4:12, 0] = 255
    batch = {"canvas": episode(canvas(channels=3)), "target": torch.from_numpy(red[None]),
             "actions": {"flag": torch.zeros(3, 1, dtype=torch.long)}}
    plain = episode_rewards(batch, TrainConfig(reward="l2"))
    coloured = episode_rewards(batch, TrainConfig(reward="l2", color_penalty=1.0))
    gap = float(color_emd(batch["canvas"][-1], batch["target"]))
    assert gap > 0 and float(plain[-1, 0] - coloured[-1, 0]) == pytest.approx(gap)


def test_value_targets_stay_near_one_when_the_critics_scale_runs_away():
    from spiral_cli.training.policy_learner import ReturnScale

    scale, generator = ReturnScale(), torch.Generator().manual_seed(0)
    for _ in range(30):
        calm = scale.normalized(0.1 + 0.1 * torch.randn(64, generator=generator))
    assert calm.std().item() == pytest.approx(1.0, abs=0.3)
    jumped = [scale.normalized(-16 + 4 * torch.randn(64, generator=generator)) for _ in range(100)]
    raw_loss = (16 ** 2 + 4 ** 2) / 2  # what a value head near 0 pays in raw units
    assert all(0.5 * (x ** 2).mean().item() < raw_loss / 10 for x in jumped)
    assert jumped[-1].mean().abs().item() < 0.3 and jumped[-1].std().item() == pytest.approx(1.0, abs=0.3)
