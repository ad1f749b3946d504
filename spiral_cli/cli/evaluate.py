"""`spiral eval`: how well a checkpoint reconstructs held-out images."""

from __future__ import annotations

import json
import os

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from spiral_cli.errors import UsageError
from spiral_cli.export.files import write_output
from spiral_cli.export.raster import image_grid, png_bytes


def evaluate(
    checkpoint: str = typer.Option(None, "--checkpoint", help="Shipped checkpoint name, run directory or checkpoint directory (lineart: default picked per image)."),
    data: str = typer.Option(..., "--data", help="mnist:DIR, omniglot:PATH, images:DIR, scenes:DIR or strokes:DIR (its test split is used); lineart:DIR (drawings at their own size, true strokes beside them)."),
    method: str = typer.Option("agent,trace-refine,trace", "--method", help="lineart: comma-separated parse methods, each reported beside the others (agent: the whole pipeline; trace-refine: without the agent; trace: the classic tracer)."),
    quality: str = typer.Option("fast", "--quality", help="lineart: parse quality (fast, best)."),
    n: int = typer.Option(1000, "--n", help="Number of test images."),
    greedy: bool = typer.Option(False, "--greedy", help="Take the most likely action instead of sampling."),
    search: int = typer.Option(0, "--search", help="Also report best-of-K search with K proposals per step."),
    best: bool = typer.Option(False, "--best", help="Also report what spiral parse (or draw) --quality best does."),
    tracer: bool = typer.Option(
        False, "--tracer", help="Also report the teacher of spiral train --trace: the centerline tracer (grayscale), "
        "or for pictures (images:DIR with --paint) the colour stroke search, which needs no --checkpoint."
    ),
    styles: bool = typer.Option(False, "--styles", help="strokes: instead, the test drawings' true strokes redrawn from 1 to 10 px and with pen, pencil, ink and dry brush, each parsed (default quality) beside --method trace."),
    json_path: str = typer.Option(None, "--json", help="Write the report as JSON here."),
    sheet: str = typer.Option(None, "--sheet", help="Write a PNG of targets beside reconstructions here."),
    sheet_inputs: bool = typer.Option(True, "--sheet-inputs/--no-sheet-inputs", help="Pictures (images:DIR with --paint): "
                                      "the sheet's first row shows the pictures themselves; --no-sheet-inputs leaves "
                                      "them out (a sheet to publish without the dataset's images)."),
    mcmc: str = typer.Option(
        "100,1000,10000", "--mcmc", help="Scenes: MCMC baseline budgets (renders per scene), comma-separated; 0 for none."
    ),
    plot: str = typer.Option(None, "--plot", help="Scenes: write a PNG plot of error against renders here."),
    workers: int = typer.Option(len(os.sched_getaffinity(0)), "--workers", help="Processes for the MCMC chains (scenes) or the refinement of --best."),
    paint: str = typer.Option("64:20,128:200", "--paint", help="Colour agents on images:DIR: SIDE:STROKES pairs, each held-out picture painted at that size in that many strokes (coarse to fine beyond one canvas)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Conditional agents: mean reconstruction error, relative residual, strokes per image and
    images/s, for the agent alone and as spiral parse runs it by default (parse fast). Unconditional agents: the Fréchet distance of their drawings to real images.
    Scenes agents: also object-count and per-attribute accuracy, beside the MCMC baseline."""
    from spiral_cli.evaluation.reconstruction import evaluate_agent, evaluate_tracer
    from spiral_cli.parsing.agent import Agent

    if styles:
        return _evaluate_styles(data, checkpoint, n, json_path)
    if data.startswith("lineart:"):
        return _evaluate_lineart(data, method, checkpoint, quality, n, max(1, workers), seed, json_path, sheet)
    if checkpoint is None and tracer and data.startswith("images:"):
        return _evaluate_painting(None, data, paint, n, seed, json_path, sheet, True, max(1, workers), sheet_inputs)
    if checkpoint is None:
        raise UsageError("--checkpoint is needed for this data (only lineart: picks one per image, and "
                         "images: --tracer paints with the colour search alone)")
    agent = Agent.load(checkpoint)
    if agent.config.env == "scenes":
        from spiral_cli.cli.evaluate_scenes import evaluate_scenes

        return evaluate_scenes(agent, checkpoint, data, n, _budgets(mcmc), best, seed, json_path, sheet, plot,
                               max(1, workers))
    if not agent.config.conditional:
        return _evaluate_unconditional(agent, checkpoint, data, n, seed, best, json_path, sheet)
    if agent.env.color and agent.config.env == "paint" and data.startswith("images:"):
        return _evaluate_painting(checkpoint, data, paint, n, seed, json_path, sheet, tracer, max(1, workers),
                                  sheet_inputs)
    if tracer and agent.env.color:
        raise UsageError("--tracer: a colour checkpoint's teacher is measured on images:DIR pictures")
    reports = {}
    reports["agent"], targets, finals = evaluate_agent(agent, data, n=n, greedy=greedy, seed=seed)
    reports["parse fast"], _, finals = evaluate_agent(agent, data, n=n, seed=seed, quality="fast",
                                                        workers=max(1, workers))
    if search > 1:
        reports[f"search {search}"], _, finals = evaluate_agent(agent, data, n=n, seed=seed, candidates=search,
                                                                   workers=max(1, workers))
    if best:
        reports["quality best"], _, finals = evaluate_agent(agent, data, n=n, seed=seed, quality="best",
                                                              workers=max(1, workers))
    if tracer:
        reports["tracer"], _, finals = evaluate_tracer(agent.env, data, n=n)
    table = Table(title=f"spiral eval {checkpoint} on {data} (test, n={len(targets)})")
    table.add_column("metric")
    for name in reports:
        table.add_column(name, justify="right")
    for key in reports["agent"].to_dict():
        cells = [getattr(r, key) for r in reports.values()]
        table.add_row(key.replace("_", " "), *(f"{v:.4f}" if isinstance(v, float) else str(v) for v in cells))
    Console().print(table)
    if json_path:
        payload = {"checkpoint": str(checkpoint), "data": data, "greedy": greedy,
                   **{name: r.to_dict() for name, r in reports.items()}}
        write_output(json_path, (json.dumps(payload, indent=1) + "\n").encode())
    if sheet:  # of the best method evaluated
        write_output(sheet, png_bytes(comparison_sheet(targets, finals)))


def _evaluate_painting(checkpoint, data, paint, n, seed, json_path, sheet, search=False, workers=1,
                       sheet_inputs=True) -> None:
    """The agent's paintings (when a checkpoint is given) and, with `search`, the colour
    search's, beside the mosaic and mean-colour baselines on the same pictures."""
    from pathlib import Path

    from spiral_cli.evaluation.painting import evaluate_painting, held_out_pictures, painted, parse_budgets

    budgets = parse_budgets(paint)
    largest = max(side for side, _ in budgets)  # the sheet shows every budget at the largest size
    reports, rows = [], []
    for side, strokes in budgets:
        pictures = held_out_pictures(Path(data.split(":", 1)[1]), n, side)
        if checkpoint is not None:
            report, programs = evaluate_painting(checkpoint, pictures, strokes, seed, workers=workers)
            reports.append(("agent", report))
            rows.append([_upscaled(painted(p), largest) for p in programs[:8]] if sheet else [])
        if search:
            report, programs = evaluate_painting(None, pictures, strokes, seed, method="search", workers=workers)
            reports.append(("colour search", report))
            if checkpoint is None:
                rows.append([_upscaled(painted(p), largest) for p in programs[:8]] if sheet else [])
    table = Table(title=f"spiral eval {checkpoint or '(no checkpoint)'} on {data} (test, n={reports[0][1].pictures}): "
                        "mean squared error per pixel, RGB in [0, 1]")
    for column in ("method", "side px", "strokes", "painting", "4 x 4 mosaic", "mean colour", "strokes drawn",
                   "s per picture"):
        table.add_column(column, justify="right")
    for method, r in reports:
        table.add_row(method, str(r.side), str(r.strokes), f"{r.mean_squared_error:.4f}", f"{r.mosaic_error:.4f}",
                      f"{r.mean_colour_error:.4f}", f"{r.strokes_drawn:.1f}", f"{r.seconds_per_picture:.2f}")
    Console().print(table)
    if json_path:
        payload = {"checkpoint": None if checkpoint is None else str(checkpoint), "data": data,
                   "painting": [r.to_dict() for method, r in reports if method == "agent"],
                   "colour_search": [r.to_dict() for method, r in reports if method == "colour search"]}
        write_output(json_path, (json.dumps(payload, indent=1) + "\n").encode())
    if sheet and rows:  # the pictures (unless left out), then one row per budget
        originals = [_upscaled(p, largest) for p in held_out_pictures(Path(data.split(":", 1)[1]), 8, largest)]
        cells = [*(originals[: len(rows[0])] if sheet_inputs else []), *[p for row in rows for p in row]]
        write_output(sheet, png_bytes(image_grid(cells, columns=len(rows[0]))))


def _upscaled(picture: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    pixels = Image.fromarray(np.round(np.clip(picture, 0, 1) * 255).astype(np.uint8))
    return np.asarray(pixels.resize((side, side), Image.NEAREST))


def _evaluate_lineart(data, methods, checkpoint, quality, n, workers, seed, json_path, sheet) -> None:
    from pathlib import Path

    from rich.progress import Progress

    from spiral_cli.evaluation.lineart import evaluate_folder, report
    from spiral_cli.parsing.parse import METHODS, QUALITIES

    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    if not chosen or any(m not in METHODS or m == "mcmc" for m in chosen):
        raise UsageError(f"--method takes a comma-separated list of agent, trace-refine, trace, got {methods!r}")
    if quality not in QUALITIES:
        raise UsageError(f"--quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    folder = Path(data.split(":", 1)[1])
    reports, pictures = {}, None
    with Progress(console=Console(stderr=True), transient=True) as progress:
        for name in chosen:
            task = progress.add_task(f"{name}", total=None)
            outcomes = evaluate_folder(folder, name, checkpoint, quality, workers, seed, n,
                                       on_done=lambda: progress.advance(task))
            reports[name] = report([score for score, _ in outcomes])
            pictures = pictures or [p for _, thumbnails in outcomes[:16] for p in thumbnails]
    groups = [g for g in reports[chosen[0]] if g != "drawings"]
    for group in groups:
        table = Table(title=f"spiral eval {data} ({group}, quality {quality}, {reports[chosen[0]][group]['drawings']} drawings)")
        table.add_column("metric")
        for name in chosen:
            table.add_column(name, justify="right")
        for key in reports[chosen[0]][group]:
            cells = [reports[name][group][key] for name in chosen]
            table.add_row(key.replace("_", " "), *("n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in cells))
        Console().print(table)
    if json_path:
        payload = {"data": data, "checkpoint": checkpoint, "quality": quality, **reports}
        write_output(json_path, (json.dumps(payload, indent=1) + "\n").encode())
    if sheet:  # input | re-render | strokes one colour each, for the first method
        write_output(sheet, png_bytes(image_grid(pictures, columns=6)))


def _evaluate_styles(data, checkpoint, n, json_path) -> None:
    from spiral_cli.data.datasets import load_stroke_programs
    from spiral_cli.evaluation.styles import style_reports

    if not data.startswith("strokes:"):
        raise UsageError("--styles redraws true strokes: it takes --data strokes:DIR")
    if checkpoint is None:
        raise UsageError("--styles needs --checkpoint")
    programs = load_stroke_programs(data, "test")
    truth = [programs.true_strokes(i) for i in range(min(n, len(programs)))]
    reports = style_reports(checkpoint, truth, canvas=programs.images.shape[1])
    keys = ["relative_residual", "pen_strokes_per_image", "stroke_count_error", "chamfer_px", "images_per_second"]
    table = Table(title=f"spiral eval {checkpoint}: {len(truth)} test drawings of {data} in other pens "
                        f"(true strokes per drawing {np.mean([len(t) for t in truth]):.2f})")
    table.add_column("style")
    table.add_column("method")
    for key in keys:
        table.add_column(key.replace("_per_image", "").replace("_", " "), justify="right")
    for style, methods in reports.items():
        for name, report in methods.items():
            table.add_row(style, name, *("n/a" if report.get(k) is None else f"{report[k]:.3f}" for k in keys))
    Console(width=max(Console().width, 130)).print(table)
    if json_path:
        payload = {"checkpoint": checkpoint, "data": data, "styles": reports}
        write_output(json_path, (json.dumps(payload, indent=1) + "\n").encode())


def _budgets(text: str) -> list[int]:
    try:
        budgets = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"--mcmc takes renders per scene such as 100,1000,10000, got {text!r}") from None
    if any(b < 0 for b in budgets):
        raise UsageError("--mcmc budgets must be positive")
    return [b for b in budgets if b > 0]


def _evaluate_unconditional(agent, checkpoint, data, n, seed, best, json_path, sheet) -> None:
    from spiral_cli.evaluation.frechet import evaluate_samples

    reports = {"samples": evaluate_samples(agent, data, n, seed)}
    if best and agent.critic is not None:
        reports["quality best"] = evaluate_samples(agent, data, n, seed, quality="best")
    samples = list(reports.values())[-1][1]
    table = Table(title=f"spiral eval {checkpoint}: {n} drawings against {data} (test)")
    table.add_column("metric")
    for name in reports:
        table.add_column(name, justify="right")
    for key in reports["samples"][0]:
        cells = [report[key] for report, _ in reports.values()]
        table.add_row(key.replace("_", " "), *(f"{v:.4f}" if isinstance(v, float) else str(v) for v in cells))
    Console().print(table)
    if json_path:
        payload = {"checkpoint": str(checkpoint), "data": data, **{k: r for k, (r, _) in reports.items()}}
        write_output(json_path, (json.dumps(payload, indent=1) + "\n").encode())
    if sheet:
        write_output(sheet, png_bytes(image_grid(list(samples[:64]))))


def comparison_sheet(targets: np.ndarray, finals: np.ndarray, columns: int = 8, rows: int = 8) -> np.ndarray:
    """Pairs of (target | reconstruction) in a grid, RGB uint8."""
    count = min(len(targets), columns * rows)
    return image_grid([np.concatenate([targets[i], finals[i]], axis=1) for i in range(count)], columns)
