"""How an environment describes its discrete action components to the agent."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space


@dataclass(frozen=True)
class ActionComponent:
    """One discrete part of an action; `grid` is set for a location on a grid x grid board."""

    name: str
    size: int
    grid: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def components_of(space: spaces.Dict, grids: dict[str, int]) -> list[ActionComponent]:
    """The components of a Dict of Discrete spaces, in the order the agent samples them."""
    return [ActionComponent(name, int(sub.n), grids.get(name)) for name, sub in space.spaces.items()]


class LockstepVectorEnv(VectorEnv):
    """Environments of one configuration stepped together in one process. All episodes have
    the same length, so there is no autoreset: call reset() to begin the next batch."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4, "autoreset_mode": AutoresetMode.DISABLED}

    def __init__(self, config, num_envs: int, render_mode: str | None = None):
        self.config = config
        self.num_envs = num_envs
        self.render_mode = render_mode
        self.single_action_space = config.action_space()
        self.single_observation_space = config.observation_space()
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
