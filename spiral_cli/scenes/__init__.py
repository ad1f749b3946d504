"""MuJoCo scenes: scene programs, their JSON form and an offscreen renderer (paper section 4.2)."""

from spiral_cli.scenes.io import is_scene, load_scene, save_scene, scene_from_dict, scene_json, scene_to_dict
from spiral_cli.scenes.model import SHAPES, SIZES, Camera, SceneObject, SceneProgram, cell_center, cell_of

__all__ = [
    "SHAPES", "SIZES", "Camera", "SceneObject", "SceneProgram", "cell_center", "cell_of",
    "is_scene", "load_scene", "save_scene", "scene_from_dict", "scene_json", "scene_to_dict",
]
