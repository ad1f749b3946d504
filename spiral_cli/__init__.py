"""spiral: turn images into strokes with agents that write programs for a painting engine."""

__version__ = "0.1.0"
