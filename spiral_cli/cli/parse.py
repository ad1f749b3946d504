"""`spiral parse`: images to stroke programs, SVG, PNG or GIF with a trained agent."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from spiral_cli.errors import UsageError
from spiral_cli.export.files import write_output
from spiral_cli.export.outputs import FORMATS, OutputOptions, encode
from spiral_cli.parsing.images import DEFAULT_MAX_PIXELS
from spiral_cli.parsing.parse import METHODS, QUALITIES
from spiral_cli.parsing.scenes import SceneParseResult

BATCH = 64  # images parsed together


def output_paths(images: list[Path], formats: list[str], output: str | None) -> list[dict[str, str]]:
    """Per image, format -> path: by default the input's name with the format's extension
    (potrace); -o names a file (or '-' for stdout) for one image in one format, or a directory."""
    if output is not None and output != "-" and Path(output).is_dir():
        return [{f: str(Path(output) / default_output(image, f).name) for f in formats} for image in images]
    if output is not None:
        if len(images) > 1 or len(formats) > 1:
            raise UsageError("-o names one file: give one image and one format, or an existing directory")
        if Path(output).resolve() == images[0].resolve():
            raise UsageError(f"-o {output}: that is the input image")
        return [{formats[0]: output}]
    return [{f: str(default_output(image, f)) for f in formats} for image in images]


def default_output(image: Path, format: str) -> Path:
    """IMAGE.svg etc.; a PNG re-render of a PNG becomes IMAGE.spiral.png, never the input."""
    path = image.with_suffix(f".{format}")
    return path if path != image else image.with_suffix(f".spiral.{format}")


def parse(
    images: list[Path] = typer.Argument(..., help="Images: PNG, JPEG, WebP, BMP, TIFF.", show_default=False),
    svg: bool = typer.Option(False, "--svg", help="Write an SVG (the default when no format is given)."),
    json_: bool = typer.Option(False, "--json", help="Write the stroke program as JSON, with its scores."),
    png: bool = typer.Option(False, "--png", help="Write a re-render as PNG (see --scale, --size, --brush)."),
    gif: bool = typer.Option(False, "--gif", help="Write a GIF of the drawing, stroke by stroke."),
    output: str = typer.Option(None, "-o", "--output", help="Output file ('-' for stdout) or directory; default: IMAGE.svg etc."),
    checkpoint: str = typer.Option(None, "--checkpoint", help="Shipped checkpoint name or run directory; default: picked per image."),
    quality: str = typer.Option("fast", "--quality", help=f"One of: {', '.join(QUALITIES)} (best searches, slower; colour pictures at best are painted by the colour stroke search)."),
    steps: int = typer.Option(None, "--steps", help="Actions per image (default: the checkpoint's episode length)."),
    scale: float = typer.Option(None, "--scale", help="PNG and GIF: multiply the input's size by this."),
    size: int = typer.Option(None, "--size", help="PNG and GIF: longer side in pixels."),
    brush: str = typer.Option(None, "--brush", help="PNG and GIF: re-render with this brush."),
    color_by_stroke: bool = typer.Option(False, "--color-by-stroke", help="SVG: give each stroke its own colour."),
    max_pixels: int = typer.Option(DEFAULT_MAX_PIXELS, "--max-pixels", help="Refuse larger images (decompression bombs)."),
    method: str = typer.Option("agent", "--method", help=f"One of: {', '.join(METHODS)} (agent: the whole pipeline, a glyph getting the classic tracer's strokes where they re-render closer; trace: the classic centre-line tracer alone; trace-refine: the pipeline without the agent; search: the colour stroke search paints the picture coarse to fine, no checkpoint; mcmc: the scenes baseline)."),
    max_strokes: int = typer.Option(None, "--max-strokes", help="Keep at most this many strokes (the longest); a colour agent paints a picture coarse to fine in this many [default: down to 2x zoom]."),
    budget: int = typer.Option(1000, "--budget", help="mcmc: renders per image."),
    azimuth: float = typer.Option(None, "--azimuth", help="Scenes PNG: camera angle around the platform (degrees)."),
    elevation: float = typer.Option(None, "--elevation", help="Scenes PNG: camera elevation (degrees, negative looks down)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Turn images of any size into stroke programs at their own resolution: the drawing's
    centre lines are traced, the agent adds what is missing window by window, continuing
    strokes are joined and the whole program is refined (scene programs with a scenes
    checkpoint or --method mcmc)."""
    from spiral_cli.parsing.parse import parse_files

    if quality not in QUALITIES:
        raise UsageError(f"--quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    if steps is not None and steps < 1:
        raise UsageError("--steps must be at least 1")
    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if budget < 1:
        raise UsageError("--budget must be at least 1")
    if max_strokes is not None and max_strokes < 0:
        raise UsageError("--max-strokes must be at least 0")
    formats = [f for f, chosen in zip(FORMATS, (svg, json_, png, gif)) if chosen] or ["svg"]
    plans = output_paths(images, formats, output)
    options = OutputOptions(scale, size, brush, color_by_stroke, azimuth, elevation)
    console = Console(stderr=True)
    on_stage = _progress(console)
    for start in range(0, len(images), BATCH):
        batch = images[start : start + BATCH]
        parsed = parse_files(batch, checkpoint, quality, steps, seed, max_pixels, method, budget, max_strokes, on_stage)
        for result, plan in zip(parsed, plans[start:]):
            outputs = {path: encode(result.program, format, options) for format, path in plan.items()}
            for path, payload in outputs.items():
                write_output(path, payload)
            marks = "objects" if isinstance(result, SceneParseResult) else "strokes"
            console.print(
                f"{result.program.source['image']} -> {', '.join(plan.values())}: {result.strokes} {marks}, "
                f"relative residual {result.relative_residual:.3f}",
                highlight=False, soft_wrap=True,
            )
            for note in getattr(result, "notes", ()):
                console.print(f"warning: {result.program.source['image']}: {note}", highlight=False, soft_wrap=True)


def _progress(console: Console, after: float = 2.0):
    """A callback that reports an image's stages on stderr once it has taken `after` seconds."""
    started: dict[str, float] = {}

    def on_stage(image: str, stage: str) -> None:
        now = time.perf_counter()
        elapsed = now - started.setdefault(image, now)
        if elapsed > after:
            console.print(f"{image}: {stage} ({elapsed:.1f} s)", highlight=False, soft_wrap=True)
    return on_stage
