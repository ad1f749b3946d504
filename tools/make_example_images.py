"""Writes the example images in assets/ that `spiral parse` is shown on: handwriting-like
characters drawn by the project's own painter, then softened as a scan would be
(run: python tools/make_example_images.py)."""

from pathlib import Path

import numpy as np
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

def curve(points, closed=False) -> list[tuple[float, float]]:
    """A smooth pen path through the points (Catmull-Rom), sampled finely."""
    p = [np.array(q, float) for q in points]
    p = ([p[-1]] + p + [p[0], p[1]]) if closed else ([p[0]] + p + [p[-1]])
    path = []
    for i in range(1, len(p) - 2):
        for t in np.linspace(0, 1, 12, endpoint=False):
            a, b, c, d = p[i - 1], p[i], p[i + 1], p[i + 2]
            path.append(tuple(0.5 * ((2 * b) + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t ** 2 + (-a + 3 * b - 3 * c + d) * t ** 3)))
    return path + [tuple(p[-2])]


def ellipse(cx, cy, rx, ry, count=10) -> list[tuple[float, float]]:
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in np.linspace(0, 2 * np.pi, count, endpoint=False)]


# a penguin in 19 pen strokes on a 720 px sheet, drawn as a person would: outline, belly, face, wings, feet, ground
PENGUIN = [
    curve([(360, 90), (450, 120), (500, 230), (520, 380), (510, 520), (450, 610), (360, 630), (270, 610), (210, 520),
           (200, 380), (220, 230), (270, 120)], closed=True),
    curve([(360, 250), (430, 290), (455, 400), (440, 520), (360, 580), (280, 520), (265, 400), (290, 290)], closed=True),
    curve(ellipse(322, 190, 16, 20), closed=True), curve(ellipse(398, 190, 16, 20), closed=True),
    curve([(328, 192), (322, 186)]), curve([(404, 192), (398, 186)]),
    curve([(335, 225), (360, 250), (385, 225), (360, 215)], closed=True),
    curve([(215, 300), (160, 380), (140, 470), (175, 480), (215, 420)]),
    curve([(505, 300), (560, 380), (580, 470), (545, 480), (505, 420)]),
    curve([(300, 625), (270, 660), (300, 665), (330, 655), (345, 630)]),
    curve([(420, 625), (450, 660), (420, 665), (390, 655), (375, 630)]),
    curve([(80, 680), (250, 672), (470, 676), (640, 668)]),
    curve([(120, 700), (200, 697)]), curve([(520, 698), (610, 694)]),
    curve([(300, 140), (330, 120), (360, 115)]),
    curve([(250, 330), (262, 360)]), curve([(470, 330), (458, 360)]),
    curve([(345, 330), (350, 345)]), curve([(372, 420), (378, 436)]),
]


def line_drawing(strokes, side: int = 720, size: float = 1.4) -> StrokeProgram:
    """Pen-down paths as straight pieces of a thin pen, on a side x side px sheet."""
    actions = []
    for path in strokes:
        actions.append(Action("jump", path[0], path[0], path[0], 1.0, size))
        for a, b in zip(path[:-1], path[1:]):
            middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            actions.append(Action("draw", a, middle, b, 1.0, size))
    return StrokeProgram(side, side, "classic/pen", "grayscale", tuple(actions))


if __name__ == "__main__":
    save_scan(character(THREE), ASSETS / "three.png")
    save_scan(character(FOUR), ASSETS / "four.png")
    penguin = render_program(line_drawing(PENGUIN))
    Image.fromarray(penguin).convert("L").filter(ImageFilter.GaussianBlur(0.6)).save(ASSETS / "penguin.png")
