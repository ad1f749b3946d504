"""`spiral bench`: speed figures for this machine."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from spiral_cli.errors import UsageError
from spiral_cli.export.files import write_output

app = typer.Typer(help="Measure speed on this machine.", no_args_is_help=True)


@app.command("render")
def render(
    processes: int = typer.Option(None, "--processes", "-n", help="Processes for the parallel run (default: all cores)."),
    seconds: float = typer.Option(3.0, "--seconds", help="Time per measurement."),
    brush: list[str] = typer.Option(["classic/dry_brush", "classic/pen"], "--brush", help="Brushes to measure."),
    canvas: list[int] = typer.Option([64, 512], "--canvas", help="Canvas sizes in px."),
    json_path: str = typer.Option(None, "--json", help="Also write the figures as JSON here."),
    env: str = typer.Option("paint", "--env", help="paint (libmypaint strokes) or scenes (MuJoCo renders)."),
) -> None:
    """Strokes per second, canvas read back after every stroke, in 1 and N processes; with
    --env scenes, MuJoCo renders of random 1-5 object scenes per second."""
    from spiral_cli.bench.render import SCENES, bench_render, machine

    if env not in ("paint", "scenes"):
        raise UsageError(f"--env must be paint or scenes, got {env!r}")
    unit = "renders" if env == "scenes" else "strokes"
    brushes = (SCENES,) if env == "scenes" else tuple(brush)
    console = Console()
    table = Table(title=f"spiral bench render ({os.cpu_count()} cores)")
    first = "renderer" if env == "scenes" else "brush"
    for column in (first, "canvas px", "processes", unit, "seconds", f"{unit}/s"):
        table.add_column(column, justify="left" if column == first else "right")

    def show(result) -> None:
        console.print(
            f"  {result.brush} {result.canvas}px x{result.processes}: "
            f"{result.strokes_per_second:,.0f} {unit}/s"
        )
        table.add_row(
            result.brush,
            str(result.canvas),
            str(result.processes),
            str(result.strokes),
            f"{result.seconds:.2f}",
            f"{result.strokes_per_second:,.0f}",
        )

    results = bench_render(brushes, tuple(canvas), processes, seconds, on_result=show)
    console.print(table)
    if json_path:
        report = {"machine": machine(), "results": [r.to_dict() for r in results]}
        write_output(json_path, (json.dumps(report, indent=1) + "\n").encode())


@app.command("train")
def train(
    seconds: float = typer.Option(10.0, "--seconds", help="Time per measurement (end to end: 6x this)."),
    model: list[str] = typer.Option(["default", "paper"], "--model", help="Model sizes to measure."),
    brush: str = typer.Option("classic/dry_brush", "--brush", help="Painting brush of the actors."),
    processes: int = typer.Option(None, "--processes", "-n", help="Actor processes for the parallel figures."),
    json_path: str = typer.Option(None, "--json", help="Also write the figures as JSON here."),
    backend: str = typer.Option("local", "--backend", help="local, or ray: also measure end to end on a local Ray."),
) -> None:
    """Env steps/s for actors alone, the learner alone, and a real end-to-end training run."""
    from spiral_cli.bench.train import actors_alone, end_to_end, learner_alone

    if backend not in ("local", "ray"):
        raise UsageError(f"--backend must be local or ray, got {backend!r}")
    processes = processes or os.cpu_count() or 1
    console = Console()
    table = Table(title=f"spiral bench train ({os.cpu_count()} cores, brush {brush})")
    columns = ["model", "actors x1", f"actors x{processes}", "learner", "end to end"]
    for column in columns + (["end to end (ray)"] if backend == "ray" else []):
        table.add_column(column, justify="left" if column == "model" else "right")
    figures = []
    for name in model:
        row = {
            "model": name,
            "actors_1": actors_alone(name, brush, 1, seconds),
            f"actors_{processes}": actors_alone(name, brush, processes, seconds),
            "learner": learner_alone(name, seconds),
            "end_to_end": end_to_end(name, brush, seconds * 6, actors=max(1, processes - 1)),
        }
        if backend == "ray":
            row["end_to_end_ray"] = end_to_end(name, brush, seconds * 6, max(1, processes - 1), backend="ray")
        shown = {k: "n/a" if math.isnan(v) else f"{v:,.0f}" for k, v in row.items() if k != "model"}
        console.print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
        figures.append({k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()})
        table.add_row(name, *shown.values())
    console.print(table)
    if json_path:
        report = {"unit": "env steps/s", "cpus": os.cpu_count(), "brush": brush, "results": figures}
        write_output(json_path, (json.dumps(report, indent=1) + "\n").encode())


@app.command("parse")
def parse(
    processes: list[int] = typer.Option([1, 2], "--processes", "-n", help="Process counts to measure."),
    side: list[int] = typer.Option([64, 512, 1024], "--side", help="Image sizes in px."),
    quality: list[str] = typer.Option(["fast", "best"], "--quality", help="Parse qualities."),
    method: str = typer.Option("agent", "--method", help="agent, trace-refine or trace."),
    checkpoint: str = typer.Option(None, "--checkpoint", help="Default: picked per image, as spiral parse does."),
    json_path: str = typer.Option(None, "--json", help="Also write the figures as JSON here."),
    images: Path = typer.Option(None, "--images", help="A folder of images to parse instead of made drawings "
                                                       "(--side does not apply)."),
) -> None:
    """Seconds per image and images/s of spiral parse on glyphs and line drawings."""
    from spiral_cli.bench.parse import bench_parse
    from spiral_cli.parsing.convert import find_images
    from spiral_cli.parsing.parse import METHODS, QUALITIES

    if method not in METHODS or method == "mcmc":
        raise UsageError(f"--method must be agent, trace-refine or trace, got {method!r}")
    if method.startswith("trace") and checkpoint is not None:
        raise UsageError(f"--checkpoint is for the agent: --method {method} does not use one")
    if method == "trace" and quality != ["fast"]:
        raise UsageError("--method trace has one quality: give --quality fast")
    if any(q not in QUALITIES for q in quality):
        raise UsageError(f"--quality takes {', '.join(QUALITIES)}")
    if any(p < 1 for p in processes) or any(s < 8 for s in side):
        raise UsageError("--processes must be at least 1 and --side at least 8")
    console = Console()
    title = f"spiral bench parse ({os.cpu_count()} cores, method {method}{', images in ' + str(images) if images else ''})"
    table = Table(title=title)
    for column in ("image px", "quality", "processes", "images", "seconds/image", "images/s"):
        table.add_column(column, justify="right")

    def show(result) -> None:
        figures = result.to_dict()
        console.print(f"  {result.side}px {result.quality} x{result.processes}: {figures['seconds_per_image']:.3f} s/image")
        table.add_row(str(result.side), result.quality, str(result.processes), str(result.images),
                      f"{figures['seconds_per_image']:.3f}", f"{figures['images_per_second']:.2f}")

    files = find_images(images) if images is not None else None
    if files is not None and not files:
        raise UsageError(f"--images {images}: no images in it")
    results = bench_parse(tuple(side), tuple(quality), tuple(processes), method, checkpoint, on_result=show,
                          images=files)
    console.print(table)
    if json_path:
        report = {"cpus": os.cpu_count(), "method": method, "results": [r.to_dict() for r in results]}
        write_output(json_path, (json.dumps(report, indent=1) + "\n").encode())
