"""Writes the example stroke programs in assets/ (run: python tools/make_example_programs.py)."""

import math
from pathlib import Path

from spiral_cli.programs import Action, StrokeProgram, save_program

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def spiral_program() -> StrokeProgram:
    """An Archimedean spiral drawn as one pen-down sequence of quadratic Beziers."""
    centre, turns, segments = 32.0, 2.5, 14
    def point(t):
        angle, radius = t * turns * 2 * math.pi, 2 + 26 * t
        return (round(centre + radius * math.cos(angle), 3), round(centre + radius * math.sin(angle), 3))
    actions, previous = [Action("jump", (0.0, 0.0), (0.0, 0.0), point(0), 0.5, 3.0)], point(0)
    for i in range(1, segments + 1):
        mid, end = point((i - 0.5) / segments), point(i / segments)
        # control point that makes the Bezier pass through the arc's midpoint
        control = tuple(round(2 * m - (a + b) / 2, 3) for m, a, b in zip(mid, previous, end))
        control = tuple(min(max(c, 0.0), 64.0) for c in control)
        actions.append(Action("draw", previous, control, end, round(0.4 + 0.6 * i / segments, 3), 3.0))
        previous = end
    return StrokeProgram(64, 64, "classic/dry_brush", "grayscale", tuple(actions), grid=None)


def sun_program() -> StrokeProgram:
    """A colour example: a sun of short rays over a blue hill."""
    actions, position = [], (0.0, 0.0)
    def draw(start, control, end, pressure, size, color):
        nonlocal position
        actions.append(Action("draw", start, control, end, pressure, size, color))
        position = end
    for k in range(12):
        a = 2 * math.pi * k / 12
        inner = (round(32 + 9 * math.cos(a), 3), round(26 + 9 * math.sin(a), 3))
        outer = (round(32 + 17 * math.cos(a), 3), round(26 + 17 * math.sin(a), 3))
        mid = tuple(round((p + q) / 2, 3) for p, q in zip(inner, outer))
        draw(inner, mid, outer, 0.9, 2.0, (0.95, 0.55, 0.05))
    draw((26.0, 26.0), (32.0, 20.0), (38.0, 26.0), 1.0, 12.0, (1.0, 0.85, 0.1))
    draw((2.0, 60.0), (32.0, 38.0), (62.0, 60.0), 0.8, 8.0, (0.1, 0.35, 0.8))
    return StrokeProgram(64, 64, "classic/pen", "color", tuple(actions), grid=None)


if __name__ == "__main__":
    save_program(spiral_program(), ASSETS / "spiral.json")
    save_program(sun_program(), ASSETS / "sun.json")
