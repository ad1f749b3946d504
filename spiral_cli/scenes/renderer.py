"""Offscreen MuJoCo renders of scene programs.

The model is compiled once with MAX_OBJECTS geom slots; a scene is drawn by editing the
slots in place (type, size, position, colour; unused slots invisible), which is about a
hundred times faster than compiling a model per scene."""

from __future__ import annotations

import atexit
import weakref

import numpy as np

from spiral_cli.errors import MissingLibraryError
from spiral_cli.scenes.gl import choose_backend
from spiral_cli.scenes.model import Camera, SceneObject

MAX_OBJECTS = 20
HALF_SIZES = {"small": 0.1, "medium": 0.15, "large": 0.2}  # metres

_MODEL = """<mujoco model="spiral-scenes">
  <visual>
    <global offwidth="{width}" offheight="{height}"/>
    <quality shadowsize="0" offsamples="0"/>
    <headlight ambient=".45 .45 .45" diffuse=".5 .5 .5" specular="0 0 0"/>
  </visual>
  <asset>
    <texture type="skybox" builtin="gradient" rgb1=".85 .88 .92" rgb2=".6 .65 .7" width="32" height="32"/>
  </asset>
  <worldbody>
    <light pos="1 -1 4" dir="-.2 .2 -1" diffuse=".5 .5 .5" castshadow="false"/>
    <geom name="platform" type="box" size="1 1 .02" pos="0 0 -.02" rgba=".45 .45 .45 1" contype="0" conaffinity="0"/>
    {slots}
  </worldbody>
</mujoco>"""
_SLOT = '<geom name="object{index}" type="sphere" size=".1" pos="0 0 -1" rgba="0 0 0 0" contype="0" conaffinity="0"/>'


def geom_of(obj: SceneObject, mujoco) -> tuple[int, list[float], float]:
    """MuJoCo geom type, size vector and the height of its centre for an object resting on
    the platform."""
    s = HALF_SIZES[obj.size]
    kind = {
        "sphere": (mujoco.mjtGeom.mjGEOM_SPHERE, [s, 0, 0], s),
        "cube": (mujoco.mjtGeom.mjGEOM_BOX, [s, s, s], s),
        "cylinder": (mujoco.mjtGeom.mjGEOM_CYLINDER, [s, s, 0], s),
        "capsule": (mujoco.mjtGeom.mjGEOM_CAPSULE, [0.7 * s, 0.6 * s, 0], 1.3 * s),
    }
    return kind[obj.shape]


class SceneRenderer:
    """Renders lists of objects at width x height from any camera."""

    def __init__(self, width: int = 64, height: int = 64):
        choose_backend()
        try:
            import mujoco
        except (ImportError, RuntimeError, OSError) as exc:  # an unusable MUJOCO_GL surfaces here
            raise MissingLibraryError(f"cannot load MuJoCo for offscreen rendering: {exc}") from None
        self._mujoco = mujoco
        slots = "\n    ".join(_SLOT.format(index=i) for i in range(MAX_OBJECTS))
        self.model = mujoco.MjModel.from_xml_string(_MODEL.format(width=width, height=height, slots=slots))
        self.data = mujoco.MjData(self.model)
        self._first_slot = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_GEOM, "object0")
        try:
            self._renderer = mujoco.Renderer(self.model, height, width)
        except Exception as exc:  # noqa: BLE001 - any GL failure means the same to the user
            raise MissingLibraryError(f"MuJoCo cannot render offscreen with MUJOCO_GL={_gl()}: {exc}") from None
        # OSMesa's context must be freed before the interpreter tears PyOpenGL down.
        self._finalizer = weakref.finalize(self, self._renderer.close)
        atexit.register(self._finalizer)
        self.width, self.height = width, height

    def render(self, objects: tuple[SceneObject, ...] | list[SceneObject], camera: Camera = Camera()) -> np.ndarray:
        """(height, width, 3) uint8."""
        if len(objects) > MAX_OBJECTS:
            raise ValueError(f"a scene holds at most {MAX_OBJECTS} objects, got {len(objects)}")
        model, mujoco = self.model, self._mujoco
        for index in range(MAX_OBJECTS):
            geom = self._first_slot + index
            if index < len(objects):
                obj = objects[index]
                kind, size, height = geom_of(obj, mujoco)
                model.geom_type[geom] = kind
                model.geom_size[geom] = size
                model.geom_rbound[geom] = 2 * max(size)
                model.geom_pos[geom] = [obj.position[0], obj.position[1], height]
                model.geom_rgba[geom] = [*obj.color, 1.0]
            else:
                model.geom_rgba[geom, 3] = 0.0
                model.geom_pos[geom, 2] = -1.0
        mujoco.mj_forward(model, self.data)
        view = mujoco.MjvCamera()
        view.type = mujoco.mjtCamera.mjCAMERA_FREE
        view.lookat[:] = (0.0, 0.0, 0.0)
        view.distance, view.azimuth, view.elevation = camera.distance, camera.azimuth, camera.elevation
        self._renderer.update_scene(self.data, view)
        return self._renderer.render().copy()

    def close(self) -> None:
        self._finalizer()


def _gl() -> str:
    import os

    return os.environ.get("MUJOCO_GL", "?")
