"""Learning curves of runs trained with `spiral train --history` (paper Figure 8a): the l2
reconstruction error on held-out test images at every recorded checkpoint, of the greedy agent
and of the agent sampling as in training (the episodes its reward is computed on; a policy
that lifts its pen when unsure is far worse greedy), against env steps and against wall time,
every run on one figure.

    python tools/reward_curves.py RUN_DIR... --data mnist:../shared/data/mnist [--n 200]
        [--plot docs/rewards-mnist.png] [--json curves.json] [--title MNIST] [--include OLD.json] [--recorded]
        [--ylim LOW HIGH]

Each run is labelled by its reward (and "blind" for a blind agent) unless --label is given
once per run. When the first run started --init-from a checkpoint, that checkpoint's greedy
error is drawn as the "warm start" line: where the reward runs began. --include adds the curves of an
earlier --json (runs measured on another machine, whose run folders are gone). Beside the
curves, the empty canvas's error (relative residual 1) and, when --tracer is given, the
classic tracer's on the same images."""

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from spiral_cli.evaluation.reconstruction import evaluate_agent, evaluate_tracer  # noqa: E402
from spiral_cli.parsing.agent import Agent, load_weights, resolve_checkpoint  # noqa: E402
from spiral_cli.training.checkpoint import history  # noqa: E402


def run_label(agent: Agent) -> str:
    blind = " (blind)" if agent.config.model_options.get("blind") else ""
    return f"{agent.config.reward}{blind}"


def curve(run_dir: Path, data: str, n: int, recorded: bool = False) -> tuple[str, list[dict]]:
    agent = Agent.load(run_dir)
    if recorded:  # what spiral train --select measured on validation images at each checkpoint
        return run_label(agent), [{**c, "n": c["validation"]["images"], "relative_residual": c["validation"]["relative_residual"],
                                   "strokes": c["validation"]["strokes"]} for _, c in history(run_dir) if "validation" in c]
    points = []
    for weights, counters in history(run_dir):
        load_weights(agent.policy, weights)
        points.append(point(agent, data, n, counters))
        print(run_dir.name, counters["env_steps"], f"greedy {points[-1]['relative_residual']:.4f}",
              f"sampled {points[-1]['sampled_relative_residual']:.4f}", flush=True)
    return run_label(agent), points


def point(agent: Agent, data: str, n: int, counters: dict) -> dict:
    report, _, _ = evaluate_agent(agent, data, n=n, greedy=True)
    sampled, _, _ = evaluate_agent(agent, data, n=n, greedy=False)  # the episodes the reward trains on
    return {**counters, "n": n, "l2": report.mean_error, "relative_residual": report.relative_residual,
            "strokes": report.strokes_per_image, "sampled_relative_residual": sampled.relative_residual,
            "sampled_strokes": sampled.strokes_per_image}


def measured_baselines(agent: Agent, data: str, n: int, tracer: bool) -> dict:
    """The warm start the runs began from (greedy) and, when asked, the tracer, on the same images."""
    baselines = {}
    if agent.config.init_from:
        load_weights(agent.policy, resolve_checkpoint(agent.config.init_from)[1])
        report, _, _ = evaluate_agent(agent, data, n=n, greedy=True)
        baselines[f"warm start (n = {n})"] = report.relative_residual
    if tracer:
        baselines[f"tracer (n = {n})"] = evaluate_tracer(agent.env, data, n)[0].relative_residual
    return baselines


def since_reinforce(points: list[dict]) -> list[dict]:
    """The points from the first reinforced one on, counted from it (all of a run without a warm start)."""
    if not any(p.get("phase") == "warm-start" for p in points):
        return points
    first = next(i for i, p in enumerate(points) if p.get("phase") != "warm-start")
    origin = points[first]
    return [{**p, "env_steps": p["env_steps"] - origin["env_steps"], "wall_seconds": p["wall_seconds"] - origin["wall_seconds"]}
            for p in points[first:]]


def plot(curves: dict, path: Path, title: str, baselines: dict, ylim: tuple[float, float] | None = None) -> None:
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for index, (label, points) in enumerate(curves.items()):
        colour = f"C{index}"
        for axis, x in ((axes[0], [p["env_steps"] for p in points]), (axes[1], [p["wall_seconds"] / 60 for p in points])):
            axis.plot(x, [p["relative_residual"] for p in points], marker="o", color=colour,
                      label=f"{label} (n = {points[0]['n']})")
            switch = next((i for i, p in enumerate(points) if p.get("phase") == "reinforce"), 0)
            if switch:  # where the warm start's cloning gave way to the reward
                axis.axvline((x[switch - 1] + x[switch]) / 2, linestyle=":", linewidth=1, color=colour)
            if "sampled_relative_residual" in points[0]:
                axis.plot(x, [p["sampled_relative_residual"] for p in points], linestyle=":", color=colour)
    for name, value in baselines.items():
        for axis in axes:
            axis.axhline(value, linestyle="--", linewidth=1, color="grey")
        axes[1].annotate(name, (axes[1].get_xlim()[1], value), ha="right", va="bottom", fontsize=8, color="grey")
    if ylim:  # close curves far below the empty canvas's line
        axes[0].set_ylim(*ylim)
    axes[0].set_xlabel("env steps")
    axes[1].set_xlabel("wall time (min, 2 cores)")
    axes[0].set_ylabel("l2 error / empty canvas's (held-out)\nsolid: greedy agent, dotted: sampled (T = 1)")
    axes[0].legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="*", type=Path)
    parser.add_argument("--include", action="append", default=[], type=Path,
                        help="curves of an earlier --json, drawn with these runs")
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--label", action="append", default=[])
    parser.add_argument("--tracer", action="store_true", help="also the classic tracer on the same images")
    parser.add_argument("--recorded", action="store_true",
                        help="the greedy figures spiral train recorded on validation images at each checkpoint "
                             "(--select), instead of evaluating every checkpoint on test images")
    parser.add_argument("--since-reinforce", action="store_true",
                        help="from where each run's reinforcement began (included curves too): a run with a warm start is drawn from its "
                             "first reinforced checkpoint on, env steps and minutes counted from there (to set it "
                             "beside runs that began --init-from that checkpoint)")
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--title", default="")
    parser.add_argument("--ylim", type=float, nargs=2, metavar=("LOW", "HIGH"), help="the error axis's range")
    args = parser.parse_args()
    if args.label and len(args.label) != len(args.runs):
        parser.error("give --label once per run, or not at all")
    torch.set_num_threads(1)
    curves, baselines = {}, {"empty canvas": 1.0}
    for earlier in args.include:
        measured = json.loads(earlier.read_text())
        for label, points in measured["curves"].items():
            points = [{"n": measured["n"], **p} for p in points]
            curves[label] = since_reinforce(points) if args.since_reinforce else points
        baselines.update({name if "(n =" in name else f"{name} (n = {measured['n']})": value
                          for name, value in measured["baselines"].items() if name != "empty canvas"})
    for index, run_dir in enumerate(args.runs):
        label, points = curve(run_dir, args.data, args.n, args.recorded)
        if args.since_reinforce:
            points = since_reinforce(points)
        curves[args.label[index] if args.label else f"{label}: {run_dir.name}"] = points
    if args.runs:
        baselines.update(measured_baselines(Agent.load(args.runs[0]), args.data, args.n, args.tracer))
    if args.json:
        args.json.write_text(json.dumps({"data": args.data, "n": args.n, "baselines": baselines, "curves": curves},
                                        indent=1) + "\n")
    if args.plot:
        plot(curves, args.plot, args.title or args.data, baselines, args.ylim)


if __name__ == "__main__":
    main()
