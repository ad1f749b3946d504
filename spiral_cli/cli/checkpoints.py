"""`spiral checkpoints`: the trained agents that ship with spiral."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table


def checkpoints() -> None:
    """List the shipped checkpoints with what they were trained on and how they score on held-out
    data: relative residual of the agent alone / with search, Fréchet distance (FD) of
    unconditional drawings beside real images', share of scenes with the right object count,
    per-pixel error of paintings beside a 4 x 4 mosaic's."""
    from spiral_cli.parsing.agent import SHIPPED, shipped_checkpoints

    table = Table(title=f"checkpoints in {SHIPPED}")
    for column in ("name", "data", "renderer", "trained", "score", "per image"):
        table.add_column(column, no_wrap=column == "name")
    for name in shipped_checkpoints():
        folder = SHIPPED / name
        config = json.loads((folder / "config.json").read_text())
        state = _read(folder / "state.json")
        score, marks = _score(_read(folder / "eval.json"))
        scenes = config.get("env") == "scenes"
        data = str(config.get("data", "")).split(":")[0]
        table.add_row(
            name,
            data if config.get("conditional", True) else f"{data}, uncond.",
            "MuJoCo" if scenes else config.get("env_options", {}).get("brush", "classic/dry_brush").split("/")[-1],
            f"{state.get('total_wall_seconds', state.get('wall_seconds', 0)) / 60:.0f} min" if state else "",
            score,
            marks,
        )
    Console().print(table)


def _score(scores: dict) -> tuple[str, str]:
    """The headline score of an eval.json and strokes (objects) per image."""
    if "samples" in scores:
        samples = scores["samples"]
        recognised = f", {samples['recognised_share']:.0%} recognised" if "recognised_share" in samples else ""
        return (f"FD {samples['frechet_distance']:.0f} "
                f"(real {samples['frechet_distance_of_real_training_images']:.0f}){recognised}",
                f"{samples['strokes_per_image']:.1f} strokes")
    paintings = [(k, v) for k, v in scores.items() if isinstance(v, dict) and "mosaic_error" in v and "teacher" not in k]
    if paintings:  # a colour agent: per-pixel error of its paintings beside the 4 x 4 mosaic's
        return ("; ".join(f"{v['side']} px, {v['strokes']} strokes: MSE {v['mean_squared_error']:.4f} "
                          f"(mosaic {v['mosaic_error']:.4f})" for _, v in paintings),
                f"{paintings[0][1]['strokes_drawn']:.1f} strokes")
    agent = scores.get("agent") or {}
    if "count_accuracy" in agent:
        return (f"residual {agent['relative_residual']:.3f}, count {agent['count_accuracy']:.0%}",
                f"{agent['objects_per_scene']:.1f} objects")
    searched = [v for k, v in scores.items() if k.startswith(("quality", "search")) and isinstance(v, dict)]
    best = min(searched, key=lambda r: r.get("relative_residual", 1e9)) if searched else agent
    residuals = " / ".join(f"{r['relative_residual']:.3f}" for r in (agent, best) if "relative_residual" in r)
    marks = f"{best['strokes_per_image']:.1f} strokes" if "strokes_per_image" in best else ""
    return (f"residual {residuals}" if residuals else "", marks)


def _read(path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
