"""Environments the agent acts in, with Gymnasium's API."""

import gymnasium

from spiral_cli.envs.paint import PaintConfig, PaintEnv, PaintVectorEnv
from spiral_cli.envs.scenes import SceneConfig, SceneEnv, SceneVectorEnv

PAINT_ENV_ID = "spiral/Paint-v0"
SCENES_ENV_ID = "spiral/Scenes-v0"

if PAINT_ENV_ID not in gymnasium.registry:
    gymnasium.register(
        id=PAINT_ENV_ID,
        entry_point="spiral_cli.envs.paint:PaintEnv",
        vector_entry_point="spiral_cli.envs.paint:PaintVectorEnv",
    )

if SCENES_ENV_ID not in gymnasium.registry:
    gymnasium.register(
        id=SCENES_ENV_ID,
        entry_point="spiral_cli.envs.scenes:SceneEnv",
        vector_entry_point="spiral_cli.envs.scenes:SceneVectorEnv",
    )

# Environment families the trainer can use: options class and batched environment.
FAMILIES = {"paint": (PaintConfig, PaintVectorEnv), "scenes": (SceneConfig, SceneVectorEnv)}


def env_config(family: str, **options):
    from spiral_cli.errors import UsageError

    if family not in FAMILIES:
        raise UsageError(f"--env must be one of {', '.join(FAMILIES)}, got {family!r}")
    try:
        return FAMILIES[family][0](**options)
    except TypeError as exc:
        raise UsageError(f"bad option for the {family} environment: {exc}") from None


def make_vector_env(family: str, num_envs: int, config):
    return FAMILIES[family][1](num_envs, **config.to_dict())


__all__ = [
    "FAMILIES", "PAINT_ENV_ID", "SCENES_ENV_ID", "PaintConfig", "PaintEnv", "PaintVectorEnv", "SceneConfig", "SceneEnv",
    "SceneVectorEnv", "env_config", "make_vector_env",
]
