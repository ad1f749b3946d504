"""Figures of a human-stroke agent on held-out drawings, each beside its baselines in one run.

    python tools/eval_human_agent.py --strokes DIR --omniglot NPZ [--checkpoint NAME ...] [--n 200] [--json F]

1. Held-out Omniglot drawings (Korean, Tagalog: alphabets never trained on), against Omniglot's
   own images: the teacher (people's programs, drawn with the dataset's pen), each agent greedy,
   in one pass sampled at `spiral parse`'s temperature, and as `spiral parse` runs it, and the
   two tracers (the grid tracer the older agents cloned, and `spiral parse --method trace`).
2. Held-out stroke programs of every source (Omniglot, KanjiVG, sheep) against people's strokes
   as their renders (the input) draw them: continuous strokes drawn against true, chamfer in px
   at 64 px."""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from spiral_cli.data import load_dataset
from spiral_cli.data.datasets import mnist_labels
from spiral_cli.data.stroke_programs import SOURCES, load, split
from spiral_cli.envs.paint import PaintConfig
from spiral_cli.evaluation.human import drawn_strokes, held_out_omniglot, teacher_report
from spiral_cli.evaluation.reconstruction import score
from spiral_cli.export.files import write_output
from spiral_cli.export.raster import image_grid, png_bytes, render_strokes_coloured
from spiral_cli.painting.painter import ink, render_program
from spiral_cli.parsing.agent import Agent
from spiral_cli.parsing.parse import QUALITIES, canvas_image, parse_canvases, parse_read
from spiral_cli.tracing.episodes import render_episodes, trace_episodes
from spiral_cli.tracing.native import trace_program


def agent_reports(checkpoint: str, images: np.ndarray, truth: list, best: bool = False, parse: bool = True) -> dict:
    agent = Agent.load(checkpoint)
    reports = {}
    start = time.perf_counter()
    programs, finals = agent.run(images, greedy=True)
    reports[f"{checkpoint} greedy"] = score(finals, images, programs, time.perf_counter() - start, truth=truth).to_dict()
    temperature = QUALITIES["fast"].temperature
    start = time.perf_counter()
    programs, finals = agent.run(images, temperature=temperature)
    reports[f"{checkpoint} one pass at temperature {temperature}"] = score(
        finals, images, programs, time.perf_counter() - start, truth=truth).to_dict()
    for quality in (("fast", "best") if best else ("fast",)) if parse else ():
        for fallback in (False, True):  # the agent's pipeline alone, then as spiral parse runs it
            start = time.perf_counter()
            programs, finals = parse_canvases(agent, images, quality, tracer_if_closer=fallback)
            name = f"{checkpoint} parse {quality}" + ("" if fallback else " (agent alone: no tracer strokes)")
            reports[name] = score(finals, images, programs, time.perf_counter() - start, truth=truth).to_dict()
            if fallback:
                reports[name]["traced_share"] = float(np.mean([(p.source or {}).get("strokes_from") == "tracer"
                                                               for p in programs]))
    return reports


def tracer_reports(images: np.ndarray, truth: list) -> dict:
    config = PaintConfig(brush="classic/pen")
    start = time.perf_counter()
    programs, finals = render_episodes(trace_episodes(images, config), config)
    grid = score(finals, images, programs, time.perf_counter() - start, truth=truth)
    start = time.perf_counter()
    programs = [trace_program(ink(image[..., 0])) for image in images]
    finals = np.stack([render_program(p)[..., :1] for p in programs])
    native = score(finals, images, programs, time.perf_counter() - start, truth=truth)
    return {"grid tracer (--trace teacher)": grid.to_dict(), "parse --method trace": native.to_dict()}


def write_sheet(path: Path, checkpoint: str, subset, images: np.ndarray, config, test, count: int = 16) -> None:
    """Rows of (input | the agent's strokes as spiral parse draws them | people's strokes), 2x,
    for held-out Omniglot images and held-out kanji."""
    agent = Agent.load(checkpoint)
    kanji = test.subset(np.flatnonzero(test.source == SOURCES.index("kanji"))[:count // 2])
    inputs = np.concatenate([images[:count], kanji.images])
    labels = [subset.episode(i) for i in range(count)] + [kanji.episode(i) for i in range(len(kanji))]
    programs, _ = parse_canvases(agent, inputs, "fast")
    people, _ = render_episodes(labels, config)
    tiles = []
    for image, ours, theirs in zip(inputs, programs, people):
        source = np.repeat(np.repeat(np.repeat(image, 3, axis=-1), 2, axis=0), 2, axis=1)
        tiles.append(np.concatenate([source, render_strokes_coloured(ours, 2.0), render_strokes_coloured(theirs, 2.0)],
                                    axis=1))
    write_output(path, png_bytes(image_grid(tiles, columns=4)))


def mnist_reports(folder: Path, checkpoints: list[str], n: int) -> dict:
    """Test digits: residual and strokes, and per digit class the share drawn in one
    continuous stroke (a person draws most 0, 2, 3, 6 and 9 without lifting the pen)."""
    spec = f"mnist:{folder}"
    digits = load_dataset(spec, "test", 64, False, limit=n).images
    labels = mnist_labels(spec, "test", limit=n)
    reports, shares = {}, {}
    runs = {}
    for checkpoint in checkpoints:
        agent = Agent.load(checkpoint)
        start = time.perf_counter()
        programs, finals = parse_canvases(agent, digits, "fast")
        runs[f"{checkpoint} parse fast"] = (programs, finals, time.perf_counter() - start)
    config = PaintConfig(brush="classic/pen")
    start = time.perf_counter()
    programs, finals = render_episodes(trace_episodes(digits, config), config)
    runs["grid tracer (--trace teacher)"] = (programs, finals, time.perf_counter() - start)
    start = time.perf_counter()  # the tracer as spiral parse runs it: soft pen and tone included
    programs = [r.program for r in parse_read([canvas_image(d) for d in digits], method="trace")]
    finals = np.stack([render_program(p)[..., :1] if p.strokes else np.full(digits.shape[1:], 255, np.uint8)
                       for p in programs])
    runs["parse --method trace"] = (programs, finals, time.perf_counter() - start)
    for name, (programs, finals, seconds) in runs.items():
        reports[name] = score(finals, digits, programs, seconds).to_dict()
        one = np.array([len(p.pen_strokes) == 1 for p in programs])
        shares[name] = {str(d): float(one[labels == d].mean()) for d in range(10)}
        reports[name]["one_stroke_share"] = float(one.mean())
    show(f"MNIST test digits, n={len(digits)}", reports)
    table = Table(title="share of digits drawn in one continuous stroke, by class")
    table.add_column("")
    for d in range(10):
        table.add_column(str(d), justify="right")
    for name, share in shares.items():
        table.add_row(name, *(f"{share[str(d)]:.2f}" for d in range(10)))
    Console(width=200).print(table)
    return {"reports": reports, "one_stroke_share_by_class": shares}


def show(title: str, reports: dict) -> None:
    table = Table(title=title)
    table.add_column("")
    keys = ["relative_residual", "strokes_per_image", "pen_strokes_per_image", "true_strokes_per_image",
            "stroke_count_error", "chamfer_px", "images_per_second", "traced_share"]
    for key in keys:
        table.add_column(key.replace("_per_image", "").replace("_", " "), justify="right")
    for name, report in reports.items():
        table.add_row(name, *(f"{report[k]:.3f}" if k in report else "" for k in keys))
    Console(width=200).print(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=Path, required=True)
    parser.add_argument("--omniglot", type=Path, required=True, help="images_background.npz")
    parser.add_argument("--checkpoint", action="append", default=[])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--best", action="store_true", help="also spiral parse --quality best (slow)")
    parser.add_argument("--mnist", type=Path, help="MNIST folder: also its first --mnist-n test digits")
    parser.add_argument("--mnist-n", type=int, default=1000)
    parser.add_argument("--episodes-only", action="store_true",
                        help="each checkpoint's own episodes only (greedy, one pass), not spiral parse: to compare runs")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sheet", type=Path, help="PNG: held-out glyphs | first checkpoint's strokes | people's, "
                                                   "each stroke coloured in drawing order")
    args = parser.parse_args()
    torch.set_num_threads(1)
    programs = load(args.strokes)
    config = PaintConfig(brush=programs.brush)
    payload = {}

    subset, images = held_out_omniglot(programs, args.omniglot, args.n)
    truth = [subset.true_strokes(i) for i in range(len(subset))]
    reports = {"teacher (people's programs)": teacher_report(subset, images, config)}
    for checkpoint in args.checkpoint:
        reports.update(agent_reports(checkpoint, images, truth, args.best, not args.episodes_only))
    reports.update(tracer_reports(images, truth))
    show(f"held-out Omniglot images (Korean, Tagalog), n={len(images)}", reports)
    payload["omniglot images"] = reports
    if args.sheet and args.checkpoint:
        write_sheet(args.sheet, args.checkpoint[0], subset, images, config, split(programs, "test"))

    test = split(programs, "test")
    for index, source in enumerate(SOURCES):
        chosen = np.flatnonzero(test.source == index)
        chosen = chosen[np.random.default_rng(0).permutation(len(chosen))][: args.n]
        if not len(chosen):
            continue
        part = test.subset(chosen)
        truth = drawn_strokes(part)  # the images are renders of these, not of the recorded polylines
        reports = {}
        for checkpoint in args.checkpoint:
            reports.update(agent_reports(checkpoint, part.images, truth, args.best, not args.episodes_only))
        reports.update(tracer_reports(part.images, truth))
        show(f"held-out {source} stroke programs against their true strokes, n={len(part)}", reports)
        payload[f"{source} strokes"] = reports
    if args.mnist:
        payload["mnist"] = mnist_reports(args.mnist, args.checkpoint, args.mnist_n)
    if args.json:
        args.json.write_text(json.dumps(payload, indent=1) + "\n")


if __name__ == "__main__":
    main()
