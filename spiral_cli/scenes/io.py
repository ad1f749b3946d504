"""Scene programs as versioned JSON, with the stroke programs' conventions: a format name and
version, a packaged JSON Schema, one-line errors, atomic saves."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from spiral_cli.programs.io import check_schema, read_json
from spiral_cli.scenes.model import PLATFORM_HALF, Camera, SceneObject, SceneProgram

FORMAT = "spiral-scene-program"
VERSION = 1


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(resources.files("spiral_cli.scenes").joinpath("scene-program.schema.json").read_text())


def scene_to_dict(program: SceneProgram) -> dict:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "canvas": {"width": program.width, "height": program.height},
        "frame": {"units": "m", "platform": [-PLATFORM_HALF, -PLATFORM_HALF, PLATFORM_HALF, PLATFORM_HALF],
                  "grid": program.grid},
        "camera": {"azimuth": program.camera.azimuth, "elevation": program.camera.elevation,
                   "distance": program.camera.distance},
    }
    if program.source is not None:
        data["source"] = program.source
    data["objects"] = [
        {"shape": o.shape, "position": list(o.position), "size": o.size, "color": list(o.color)} for o in program.objects
    ]
    return data


def scene_from_dict(data: object, origin: str = "program") -> SceneProgram:
    """Validate and convert; raises UsageError with one line naming the first problem."""
    check_schema(data, schema(), origin, "scene program")
    camera = data["camera"]
    return SceneProgram(
        width=data["canvas"]["width"],
        height=data["canvas"]["height"],
        grid=data["frame"]["grid"],
        camera=Camera(float(camera["azimuth"]), float(camera["elevation"]), float(camera["distance"])),
        objects=tuple(
            SceneObject(o["shape"], tuple(float(v) for v in o["position"]), o["size"], tuple(float(v) for v in o["color"]))
            for o in data["objects"]
        ),
        source=data.get("source"),
    )


def is_scene(data: object) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def load_scene(path: str | Path) -> SceneProgram:
    return scene_from_dict(read_json(path), origin=str(path))


def scene_json(program: SceneProgram) -> str:
    return json.dumps(scene_to_dict(program), indent=1) + "\n"


def save_scene(program: SceneProgram, path: str | Path) -> None:
    from spiral_cli.export.files import write_output

    write_output(path, scene_json(program).encode())
