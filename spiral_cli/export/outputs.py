"""One stroke program to any of the output formats, by name."""

from __future__ import annotations

from dataclasses import dataclass

from spiral_cli.export.raster import render_gif, render_png, render_scale
from spiral_cli.export.svg import program_svg
from spiral_cli.programs.io import program_json
from spiral_cli.programs.model import StrokeProgram

FORMATS = ("svg", "json", "png", "gif")


@dataclass(frozen=True)
class OutputOptions:
    scale: float | None = None  # PNG and GIF: multiply the program's frame by this
    size: int | None = None  # PNG and GIF: longer side in px
    brush: str | None = None  # PNG and GIF: re-render with this brush
    color_by_stroke: bool = False  # SVG: one colour per stroke


def encode(program: StrokeProgram, format: str, options: OutputOptions = OutputOptions()) -> bytes:
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
