"""What tools/train_lifts.py and tools/train_junctions.py share: the training split of `spiral
dataset strokes` cut into a fitting part and a seeded validation share, a tracing decider fitted
with each source weighing the same, and the tracer's stroke-count error on the validation share
without and with it, written beside the weights as report.json."""

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from spiral_cli.data.stroke_programs import SOURCES, load, split
from spiral_cli.evaluation.human import drawn_strokes
from spiral_cli.tracing.decider import save_decider


@dataclass(frozen=True)
class Places:
    """What one tool fits: its places, its model and how the tracer uses it."""
    collect: Callable  # (images, people's strokes) -> (features, labels)
    fit: Callable  # (features, labels, weights) -> model
    count_error: Callable  # (images, people's strokes, model, used: bool) -> mean |strokes - true|
    weights_file: str
    keys: tuple[str, str, str, str]  # report keys: places, share labelled 1, count error without, with


def fit_and_report(places: Places, strokes: Path, out: Path, validation: float) -> dict:
    train = split(load(strokes), "train")
    drawn = drawn_strokes(train)
    held = np.random.default_rng(0).random(len(train)) < validation
    fit_part = np.flatnonzero(~held)
    features, labels, sources = [], [], []
    for index in range(len(SOURCES)):  # each source weighs the same, however many places it has
        chosen = fit_part[train.source[fit_part] == index]
        found, labelled = places.collect(train.images[chosen], [drawn[i] for i in chosen])
        features.append(found), labels.append(labelled), sources.append(np.full(len(labelled), index))
    features, labels, sources = np.concatenate(features), np.concatenate(labels), np.concatenate(sources)
    model = places.fit(features, labels, 1.0 / np.bincount(sources)[sources])
    accuracy = float(((model.probabilities(features) > 0.5) == (labels > 0.5)).mean())
    count, share, without, with_model = places.keys
    report = {count: len(labels), share: float(labels.mean()), "training_accuracy": accuracy}
    for index, source in enumerate(SOURCES):
        chosen = np.flatnonzero(held & (train.source == index))
        images, truth = train.images[chosen], [drawn[i] for i in chosen]
        report[source] = {"drawings": len(chosen), "true_strokes": float(np.mean([len(t) for t in truth])),
                          without: places.count_error(images, truth, model, False),
                          with_model: places.count_error(images, truth, model, True)}
        print(source, report[source], flush=True)
    save_decider(model, out / places.weights_file)
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    return report


def main(places: Places, checkpoint: str) -> None:
    """The command line of a tool that fits `places` into checkpoints/`checkpoint`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints" / checkpoint)
    parser.add_argument("--validation", type=float, default=0.2, help="share of training drawings held out for the report")
    args = parser.parse_args()
    fit_and_report(places, args.strokes, args.out, args.validation)
