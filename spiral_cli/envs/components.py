"""How an environment describes its discrete action components to the agent."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from gymnasium import spaces


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
