"""The agent's networks: the policy (with value head) and the discriminator."""

from spiral_cli.agent.config import MODEL_PRESETS, ModelConfig, model_config
from spiral_cli.agent.discriminator import Discriminator
from spiral_cli.agent.policy import Policy
from spiral_cli.envs.components import ActionComponent

__all__ = ["MODEL_PRESETS", "ActionComponent", "Discriminator", "ModelConfig", "Policy", "model_config"]
