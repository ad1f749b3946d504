"""`spiral dataset`: make the procedural datasets the agents train on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from spiral_cli.errors import UsageError
from spiral_cli.scenes.renderer import MAX_OBJECTS

app = typer.Typer(help="Make procedural datasets.", no_args_is_help=True)


@app.command("scenes")
def scenes(
    out_dir: Path = typer.Argument(..., metavar="OUT_DIR", help="Folder for NNNNNN.png and NNNNNN.json."),
    n: int = typer.Option(50_000, "--n", help="Number of scenes."),
    max_objects: int = typer.Option(5, "--max-objects", help="Each scene has 1 to this many objects."),
    seed: int = typer.Option(0, "--seed", help="Scene i depends only on (seed, i)."),
    workers: int = typer.Option(len(os.sched_getaffinity(0)), "--workers", help="Parallel processes."),
) -> None:
    """MUJOCO SCENES: 64x64 renders of random objects, each beside its ground-truth scene program.
    Scenes already written are kept, so an interrupted run finishes where it stopped."""
    from spiral_cli.data.scenes import make_scenes_dataset

    if n < 1:
        raise UsageError("--n must be at least 1")
    if not 1 <= max_objects <= MAX_OBJECTS:
        raise UsageError(f"--max-objects must lie in 1..{MAX_OBJECTS}")
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a folder")
    console = Console(stderr=True)
    started = time.monotonic()
    columns = (TextColumn("rendering scenes"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("scenes", total=n)
        make_scenes_dataset(out_dir, n, max_objects, seed, workers, on_progress=lambda done: progress.advance(bar, done))
    seconds = time.monotonic() - started
    console.print(f"{n} scenes in {out_dir} ({seconds:.1f} s, {n / seconds:.0f} scenes/s)", highlight=False)


@app.command("strokes")
def strokes(
    out_dir: Path = typer.Argument(..., metavar="OUT_DIR", help="Folder for strokes.npz."),
    omniglot: Path = typer.Option(None, "--omniglot", help="Folder with Omniglot's strokes_background*.zip."),
    stroke3: list[Path] = typer.Option([], "--stroke3", help="kanji.rdp100.npz or aaron_sheep.npz (repeatable)."),
    brush: str = typer.Option("classic/pen", "--brush", help="Brush of the renders (train with the same one)."),
    workers: int = typer.Option(len(os.sched_getaffinity(0)), "--workers", help="Parallel processes."),
) -> None:
    """Human drawings as stroke programs: each recording's strokes in the person's order, fitted
    with quadratic strokes on the action grid, rendered; drawings that need more than an episode's
    steps are left out. Korean and Tagalog (Omniglot) and the files' test splits are held out."""
    from spiral_cli.data.human_strokes import read_omniglot_strokes, read_stroke3
    from spiral_cli.data.stroke_programs import build, save
    from spiral_cli.envs.paint import PaintConfig
    from spiral_cli.painting.brushes import brush_path

    if omniglot is None and not stroke3:
        raise UsageError("name at least one source: --omniglot DIR or --stroke3 FILE")
    drawings = read_omniglot_strokes(omniglot) if omniglot is not None else []
    for path in stroke3:
        drawings += read_stroke3(path)
    console = Console(stderr=True)
    started = time.monotonic()
    brush_path(brush)  # an unknown brush fails here, before the work
    config = PaintConfig(brush=brush)
    with Progress(TextColumn("fitting and rendering"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as progress:
        bar = progress.add_task("strokes", total=len(drawings))
        programs, counts = build(drawings, config, workers, on_progress=lambda done: progress.advance(bar, done))
    path = save(programs, out_dir)
    for source, count in counts.items():
        console.print(f"{source}: {count['kept']} of {count['read']} drawings fit {config.episode_length} steps",
                      highlight=False)
    console.print(f"{len(programs)} programs ({int(programs.test.sum())} held out) in {path} "
                  f"({time.monotonic() - started:.0f} s)", highlight=False)


@app.command("paintings")
def paintings(
    out_dir: Path = typer.Argument(..., metavar="OUT_DIR", help="Folder for paintings.npz (and its parts)."),
    data: str = typer.Option(..., "--data", help="Colour pictures: images:DIR (its training split)."),
    brush: str = typer.Option("classic/pen", "--brush", help="Brush of the programs (train with the same one)."),
    candidates: int = typer.Option(64, "--candidates", help="Random strokes the search tries per step."),
    n: int = typer.Option(None, "--n", help="Only the first N training pictures."),
    workers: int = typer.Option(len(os.sched_getaffinity(0)), "--workers", help="Parallel processes."),
    crops: int = typer.Option(0, "--crops", help="Also paint K jittered crops of every picture (80-100% of "
                              "its centre square, moved by up to a tenth): more pictures to clone."),
) -> None:
    """COLOUR PICTURES WITH PROGRAMS: a greedy stroke search paints each training picture in one
    20-step episode (the teacher a colour agent clones). Parts already written are kept, so an
    interrupted run finishes where it stopped."""
    from spiral_cli.data.paintings import make_paintings
    from spiral_cli.envs.paint import PaintConfig
    from spiral_cli.painting.brushes import brush_path

    if candidates < 1 or workers < 1 or (n is not None and n < 1) or crops < 0:
        raise UsageError("--candidates, --workers and --n must be at least 1, --crops at least 0")
    if not data.startswith("images:"):
        raise UsageError("--data must be colour pictures: images:DIR")
    brush_path(brush)  # an unknown brush fails here, before the work
    config = PaintConfig(brush=brush, color=True)
    console = Console(stderr=True)
    started = time.monotonic()
    with Progress(TextColumn("searching programs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        bar = progress.add_task("paintings", total=None)
        made = make_paintings(data, out_dir, config, candidates, workers, n,
                              on_progress=lambda done: progress.advance(bar, done), crops=crops)
    seconds = time.monotonic() - started
    console.print(f"{len(made)} pictures in {out_dir}/paintings.npz ({seconds:.0f} s): mean squared error "
                  f"{made.errors.mean():.4f} per pixel at {config.canvas} px", highlight=False)
