"""Copy a training run's best weights (on the validation split, else its latest) into checkpoints/NAME with a model card.

    python tools/ship_checkpoint.py RUN_DIR NAME --data mnist:../shared/data/mnist [--n 1000] [--search 16]
    python tools/ship_checkpoint.py --rescore NAME --data mnist:../shared/data/mnist

Writes config.json, policy.safetensors, state.json (how long it trained), eval.json (what
`spiral eval` measured), sheet.png and README.md (the card) into checkpoints/NAME. With
--rescore, an unconditional checkpoint already shipped is evaluated again: eval.json and
the card's scores are rewritten, the rest of the card kept."""

import argparse
import json
import shutil
from dataclasses import fields
from pathlib import Path

import numpy as np

from spiral_cli.evaluation.frechet import evaluate_samples
from spiral_cli.evaluation.reconstruction import evaluate_agent
from spiral_cli.export.files import write_output
from spiral_cli.export.raster import image_grid, png_bytes
from spiral_cli.cli.evaluate import comparison_sheet
from spiral_cli.parsing.agent import Agent
from spiral_cli.training.checkpoint import latest_checkpoint, read_state
from spiral_cli.training.selection import best_checkpoint
from spiral_cli.training.config import TrainConfig

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", type=Path, nargs="?")
    parser.add_argument("name")
    parser.add_argument("--rescore", action="store_true", help="evaluate a shipped unconditional checkpoint again")
    parser.add_argument("--note", default="", help="how the weights were made, at the top of the card (with "
                                                   "--rescore: a sentence the card's scores must be read with)")
    parser.add_argument("--data", required=True, help="evaluation data (its test split)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--search", type=int, default=8)
    parser.add_argument("--best-n", type=int, default=0, help="images for the (slow) --quality best evaluation (colour agents: coarse to fine at 128 px in 200 strokes)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the searched evaluations")
    args = parser.parse_args()
    if args.rescore:
        return rescore(args.name, args.data, args.n, args.note)
    out = ROOT / "checkpoints" / args.name
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = best_checkpoint(args.run_dir) or latest_checkpoint(args.run_dir)  # chosen on the validation split
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
    pictures = agent.config.conditional and agent.env.color and args.data.startswith("images:")
    if pictures:
        scores, sheet = evaluate_pictures(args.name, args)
    elif agent.config.conditional:
        scores, sheet = evaluate_conditional(agent, args)
    else:
        scores, samples = evaluate_unconditional(agent, args.data, args.n)
        sheet = image_grid(list(samples[:64]))
    scores = {"data": args.data, "n": args.n, **scores}
    (out / "eval.json").write_text(json.dumps(scores, indent=1) + "\n")
    write_output(out / "sheet.png", png_bytes(sheet))
    _write_card(args, agent, state, scores, extra=[PAINTINGS_SHEET, ""] if pictures else ())


def _write_card(args, agent, state, scores, extra=()) -> None:
    log = args.run_dir / "commands.txt"
    commands = log.read_text().splitlines() if log.is_file() else ["(not recorded)"]
    text = card(args.name, agent.config, state, scores, commands, args.note) + "\n".join(extra)
    (ROOT / "checkpoints" / args.name / "README.md").write_text(text)
    print(json.dumps(scores, indent=1))


def evaluate_unconditional(agent, data: str, n: int):
    scores = {}
    scores["samples"], samples = evaluate_samples(agent, data, n)  # as spiral draw makes them
    scores["samples, temperature 1"] = evaluate_samples(agent, data, n, temperature=1.0)[0]
    scores["quality best"] = evaluate_samples(agent, data, n, quality="best")[0]
    return scores, samples


def rescore(name: str, data: str, n: int, note: str = "") -> None:
    out = ROOT / "checkpoints" / name
    agent = Agent.load(out)
    scores = {"data": data, "n": n, **evaluate_unconditional(agent, data, n)[0]}
    (out / "eval.json").write_text(json.dumps(scores, indent=1) + "\n")
    text = (out / "README.md").read_text()
    head, rest = text.split(SCORES, 1)
    tail = rest[rest.index("![sheet]"):]
    lines = score_lines(agent.config, scores)
    if note:
        lines[2:2] = [f"**Read with:** {note}", ""]
    (out / "README.md").write_text(head + "\n".join(lines) + "\n" + tail)
    print(json.dumps(scores, indent=1))


def score_lines(config: TrainConfig, scores: dict) -> list[str]:
    lines = [SCORES, ""]
    if not config.conditional and "frechet_distance_to_valid" in scores.get("samples", {}):
        samples = scores["samples"]
        lines += [
            f"Fréchet distance of {samples['images']:,} drawings (temperature {samples['temperature']}) to as many "
            f"images of the validation split, the training distribution never trained on: "
            f"**{samples['frechet_distance_to_valid']:.0f}**, beside **{samples['frechet_distance_of_real_training_images_to_valid']:.0f}** "
            f"for real training images (the floor). To test images: {samples['frechet_distance']:.0f}, beside "
            f"{samples['frechet_distance_of_real_training_images']:.0f} for real training images.",
            "",
        ]
    return lines + ["```json", json.dumps(scores, indent=1), "```", ""]


SCORES = "## Scores (`spiral eval`, held-out test split)"
PAINTINGS_SHEET = ("The sheet: the first 16 held-out pictures painted at 64 px in 20 strokes (top row, shown at "
                   "128 px) and, with --best-n, at 128 px in 200 strokes coarse to fine (bottom row); the pictures "
                   "themselves are the data set's and are not shown.")


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


def evaluate_pictures(name: str, args):
    """A colour agent painting held-out pictures at 64 px in 20 strokes as spiral parse does,
    beside its teacher (the colour stroke search), the 4 x 4 mosaic and the mean colour. The
    sheet shows the paintings only: the pictures are the data set's, never committed."""
    from spiral_cli.evaluation.painting import evaluate_painting, held_out_pictures, painted

    folder = Path(args.data.split(":", 1)[1])
    pictures = held_out_pictures(folder, args.n, 64)
    report, programs = evaluate_painting(name, pictures, 20, workers=args.workers)
    teacher, _ = evaluate_painting(None, pictures, 20, method="search", workers=args.workers)
    scores = {"64 px, 20 strokes": report.to_dict(), "colour search (teacher)": teacher.to_dict()}
    rows = [[np.repeat(np.repeat(painted(p), 2, 0), 2, 1) for p in programs[:16]]]  # shown at 128 px
    if args.best_n:  # coarse to fine, windows of the picture as spiral parse paints larger ones
        large = held_out_pictures(folder, args.best_n, 128)
        report, programs = evaluate_painting(name, large, 200, workers=args.workers)
        scores["128 px, 200 strokes"] = report.to_dict()
        scores["colour search (teacher), 128 px, 200 strokes"] = evaluate_painting(
            None, large, 200, method="search", workers=args.workers)[0].to_dict()
        rows.append([painted(p) for p in programs[:16]])
    cells = [np.round(image * 255).astype(np.uint8) for row in rows for image in row]
    return scores, image_grid(cells, columns=len(rows[0]))


def card(name: str, config: TrainConfig, state: dict, scores: dict, commands: list[str], note: str = "") -> str:
    defaults = TrainConfig()
    changed = {f.name: getattr(config, f.name) for f in fields(TrainConfig)
               if getattr(config, f.name) != getattr(defaults, f.name)}
    lines = [
        f"# `{name}`",
        "",
        f"{'Conditional (reconstructs a target image)' if config.conditional else 'Unconditional (draws freely)'} "
        f"SPIRAL agent, trained with `spiral train` on this project's 2-core CPU machine.",
        "",
        *([f"**How it was made:** {note}", ""] if note else []),
        "## Training",
        f"- data: `{config.data}` (training split only)",
        f"- wall time: {state.get('wall_seconds', 0) / 60:.1f} min, {state.get('updates', 0):,} policy updates, "
        f"{state.get('env_steps', 0):,} env steps",
        *([f"- chosen on the validation split ({state['validation']['images']} images never trained on): "
           f"`{state.get('checkpoint', 'best')}`, greedy relative residual {state['validation']['relative_residual']:.4f}, "
           "the best of the run's checkpoints (not necessarily its last)"] if "validation" in state else []),
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
        *score_lines(config, scores),
        "![sheet](sheet.png)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
