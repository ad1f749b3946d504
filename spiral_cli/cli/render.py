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


DATASETS = (".npz", ".ndjson")


def render(
    programs: list[Path] = typer.Argument(..., help="Stroke or scene program JSON files, or stroke datasets "
                                          "(stroke-3 .npz, Quick, Draw! .ndjson).", show_default=False),
    output: str = typer.Option(None, "-o", "--output", help="Output PNG ('-' for stdout); default: PROGRAM.png. "
                               "For a stroke dataset a folder (default: its name), one PNG per drawing."),
    scale: float = typer.Option(None, "--scale", help="Multiply the canvas size by this."),
    size: int = typer.Option(None, "--size", help="Longer side of the output in pixels."),
    brush: str = typer.Option(None, "--brush", help=BRUSH_HELP),
    azimuth: float = typer.Option(None, "--azimuth", help="Scenes: camera angle around the platform (degrees; 90 is the default view)."),
    elevation: float = typer.Option(None, "--elevation", help="Scenes: camera angle, degrees below the horizon as negative (default -70)."),
    line_width: float = typer.Option(None, "--line-width", help="Stroke datasets: pen size in px (default 2)."),
    canvas: int = typer.Option(None, "--canvas", help="Stroke datasets: side of the square canvas in px "
                               "(default: stroke-3 drawings' extent, ndjson's 256)."),
) -> None:
    """Re-render stroke programs as PNG at any resolution and with any brush; scene programs at
    any resolution and from any camera angle; each drawing of a stroke dataset."""
    if output is not None and len(programs) > 1:
        raise UsageError("-o names one output; give one program or leave -o out")
    datasets = [p.suffix in DATASETS for p in programs]
    if (line_width is not None or canvas is not None) and not all(datasets):
        raise UsageError("--line-width and --canvas are for stroke datasets (.npz, .ndjson)")
    for source, dataset in zip(programs, datasets):
        options = OutputOptions(scale, size, brush, azimuth=azimuth, elevation=elevation)
        if dataset:
            render_dataset(source, Path(output) if output else source.with_suffix(""), options, line_width or 2.0, canvas)
            continue
        program = load_any_program(source)
        write_output(output or default_output(source, ".png"), encode(program, "png", options))


def render_dataset(source: Path, folder: Path, options: OutputOptions, line_width: float, canvas: int | None) -> None:
    """One PNG per drawing of a stroke dataset, named by split and index (ndjson: index and key)."""
    from spiral_cli.export.stroke_datasets import dataset_programs

    if str(folder) == "-":
        raise UsageError("a stroke dataset renders to a folder of PNGs, not to stdout")
    drawings = dataset_programs(source, line_width, canvas)  # read whole first: a bad file writes nothing
    folder.mkdir(parents=True, exist_ok=True)
    for name, program in drawings:
        write_output(folder / f"{name}.png", encode(program, "png", options))


def export(
    program_file: Path = typer.Argument(..., metavar="PROGRAM", help="Stroke (or scene: --png only) program JSON file."),
    svg: str = typer.Option(None, "--svg", help="Write an SVG here ('-' for stdout)."),
    png: str = typer.Option(None, "--png", help="Write a PNG here (see --scale, --size, --brush)."),
    gif: str = typer.Option(None, "--gif", help="Write an animated GIF of the drawing here."),
    color_by_stroke: bool = typer.Option(False, "--color-by-stroke", help="Give each SVG stroke its own colour."),
    scale: float = typer.Option(None, "--scale", help="PNG and GIF: multiply the canvas size by this."),
    size: int = typer.Option(None, "--size", help="PNG and GIF: longer side in pixels."),
    brush: str = typer.Option(None, "--brush", help=BRUSH_HELP),
    stroke3: str = typer.Option(None, "--stroke3", help="Write sketch-rnn's stroke-3 .npz here (the drawing in its train split)."),
    ndjson: str = typer.Option(None, "--ndjson", help="Write Quick, Draw!'s simplified ndjson here (one line)."),
    rdp: float = typer.Option(0.0, "--rdp", help="stroke-3: simplify strokes with Douglas-Peucker, this tolerance in px."),
) -> None:
    """Export a stroke program as SVG (Inkscape, vpype), PNG, a GIF drawn stroke by stroke, or
    a stroke dataset for sequence models (stroke-3, ndjson)."""
    outputs = [o for o in (svg, png, gif, stroke3, ndjson) if o is not None]
    if not outputs:
        raise UsageError("nothing to export: give --svg, --png, --gif, --stroke3 and/or --ndjson with a path")
    if rdp and stroke3 is None:
        raise UsageError("--rdp is for --stroke3")
    if outputs.count("-") > 1:
        raise UsageError("only one output can go to stdout")
    program = load_any_program(program_file)
    options = OutputOptions(scale, size, brush, color_by_stroke)
    for format, path in (("png", png), ("gif", gif), ("svg", svg)):
        if path is not None:
            write_output(path, encode(program, format, options))
    if stroke3 is not None or ndjson is not None:
        export_strokes(program, program_file, stroke3, ndjson, rdp)


def export_strokes(program, source: Path, stroke3: str | None, ndjson: str | None, rdp: float) -> None:
    from spiral_cli.export.stroke_datasets import program_ndjson, program_stroke3, stroke3_bytes
    from spiral_cli.programs.model import StrokeProgram

    if not isinstance(program, StrokeProgram):
        raise UsageError("a scene program has no strokes: --stroke3 and --ndjson are for stroke programs")
    if stroke3 is not None:
        write_output(stroke3, stroke3_bytes({"train": [program_stroke3(program, rdp)]}))
    if ndjson is not None:
        write_output(ndjson, (program_ndjson(program, source.stem) + "\n").encode())
