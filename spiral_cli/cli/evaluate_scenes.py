"""`spiral eval` for scenes agents: the agent beside the MCMC baseline, with a plot."""

from __future__ import annotations

import io
import json

import numpy as np
from rich.console import Console
from rich.table import Table

from spiral_cli.export.files import write_output
from spiral_cli.export.raster import image_grid, png_bytes


def evaluate_scenes(agent, checkpoint, data, n, budgets, best, seed, json_path, sheet, plot, workers=1) -> None:
    from spiral_cli.evaluation.scenes import evaluate_mcmc, evaluate_scene_agent, load_scene_test

    targets, truths = load_scene_test(data, n, agent.env.canvas)
    reports, columns = {}, {}
    reports["agent"], columns["agent"] = evaluate_scene_agent(agent, targets, truths, "fast", seed)
    if best:
        reports["agent best"], columns["agent best"] = evaluate_scene_agent(agent, targets, truths, "best", seed)
    curve = None
    if budgets:
        mcmc_reports, curve, finals = evaluate_mcmc(targets, truths, budgets, agent.env, seed, workers)
        reports |= {f"mcmc {b}": r for b, r in mcmc_reports.items()}
        columns[f"mcmc {max(budgets)}"] = finals
    _print_table(reports, checkpoint, data, len(targets))
    if json_path:
        payload = {"checkpoint": str(checkpoint), "data": data, **{k: r.to_dict() for k, r in reports.items()}}
        write_output(json_path, (json.dumps(payload, indent=1) + "\n").encode())
    if sheet:  # each row: target, then every method's render
        rows = [np.concatenate([targets[i], *(c[i] for c in columns.values())], axis=1) for i in range(min(16, len(targets)))]
        write_output(sheet, png_bytes(image_grid(rows, 2)))
    if plot:
        write_output(plot, _plot(reports, curve))


def _print_table(reports, checkpoint, data, count) -> None:
    table = Table(title=f"spiral eval {checkpoint} on {data} (test, n={count})")
    table.add_column("metric")
    for name in reports:
        table.add_column(name, justify="right")
    rows = {k: v for k, v in next(iter(reports.values())).to_dict().items() if k != "attribute_accuracy"}
    for key in rows:
        table.add_row(key.replace("_", " "), *(_cell(getattr(r, key)) for r in reports.values()))
    for attribute in next(iter(reports.values())).attribute_accuracy:
        table.add_row(f"{attribute} accuracy", *(_cell(r.attribute_accuracy[attribute]) for r in reports.values()))
    Console().print(table)


def _cell(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _plot(reports, curve) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 4), dpi=120)
    if curve is not None:
        renders = np.arange(1, curve.shape[1] + 1)
        axes.plot(renders, curve.mean(0), label="MCMC (best state so far)")
    for name, report in reports.items():
        if name.startswith("agent"):
            axes.scatter([report.renders_per_scene], [report.mean_error], zorder=3, label=f"{name} ({report.renders_per_scene:g} renders)")
    axes.set_xscale("log")
    axes.set_xlabel("renders per scene")
    axes.set_ylabel("mean squared error")
    axes.set_title("Scene reconstruction error on held-out scenes")
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()
