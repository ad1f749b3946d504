"""Is the conditional critic a useful reward? Offline, in minutes instead of hour-long runs.

    python tools/critic_probe.py --data mnist:../shared/data/mnist [--checkpoint mnist] [--updates 600] [--seed S]

A policy gradient only needs the reward to rank the renders of one target the way their
reconstruction error does. So: a trained agent draws each training target several ways
(greedy, sampled at temperatures 1 and 2, its first half of strokes, and nothing at all),
a conditional critic is trained on real (target | target) against those renders, as the
discriminator learner does from its replay buffer, and then scores the renders of held-out
validation targets. Reported per critic variant: how often the critic orders two renders of
the same target as the l2 error does (0.5: no better than chance), the Spearman correlation of
score and -l2 within targets, and the real-fake gap. Variants are the trainer's own options
(input size, spectral norm, gradient penalty, centering, learning rate)."""

import argparse
import time
from dataclasses import replace

import numpy as np
import torch
from scipy.stats import spearmanr

from spiral_cli.agent import Discriminator, model_config
from spiral_cli.agent.discriminator import to_ink
from spiral_cli.data import load_dataset
from spiral_cli.parsing.agent import Agent
from spiral_cli.training.discriminator_learner import DiscriminatorUpdater

VARIANTS = {  # name -> (model options, TrainConfig fields)
    "default (WGAN-GP, 32 px)": ({}, {}),
    "16 px input": ({"d_input_size": 16}, {}),
    "spectral norm, GAN loss": ({"d_spectral_norm": True}, {}),
    "d lr 1e-5": ({}, {"d_learning_rate": 1e-5}),
    "no centering": ({}, {"d_centering": 0.0}),
    "centering 0.1": ({}, {"d_centering": 0.1}),
    "centering 0.01": ({}, {"d_centering": 0.01}),
    "wider (32 channels)": ({"d_channels": 32}, {}),
}


def renders_of(agent: Agent, targets: np.ndarray, seed: int) -> np.ndarray:
    """(K, N, H, W, C): per target, renders of several qualities."""
    steps = agent.env.episode_length
    ways = [agent.run(targets, greedy=True)[1],
            agent.run(targets, temperature=1.0, seed=seed)[1],
            agent.run(targets, temperature=2.0, seed=seed + 1)[1],
            agent.run(targets, greedy=True, steps=steps // 2)[1],
            np.full_like(targets, 255)]
    return np.stack(ways)


def l2(renders: np.ndarray, targets: np.ndarray) -> np.ndarray:
    ink = lambda a: 1.0 - a.astype(np.float32) / 255.0
    return ((ink(renders) - ink(targets)[None]) ** 2).reshape(renders.shape[0], renders.shape[1], -1).mean(-1)


def probe(agent, name, model_options, fields, train, fakes, valid, valid_fakes, updates, seed) -> dict:
    torch.manual_seed(seed)
    config = replace(agent.config, **fields, model_options={**agent.config.model_options, **model_options})
    critic = Discriminator(agent.env.image_shape[-1], True, model_config(config.model, **config.model_options))
    learner = DiscriminatorUpdater(critic, config, seed)
    generator = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(updates):
        index = generator.integers(len(train), size=config.batch_size)
        way = generator.integers(fakes.shape[0], size=config.batch_size)
        metrics = learner.update(torch.from_numpy(fakes[way, index]), torch.from_numpy(train[index]), None)
    with torch.no_grad():
        condition = to_ink(torch.from_numpy(valid))
        scores = np.stack([critic(to_ink(torch.from_numpy(r)), condition).numpy() for r in valid_fakes])
        real = critic(condition, condition).numpy()
    errors = l2(valid_fakes, valid)
    agree, pairs = 0, 0
    rhos = []
    for n in range(len(valid)):
        for a in range(len(scores)):
            for b in range(a + 1, len(scores)):
                if abs(errors[a, n] - errors[b, n]) > 1e-4:
                    pairs += 1
                    agree += (scores[a, n] > scores[b, n]) == (errors[a, n] < errors[b, n])
        rho = spearmanr(scores[:, n], -errors[:, n]).correlation
        if np.isfinite(rho):
            rhos.append(rho)
    return {"variant": name, "pairs_ordered_as_l2": agree / max(pairs, 1), "spearman_within_target": float(np.mean(rhos)),
            "real_minus_fake": float(real.mean() - scores.mean()), "d_loss": metrics["d_loss"],
            "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--checkpoint", default="mnist")
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--valid", type=int, default=300)
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--variant", action="append", help=f"some of: {', '.join(VARIANTS)} (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="of the critic's weights and batches")
    args = parser.parse_args()
    torch.set_num_threads(1)
    agent = Agent.load(args.checkpoint)
    canvas, color = agent.env.canvas, agent.env.color
    train = load_dataset(args.data, "train", canvas, color, limit=args.train).images
    valid = load_dataset(args.data, "valid", canvas, color, limit=args.valid).images
    fakes, valid_fakes = renders_of(agent, train, 0), renders_of(agent, valid, 1)
    errors = l2(valid_fakes, valid)
    print("held-out renders' l2 by way (greedy, T1, T2, half, empty):", np.round(errors.mean(1), 4).tolist(), flush=True)
    for name in args.variant or list(VARIANTS):
        options, fields = VARIANTS[name]
        result = probe(agent, name, options, fields, train, fakes, valid, valid_fakes, args.updates, args.seed)
        print({k: round(float(v), 3) if isinstance(v, float) else v for k, v in result.items()}, flush=True)


if __name__ == "__main__":
    main()
