"""Fit the junction model (which arms of a junction people's strokes run on through) to people's strokes.

    python tools/train_junctions.py --strokes runs/strokes [--out checkpoints/junctions] [--validation 0.2]

Traces every training-split drawing of `spiral dataset strokes` (its render, as a parser sees
it), labels each pair of arms at each junction of its skeleton (where three or more lines
meet) by whether a person's stroke runs on from one into the other, and fits
spiral_cli.tracing.junctions.JunctionModel on all but a validation share of the drawings;
then reports, per source, the tracer's stroke-count error on that share with the straight-on
rule and with the model, and writes the weights and a report."""

import numpy as np
from tracing_fit import Places, main

from spiral_cli.painting.painter import ink
from spiral_cli.tracing.junctions import fit_junctions, pair_features, pair_labels
from spiral_cli.tracing.lines import find_lines
from spiral_cli.tracing.native import skeleton_scales, trace_program
from spiral_cli.tracing.skeleton import junction_arms, skeleton_branches


def junction_data(images: np.ndarray, drawn: list) -> tuple[np.ndarray, np.ndarray]:
    features, labels = [np.zeros((0, 17), np.float32)], [np.zeros(0, np.float32)]
    for image, strokes in zip(images, drawn):
        lines = find_lines(ink(image[..., 0]))
        if lines.blank:
            continue
        spur, _, cusp = skeleton_scales(lines)
        branches, graph = skeleton_branches(lines.mask, spur, cusp)
        for members, arms, free in junction_arms(branches, graph):
            if len(members) < 3:  # two arms always run on into each other
                continue
            pairs, found = pair_features(arms, free, lines.width)
            features.append(found)
            labels.append(pair_labels(arms, pairs, strokes, lines.width))
    return np.concatenate(features), np.concatenate(labels)


def count_error(images: np.ndarray, drawn: list, model, learned: bool) -> float:
    errors = [abs(len(trace_program(ink(image[..., 0]), junctions=model, learned_junctions=learned).pen_strokes)
                  - len(strokes)) for image, strokes in zip(images, drawn)]
    return float(np.mean(errors))


if __name__ == "__main__":
    main(Places(junction_data, fit_junctions, count_error, "junctions.safetensors",
                ("pairs", "run_on_share", "count_error_straight_on", "count_error_learned")), "junctions")
