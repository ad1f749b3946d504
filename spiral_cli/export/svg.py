"""Stroke programs as SVG for Inkscape and pen-plotter tools (vpype)."""

from __future__ import annotations

import colorsys

import svgwrite
from svgwrite.extensions import Inkscape

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


def _path_data(action: Action) -> str:
    (x0, y0), (xc, yc), (x1, y1) = action.start, action.control, action.end
    coords = " ".join(_number(v) for v in (xc, yc, x1, y1))
    return f"M {_number(x0)} {_number(y0)} Q {coords}"


def program_svg(program: StrokeProgram, color_by_stroke: bool = False) -> str:
    """One Inkscape layer of round-capped quadratic Bezier paths in canvas pixels:
    width from brush size, opacity from pressure."""
    drawing = svgwrite.Drawing(
        size=(f"{program.width}px", f"{program.height}px"),
        viewBox=f"0 0 {program.width} {program.height}",
        profile="full",
    )
    inkscape = Inkscape(drawing)
    layer = inkscape.layer(label="1", fill="none", stroke="#000000")
    layer["stroke-linecap"] = "round"
    layer["stroke-linejoin"] = "round"
    strokes = program.strokes
    palette = stroke_palette(len(strokes)) if color_by_stroke else None
    for index, action in enumerate(strokes):
        path = drawing.path(d=_path_data(action))
        path["stroke-width"] = _number(action.size)
        path["stroke-opacity"] = _number(action.pressure)
        if palette is not None:
            path["stroke"] = palette[index]
        elif action.color is not None:
            path["stroke"] = _hex(action.color)
        layer.add(path)
    drawing.add(layer)
    return drawing.tostring()
