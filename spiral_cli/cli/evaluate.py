"""`spiral eval`: how well a checkpoint reconstructs held-out images."""

from __future__ import annotations

import json

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from spiral_cli.export.files import write_output
from spiral_cli.export.raster import png_bytes


def evaluate(
    checkpoint: str = typer.Option(..., "--checkpoint", help="Shipped checkpoint name, run directory or checkpoint directory."),
    data: str = typer.Option(..., "--data", help="mnist:DIR, omniglot:PATH or images:DIR (its test split is used)."),
    n: int = typer.Option(1000, "--n", help="Number of test images."),
    greedy: bool = typer.Option(False, "--greedy", help="Take the most likely action instead of sampling."),
    json_path: str = typer.Option(None, "--json", help="Write the report as JSON here."),
    sheet: str = typer.Option(None, "--sheet", help="Write a PNG of targets beside reconstructions here."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Mean reconstruction error, relative residual, strokes per image and images/s."""
    from spiral_cli.evaluation.reconstruction import evaluate_agent
    from spiral_cli.parsing.agent import Agent

    agent = Agent.load(checkpoint)
    report, targets, finals = evaluate_agent(agent, data, n=n, greedy=greedy, seed=seed)
    table = Table(title=f"spiral eval {checkpoint} on {data} (test, n={report.images})")
    table.add_column("metric")
    table.add_column("agent", justify="right")
    for key, value in report.to_dict().items():
        table.add_row(key.replace("_", " "), f"{value:.4f}" if isinstance(value, float) else str(value))
    Console().print(table)
    if json_path:
        payload = {"checkpoint": str(checkpoint), "data": data, "greedy": greedy, "agent": report.to_dict()}
        write_output(json_path, (json.dumps(payload, indent=1) + "\n").encode())
    if sheet:
        write_output(sheet, png_bytes(comparison_sheet(targets, finals)))


def comparison_sheet(targets: np.ndarray, finals: np.ndarray, columns: int = 8, rows: int = 8) -> np.ndarray:
    """Pairs of (target | reconstruction) in a grid, RGB uint8."""
    count = min(len(targets), columns * rows)
    pairs = [np.concatenate([targets[i], finals[i]], axis=1) for i in range(count)]
    pairs += [np.full_like(pairs[0], 255)] * (columns * rows - count)
    pad = lambda image: np.pad(image, ((2, 2), (2, 2), (0, 0)), constant_values=128)
    grid = np.concatenate(
        [np.concatenate([pad(p) for p in pairs[r * columns : (r + 1) * columns]], axis=1) for r in range(rows)]
    )
    return np.repeat(grid, 3, axis=-1) if grid.shape[-1] == 1 else grid
