"""Stroke programs as SVG for Inkscape and pen-plotter tools (vpype)."""

from __future__ import annotations

import colorsys

import svgwrite
from svgwrite.extensions import Inkscape

from spiral_cli.painting.calibration import width_of_size
from spiral_cli.programs.model import Action, StrokeProgram

_GOLDEN_RATIO = 0.618033988749895


def stroke_palette(count: int) -> list[str]:
    """Distinct, evenly spread hues, one per stroke (paper Fig. 6d)."""
    colors = []
    for index in range(count):
        r, g, b = colorsys.hsv_to_rgb((index * _GOLDEN_RATIO) % 1.0, 0.85, 0.85)
        colors.append(_hex((r, g, b)))
    return colors


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _path_data(run: tuple[Action, ...]) -> str:
    """One continuous stroke: a move, then a quadratic Bezier per segment."""
    x0, y0 = run[0].start
    curves = " ".join("Q " + " ".join(_number(v) for v in (*a.control, *a.end)) for a in run)
    return f"M {_number(x0)} {_number(y0)} {curves}"


def program_svg(program: StrokeProgram, color_by_stroke: bool = False) -> str:
    """One Inkscape layer of round-capped paths in canvas pixels, one per continuous stroke
    (a chain of quadratic Beziers): width the ink the brush lays across a line of the stroke's
    size (the pen's is 1.5 times its size; the soft pen's rim counts by its ink), opacity from
    pressure (their means along the stroke)."""
    drawing = svgwrite.Drawing(
        size=(f"{program.width}px", f"{program.height}px"),
        viewBox=f"0 0 {program.width} {program.height}",
        profile="full",
    )
    inkscape = Inkscape(drawing)
    layer = inkscape.layer(label="1", fill="none", stroke="#000000")
    layer["stroke-linecap"] = "round"
    layer["stroke-linejoin"] = "round"
    runs = program.pen_strokes
    palette = stroke_palette(len(runs)) if color_by_stroke else None
    for index, run in enumerate(runs):
        path = drawing.path(d=_path_data(run))
        path["stroke-width"] = _number(width_of_size(program.brush, sum(a.size for a in run) / len(run)))
        path["stroke-opacity"] = _number(sum(a.pressure for a in run) / len(run))
        if palette is not None:
            path["stroke"] = palette[index]
        elif run[0].color is not None:
            path["stroke"] = _hex(run[0].color)
        layer.add(path)
    drawing.add(layer)
    return drawing.tostring()
