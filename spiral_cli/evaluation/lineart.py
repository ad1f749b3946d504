"""Judging parses of drawings at their own resolution (DESIGN section 4): the relative
residual of the re-render against the input, strokes per drawing, and, where a drawing's
true strokes lie beside it (IMAGE.json, a stroke program, or IMAGE.svg), the ratio of stroke
counts and the symmetric chamfer distance between the output's strokes and the true ones."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import re
import time
from math import comb
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.spatial import cKDTree

from spiral_cli.data.datasets import IMAGE_SUFFIXES
from spiral_cli.errors import UsageError
from spiral_cli.programs.polylines import SPACING, stroke_polylines
CHAMFER_STEP = 0.05  # px between the points chamfer distances are measured to
REFERENCE_SIDE = 288  # chamfer is also reported as if the drawing were this many px across
THUMBNAIL = 192


@dataclass(frozen=True)
class DrawingScore:
    path: str
    group: str  # the subfolder it came from
    relative_residual: float
    strokes: int
    true_strokes: int | None
    chamfer_px: float | None
    chamfer_at_reference: float | None  # chamfer scaled to a REFERENCE_SIDE px drawing
    seconds: float


def find_drawings(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a directory")
    found = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not found:
        raise UsageError(f"{folder}: no images")
    return found


def true_strokes(image: Path) -> list[np.ndarray] | None:
    """The polylines of the true strokes beside an image, or None."""
    from spiral_cli.programs.io import load_program

    if image.with_suffix(".json").is_file():
        return stroke_polylines(load_program(image.with_suffix(".json")))
    if image.with_suffix(".svg").is_file():
        return svg_polylines(image.with_suffix(".svg").read_text())
    return None


def resampled(line: np.ndarray, spacing: float = SPACING) -> np.ndarray:
    """A polyline with points about `spacing` px apart (corners kept)."""
    pieces = [line[:1]]
    for start, end in zip(line[:-1], line[1:]):
        count = max(1, int(np.ceil(np.linalg.norm(end - start) / spacing)))
        pieces.append(start + (end - start) * np.linspace(0, 1, count + 1)[1:, None])
    return np.concatenate(pieces)


_COMMAND = re.compile(r"([MLQCZmlqcz])([^MLQCZmlqcz]*)")


def svg_polylines(text: str, spacing: float = SPACING) -> list[np.ndarray]:
    """Polylines of an SVG's paths (absolute M, L, Q, C and Z commands: what vector
    editors and spiral write), one per subpath."""
    lines: list[np.ndarray] = []
    for d in re.findall(r'\sd="([^"]+)"', text):
        current: list[np.ndarray] = []
        for command, numbers in _COMMAND.findall(d):
            values = np.array([float(v) for v in re.findall(r"-?\d*\.?\d+(?:e-?\d+)?", numbers)]).reshape(-1, 2)
            if command == "M":
                if len(current) > 1:
                    lines.append(np.array(current))
                current = [values[0]] + list(values[1:])
            elif command == "L":
                current += list(values)
            elif command in "QC":
                step = 2 if command == "Q" else 3
                for k in range(0, len(values), step):
                    current += list(_bezier(np.array([current[-1], *values[k : k + step]]), spacing)[1:])
            elif command in "Zz" and current:
                current.append(current[0])
        if len(current) > 1:
            lines.append(np.array(current))
    return lines


def _bezier(control: np.ndarray, spacing: float) -> np.ndarray:
    length = float(np.linalg.norm(np.diff(control, axis=0), axis=1).sum())
    t = np.linspace(0, 1, max(2, int(np.ceil(length / spacing)) + 1))[:, None]
    n = len(control) - 1
    return sum(comb(n, k) * (1 - t) ** (n - k) * t ** k * control[k] for k in range(n + 1))


def chamfer(ours: list[np.ndarray], truth: list[np.ndarray]) -> float:
    """Half the mean distance from our points to the true strokes plus half the reverse (px).
    Distances are to the polylines, not their vertices: with vertices 1 px apart, a perfect
    copy sampled at other places along the line would be 0.25 px off on average."""
    if not ours or not truth:
        return float("inf") if (ours or truth) else 0.0
    a, b = np.concatenate(ours), np.concatenate(truth)
    return 0.5 * float(_near_line(truth).query(a)[0].mean()) + 0.5 * float(_near_line(ours).query(b)[0].mean())


def _near_line(lines: list[np.ndarray]) -> cKDTree:
    """Nearest-point look-ups along the polylines (dense points: within CHAMFER_STEP / 2 of exact)."""
    return cKDTree(np.concatenate([resampled(line, CHAMFER_STEP) for line in lines]))


def evaluate_folder(folder: Path, method: str, checkpoint: str | None = None, quality: str = "fast",
                    workers: int = 1, seed: int = 0, limit: int | None = None, on_done=None):
    """Scores of every drawing under `folder` (and thumbnails for an overlay sheet)."""
    paths = find_drawings(folder)[:limit]
    quality = "fast" if method == "trace" else quality  # the tracer has one quality
    checkpoint = None if method.startswith("trace") else checkpoint  # and no agent
    tasks = [(str(p), str(folder), method, checkpoint, quality, seed) for p in paths]
    if workers <= 1:
        outcomes = []
        for task in tasks:
            outcomes.append(_score(task))
            on_done and on_done()
        return outcomes
    context = multiprocessing.get_context("spawn")  # libmypaint and torch threads do not survive fork
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_one_thread) as pool:
        outcomes = []
        for outcome in pool.map(_score, tasks):
            outcomes.append(outcome)
            on_done and on_done()
        return outcomes


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _score(task) -> tuple[DrawingScore, list[np.ndarray]]:
    from spiral_cli.export.raster import render_strokes_coloured
    from spiral_cli.painting.painter import render_program
    from spiral_cli.parsing.images import read_image
    from spiral_cli.parsing.parse import parse_read

    path, folder, method, checkpoint, quality, seed = task
    image = read_image(path)
    start = time.perf_counter()
    (result,) = parse_read([image], checkpoint, quality, seed=seed, method=method)
    seconds = time.perf_counter() - start
    truth = true_strokes(Path(path))
    distance = None if truth is None else chamfer(stroke_polylines(result.program), truth)
    side = max(image.width, image.height)
    score = DrawingScore(
        path=path, group=str(Path(path).parent.relative_to(folder)), relative_residual=result.relative_residual,
        strokes=result.strokes, true_strokes=None if truth is None else len(truth), chamfer_px=distance,
        chamfer_at_reference=None if distance is None else distance * REFERENCE_SIDE / side, seconds=seconds,
    )
    source = np.repeat(np.round(255 * (1 - image.ink))[..., None], 3, -1).astype(np.uint8)
    pictures = [source, render_program(result.program), render_strokes_coloured(result.program)]
    return score, [_thumbnail(p) for p in pictures]


def _thumbnail(pixels: np.ndarray) -> np.ndarray:
    picture = Image.fromarray(pixels)
    picture.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (THUMBNAIL, THUMBNAIL), (255, 255, 255))
    canvas.paste(picture, ((THUMBNAIL - picture.width) // 2, (THUMBNAIL - picture.height) // 2))
    return np.asarray(canvas)


def summary(scores: list[DrawingScore]) -> dict:
    """Means over drawings; the stroke ratio and chamfer over those with true strokes."""
    known = [s for s in scores if s.true_strokes]
    mean = lambda values: float(np.mean(values)) if values else None
    return {
        "drawings": len(scores),
        "relative_residual": mean([s.relative_residual for s in scores]),
        "strokes_per_drawing": mean([s.strokes for s in scores]),
        "strokes_over_true": mean([s.strokes / s.true_strokes for s in known]),
        "chamfer_px": mean([s.chamfer_px for s in known]),
        "chamfer_at_288px": mean([s.chamfer_at_reference for s in known]),
        "seconds_per_drawing": mean([s.seconds for s in scores]),
    }


def report(scores: list[DrawingScore]) -> dict:
    groups = sorted({s.group for s in scores})
    return {"all": summary(scores), **({g: summary([s for s in scores if s.group == g]) for g in groups} if len(groups) > 1 else {}),
            "drawings": [asdict(s) for s in scores]}
