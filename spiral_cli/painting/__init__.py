"""The libmypaint renderer: brushes, surfaces and the painter that executes actions."""

from spiral_cli.painting.brushes import DEFAULT_BRUSH, available_brushes
from spiral_cli.painting.painter import Painter, render_program

__all__ = ["DEFAULT_BRUSH", "Painter", "available_brushes", "render_program"]
