"""Writes the README's pictures of parsing and drawing under docs/ from the shipped
checkpoints (run: python tools/make_docs.py)."""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from spiral_cli.export.files import write_output
from spiral_cli.export.outputs import OutputOptions, encode
from spiral_cli.export.raster import image_grid, png_bytes, render_strokes_coloured
from spiral_cli.painting import render_program
from spiral_cli.parsing.agent import Agent, shipped_checkpoints
from spiral_cli.parsing.drawing import draw
from spiral_cli.parsing.parse import parse_files

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def parse_example(name: str, quality: str = "best") -> None:
    """The input, its program re-rendered at 2.5x the input's size, and the strokes coloured."""
    # the default checkpoint, as the README's command runs it
    result = parse_files([ROOT / "assets" / f"{name}.png"], quality=quality)[0]
    source = np.asarray(Image.open(ROOT / "assets" / f"{name}.png").convert("RGB").resize((400, 500)))
    write_output(DOCS / f"{name}-input.png", png_bytes(source))
    write_output(DOCS / f"{name}-x8.png", png_bytes(render_program(result.program, scale=2.5)))
    write_output(DOCS / f"{name}-strokes.svg", encode(result.program, "svg", OutputOptions(color_by_stroke=True)))
    print(name, f"{result.strokes} strokes, relative residual {result.relative_residual:.3f}")


def drawing_example(name: str) -> None:
    """A line drawing parsed with the defaults: its re-render at native resolution and its
    strokes one colour each."""
    result = parse_files([ROOT / "assets" / f"{name}.png"])[0]
    write_output(DOCS / f"{name}-render.png", png_bytes(render_program(result.program)))
    write_output(DOCS / f"{name}-strokes.png", png_bytes(render_strokes_coloured(result.program)))
    write_output(DOCS / f"{name}-strokes.svg", encode(result.program, "svg", OutputOptions(color_by_stroke=True)))
    print(name, f"{result.strokes} strokes, relative residual {result.relative_residual:.3f}")


def samples_sheet() -> None:
    """64 drawings of the unconditional agent, as `spiral draw` makes them by default."""
    _, finals = draw(Agent.load("mnist-uncond"), 64)
    write_output(DOCS / "mnist-uncond-samples.png", png_bytes(image_grid(list(finals))))


if __name__ == "__main__":
    if "--samples-only" not in sys.argv:
        drawing_example("penguin")
        for example in ("three", "four"):
            parse_example(example)
    if "mnist-uncond" in shipped_checkpoints():
        samples_sheet()
