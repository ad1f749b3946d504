"""Builds the line-art evaluation set of `spiral eval --data lineart:DIR` from public human
strokes that no shipped model was trained on: the *test* splits of KanjiVG characters and of
the sheep sketches in ../shared/data/sketches. Never commit its output (it derives from
../shared). Each drawing is IMAGE.png with its true strokes beside it as IMAGE.json (a stroke
program: one pen-down run per human stroke, straight segments along its polyline).

    python tools/make_lineart_eval.py OUT_DIR [--data ../shared/data/sketches] [--split valid]

OUT_DIR/clean    30 drawings, 288-1024 px, the classic pen at several widths, and 4 pages of
                 several drawings each;
OUT_DIR/brushes  10 of them in 5 brush styles (pen, pencil, ink, marker, dry brush);
OUT_DIR/scans    12 made to look scanned: uneven widths and pressure, a pencil's texture,
                 paper tone, shading and noise, JPEG."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image

from spiral_cli.painting.calibration import size_for_width
from spiral_cli.painting.painter import render_program
from spiral_cli.programs.io import save_program
from spiral_cli.programs.model import Action, StrokeProgram

SIZES = (288, 512, 768, 1024)
PEN_WIDTHS = (2.0, 3.0, 5.0)  # px at 512 px, scaled with the drawing
STYLE_WIDTH = 6.0  # px of ink across a line in the brush styles (512 px drawings)
BRUSHES = {"pen": "classic/pen", "pencil": "classic/pencil", "ink": "classic/textured_ink",
           "marker": "classic/marker_small", "dry-brush": "classic/dry_brush"}
PENCIL_SIZE = 6.0  # a pencil is light: sized by eye, not by its ink
MARGIN = 0.08


def drawings(data: Path, rng, split: str = "test") -> list[tuple[str, list[np.ndarray]]]:
    """(name, strokes as (n, 2) polylines) for 15 kanji and 15 sheep of the split, picked at random."""
    picked = []
    for file, name, count in (("kanji.rdp100.npz", "kanji", 15), ("aaron_sheep.npz", "sheep", 15)):
        # trusted files from ../shared (the loaders users run never unpickle)
        test = np.load(data / file, allow_pickle=True, encoding="latin1")[split]
        for index in rng.choice(len(test), count, replace=False):
            d = test[index].astype(float)
            points = np.cumsum(d[:, :2], axis=0)
            strokes = np.split(points, np.nonzero(d[:, 2])[0][:-1] + 1)
            picked.append((f"{name}-{index:03d}", [s for s in strokes if len(s) >= 2]))
    return picked


def placed(strokes: list[np.ndarray], box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """Strokes scaled (aspect kept) and centred into box = (left, top, width, height)."""
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    scale = min(box[2], box[3]) * (1 - 2 * MARGIN) / max(float((high - low).max()), 1e-6)
    centre = np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])
    return [(s - (low + high) / 2) * scale + centre for s in strokes]


def program(strokes, width: int, height: int, brush: str, size: float, rng=None) -> StrokeProgram:
    """One pen-down run per stroke; with `rng`, each stroke's width and pressure vary as a
    hand's do."""
    actions = []
    for stroke in strokes:
        factor, pressure = (rng.uniform(0.6, 1.4), rng.uniform(0.55, 1.0)) if rng is not None else (1.0, 1.0)
        start = tuple(map(float, stroke[0]))
        actions.append(Action("jump", start, start, start, pressure, size * factor))
        for a, b in zip(stroke[:-1], stroke[1:]):
            middle = tuple(map(float, (a + b) / 2))
            actions.append(Action("draw", tuple(map(float, a)), middle, tuple(map(float, b)), pressure, size * factor))
    return StrokeProgram(width, height, brush, "grayscale", tuple(actions))


def save(prog: StrokeProgram, render_brush: str, path: Path, scan_rng=None) -> None:
    pixels = render_program(prog, brush=render_brush)[..., 0].astype(float) / 255
    save_program(prog, path.with_suffix(".json"))
    if scan_rng is None:
        Image.fromarray(np.round(pixels * 255).astype(np.uint8)).save(path.with_suffix(".png"))
        return
    h, w = pixels.shape
    tone = scan_rng.uniform(0.82, 0.95)
    shade = np.linspace(0, scan_rng.uniform(0.03, 0.08), w)[None, :] + np.linspace(0, 0.04, h)[:, None]
    paper = tone - shade + scan_rng.normal(0, 0.025, (h, w))
    scan = np.clip(paper * pixels, 0, 1)  # ink darkens the paper
    buffer = io.BytesIO()
    Image.fromarray(np.round(scan * 255).astype(np.uint8)).save(buffer, "JPEG", quality=int(scan_rng.integers(60, 85)))
    path.with_suffix(".jpg").write_bytes(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared/data/sketches")
    parser.add_argument("--split", default="test", choices=("test", "valid"),
                        help="valid: the same kind of set from the files' validation splits, to choose on")
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    chosen = drawings(args.data, rng, args.split)
    for folder in ("clean", "brushes", "scans"):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
    for index, (name, strokes) in enumerate(chosen):
        size = SIZES[index % len(SIZES)]
        width = PEN_WIDTHS[index % len(PEN_WIDTHS)] * size / 512
        save(program(placed(strokes, (0, 0, size, size)), size, size, "classic/pen", width), "classic/pen",
             args.out / "clean" / name)
    for page in range(4):  # pages of 4 to 9 drawings, 1024 px wide
        columns = 2 + page % 2
        count = columns * columns
        cell = 1024 / columns
        picks = rng.choice(len(chosen), count, replace=False)
        strokes = [s for k, i in enumerate(picks)
                   for s in placed(chosen[i][1], ((k % columns) * cell, (k // columns) * cell, cell, cell))]
        save(program(strokes, 1024, 1024, "classic/pen", 2.5), "classic/pen", args.out / "clean" / f"page-{page}")
    for name, strokes in chosen[::3]:  # 10 drawings in every style, 512 px
        for style, brush in BRUSHES.items():
            size = PENCIL_SIZE if style == "pencil" else size_for_width(brush, STYLE_WIDTH)
            save(program(placed(strokes, (0, 0, 512, 512)), 512, 512, brush, size), brush,
                 args.out / "brushes" / f"{name}-{style}")
    for name, strokes in chosen[1::5] + chosen[2::5]:  # 12 scans, 768 px, pencil and pen
        brush = "deevad/2B_pencil" if len(name) % 2 else "classic/pen"
        save(program(placed(strokes, (0, 0, 768, 768)), 768, 768, brush, 4.0, rng), brush,
             args.out / "scans" / name, scan_rng=rng)


if __name__ == "__main__":
    main()
