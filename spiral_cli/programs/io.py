"""Stroke programs as versioned JSON, checked against the packaged JSON Schema."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema

from spiral_cli.errors import UsageError
from spiral_cli.programs.model import Action, StrokeProgram

FORMAT = "spiral-stroke-program"
VERSION = 1


@lru_cache(maxsize=1)
def schema() -> dict:
    text = resources.files("spiral_cli.programs").joinpath("stroke-program.schema.json").read_text()
    return json.loads(text)


def program_to_dict(program: StrokeProgram) -> dict:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "canvas": {"width": program.width, "height": program.height, "background": "#ffffff"},
        "brush": program.brush,
        "color_mode": program.color_mode,
        "frame": {"units": "px", "origin": "top-left", "y_axis": "down", "grid": program.grid},
    }
    if program.source is not None:
        data["source"] = program.source
    data["actions"] = [_action_to_dict(a) for a in program.actions]
    return data


def _action_to_dict(action: Action) -> dict:
    return {
        "kind": action.kind,
        "start": list(action.start),
        "control": list(action.control),
        "end": list(action.end),
        "pressure": action.pressure,
        "size": action.size,
        "color": None if action.color is None else list(action.color),
    }


def check_schema(data: object, schema_: dict, origin: str, what: str) -> None:
    """Raise UsageError with one line naming the first place `data` breaks the schema."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema_).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise UsageError(f"{origin}: invalid {what} at {where}: {error.message}")


def program_from_dict(data: object, origin: str = "program") -> StrokeProgram:
    """Validate and convert; raises UsageError with one line naming the first problem."""
    check_schema(data, schema(), origin, "stroke program")
    program = StrokeProgram(
        width=int(data["canvas"]["width"]),
        height=int(data["canvas"]["height"]),
        brush=data["brush"],
        color_mode=data["color_mode"],
        grid=data["frame"].get("grid"),
        source=data.get("source"),
        actions=tuple(_action_from_dict(a) for a in data["actions"]),
    )
    _check_ranges(program, origin)
    return program


def _action_from_dict(data: dict) -> Action:
    color = data["color"]
    return Action(
        kind=data["kind"],
        start=tuple(data["start"]),
        control=tuple(data["control"]),
        end=tuple(data["end"]),
        pressure=data["pressure"],
        size=data["size"],
        color=None if color is None else tuple(color),
    )


def _check_ranges(program: StrokeProgram, origin: str) -> None:
    """What JSON Schema cannot say: points inside the canvas, colour matching the mode."""
    limit = max(program.width, program.height)
    for index, action in enumerate(program.actions):
        where = f"{origin}: action {index}"
        for name in ("start", "control", "end"):
            x, y = getattr(action, name)
            if not (math.isfinite(x) and math.isfinite(y)):
                raise UsageError(f"{where}: {name} is not a finite point")
            if not (0 <= x <= program.width and 0 <= y <= program.height):
                raise UsageError(
                    f"{where}: {name} ({x:g}, {y:g}) lies outside the "
                    f"{program.width}x{program.height} canvas"
                )
        if action.size > limit:
            raise UsageError(f"{where}: size {action.size:g} is larger than the canvas")
        if program.color_mode == "grayscale" and action.color is not None:
            raise UsageError(f"{where}: a grayscale program has no colours (color must be null)")
        if program.color_mode == "color" and action.color is None:
            raise UsageError(f"{where}: a colour program needs a color for every action")


def load_program(path: str | Path) -> StrokeProgram:
    return program_from_dict(read_json(path), origin=str(path))


def load_any_program(path: str | Path):
    """A stroke program or a scene program, by the file's format field."""
    from spiral_cli.scenes.io import is_scene, scene_from_dict

    data = read_json(path)
    return scene_from_dict(data, origin=str(path)) if is_scene(data) else program_from_dict(data, origin=str(path))


def read_json(path: str | Path) -> object:
    """A program file's JSON; one-line errors for what a user can get wrong."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: is a directory, not a program")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _reject_constant(name: str):
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def program_json(program: StrokeProgram) -> str:
    return json.dumps(program_to_dict(program), indent=1) + "\n"


def save_program(program: StrokeProgram, path: str | Path) -> None:
    from spiral_cli.export.files import write_output

    write_output(path, program_json(program).encode())
