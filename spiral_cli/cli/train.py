"""`spiral train`: train a SPIRAL agent on this machine."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from spiral_cli.training.config import REWARDS, TrainConfig
from spiral_cli.training.presets import defaults_for


def train(
    data: str = typer.Option(
        None, "--data", help="mnist:DIR, omniglot:PATH, images:DIR, scenes:DIR or strokes:DIR (real images / targets)."
    ),
    env: str = typer.Option("paint", "--env", help="paint (libmypaint strokes) or scenes (MuJoCo objects)."),
    run_dir: Path = typer.Option(Path("runs/spiral"), "--run-dir", help="Where checkpoints, config and logs go."),
    resume: Path = typer.Option(None, "--resume", help="Continue the run in this directory where it stopped."),
    backend: str = typer.Option("local", "--backend", help="local (processes on this machine) or ray (a Ray cluster)."),
    address: str = typer.Option(None, "--address", help="Ray: auto or HOST:PORT of a running cluster; default: a local Ray."),
    learner_device: str = typer.Option("cpu", "--learner-device", help="Ray: cpu, or cuda to place the learners on a GPU node."),
    pbt: int = typer.Option(0, "--pbt", help="Population-based training with this many members (Ray Tune)."),
    pbt_round: float = typer.Option(None, "--pbt-round", help="PBT: minutes between exploit/explore steps (default: a quarter of --minutes)."),
    conditional: bool = typer.Option(True, "--conditional/--unconditional", help="Reconstruct targets, or draw freely."),
    reward: str = typer.Option("discriminator", "--reward", help=f"One of: {', '.join(REWARDS)}."),
    model: str = typer.Option("default", "--model", help="Network size: default (fast on CPU) or paper."),
    residual_input: bool = typer.Option(
        False, "--residual-input/--no-residual-input",
        help="Conditional agents also see the target's ink not yet drawn (beyond the paper).",
    ),
    blind: bool = typer.Option(False, "--blind", help="The agent does not see intermediate canvases."),
    location_readout: bool = typer.Option(
        None, "--location-readout/--no-location-readout", help="Heads after a location also see the canvas features there (beyond the paper)."
    ),
    location_input: bool = typer.Option(
        None, "--location-input/--no-location-input",
        help="The policy also sees its previous action's cells (where the pen is) as input maps (beyond the paper).",
    ),
    input_size: int = typer.Option(None, "--input-size", help="Canvases are pooled to this size before the policy's convs (default 32)."),
    spectral_norm: bool = typer.Option(False, "--spectral-norm", help="SPIRAL++ discriminator: spectral norm, GAN loss."),
    d_channels: int = typer.Option(None, "--d-channels", help="Discriminator width: its first conv's channels (default 16)."),
    d_learning_rate: float = typer.Option(TrainConfig.d_learning_rate, "--d-lr", help="Discriminator learning rate (Adam)."),
    gradient_penalty: float = typer.Option(TrainConfig.gradient_penalty, "--gradient-penalty", help="WGAN-GP: weight of the gradient penalty."),
    d_centering: float = typer.Option(None, "--d-centering", help="WGAN-GP: weight of the term keeping D's mean output near 0 [default: 1; line art 0.01]."),
    actors: int = typer.Option(None, "--actors", help="Actor processes [default: 1; line art 2]."),
    envs_per_actor: int = typer.Option(16, "--envs-per-actor", help="Environments each actor steps at once."),
    minutes: float = typer.Option(None, "--minutes", help="Wall-clock budget, warm start included [default: 60; with --resume: the run's own]."),
    updates: int = typer.Option(None, "--updates", help="Stop after this many policy updates."),
    warm_start: float = typer.Option(None, "--warm-start", help="Minutes of behaviour cloning first (random synthetic programs, or with --trace the tracer's) [default: 0; line art without a schedule: half of --minutes]."),
    search: int = typer.Option(
        None, "--search", help="Actors try K proposals per step on the real painter; the policy imitates the best [default: 0; line art without a schedule: 8]."
    ),
    search_fraction: float = typer.Option(
        None, "--search-fraction", help="With --search: share of episodes searched; the rest is reinforcement [default: 1; line art without a schedule: 0.5]."
    ),
    search_refine: bool = typer.Option(
        False, "--search-refine",
        help="With --search: refine the chosen action on the action grid (ends to a neighbouring cell, width and pressure "
             "to their best level) before the policy imitates it.",
    ),
    search_temperature: float = typer.Option(
        1.0, "--search-temperature",
        help="With --search: temperature of the sampled proposals (below 1 keeps them near the policy's most likely "
             "actions, so that imitating them does not flatten a sharp policy).",
    ),
    search_replay: int = typer.Option(
        0, "--search-replay",
        help="With --search: for each new searched batch, learn this many more times from recent searched batches "
             "(searching costs far more than learning).",
    ),
    dagger: float = typer.Option(
        0.0, "--dagger",
        help="With --search: share of steps at which the policy's own greedy action is executed (the search's choice stays "
             "the label), so that it learns to recover from its mistakes (DAgger).",
    ),
    init_from: str = typer.Option(None, "--init-from", help="Start from this checkpoint's policy weights."),
    teacher: str = typer.Option(
        None, "--teacher", help="A conditional checkpoint whose searched programs the agent imitates (distillation)."
    ),
    imitation: float = typer.Option(
        None, "--imitation", help="Share of batches that keep cloning after the warm start [default: 0; line art without a schedule: 0.25]."
    ),
    trace: float = typer.Option(
        None, "--trace",
        help="Share of cloning batches (warm start and --imitation) on training images labelled by the centerline "
             "tracer instead of random synthetic programs (grayscale paint data) [default: 0; line art without a schedule: 1].",
    ),
    human: float = typer.Option(
        None, "--human",
        help="Share of cloning batches (warm start and --imitation) on people's own strokes: the stroke programs of "
             "--data strokes:DIR (spiral dataset strokes), each drawn with a random pen and shift.",
    ),
    human_strokes: str = typer.Option(
        None, "--human-strokes", metavar="DIR",
        help="Folder of spiral dataset strokes for --human (default: --data, when it is strokes:DIR).",
    ),
    paintings: Path = typer.Option(
        None, "--paintings", metavar="DIR",
        help="Folder of spiral dataset paintings: on colour --data, what --trace F clones (the colour search's "
             "programs of the training pictures)."),
    brush: str = typer.Option(None, "--brush", help="Painting brush (default classic/dry_brush)."),
    canvas: int = typer.Option(None, "--canvas", help="Canvas size in px (default 64)."),
    grid: int = typer.Option(None, "--grid", help="Action grid (default 32; scenes 16)."),
    steps: int = typer.Option(None, "--steps", help="Episode length N (default 20; scenes 10)."),
    learning_rate: float = typer.Option(None, "--lr", help="Policy learning rate [default: 3e-4; line art 1e-3, or 3e-4 after a default warm start]."),
    warm_start_learning_rate: float = typer.Option(
        None, "--warm-start-lr", help="Policy learning rate while cloning in the warm start [default: --lr]."),
    entropy_cost: float = typer.Option(0.01, "--entropy", help="Entropy bonus coefficient."),
    discount: float = typer.Option(0.99, "--discount", help="Discount factor."),
    batch_size: int = typer.Option(None, "--batch-size", help="Trajectories per update [default: 64; line art 32]."),
    stroke_penalty: float = typer.Option(0.0, "--stroke-penalty", help="Penalty per pen-down sequence started."),
    ink_penalty: float = typer.Option(0.0, "--ink-penalty", help="Penalty for a final canvas without ink."),
    color_penalty: float = typer.Option(0.0, "--color-penalty", help="Weight of the colour-histogram EMD penalty."),
    d_ratio: float = typer.Option(1.0, "--d-ratio", help="Discriminator updates per policy update."),
    d_warmup: int = typer.Option(TrainConfig.d_warmup, "--d-warmup", help="Critic updates on the policy's own renders before the discriminator reward trains the policy."),
    checkpoint_minutes: float = typer.Option(3.0, "--checkpoint-minutes", help="Minutes between checkpoints."),
    history: bool = typer.Option(False, "--history", help="Keep every checkpoint's policy in RUN_DIR/history "
                                 "(for learning curves: tools/reward_curves.py)."),
    select_images: int = typer.Option(
        TrainConfig.select_images, "--select", help="Validation images each checkpoint's greedy agent is scored on; "
        "the best checkpoint is kept in RUN_DIR/best, which parse and eval load (conditional paint runs on data "
        "with a validation split; 0: off)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Train an agent: actors paint, a discriminator critiques, a learner updates the policy.

    A conditional agent for grayscale line art (mnist, omniglot or strokes data) gets, for each option not given: --brush classic/pen --location-input --location-readout --actors 2 --batch-size 32 --lr 1e-3, --d-centering 0.01 with a discriminator reward, and when no schedule is given (--warm-start, --trace, --human, --imitation, --search, --search-fraction, --init-from, --teacher): --warm-start (half of --minutes) --warm-start-lr 1e-3 --lr 3e-4 --trace 1 --imitation 0.25 --search 8 --search-fraction 0.5. Other runs get the defaults shown."""
    from spiral_cli.training.trainer import train as run_training

    command = shlex.join(["spiral", *sys.argv[1:]])

    if resume is not None:
        # only what is given: a resumed run keeps its own budget
        overrides = {k: v for k, v in dict(minutes=minutes, updates=updates).items() if v is not None}
        summary = run_training(None, resume, resume=True, overrides=overrides, command=command,
                               backend=backend, address=address, learner_device=learner_device)
    else:
        minutes = 60.0 if minutes is None else minutes
        given = dict(
            brush=brush, location_input=location_input, location_readout=location_readout, actors=actors,
            batch_size=batch_size, learning_rate=learning_rate, d_centering=d_centering, warm_start_minutes=warm_start,
            imitation_fraction=imitation, trace_fraction=trace, search_candidates=search, search_fraction=search_fraction,
            human_fraction=human, init_from=init_from, teacher=teacher, reward=reward,
            warm_start_learning_rate=warm_start_learning_rate,
        )
        chosen = defaults_for(given, env, data, conditional, minutes)
        if chosen:
            typer.echo("line-art defaults (options not given): "
                       + ", ".join(f"{name}={value}" for name, value in chosen.items()), err=True)
        settings = {k: v for k, v in {**given, **chosen}.items() if v is not None}
        env_options = {k: v for k, v in dict(brush=settings.pop("brush", None), canvas=canvas, grid=grid,
                                             episode_length=steps).items() if v is not None}
        model_options = {k: v for k, v in dict(
            blind=blind, d_spectral_norm=spectral_norm, d_channels=d_channels, residual_input=residual_input and conditional,
            input_size=input_size, location_readout=settings.pop("location_readout", False),
            location_input=settings.pop("location_input", False),
        ).items() if v}
        config = TrainConfig(
            env=env, data=data, conditional=conditional, model=model, model_options=model_options,
            env_options=env_options, envs_per_actor=envs_per_actor, minutes=minutes, updates=updates,
            human_strokes=human_strokes, paintings=None if paintings is None else str(paintings),
            search_refine=search_refine, search_replay=search_replay, search_temperature=search_temperature, dagger=dagger,
            entropy_cost=entropy_cost, discount=discount,
            stroke_penalty=stroke_penalty, ink_penalty=ink_penalty, color_penalty=color_penalty,
            d_updates_per_policy_update=d_ratio, d_warmup=d_warmup, d_learning_rate=d_learning_rate,
            gradient_penalty=gradient_penalty, checkpoint_minutes=checkpoint_minutes, history=history,
            select_images=select_images, seed=seed,
            **settings,
        )
        for warning in config.unused_options():
            typer.echo(f"warning: {warning}", err=True)
        if pbt:
            return _train_population(config, run_dir, pbt, pbt_round, backend, address)
        summary = run_training(config, run_dir, command=command, backend=backend, address=address,
                               learner_device=learner_device)
    typer.echo(
        f"{summary.run_dir}: {summary.updates} updates, {summary.env_steps:,} env steps "
        f"in {summary.wall_seconds / 60:.1f} min"
    )


def _train_population(config, run_dir, members, round_minutes, backend, address) -> None:
    from rich.console import Console
    from rich.table import Table

    from spiral_cli.training.pbt import train_population

    table_rows = train_population(config, run_dir, members, round_minutes or config.minutes / 4, backend, address)
    table = Table(title=f"population in {run_dir} (best first; its checkpoint: {run_dir}/best)")
    for column in ("member", "fitness", "updates", "learning rate", "entropy cost"):
        table.add_column(column)
    for row in table_rows:
        table.add_row(str(row["member"]), f"{row['fitness']:.4f}", str(row["updates"]),
                      f"{row['learning_rate']:.3g}", f"{row['entropy_cost']:.3g}")
    Console().print(table)
