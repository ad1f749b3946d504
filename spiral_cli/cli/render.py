"""`spiral render` and `spiral export`: stroke programs to PNG, SVG and GIF."""

from __future__ import annotations

from pathlib import Path

import typer

from spiral_cli.errors import UsageError
from spiral_cli.export.files import write_output
from spiral_cli.export.outputs import OutputOptions, encode
from spiral_cli.programs.io import load_any_program

BRUSH_HELP = "Brush name (see 'spiral brushes') or .myb file; default: the program's brush."


def default_output(source: Path, suffix: str) -> Path:
    """potrace convention: the input's name with the new extension."""
    return source.with_suffix(suffix)


def render(
    programs: list[Path] = typer.Argument(..., help="Stroke or scene program JSON files.", show_default=False),
    output: str = typer.Option(None, "-o", "--output", help="Output PNG ('-' for stdout); default: PROGRAM.png."),
    scale: float = typer.Option(None, "--scale", help="Multiply the canvas size by this."),
    size: int = typer.Option(None, "--size", help="Longer side of the output in pixels."),
    brush: str = typer.Option(None, "--brush", help=BRUSH_HELP),
    azimuth: float = typer.Option(None, "--azimuth", help="Scenes: camera angle around the platform (degrees; 90 is the default view)."),
    elevation: float = typer.Option(None, "--elevation", help="Scenes: camera angle, degrees below the horizon as negative (default -70)."),
) -> None:
    """Re-render stroke programs as PNG at any resolution and with any brush; scene programs at
    any resolution and from any camera angle."""
    if output is not None and len(programs) > 1:
        raise UsageError("-o names one output; give one program or leave -o out")
    for source in programs:
        program = load_any_program(source)
        options = OutputOptions(scale, size, brush, azimuth=azimuth, elevation=elevation)
        write_output(output or default_output(source, ".png"), encode(program, "png", options))


def export(
    program_file: Path = typer.Argument(..., metavar="PROGRAM", help="Stroke (or scene: --png only) program JSON file."),
    svg: str = typer.Option(None, "--svg", help="Write an SVG here ('-' for stdout)."),
    png: str = typer.Option(None, "--png", help="Write a PNG here (see --scale, --size, --brush)."),
    gif: str = typer.Option(None, "--gif", help="Write an animated GIF of the drawing here."),
    color_by_stroke: bool = typer.Option(False, "--color-by-stroke", help="Give each SVG stroke its own colour."),
    scale: float = typer.Option(None, "--scale", help="PNG and GIF: multiply the canvas size by this."),
    size: int = typer.Option(None, "--size", help="PNG and GIF: longer side in pixels."),
    brush: str = typer.Option(None, "--brush", help=BRUSH_HELP),
) -> None:
    """Export a stroke program as SVG (Inkscape, vpype), PNG, or a GIF drawn stroke by stroke."""
    outputs = [o for o in (svg, png, gif) if o is not None]
    if not outputs:
        raise UsageError("nothing to export: give --svg, --png and/or --gif with a path")
    if outputs.count("-") > 1:
        raise UsageError("only one output can go to stdout")
    program = load_any_program(program_file)
    options = OutputOptions(scale, size, brush, color_by_stroke)
    for format, path in (("png", png), ("gif", gif), ("svg", svg)):
        if path is not None:
            write_output(path, encode(program, format, options))
