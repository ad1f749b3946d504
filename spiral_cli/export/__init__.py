"""Turning stroke programs into files other tools read: PNG, SVG, GIF."""
