"""Fit the corner model (where people lift the pen at a corner) to people's strokes.

    python tools/train_lifts.py --strokes runs/strokes [--out checkpoints/lifts] [--validation 0.2]

Traces every training-split drawing of `spiral dataset strokes` (its render, as a parser sees
it), labels each corner of the centre lines by whether a person's stroke starts or ends there,
and fits spiral_cli.tracing.lifts.LiftModel on all but a validation share of the drawings;
then reports, per source, the tracer's stroke-count error on that share with and without
the model, and writes the weights and their card."""

import argparse
import json
from pathlib import Path

import numpy as np

from spiral_cli.data.stroke_programs import SOURCES, load, split
from spiral_cli.evaluation.human import drawn_strokes
from spiral_cli.painting.painter import ink
from spiral_cli.tracing.decider import save_decider
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints" / "lifts")
    parser.add_argument("--validation", type=float, default=0.2, help="share of training drawings held out for the report")
    args = parser.parse_args()
    train = split(load(args.strokes), "train")
    drawn = drawn_strokes(train)
    held = np.random.default_rng(0).random(len(train)) < args.validation
    fit_part = np.flatnonzero(~held)
    features, labels, sources = [], [], []
    for index in range(len(SOURCES)):  # each source weighs the same, however many corners it has
        chosen = fit_part[train.source[fit_part] == index]
        found, labelled = corner_data(train.images[chosen], [drawn[i] for i in chosen])
        features.append(found), labels.append(labelled), sources.append(np.full(len(labelled), index))
    features, labels, sources = np.concatenate(features), np.concatenate(labels), np.concatenate(sources)
    weights = 1.0 / np.bincount(sources)[sources]
    model = fit_lifts(features, labels, weights)
    accuracy = float(((model.probabilities(features) > 0.5) == (labels > 0.5)).mean())
    report = {"corners": len(labels), "lifted_share": float(labels.mean()), "training_accuracy": accuracy}
    for index, source in enumerate(SOURCES):
        chosen = np.flatnonzero(held & (train.source == index))
        images, truth = train.images[chosen], [drawn[i] for i in chosen]
        report[source] = {"drawings": len(chosen), "true_strokes": float(np.mean([len(t) for t in truth])),
                          "count_error_without": count_error(images, truth, model, False),
                          "count_error_with": count_error(images, truth, model, True)}
    save_decider(model, args.out / "lifts.safetensors")
    (args.out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
