"""`spiral convert`: a folder of images to stroke programs, in parallel."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from spiral_cli.errors import SpiralError, UsageError
from spiral_cli.export.outputs import OutputOptions
from spiral_cli.parsing.images import DEFAULT_MAX_PIXELS
from spiral_cli.parsing.parse import METHODS, QUALITIES


def convert(
    in_dir: Path = typer.Argument(..., metavar="IN_DIR", help="Folder of images."),
    out_dir: Path = typer.Argument(..., metavar="OUT_DIR", help="Where the outputs go (same relative paths)."),
    formats: str = typer.Option("svg", "--formats", help="Comma-separated: svg, json, png, gif per image; stroke3 "
                                "(OUT_DIR/strokes.npz, sketch-rnn's train/valid/test) and ndjson (OUT_DIR/drawings.ndjson, "
                                "Quick, Draw!'s) for the whole folder, from each image's JSON program."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", help="Parallel processes."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Include subfolders."),
    glob: str = typer.Option(None, "--glob", help="Only files matching this pattern (e.g. '*.png')."),
    checkpoint: str = typer.Option(None, "--checkpoint", help="Shipped checkpoint name or run directory; default: picked per image."),
    quality: str = typer.Option("fast", "--quality", help=f"One of: {', '.join(QUALITIES)}."),
    steps: int = typer.Option(None, "--steps", help="Actions per image."),
    scale: float = typer.Option(None, "--scale", help="PNG and GIF: multiply each input's size by this."),
    brush: str = typer.Option(None, "--brush", help="PNG and GIF: re-render with this brush."),
    color_by_stroke: bool = typer.Option(False, "--color-by-stroke", help="SVG: give each stroke its own colour."),
    max_pixels: int = typer.Option(DEFAULT_MAX_PIXELS, "--max-pixels", help="Refuse larger images."),
    method: str = typer.Option("agent", "--method", help=f"One of: {', '.join(METHODS)} (agent: the whole pipeline, a glyph getting the classic tracer's strokes where they re-render closer; trace: the classic centre-line tracer alone; trace-refine: the pipeline without the agent; mcmc: the scenes baseline)."),
    max_strokes: int = typer.Option(None, "--max-strokes", help="Keep at most this many strokes per image (the longest)."),
    budget: int = typer.Option(1000, "--budget", help="mcmc: renders per image."),
    rdp: float = typer.Option(0.0, "--rdp", help="stroke3: simplify strokes with Douglas-Peucker, this tolerance in px."),
    backend: str = typer.Option("local", "--backend", help="local: processes on this machine; ray: a Ray Data "
                                "pipeline (a local Ray, or --address a cluster's; OUT_DIR must be shared storage)."),
    address: str = typer.Option(None, "--address", help="--backend ray: 'auto' or HOST:PORT of a running cluster."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Parse every image of a folder; skips outputs that are up to date, so an interrupted run resumes."""
    from spiral_cli.parsing.convert import ConvertJob, convert_folder

    if quality not in QUALITIES:
        raise UsageError(f"--quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    job = ConvertJob(
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()), checkpoint=checkpoint, quality=quality,
        steps=steps, seed=seed, max_pixels=max_pixels, options=OutputOptions(scale, None, brush, color_by_stroke),
        method=method, budget=budget, max_strokes=max_strokes, rdp=rdp,
    )
    console = Console(stderr=True)
    columns = (TextColumn("converting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("convert", total=None)

        def on_progress(total, advanced):
            if total is not None:
                progress.update(bar, total=total)
            progress.advance(bar, advanced)

        summary = convert_folder(in_dir, out_dir, job, workers, recursive, glob, on_progress, backend, address)
    for path, reason in summary.failed.items():
        console.print(f"failed: {reason}" if reason.startswith(path) else f"failed: {path}: {reason}",
                      highlight=False, soft_wrap=True)
    console.print(f"{len(summary.done)} done, {len(summary.skipped)} skipped (up to date), "
                  f"{len(summary.failed)} failed", highlight=False)
    if summary.failed:
        raise SpiralError(f"{len(summary.failed)} of {len(summary.done) + len(summary.skipped) + len(summary.failed)} images failed")
