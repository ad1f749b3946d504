"""Photos with little colour. The default routing sends a picture to a colour agent only when it
is colourful; a grey portrait or a washed-out snapshot goes to the line-art pipeline, which
sees a page of thick lines and comes back with a few strokes that miss most of it. When the
line-art strokes re-render such a picture poorly and it has a photo's mid-tones, a colour agent
paints it too, briefly (the judge); the picture is painted in full when the judge is already
much closer than the strokes.

On the 36 grey faces of the validation split (held-out faces are the test split) the line-art
strokes re-render at 0.22 to 1.77 of a white page's colour error, the colour agent's painting at
0.009 to 0.095, never more than a third of the strokes' error; the validation line drawings
(`tools/make_lineart_eval.py --split valid`: clean, brush and scan-like) are never painted."""

from __future__ import annotations

import numpy as np

from spiral_cli.parsing.agent import Agent
from spiral_cli.parsing.images import InkImage
from spiral_cli.parsing.painting import default_budget, paint_picture

TRY_ABOVE = 0.2  # relative colour error of the line-art strokes above which a painting is tried
MID_TONES = 0.15  # share of pixels of lightness 0.2 to 0.8 below which a picture is not a photo
CLOSER = 0.5  # the painting is kept when its relative error is below this share of the strokes'
JUDGE_CANDIDATES = 4  # proposals a step for the judge (the painting itself takes the usual 16)
JUDGE_EPISODES = 5  # the whole picture and its quarters


def relative_error(render: np.ndarray, rgb: np.ndarray) -> float:
    """Mean squared colour error of an (H, W, 3) render in [0, 1] against the picture, relative
    to a white page's (0 for a white picture)."""
    empty = float(((1.0 - rgb) ** 2).mean())
    return float(((render - rgb) ** 2).mean()) / empty if empty > 1e-12 else 0.0


def mid_tones(image: InkImage) -> float:
    """Share of pixels neither paper nor ink: most of a photo, the edges of a drawing's lines."""
    lightness = image.rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    return float(((lightness > 0.2) & (lightness < 0.8)).mean())


def has_photo_tones(image: InkImage) -> bool:
    return mid_tones(image) >= MID_TONES


def judged_closer(agent: Agent, image: InkImage, strokes_error: float, seed: int, temperature: float | None
                  ) -> tuple[bool, float]:
    """(whether a short painting by the colour `agent` comes CLOSER than the strokes' relative
    error, that painting's relative error)."""
    budget = min(default_budget(agent, image.width, image.height), JUDGE_EPISODES * agent.env.episode_length)
    _, render = paint_picture(agent, image, budget, seed, temperature, 1, JUDGE_CANDIDATES)
    error = relative_error(render, image.rgb)
    return error < CLOSER * strokes_error, error
