"""Measuring a drawing before it is parsed: what kind of picture it is, how wide its lines
are, and the working scale at which its lines are as wide as the agent's."""

from __future__ import annotations

from dataclasses import dataclass

from spiral_cli.parsing.images import InkImage
from spiral_cli.tracing.lines import Lines, find_lines

COLOURFUL = 0.1  # mean spread between an image's colour channels above which it is a colour picture
FILLED_WIDTH = 0.15  # lines wider than this share of the shorter side are filled shapes, not lines
FILLED_COVER = 0.35  # nor is ink over more than this share of the page


@dataclass(frozen=True)
class Drawing:
    lines: Lines
    kind: str  # "blank", "line art", "filled" or "colour"


def colourful(image: InkImage) -> bool:
    return float((image.rgb.max(-1) - image.rgb.min(-1)).mean()) > COLOURFUL


def measure(image: InkImage) -> Drawing:
    lines = find_lines(image.ink)
    if colourful(image):
        return Drawing(lines, "colour")
    if lines.blank:
        return Drawing(lines, "blank")
    if lines.width > FILLED_WIDTH * min(image.width, image.height) or float(lines.mask.mean()) > FILLED_COVER:
        return Drawing(lines, "filled")
    return Drawing(lines, "line art")


def working_scale(lines: Lines, agent_width: float) -> float:
    """Image px to working px: the lines come out `agent_width` wide."""
    return agent_width / max(lines.width, 1e-6)

