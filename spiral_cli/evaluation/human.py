"""The teacher of a human-stroke agent, measured where the agent is: people's own stroke
programs for held-out Omniglot drawings, rendered, against Omniglot's images of those same
drawings; beside the agent (greedy, and as `spiral parse` runs it) and the tracer on them."""

from __future__ import annotations

import time

import numpy as np

from spiral_cli.data.datasets import _resize_ink, ink_to_canvas
from spiral_cli.data.stroke_programs import SOURCES, StrokePrograms
from spiral_cli.envs.paint import PaintConfig
from spiral_cli.evaluation.reconstruction import score
from spiral_cli.programs.polylines import stroke_polylines
from spiral_cli.tracing.episodes import render_episodes


def drawn_strokes(programs: StrokePrograms) -> list[list[np.ndarray]]:
    """People's strokes as the data set's images show them: the polylines of their stroke
    programs, one per continuous stroke. The images are renders of these programs, whose
    points sit on the action grid, about 0.6 px (at 64 px) from the recorded polylines: the
    reference a parser of the images can reach, where the recorded ones are not."""
    drawn, _ = render_episodes([programs.episode(i) for i in range(len(programs))], PaintConfig(brush=programs.brush))
    return [stroke_polylines(program) for program in drawn]


def held_out_omniglot(programs: StrokePrograms, images_npz, n: int) -> tuple[StrokePrograms, np.ndarray]:
    """The first n held-out Omniglot programs and Omniglot's images of the same drawings
    (canvas convention), matched by file name IIII_DD (character id, drawer)."""
    chosen = np.flatnonzero(programs.test & (programs.source == SOURCES.index("omniglot")))
    chosen = chosen[np.random.default_rng(0).permutation(len(chosen))][:n]
    subset = programs.subset(chosen)
    pictures = np.load(images_npz)["images"]
    ink = []
    for name in subset.names:
        character, drawer = (int(v) for v in str(name).split("/")[-1].split("_"))
        ink.append(~pictures[character - 1, drawer - 1])
    canvas = subset.images.shape[1]
    return subset, ink_to_canvas(_resize_ink(np.array(ink, np.float32), canvas), False)


def teacher_report(subset: StrokePrograms, images: np.ndarray, config) -> dict:
    """People's programs (the cloning labels, drawn with the dataset's pen) against the images."""
    start = time.perf_counter()
    episodes = [subset.episode(i) for i in range(len(subset))]
    drawn, finals = render_episodes(episodes, config)
    truth = [subset.true_strokes(i) for i in range(len(subset))]
    return score(finals, images, drawn, time.perf_counter() - start, truth=truth).to_dict()
