"""Copy a training run's latest weights into checkpoints/NAME with a model card.

    python tools/ship_checkpoint.py RUN_DIR NAME --data mnist:../shared/data/mnist [--n 1000] [--search 16]

Writes config.json, policy.safetensors, state.json (how long it trained), eval.json (what
`spiral eval` measured), sheet.png and README.md (the card) into checkpoints/NAME."""

import argparse
import json
import shutil
from dataclasses import fields
from pathlib import Path

from spiral_cli.evaluation.frechet import evaluate_samples
from spiral_cli.evaluation.reconstruction import evaluate_agent
from spiral_cli.export.files import write_output
from spiral_cli.export.raster import image_grid, png_bytes
from spiral_cli.cli.evaluate import comparison_sheet
from spiral_cli.parsing.agent import Agent
from spiral_cli.training.checkpoint import latest_checkpoint, read_state
from spiral_cli.training.config import TrainConfig

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("name")
    parser.add_argument("--data", required=True, help="evaluation data (its test split)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--search", type=int, default=8)
    parser.add_argument("--best-n", type=int, default=0, help="images for the (slow) --quality best evaluation")
    parser.add_argument("--workers", type=int, default=2, help="processes for the searched evaluations")
    args = parser.parse_args()
    out = ROOT / "checkpoints" / args.name
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = latest_checkpoint(args.run_dir)
    shutil.copy(args.run_dir / "config.json", out / "config.json")
    shutil.copy(checkpoint / "policy.safetensors", out / "policy.safetensors")
    if not json.loads((args.run_dir / "config.json").read_text())["conditional"]:
        shutil.copy(checkpoint / "discriminator.safetensors", out / "discriminator.safetensors")  # for draw --quality best
    state = read_state(checkpoint)
    (out / "state.json").write_text(json.dumps(state, indent=1) + "\n")
    agent = Agent.load(out)
    if agent.config.env == "scenes":
        from spiral_cli.cli.evaluate_scenes import evaluate_scenes

        evaluate_scenes(agent, args.name, args.data, args.n, [100, 1000, 10000], True, 0, out / "eval.json",
                        out / "sheet.png", out / "mcmc.png", workers=args.workers)
        scores = json.loads((out / "eval.json").read_text())
        scores = {"data": args.data, "n": args.n, **{k: v for k, v in scores.items() if k not in ("checkpoint", "data")}}
        (out / "eval.json").write_text(json.dumps(scores, indent=1) + "\n")
        return _write_card(args, agent, state, scores, extra=["![error against renders](mcmc.png)", ""])
    if agent.config.conditional:
        scores, sheet = evaluate_conditional(agent, args)
    else:
        scores = {}
        scores["samples"], samples = evaluate_samples(agent, args.data, args.n)  # as spiral draw makes them
        scores["samples, temperature 1"] = evaluate_samples(agent, args.data, args.n, temperature=1.0)[0]
        scores["quality best"] = evaluate_samples(agent, args.data, args.n, quality="best")[0]
        sheet = image_grid(list(samples[:64]))
    scores = {"data": args.data, "n": args.n, **scores}
    (out / "eval.json").write_text(json.dumps(scores, indent=1) + "\n")
    write_output(out / "sheet.png", png_bytes(sheet))
    _write_card(args, agent, state, scores)


def _write_card(args, agent, state, scores, extra=()) -> None:
    log = args.run_dir / "commands.txt"
    commands = log.read_text().splitlines() if log.is_file() else ["(not recorded)"]
    text = card(args.name, agent.config, state, scores, commands) + "\n".join(extra)
    (ROOT / "checkpoints" / args.name / "README.md").write_text(text)
    print(json.dumps(scores, indent=1))


def evaluate_conditional(agent, args):
    scores = {}
    report, targets, finals = evaluate_agent(agent, args.data, n=args.n, greedy=True)
    scores["agent"] = report.to_dict()
    report, targets, finals = evaluate_agent(agent, args.data, n=args.n, quality="fast", workers=args.workers)
    scores["parse fast"] = report.to_dict()  # what spiral parse does by default
    if args.search > 1:
        report, targets, finals = evaluate_agent(agent, args.data, n=args.n, candidates=args.search, workers=args.workers)
        scores[f"search {args.search}"] = report.to_dict()
    if args.best_n:
        report, targets, finals = evaluate_agent(agent, args.data, n=args.best_n, quality="best", workers=args.workers)
        scores["quality best"] = report.to_dict()
    return scores, comparison_sheet(targets, finals)


def card(name: str, config: TrainConfig, state: dict, scores: dict, commands: list[str]) -> str:
    defaults = TrainConfig()
    changed = {f.name: getattr(config, f.name) for f in fields(TrainConfig)
               if getattr(config, f.name) != getattr(defaults, f.name)}
    lines = [
        f"# `{name}`",
        "",
        f"{'Conditional (reconstructs a target image)' if config.conditional else 'Unconditional (draws freely)'} "
        f"SPIRAL agent, trained with `spiral train` on this project's 2-core CPU machine.",
        "",
        "## Training",
        f"- data: `{config.data}` (training split only)",
        f"- wall time: {state.get('wall_seconds', 0) / 60:.1f} min, {state.get('updates', 0):,} policy updates, "
        f"{state.get('env_steps', 0):,} env steps",
        "- commands (each start and resume of the run):",
        "",
        "```",
        *commands,
        "```",
        "- configuration (fields that differ from the defaults):",
        "",
        "```json",
        json.dumps(changed, indent=1),
        "```",
        "",
        "## Scores (`spiral eval`, held-out test split)",
        "",
        "```json",
        json.dumps({k: v for k, v in scores.items()}, indent=1),
        "```",
        "",
        "![sheet](sheet.png)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
