"""`spiral checkpoints`: the trained agents that ship with spiral."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table


def checkpoints() -> None:
    """List the shipped checkpoints with what they were trained on and how they score."""
    from spiral_cli.parsing.agent import SHIPPED, shipped_checkpoints

    table = Table(title=f"checkpoints in {SHIPPED}")
    for column in ("name", "kind", "data", "brush", "trained", "relative residual: agent / best", "strokes"):
        table.add_column(column)
    for name in shipped_checkpoints():
        folder = SHIPPED / name
        config = json.loads((folder / "config.json").read_text())
        state = _read(folder / "state.json")
        scores = _read(folder / "eval.json")
        agent = scores.get("agent") or {}
        searched = [v for k, v in scores.items() if k.startswith(("quality", "search")) and isinstance(v, dict)]
        best = min(searched, key=lambda r: r.get("relative_residual", 1e9)) if searched else agent
        table.add_row(
            name,
            "conditional" if config.get("conditional", True) else "unconditional",
            str(config.get("data", "")).split(":")[0],
            config.get("env_options", {}).get("brush", "classic/dry_brush"),
            f"{state.get('total_wall_seconds', state.get('wall_seconds', 0)) / 60:.0f} min" if state else "",
            " / ".join(f"{r['relative_residual']:.3f}" for r in (agent, best) if "relative_residual" in r),
            f"{best['strokes_per_image']:.1f}" if "strokes_per_image" in best else "",
        )
    Console().print(table)


def _read(path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
