"""Environments the agent acts in, with Gymnasium's API."""

import gymnasium

from spiral_cli.envs.paint import PaintConfig, PaintEnv, PaintVectorEnv

PAINT_ENV_ID = "spiral/Paint-v0"

if PAINT_ENV_ID not in gymnasium.registry:
    gymnasium.register(
        id=PAINT_ENV_ID,
        entry_point="spiral_cli.envs.paint:PaintEnv",
        vector_entry_point="spiral_cli.envs.paint:PaintVectorEnv",
    )

__all__ = ["PAINT_ENV_ID", "PaintConfig", "PaintEnv", "PaintVectorEnv"]
