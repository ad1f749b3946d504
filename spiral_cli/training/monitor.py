"""Training status: a live rich table, TensorBoard scalars and images, and metrics.jsonl."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

SHOWN = (
    ("update", "policy updates"),
    ("env_steps", "env steps"),
    ("env_steps_per_second", "env steps/s"),
    ("reward", "mean reward"),
    ("l2_relative", "l2 relative to empty"),
    ("bc_loss", "warm-start loss"),
    ("trace_loss", "trace loss"),
    ("search_l2_relative", "search l2 relative"),
    ("entropy", "entropy"),
    ("strokes", "strokes / episode"),
    ("d_loss", "D loss"),
    ("d_updates", "D updates"),
    ("minutes", "minutes"),
)


class Monitor:
    def __init__(self, run_dir: Path, console: Console | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.console = console or Console(stderr=True)
        self.writer = SummaryWriter(str(run_dir / "tensorboard"))
        self.jsonl = open(run_dir / "metrics.jsonl", "a", buffering=1)
        self.latest: dict = {}
        self.live = Live(self._table(), console=self.console, refresh_per_second=2) if self.console.is_terminal else None
        self._last_line = 0.0

    def __enter__(self):
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live:
            self.live.__exit__(*exc)
        self.writer.close()
        self.jsonl.close()

    def record(self, metrics: dict, env_steps: int, wall_seconds: float) -> None:
        images = metrics.pop("images", None)
        kind = metrics.pop("kind")
        for key, value in metrics.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.writer.add_scalar(f"{kind}/{key}", value, env_steps)
        if images is not None:
            self.writer.add_image("renders_beside_targets", images, env_steps, dataformats="HWC")
        row = {"kind": kind, "env_steps": env_steps, "wall_seconds": round(wall_seconds, 2), **metrics}
        self.jsonl.write(json.dumps(row) + "\n")
        if kind == "discriminator":
            self.latest["d_updates"] = metrics["update"]
            metrics = {k: v for k, v in metrics.items() if k != "update"}
        self.latest.update(metrics)

    def event(self, message: str) -> None:
        """Something a user should see (an actor restarted, a checkpoint written)."""
        self.console.log(message)
        self.jsonl.write(json.dumps({"kind": "event", "message": message, "time": time.time()}) + "\n")

    def show(self, env_steps: int, steps_per_second: float, wall_seconds: float) -> None:
        self.latest.update(env_steps=env_steps, env_steps_per_second=steps_per_second, minutes=wall_seconds / 60)
        self.writer.add_scalar("speed/env_steps_per_second", steps_per_second, env_steps)
        if self.live:
            self.live.update(self._table())
        elif time.monotonic() - self._last_line > 30:
            self._last_line = time.monotonic()
            parts = [f"{label} {_format(self.latest[key])}" for key, label in SHOWN if key in self.latest]
            self.console.print(" | ".join(parts), soft_wrap=True)

    def _table(self) -> Table:
        table = Table(title="spiral train", show_header=False)
        for key, label in SHOWN:
            if key in self.latest:
                table.add_row(label, _format(self.latest[key]))
        return table


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
