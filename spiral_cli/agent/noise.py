"""Random streams of their own for each row of a batch, so that what the agent samples for
an image does not depend on which other images share its batch: `spiral parse` on one image,
`spiral convert` on a folder and the Ray backend give the same strokes."""

from __future__ import annotations

import hashlib

import numpy as np
import torch
import torch.nn.functional as F


class RowNoise:
    def __init__(self, seeds: list[int]):
        self.generators = [torch.Generator().manual_seed(int(s)) for s in seeds]

    @classmethod
    def for_targets(cls, targets: np.ndarray | None, seed: int, count: int) -> RowNoise:
        """Seeded by each target's pixels (and `seed`), or by its row for unconditional samples."""
        if targets is None:
            return cls([seed * 100_003 + row for row in range(count)])
        return cls([content_seed(target, seed) for target in targets])

    def sample(self, logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """(B,) classes from softmax(logits / temperature) by the Gumbel-max trick; logits may
        hold each row repeated K times in a row (repeat_interleave), each copy drawn apart."""
        repeat = logits.shape[0] // len(self.generators)
        uniform = torch.stack([torch.rand(repeat, logits.shape[-1], generator=g) for g in self.generators])
        gumbel = -torch.log(-torch.log(uniform.reshape(logits.shape).clamp(1e-12, 1.0 - 1e-7)))
        return (F.log_softmax(logits / temperature, -1) + gumbel).argmax(-1)


def content_seed(target: np.ndarray, seed: int) -> int:
    """A seed for one image: a hash of its pixels keyed by `seed` (the same image, the same seed)."""
    digest = hashlib.blake2b(np.ascontiguousarray(target).tobytes(), digest_size=8, key=str(seed).encode())
    return int.from_bytes(digest.digest(), "little") >> 1
