"""The critic: a DCGAN-like conv net scoring a render (given the target when conditional)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from spiral_cli.agent.config import ModelConfig


class Discriminator(nn.Module):
    def __init__(self, image_channels: int, conditional: bool, config: ModelConfig):
        super().__init__()
        self.conditional = conditional
        self.input_size = config.d_input_size
        wrap = spectral_norm if config.d_spectral_norm else (lambda m: m)
        layers, channels, size = [], image_channels * (2 if conditional else 1), config.d_input_size
        width = config.d_channels
        while size > 4:
            layers += [wrap(nn.Conv2d(channels, width, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            channels, width, size = width, width * 2, size // 2
        self.convs = nn.Sequential(*layers)
        self.out = wrap(nn.Linear(channels * size * size, 1))

    def forward(self, images: torch.Tensor, targets: torch.Tensor | None = None) -> torch.Tensor:
        """images, targets: float ink (N, C, H, W). Returns one score per image."""
        x = images if not self.conditional else torch.cat([images, targets], dim=1)
        if x.shape[-1] != self.input_size:
            x = F.adaptive_avg_pool2d(x, self.input_size)
        return self.out(self.convs(x).flatten(1))[:, 0]


def to_ink(canvas_uint8: torch.Tensor) -> torch.Tensor:
    """(N, H, W, C) uint8 canvases -> (N, C, H, W) float ink."""
    return 1.0 - canvas_uint8.permute(0, 3, 1, 2).float() / 255.0
