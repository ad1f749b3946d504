"""Photos with little colour. The default routing sends a picture to a colour agent only when it
is colourful; a grey portrait or a washed-out snapshot goes to the line-art pipeline, which
sees a page of thick lines and comes back with a few strokes that miss most of it. When the
line-art strokes re-render such a picture poorly and it has a photo's mid-tones, a colour agent
paints it too, briefly (the judge), and the picture is painted in full when the judge is much
closer in colour and closer to its lines as well (a scan's grey paper is no reason to paint it).

Chosen on the validation split (held-out faces are the test split): the line-art strokes
re-render 36 of the 37 grey validation faces at 0.22 to 1.77 of a white page's colour error, a
painting of 100 strokes at 0.009 to 0.095; with the paper's tone taken out the painting's error
is 0.15 to 0.70 of the strokes'. The validation line drawings (`tools/make_lineart_eval.py
--split valid`) come out the other way: at least 4.4 times the strokes' error for a dry brush,
2.5 for a pencil, 1.7 for the scan-like ones (whose grey paper the painting matches better in
colour, 0.04 to 0.18 against the strokes' 0.77 to 0.94)."""

from __future__ import annotations

import numpy as np

from spiral_cli.parsing.agent import Agent
from spiral_cli.parsing.images import InkImage
from spiral_cli.parsing.painting import default_budget, paint_picture
from spiral_cli.tracing.lines import paper_tone, without_paper

# gates that only save time (the judge decides), set under the 277 grey faces of the training
# split (their line-art strokes re-render at 0.163 of a white page's colour error or more, and
# 0.136 of their pixels or more are mid-tones) and over digits (1 of 300 MNIST validation digits
# passes both; at 0.1 and 0.1, 22 would, each judged for about a second)
TRY_ABOVE = 0.15  # relative colour error of the line-art strokes above which a painting is tried
MID_TONES = 0.13  # share of pixels of lightness 0.2 to 0.8 below which a picture is not a photo
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
    lightness = _lightness(image.rgb)
    return float(((lightness > 0.2) & (lightness < 0.8)).mean())


def _lightness(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)  # as parsing/images.py reads ink


def has_photo_tones(image: InkImage) -> bool:
    return mid_tones(image) >= MID_TONES


def judged_closer(agent: Agent, image: InkImage, strokes_render: np.ndarray, seed: int,
                  temperature: float | None) -> tuple[bool, float, float]:
    """(whether a short painting by the colour `agent` is closer than the strokes, the strokes'
    and the painting's relative colour errors). Closer means: within CLOSER of the strokes'
    colour error, and closer to the picture's lines too, its paper's tone and shading taken out
    as the line tracer takes them out (a scan's grey paper is painted closely by the painting,
    its lines by the strokes)."""
    budget = min(default_budget(agent, image.width, image.height), JUDGE_EPISODES * agent.env.episode_length)
    _, painting = paint_picture(agent, image, budget, seed, temperature, 1, JUDGE_CANDIDATES)
    strokes_error, painting_error = relative_error(strokes_render, image.rgb), relative_error(painting, image.rgb)
    paper = paper_tone(image.ink)
    lines = without_paper(image.ink, paper)
    off_paper = [_relative(without_paper(_ink(render, image.inverted), paper), lines) for render in (strokes_render, painting)]
    return painting_error < CLOSER * strokes_error and off_paper[1] < off_paper[0], strokes_error, painting_error


def _ink(render: np.ndarray, inverted: bool) -> np.ndarray:
    """A render's ink as the image's is read (parsing/images.py: light ink on a dark ground too)."""
    lightness = _lightness(render)
    return lightness if inverted else 1.0 - lightness


def _relative(drawn: np.ndarray, target: np.ndarray) -> float:
    empty = float((target ** 2).mean())
    return float(((drawn - target) ** 2).mean()) / empty if empty > 1e-12 else 0.0
