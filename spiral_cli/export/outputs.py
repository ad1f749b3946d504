"""One stroke or scene program to any of the output formats, by name."""

from __future__ import annotations

from dataclasses import dataclass

from spiral_cli.errors import UsageError
from spiral_cli.export.raster import render_gif, render_png, render_scale
from spiral_cli.export.svg import program_svg
from spiral_cli.programs.io import program_json
from spiral_cli.export.scenes import scene_png
from spiral_cli.programs.model import StrokeProgram
from spiral_cli.scenes.io import scene_json
from spiral_cli.scenes.model import SceneProgram

FORMATS = ("svg", "json", "png", "gif")


@dataclass(frozen=True)
class OutputOptions:
    scale: float | None = None  # PNG and GIF: multiply the program's frame by this
    size: int | None = None  # PNG and GIF: longer side in px
    brush: str | None = None  # PNG and GIF: re-render with this brush
    color_by_stroke: bool = False  # SVG: one colour per stroke
    azimuth: float | None = None  # scene PNG: camera angle around the platform, degrees
    elevation: float | None = None  # scene PNG: camera angle above the platform, degrees


def encode(program: StrokeProgram | SceneProgram, format: str, options: OutputOptions = OutputOptions()) -> bytes:
    if isinstance(program, SceneProgram):
        return _encode_scene(program, format, options)
    if options.azimuth is not None or options.elevation is not None:
        raise UsageError("--azimuth and --elevation are for scene programs")
    if format == "svg":
        return program_svg(program, color_by_stroke=options.color_by_stroke).encode()
    if format == "json":
        return program_json(program).encode()
    scale = render_scale(program, options.scale, options.size)
    if format == "png":
        return render_png(program, scale, options.brush)
    if format == "gif":
        return render_gif(program, scale, options.brush)
    raise ValueError(format)


def _encode_scene(program: SceneProgram, format: str, options: OutputOptions) -> bytes:
    if options.brush is not None:
        raise UsageError("--brush is for stroke programs; a scene is rendered by MuJoCo")
    if format == "json":
        return scene_json(program).encode()
    if format == "png":
        return scene_png(program, render_scale(program, options.scale, options.size), options.azimuth, options.elevation)
    raise UsageError(f"a scene program exports to JSON and PNG, not {format.upper()}")
