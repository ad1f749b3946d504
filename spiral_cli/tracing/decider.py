"""A small network that makes one yes/no tracing decision from a place's geometry (does the pen
lift at this corner, does the stroke run on from this branch into that one), fitted to where
people's recorded strokes go. Its inputs are normalised by means and spreads stored with it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from spiral_cli.errors import UsageError

HIDDEN = 32


class Decider(nn.Module):
    """Probability of yes, from (n, features) inputs."""

    def __init__(self, features: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("std", torch.ones(features))
        self.net = nn.Sequential(nn.Linear(features, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                                 nn.Linear(HIDDEN, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net((features - self.mean) / self.std).squeeze(-1)  # logits

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.sigmoid(self(torch.as_tensor(features, dtype=torch.float32))).numpy()


def fit_decider(model: Decider, features: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None,
                epochs: int = 3000, seed: int = 0) -> Decider:
    """`model` fitted to the labelled places by full-batch Adam on the (weighted) cross-entropy."""
    torch.manual_seed(seed)
    for layer in model.net:  # fresh weights from the seed, whatever the model held
        if isinstance(layer, nn.Linear):
            layer.reset_parameters()
    x, y = torch.as_tensor(features, dtype=torch.float32), torch.as_tensor(labels, dtype=torch.float32)
    w = torch.ones_like(y) if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    model.mean.copy_(x.mean(0))
    model.std.copy_(x.std(0).clamp_min(1e-3))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    model.train()
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y, weight=w / w.mean())
        loss.backward()
        optimiser.step()
    return model.eval()


def save_decider(model: Decider, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(model.state_dict(), str(path))


@lru_cache(maxsize=8)
def load_decider(path: Path, features: int, maker: str) -> Decider:
    """The weights at `path` (`maker`: the tool that makes them, for the error message)."""
    if not Path(path).is_file():
        raise UsageError(f"{path}: no tracing model (make it with {maker})")
    model = Decider(features)
    model.load_state_dict(load_file(str(path)))
    return model.eval()
