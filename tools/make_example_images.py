"""Writes the example images in assets/ that `spiral parse` is shown on: handwriting-like
characters drawn by the project's own painter, then softened as a scan would be
(run: python tools/make_example_images.py)."""

from pathlib import Path

from PIL import Image, ImageFilter

from spiral_cli.painting import render_program
from spiral_cli.programs import Action, StrokeProgram

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def character(strokes: list[list[tuple[float, float]]], size: float = 11.0) -> StrokeProgram:
    """Pen-down sequences, each a list of points joined by quadratic Beziers (every other
    point is a control point), on a 160 x 200 px sheet."""
    actions, position = [], (0.0, 0.0)
    for points in strokes:
        actions.append(Action("jump", position, position, points[0], 0.8, size))
        for control, end in zip(points[1::2], points[2::2]):
            actions.append(Action("draw", actions[-1].end, control, end, 0.8, size))
        position = actions[-1].end
    return StrokeProgram(160, 200, "classic/pen", "grayscale", tuple(actions), grid=None)


def save_scan(program: StrokeProgram, path: Path) -> None:
    pixels = render_program(program)
    Image.fromarray(pixels).convert("L").filter(ImageFilter.GaussianBlur(1.2)).save(path)


THREE = [[(40, 50), (80, 10), (115, 55), (110, 85), (70, 100), (125, 115), (118, 150), (80, 195), (35, 160)]]
FOUR = [[(95, 25), (60, 90), (30, 130), (80, 128), (135, 125)], [(105, 60), (100, 120), (102, 180)]]

if __name__ == "__main__":
    save_scan(character(THREE), ASSETS / "three.png")
    save_scan(character(FOUR), ASSETS / "four.png")
