"""The discriminator learner: real images against final renders from the replay buffer.

WGAN-GP (Gulrajani et al. 2017) with the paper's centering term, or with spectral norm a
standard GAN loss (SPIRAL++). Runs in its own process at its own rate."""

from __future__ import annotations

import time
from pathlib import Path

import torch
import torch.nn.functional as F

from spiral_cli.agent import model_config
from spiral_cli.agent.discriminator import to_ink
from spiral_cli.training.checkpoint import load_module, save_module
from spiral_cli.training.setup import Shared, build_discriminator, child_process_init, parent_alive, serve_commands


def discriminator_learner_main(shared: Shared, seed: int) -> None:
    child_process_init(shared, seed)
    DiscriminatorLearner(shared, seed).run()


class DiscriminatorLearner:
    """The learner process: updates D on the shared replay, publishes weights, checkpoints."""

    def __init__(self, shared: Shared, seed: int):
        self.shared = shared
        self.config = shared.config
        self.updater = DiscriminatorUpdater(build_discriminator(self.config, shared.image_shape), self.config, seed)
        if shared.resume_from:
            load_module(self.updater.model, self.updater.optimizer, Path(shared.resume_from), "discriminator")
        shared.d_weights.publish(self.updater.model)

    def run(self) -> None:
        shared, config = self.shared, self.config
        while not shared.stop.is_set() and parent_alive(shared):
            self._serve_commands()
            allowed = config.d_updates_per_policy_update * max(shared.policy_updates.value, 1) + self._warmup_allowance()
            if shared.replay.count.value < config.batch_size or shared.d_updates.value >= allowed:
                time.sleep(0.01)
                continue
            renders, targets = shared.replay.sample(config.batch_size, self.updater.generator)
            metrics = self.updater.update(renders, targets, shared.data)
            with shared.d_updates.get_lock():
                shared.d_updates.value += 1
            shared.d_weights.publish(self.updater.model)
            metrics.update(kind="discriminator", update=shared.d_updates.value)
            shared.metrics.put(metrics)
        self._serve_commands()

    def _warmup_allowance(self) -> float:
        """The warm-up's updates, spread over the filling of the replay: a critic that ran
        them all on its first batch would learn that batch, not the policy's renders."""
        replay = self.shared.replay
        return self.config.d_warmup * replay.count.value / replay.capacity

    def _serve_commands(self) -> None:
        serve_commands(self.shared, "discriminator", self._save)

    def _save(self, directory: Path) -> tuple[int, None]:
        save_module(self.updater.model, self.updater.optimizer, directory, "discriminator")
        return self.shared.d_updates.value, None


class DiscriminatorUpdater:
    """The update maths, free of processes: real images against final renders."""

    def __init__(self, model, config, seed: int):
        self.model, self.config = model, config
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.d_learning_rate, betas=(config.d_beta1, 0.999))
        self.generator = torch.Generator().manual_seed(seed)
        self.spectral = model_config(config.model, **config.model_options).d_spectral_norm

    def update(self, renders: torch.Tensor, targets: torch.Tensor, data: torch.Tensor | None) -> dict:
        """One step on final renders (and their targets); unconditional D sees real images
        drawn from `data`, conditional D the targets themselves."""
        real, fake, condition = self._batch(renders, targets, data)
        d_real, d_fake = self.model(real, condition), self.model(fake, condition)
        if self.spectral:
            loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
            penalty = torch.zeros((), device=real.device)
        else:
            penalty = self._gradient_penalty(real, fake, condition)
            centering = torch.cat([d_real, d_fake]).mean() ** 2
            loss = d_fake.mean() - d_real.mean() + self.config.gradient_penalty * penalty
            loss = loss + self.config.d_centering * centering
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {
            "d_loss": loss.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
            "gradient_penalty": penalty.item(),
        }

    def _batch(self, renders, targets, data):
        device = next(self.model.parameters()).device
        renders, targets = renders.to(device), targets.to(device)
        if self.config.conditional:
            return to_ink(targets), to_ink(renders), to_ink(targets)
        index = torch.randint(len(data), (len(renders),), generator=self.generator)
        return to_ink(data[index].to(device)), to_ink(renders), None

    def _gradient_penalty(self, real, fake, condition):
        mix = torch.rand(real.shape[0], 1, 1, 1, generator=self.generator).to(real.device)
        between = (mix * real + (1 - mix) * fake).requires_grad_(True)
        scores = self.model(between, condition)
        (gradient,) = torch.autograd.grad(scores.sum(), between, create_graph=True)
        return ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()
