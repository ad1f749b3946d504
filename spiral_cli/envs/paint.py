"""The libmypaint painting environment of SPIRAL (Ganin et al. 2018, section 4.2)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass
from functools import lru_cache

import gymnasium
import numpy as np
from gymnasium import spaces

from spiral_cli.envs.components import ActionComponent, LockstepVectorEnv, components_of
from spiral_cli.painting.brushes import DEFAULT_BRUSH
from spiral_cli.painting.painter import Painter
from spiral_cli.programs.model import Action, StrokeProgram

COLOR_KEYS = ("red", "green", "blue")


@lru_cache(maxsize=16)
def _levels(lowest: float, count: int) -> tuple[float, ...]:
    """`count` evenly spaced levels from `lowest` to 1 (made once: the searches decode many actions)."""
    return tuple(float(v) for v in np.linspace(lowest, 1.0, count))


@dataclass(frozen=True)
class PaintConfig:
    canvas: int = 64
    grid: int = 32
    episode_length: int = 20
    brush: str = DEFAULT_BRUSH
    color: bool = False
    brush_sizes: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 12.0, 24.0)  # diameters on a 64 px canvas
    pressure_levels: int = 10
    color_levels: int = 20

    def __post_init__(self):
        object.__setattr__(self, "brush_sizes", tuple(float(s) for s in self.brush_sizes))  # JSON gives lists

    def action_space(self) -> spaces.Dict:
        """Components in the order the agent's decoder samples them."""
        cells = self.grid * self.grid
        components = OrderedDict(  # gymnasium sorts the keys of a plain dict
            flag=spaces.Discrete(2),  # 0: jump to end, 1: draw a stroke
            end=spaces.Discrete(cells),
            control=spaces.Discrete(cells),
            size=spaces.Discrete(len(self.brush_sizes)),
            pressure=spaces.Discrete(self.pressure_levels),
        )
        if self.color:
            components.update((k, spaces.Discrete(self.color_levels)) for k in COLOR_KEYS)
        return spaces.Dict(components)

    def action_components(self) -> list[ActionComponent]:
        return components_of(self.action_space(), {"end": self.grid, "control": self.grid})

    def observation_space(self) -> spaces.Dict:
        channels = 3 if self.color else 1
        return spaces.Dict(
            {
                "canvas": spaces.Box(0, 255, (self.canvas, self.canvas, channels), np.uint8),
                "position": spaces.Box(0.0, 1.0, (2,), np.float32),
                "step": spaces.Discrete(self.episode_length + 1),
            }
        )

    def grid_point(self, cell: int) -> tuple[float, float]:
        """Cell index (row-major) to canvas pixels: canvas * i / grid."""
        row, column = divmod(int(cell), self.grid)
        unit = self.canvas / self.grid
        return (column * unit, row * unit)

    def decode(self, components: dict, position: tuple[float, float]) -> Action:
        """The program action for one sampled action of the environment."""
        pressure = _levels(0.1, self.pressure_levels)[int(components["pressure"])]
        size = self.brush_sizes[int(components["size"])] * self.canvas / 64
        color = None
        if self.color:
            levels = _levels(0.0, self.color_levels)
            color = tuple(levels[int(components[k])] for k in COLOR_KEYS)
        return Action(
            kind="draw" if int(components["flag"]) == 1 else "jump",
            start=position,
            control=self.grid_point(components["control"]),
            end=self.grid_point(components["end"]),
            pressure=pressure,
            size=float(size),
            color=color,
        )

    @staticmethod
    def marks(actions: dict):
        """Where a batch of actions draws a stroke (what the trainer counts per episode)."""
        return actions["flag"] == 1

    def empty_program(self) -> StrokeProgram:
        return StrokeProgram(
            width=self.canvas,
            height=self.canvas,
            brush=self.brush,
            color_mode="color" if self.color else "grayscale",
            grid=self.grid,
        )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (self.canvas, self.canvas, 3 if self.color else 1)

    def to_dict(self) -> dict:
        return asdict(self)


class _Episode:
    """One painter plus the program it has executed so far."""

    def __init__(self, config: PaintConfig):
        self.config = config
        self.painter = Painter(config.canvas, config.canvas, config.brush)
        self.actions: list[Action] = []

    def reset(self, context=()) -> None:
        """A fresh canvas; `context` actions are painted on it first (strokes already drawn
        around a window) without becoming part of the episode, and the pen is put back to rest."""
        self.painter.reset()
        if context:
            for action in context:
                self.painter.execute(action)
            self.painter.execute(Action("jump", self.painter.position, (0.0, 0.0), (0.0, 0.0), 1.0, 1.0))
        self.actions = []

    def step(self, components: dict) -> None:
        action = self.config.decode(components, self.painter.position)
        self.painter.execute(action)
        self.actions.append(action)

    def preview(self, scratch: Painter, components: dict) -> np.ndarray:
        """The canvas this action would give, painted on `scratch`; the episode is untouched."""
        action = self.config.decode(components, self.painter.position)
        if not action.draws:
            return self.canvas()
        scratch.continue_from(self.painter)
        scratch.execute(action)
        rgb = scratch.rgb()
        return rgb if self.config.color else rgb[..., :1]

    def canvas(self) -> np.ndarray:
        rgb = self.painter.rgb()
        return rgb if self.config.color else rgb[..., :1]

    def observation(self) -> dict:
        x, y = self.painter.position
        return {
            "canvas": self.canvas(),
            "position": np.array([x, y], np.float32) / self.config.canvas,
            "step": len(self.actions),
        }

    def program(self) -> StrokeProgram:
        return self.config.empty_program().with_actions(self.actions)


class PaintEnv(gymnasium.Env):
    """Draw on a white canvas with a MyPaint brush, one Bezier stroke or jump per step.

    The environment gives no reward of its own: the trainer's discriminator (or the
    distance to a target) supplies it. ``env.program`` is what was executed."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, render_mode: str | None = None, **config):
        self.config = PaintConfig(**config)
        self.action_space = self.config.action_space()
        self.observation_space = self.config.observation_space()
        self.render_mode = render_mode
        self._episode = _Episode(self.config)

    @property
    def program(self) -> StrokeProgram:
        return self._episode.program()

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._episode.reset()
        return self._episode.observation(), {}

    def step(self, action: dict):
        self._episode.step(action)
        terminated = len(self._episode.actions) >= self.config.episode_length
        return self._episode.observation(), 0.0, terminated, False, {}

    def render(self):
        return self._episode.painter.rgb()


class PaintVectorEnv(LockstepVectorEnv):
    """Many painting environments stepped together in one process, in lockstep."""

    def __init__(self, num_envs: int, render_mode: str | None = None, **config):
        super().__init__(PaintConfig(**config), num_envs, render_mode)
        self._episodes = [_Episode(self.config) for _ in range(num_envs)]
        self._scratch: Painter | None = None  # where preview() tries actions out

    @property
    def programs(self) -> list[StrokeProgram]:
        return [e.program() for e in self._episodes]

    @property
    def steps_taken(self) -> int:
        """Actions executed so far in the current episodes (they run in lockstep)."""
        return len(self._episodes[0].actions)

    def canvases(self) -> np.ndarray:
        """(num_envs, H, W, C) uint8."""
        return np.stack([e.canvas() for e in self._episodes])

    def preview(self, candidates: dict) -> np.ndarray:
        """Canvases that K candidate actions per environment would give, without stepping:
        candidates hold (num_envs, K) arrays; returns (num_envs, K, H, W, C) uint8."""
        if self._scratch is None:
            self._scratch = Painter(self.config.canvas, self.config.canvas, self.config.brush)
        count = next(iter(candidates.values())).shape[1]
        return np.stack([
            np.stack([episode.preview(self._scratch, {k: v[i, j] for k, v in candidates.items()}) for j in range(count)])
            for i, episode in enumerate(self._episodes)
        ])

    def _observations(self) -> dict:
        episodes = self._episodes
        positions = np.array([e.painter.position for e in episodes], np.float32)
        return {
            "canvas": self.canvases(),
            "position": positions / self.config.canvas,
            "step": np.array([len(e.actions) for e in episodes], np.int64),
        }

    def reset(self, *, seed=None, options=None):
        """options["context"]: per environment, actions painted before the episode starts."""
        super().reset(seed=seed)
        contexts = (options or {}).get("context") or [()] * self.num_envs
        for episode, context in zip(self._episodes, contexts):
            episode.reset(context)
        return self._observations(), {}

    def step(self, actions: dict):
        for index, episode in enumerate(self._episodes):
            episode.step({key: values[index] for key, values in actions.items()})
        done = self.steps_taken >= self.config.episode_length
        rewards = np.zeros(self.num_envs, np.float32)
        terminated = np.full(self.num_envs, done)
        truncated = np.zeros(self.num_envs, bool)
        return self._observations(), rewards, terminated, truncated, {}

    def render(self):
        return np.stack([e.painter.rgb() for e in self._episodes])
