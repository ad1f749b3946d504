"""The MuJoCo scenes environment of SPIRAL (Ganin et al. 2018, sections 4.2 and 4.6): each
step adds an object to the platform, changes the most recently added one, or skips."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass

import gymnasium
import numpy as np
from gymnasium import spaces

from spiral_cli.envs.components import ActionComponent, LockstepVectorEnv, components_of
from spiral_cli.scenes.model import SHAPES, SIZES, SceneObject, SceneProgram, cell_center
from spiral_cli.scenes.renderer import MAX_OBJECTS, SceneRenderer

MOVES = ("add", "skip", "change")
COLOR_KEYS = ("red", "green", "blue")


@dataclass(frozen=True)
class SceneConfig:
    canvas: int = 64
    grid: int = 16
    episode_length: int = 10
    max_objects: int = MAX_OBJECTS
    color_levels: int = 4

    def __post_init__(self):
        if not 1 <= self.max_objects <= MAX_OBJECTS:
            raise ValueError(f"max_objects must lie in 1..{MAX_OBJECTS}")

    def action_space(self) -> spaces.Dict:
        """Components in the order the agent's decoder samples them."""
        components = OrderedDict(
            move=spaces.Discrete(len(MOVES)),
            shape=spaces.Discrete(len(SHAPES)),
            location=spaces.Discrete(self.grid * self.grid),
            size=spaces.Discrete(len(SIZES)),
        )
        components.update((k, spaces.Discrete(self.color_levels)) for k in COLOR_KEYS)
        return spaces.Dict(components)

    def action_components(self) -> list[ActionComponent]:
        return components_of(self.action_space(), {"location": self.grid})

    def observation_space(self) -> spaces.Dict:
        return spaces.Dict({
            "canvas": spaces.Box(0, 255, self.image_shape, np.uint8),
            "step": spaces.Discrete(self.episode_length + 1),
        })

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (self.canvas, self.canvas, 3)

    @property
    def color(self) -> bool:
        return True  # renders are always RGB

    def color_value(self, level: int) -> float:
        return float(level) / (self.color_levels - 1)

    def color_level(self, value: float) -> int:
        return int(round(value * (self.color_levels - 1)))

    def object_of(self, components: dict) -> SceneObject:
        return SceneObject(
            shape=SHAPES[int(components["shape"])],
            position=cell_center(int(components["location"]), self.grid),
            size=SIZES[int(components["size"])],
            color=tuple(self.color_value(components[k]) for k in COLOR_KEYS),
        )

    def apply(self, objects: list[SceneObject], components: dict) -> None:
        """Execute one action on a scene's object list."""
        move = MOVES[int(components["move"])]
        if move == "add" and len(objects) < self.max_objects:
            objects.append(self.object_of(components))
        elif move == "change" and objects:
            objects[-1] = self.object_of(components)

    @staticmethod
    def marks(actions: dict):
        """Where a batch of actions adds an object (what the trainer counts, like strokes)."""
        return actions["move"] == MOVES.index("add")

    def empty_program(self) -> SceneProgram:
        return SceneProgram(width=self.canvas, height=self.canvas, grid=self.grid)

    def to_dict(self) -> dict:
        return asdict(self)


class SceneEnv(gymnasium.Env):
    """Place primitives on a platform; the render is the observation. No reward of its own:
    the trainer's discriminator or the distance to a target supplies it."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, render_mode: str | None = None, **config):
        self.config = SceneConfig(**config)
        self.action_space = self.config.action_space()
        self.observation_space = self.config.observation_space()
        self.render_mode = render_mode
        self._renderer = SceneRenderer(self.config.canvas, self.config.canvas)
        self._objects: list[SceneObject] = []
        self._steps = 0
        self._canvas = self._renderer.render([])

    @property
    def program(self) -> SceneProgram:
        return self.config.empty_program().with_objects(self._objects)

    def _observation(self) -> dict:
        return {"canvas": self._canvas, "step": self._steps}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._objects, self._steps = [], 0
        self._canvas = self._renderer.render([])
        return self._observation(), {}

    def step(self, action: dict):
        self.config.apply(self._objects, action)
        self._steps += 1
        self._canvas = self._renderer.render(self._objects)
        return self._observation(), 0.0, self._steps >= self.config.episode_length, False, {}

    def render(self):
        return self._canvas

    def close(self):
        self._renderer.close()


class SceneVectorEnv(LockstepVectorEnv):
    """Many scene environments stepped in lockstep, sharing one renderer (one GL context per
    process)."""

    def __init__(self, num_envs: int, render_mode: str | None = None, **config):
        super().__init__(SceneConfig(**config), num_envs, render_mode)
        self._renderer = SceneRenderer(self.config.canvas, self.config.canvas)
        self._scenes: list[list[SceneObject]] = [[] for _ in range(num_envs)]
        self._steps = 0
        self._canvases = np.zeros((num_envs, *self.config.image_shape), np.uint8)

    @property
    def programs(self) -> list[SceneProgram]:
        return [self.config.empty_program().with_objects(s) for s in self._scenes]

    def canvases(self) -> np.ndarray:
        return self._canvases.copy()

    def _observations(self) -> dict:
        return {"canvas": self.canvases(), "step": np.full(self.num_envs, self._steps, np.int64)}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._scenes, self._steps = [[] for _ in range(self.num_envs)], 0
        self._canvases[:] = self._renderer.render([])
        return self._observations(), {}

    def step(self, actions: dict):
        for index, scene in enumerate(self._scenes):
            before = list(scene)
            self.config.apply(scene, {key: values[index] for key, values in actions.items()})
            if scene != before:
                self._canvases[index] = self._renderer.render(scene)
        self._steps += 1
        done = self._steps >= self.config.episode_length
        rewards = np.zeros(self.num_envs, np.float32)
        return self._observations(), rewards, np.full(self.num_envs, done), np.zeros(self.num_envs, bool), {}

    def render(self):
        return self.canvases()

    def close_extras(self, **kwargs):
        self._renderer.close()

