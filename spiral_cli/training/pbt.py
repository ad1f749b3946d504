"""`spiral train --pbt N`: population-based training (Jaderberg et al. 2017, as in the paper)
with Ray Tune's PopulationBasedTraining scheduler.

Each member is an ordinary spiral run in RUN_DIR/member-K, trained a round at a time (by
the local runtime, or by the Ray backend) and resumed from its own checkpoint between
rounds. After each round it reports its fitness with its latest checkpoint; when Tune
exploits, a weak member restarts from a strong member's checkpoint (weights and optimizer
states) with perturbed entropy cost and learning rate (explore), and says so in its log."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, replace
from pathlib import Path

from spiral_cli.errors import UsageError
from spiral_cli.export.files import write_output
from spiral_cli.training.checkpoint import commit_checkpoint, latest_checkpoint, read_state
from spiral_cli.training.config import TrainConfig

# DESIGN section 3 (SPIRAL++): the ranges PBT searches.
LEARNING_RATES = (1e-5, 3e-4)
ENTROPY_COSTS = (2e-3, 1e-1)
POPULATION_FILE = "population.json"
CLONING_LOSSES = ("human_loss", "trace_loss", "search_loss", "bc_loss")  # most telling first


def fitness(metrics: dict, config: TrainConfig) -> float:
    """Higher is better, from the run's latest figures whatever its batches are: conditional
    agents by the reconstruction error of their own episodes, else of their searched ones
    (when search takes every episode); unconditional agents by the critic's score of their
    renders (the paper); a run that only clones by its cloning loss."""
    if config.conditional:
        errors = [metrics[key] for key in ("l2_relative", "search_l2_relative") if key in metrics]
        if errors:
            return -float(errors[0])
    elif "d_fake" in metrics:
        return float(metrics["d_fake"])
    losses = [metrics[key] for key in CLONING_LOSSES if key in metrics]
    return -float(losses[0]) if losses else float("-inf")  # -inf: no update has reported yet


def train_member(params: dict) -> None:
    """A Tune function trainable: rounds of `round_minutes` of spiral training."""
    from ray import tune

    from spiral_cli.training.trainer import train

    base = TrainConfig.from_dict(params["base"])
    member = f"member-{tune.get_context().get_trial_id()}"  # not in params: exploit copies those
    run_dir = Path(params["run_dir"]) / member
    config = replace(base, learning_rate=params["learning_rate"], entropy_cost=params["entropy_cost"])
    donor = tune.get_checkpoint()
    if donor is not None:
        with donor.as_directory() as directory:
            if read_state(Path(directory)).get("member") != member:  # else Tune merely restarted this member
                _adopt(Path(directory), run_dir, config)
    while True:
        resume = latest_checkpoint(run_dir) is not None
        elapsed = read_state(latest_checkpoint(run_dir)).get("wall_seconds", 0.0) if resume else 0.0
        minutes = elapsed / 60 + params["round_minutes"]
        overrides = {"minutes": minutes, "learning_rate": config.learning_rate, "entropy_cost": config.entropy_cost}
        if resume:
            summary = train(None, run_dir, resume=True, overrides=overrides, backend=params["backend"])
        else:
            summary = train(replace(config, minutes=minutes), run_dir, backend=params["backend"])
        checkpoint = latest_checkpoint(run_dir)
        _label(checkpoint, member)
        tune.report(
            {"fitness": fitness(summary.metrics, config), "updates": summary.updates, "env_steps": summary.env_steps,
             "learning_rate": config.learning_rate, "entropy_cost": config.entropy_cost, "member": member},
            checkpoint=tune.Checkpoint.from_directory(str(checkpoint)),
        )


def _label(checkpoint: Path, member: str) -> None:
    """Name the member in the checkpoint's state, so that whoever adopts it can say from whom."""
    state = read_state(checkpoint)
    (checkpoint / "state.json").write_text(json.dumps({**state, "member": member}, indent=1))


def _adopt(donor: Path, run_dir: Path, config: TrainConfig) -> None:
    """Exploit: continue from another member's checkpoint, with this member's (explored)
    hyperparameters; the event goes to the member's metrics log."""
    state = read_state(donor)
    partial = run_dir / f"ckpt-{int(state.get('updates', 0)):08d}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(donor, partial)
    run_dir.mkdir(parents=True, exist_ok=True)
    commit_checkpoint(run_dir, partial, state)
    saved = json.loads((run_dir / "config.json").read_text()) if (run_dir / "config.json").exists() else asdict(config)
    saved.update(learning_rate=config.learning_rate, entropy_cost=config.entropy_cost)
    (run_dir / "config.json").write_text(json.dumps(saved, indent=1))
    event = {"kind": "event", "message": f"exploit: continued from {state.get('member', 'another member')}'s "
             f"checkpoint at update {state.get('updates', 0)}; explore: learning rate {config.learning_rate:.3g}, "
             f"entropy cost {config.entropy_cost:.3g}"}
    with open(run_dir / "metrics.jsonl", "a") as log:
        log.write(json.dumps(event) + "\n")


def train_population(config: TrainConfig, run_dir: Path, members: int, round_minutes: float, backend: str = "local",
                     address: str | None = None) -> list[dict]:
    """Train `members` runs for config.minutes each under PBT; returns the population table
    (also written to RUN_DIR/population.json) and copies the best member to RUN_DIR/best."""
    from spiral_cli.training.ray_backend import import_ray

    ray = import_ray()
    from ray import tune
    from ray.tune.schedulers import PopulationBasedTraining

    if members < 2:
        raise UsageError("--pbt needs a population of at least 2")
    if config.minutes is None:
        raise UsageError("--pbt needs a --minutes budget per member")
    config.validate()
    run_dir = Path(run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    scheduler = PopulationBasedTraining(
        time_attr="training_iteration", perturbation_interval=1, synch=True,  # every round: bottom members exploit
        hyperparam_mutations={"learning_rate": tune.loguniform(*LEARNING_RATES),
                              "entropy_cost": tune.loguniform(*ENTROPY_COSTS)},
    )
    rounds = max(1, round(config.minutes / round_minutes))
    space = {
        "base": asdict(config), "run_dir": str(run_dir), "round_minutes": round_minutes, "backend": backend,
        "learning_rate": tune.loguniform(*LEARNING_RATES), "entropy_cost": tune.loguniform(*ENTROPY_COSTS),
    }
    tuner = tune.Tuner(
        # With the ray backend a member's own Ray actors claim the CPUs; its driver needs next to none.
        tune.with_resources(train_member, {"cpu": 0.01 if backend == "ray" else 1}),
        param_space=space,
        tune_config=tune.TuneConfig(scheduler=scheduler, metric="fitness", mode="max", num_samples=members),
        run_config=tune.RunConfig(name="pbt", storage_path=str(run_dir / "tune"), stop={"training_iteration": rounds},
                                  verbose=0),
    )
    results = tuner.fit()
    table = [
        {"member": r.metrics.get("member"), "fitness": r.metrics.get("fitness"), "updates": r.metrics.get("updates"),
         "learning_rate": r.metrics.get("learning_rate"), "entropy_cost": r.metrics.get("entropy_cost"),
         "run_dir": str(run_dir / str(r.metrics.get("member")))}
        for r in results if r.metrics
    ]
    table.sort(key=lambda row: -(row["fitness"] if row["fitness"] is not None else float("-inf")))
    write_output(run_dir / POPULATION_FILE, (json.dumps(table, indent=1) + "\n").encode())
    best = latest_checkpoint(Path(table[0]["run_dir"]))
    if best is not None:
        shutil.rmtree(run_dir / "best", ignore_errors=True)
        shutil.copytree(best, run_dir / "best")
        shutil.copy(Path(table[0]["run_dir"]) / "config.json", run_dir / "best" / "config.json")
    return table
