"""`spiral draw`: unconditional samples from a trained agent."""

from __future__ import annotations

from pathlib import Path

import typer

from spiral_cli.errors import UsageError
from spiral_cli.export.files import write_output
from spiral_cli.export.outputs import encode
from spiral_cli.export.raster import image_grid, png_bytes
from spiral_cli.parsing.drawing import TEMPERATURE


def draw(
    checkpoint: str = typer.Option("mnist-uncond", "--checkpoint", help="Unconditional checkpoint: shipped name or run directory."),
    n: int = typer.Option(64, "-n", help="Number of drawings."),
    grid: str = typer.Option(None, "--grid", help="Write a sheet of all drawings as PNG ('-' for stdout)."),
    svg_dir: Path = typer.Option(None, "--svg-dir", help="Write each drawing as an SVG into this folder."),
    json_dir: Path = typer.Option(None, "--json-dir", help="Write each drawing's stroke program into this folder."),
    temperature: float = typer.Option(TEMPERATURE, "--temperature", help="Below 1: tidier, less varied drawings."),
    quality: str = typer.Option(
        "fast", "--quality",
        help="fast: each drawing as sampled; best: the critic's favourite of 8 drawings each "
             "(less varied, and for mnist-uncond no more legible).",
    ),
    greedy: bool = typer.Option(False, "--greedy", help="The most likely action at each step (one drawing, repeated)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Sample drawings from an unconditional agent; by default a sheet, samples.png."""
    from spiral_cli.parsing.agent import Agent
    from spiral_cli.parsing.drawing import draw as draw_samples

    if n < 1:
        raise UsageError("-n must be at least 1")
    if temperature <= 0:
        raise UsageError("--temperature must be positive")
    agent = Agent.load(checkpoint)
    if agent.config.conditional:
        raise UsageError(f"{checkpoint}: a conditional checkpoint draws from a target image: use spiral parse")
    programs, finals = draw_samples(agent, n, quality, temperature, greedy, seed)
    if grid is None and svg_dir is None and json_dir is None:
        grid = "samples.png"
    for folder, format in ((svg_dir, "svg"), (json_dir, "json")):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for index, program in enumerate(programs):
                write_output(folder / f"drawing-{index:03d}.{format}", encode(program, format))
    if grid is not None:
        write_output(grid, png_bytes(image_grid(list(finals))))
