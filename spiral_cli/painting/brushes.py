"""Finding MyPaint brushes by name (``classic/pen``) or by ``.myb`` path."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from spiral_cli.errors import UsageError

PACKAGE_BRUSH_DIR = Path(__file__).with_name("brushes")  # spiral's own brushes (spiral/soft_pen), CC0 as MyPaint's
SYSTEM_BRUSH_DIRS = (
    Path("/usr/share/mypaint-data/1.0/brushes"),
    Path("/usr/local/share/mypaint-data/1.0/brushes"),
)
DEFAULT_BRUSH = "classic/dry_brush"


def brush_dirs() -> list[Path]:
    """Folders searched for brushes: $SPIRAL_BRUSH_PATH (colon-separated) first, then spiral's own."""
    extra = [Path(p) for p in os.environ.get("SPIRAL_BRUSH_PATH", "").split(os.pathsep) if p]
    return [d for d in (*extra, PACKAGE_BRUSH_DIR, *SYSTEM_BRUSH_DIRS) if d.is_dir()]


def available_brushes() -> list[str]:
    """Names of every brush found, such as 'classic/dry_brush'."""
    names = set()
    for root in brush_dirs():
        names.update(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.myb"))
    return sorted(names)


def brush_path(name: str) -> Path:
    """The .myb file of a brush name or path; UsageError if there is none."""
    as_path = Path(name)
    if name.endswith(".myb"):
        if as_path.is_file():
            return as_path
        raise UsageError(f"brush file not found: {name}")
    for root in brush_dirs():
        candidate = root / f"{name}.myb"
        if candidate.is_file():
            return candidate
    if not any(d.is_dir() for d in SYSTEM_BRUSH_DIRS):
        raise UsageError(
            "no MyPaint brushes installed: install them with 'sudo apt-get install mypaint-brushes'"
        )
    raise UsageError(f"unknown brush {name!r} (see 'spiral brushes')")


@lru_cache(maxsize=64)
def brush_definition(name: str) -> str:
    """The JSON text of a brush, read once per process."""
    path = brush_path(name)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read brush {name}: {exc}") from None
