"""Fit the junction model (which arms of a junction people's strokes run on through) to people's strokes.

    python tools/train_junctions.py --strokes runs/strokes [--out checkpoints/junctions] [--validation 0.2]

Traces every training-split drawing of `spiral dataset strokes` (its render, as a parser sees
it), labels each pair of arms at each junction of its skeleton (where three or more lines
meet) by whether a person's stroke runs on from one into the other, and fits
spiral_cli.tracing.junctions.JunctionModel on all but a validation share of the drawings;
then reports, per source, the tracer's stroke-count error on that share with the straight-on
rule and with the model, and writes the weights and a report."""

import argparse
import json
from pathlib import Path

import numpy as np

from spiral_cli.data.stroke_programs import SOURCES, load, split
from spiral_cli.evaluation.human import drawn_strokes
from spiral_cli.painting.painter import ink
from spiral_cli.tracing.decider import save_decider
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints" / "junctions")
    parser.add_argument("--validation", type=float, default=0.2, help="share of training drawings held out for the report")
    args = parser.parse_args()
    train = split(load(args.strokes), "train")
    drawn = drawn_strokes(train)
    held = np.random.default_rng(0).random(len(train)) < args.validation
    fit_part = np.flatnonzero(~held)
    features, labels, sources = [], [], []
    for index in range(len(SOURCES)):  # each source weighs the same, however many junctions it has
        chosen = fit_part[train.source[fit_part] == index]
        found, labelled = junction_data(train.images[chosen], [drawn[i] for i in chosen])
        features.append(found), labels.append(labelled), sources.append(np.full(len(labelled), index))
    features, labels, sources = np.concatenate(features), np.concatenate(labels), np.concatenate(sources)
    weights = 1.0 / np.bincount(sources)[sources]
    model = fit_junctions(features, labels, weights)
    accuracy = float(((model.probabilities(features) > 0.5) == (labels > 0.5)).mean())
    report = {"pairs": len(labels), "run_on_share": float(labels.mean()), "training_accuracy": accuracy}
    for index, source in enumerate(SOURCES):
        chosen = np.flatnonzero(held & (train.source == index))
        images, truth = train.images[chosen], [drawn[i] for i in chosen]
        report[source] = {"drawings": len(chosen), "true_strokes": float(np.mean([len(t) for t in truth])),
                          "count_error_straight_on": count_error(images, truth, model, False),
                          "count_error_learned": count_error(images, truth, model, True)}
        print(source, report[source], flush=True)
    save_decider(model, args.out / "junctions.safetensors")
    (args.out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
