"""Fit the corner model (where people lift the pen at a corner) to people's strokes.

    python tools/train_lifts.py --strokes runs/strokes [--out checkpoints/lifts] [--validation 0.2]

Traces every training-split drawing of `spiral dataset strokes` (its render, as a parser sees
it), labels each corner of the centre lines by whether a person's stroke starts or ends there,
and fits spiral_cli.tracing.lifts.LiftModel on all but a validation share of the drawings;
then reports, per source, the tracer's stroke-count error on that share with and without
the model, and writes the weights and their card."""

import numpy as np
from tracing_fit import Places, main

from spiral_cli.painting.painter import ink
from spiral_cli.tracing.lifts import corner_labels, corners, fit_lifts
from spiral_cli.tracing.lines import find_lines
from spiral_cli.tracing.native import centre_paths, trace_program


def corner_data(images: np.ndarray, drawn: list) -> tuple[np.ndarray, np.ndarray]:
    features, labels = [], []
    for image, strokes in zip(images, drawn):
        lines = find_lines(ink(image[..., 0]))
        if lines.blank:
            continue
        paths = centre_paths(lines)
        places, found = corners(paths, lines.width)
        ends = np.array([point for line in strokes for point in (line[0], line[-1])]).reshape(-1, 2)
        features.append(found)
        labels.append(corner_labels(paths, places, ends, lines.width))
    return np.concatenate(features), np.concatenate(labels)


def count_error(images: np.ndarray, drawn: list, model, lifting: bool) -> float:
    errors = [abs(len(trace_program(ink(image[..., 0]), lifts=model, lifting=lifting).pen_strokes) - len(strokes))
              for image, strokes in zip(images, drawn)]
    return float(np.mean(errors))


if __name__ == "__main__":
    main(Places(corner_data, fit_lifts, count_error, "lifts.safetensors",
                ("corners", "lifted_share", "count_error_without", "count_error_with")), "lifts")
