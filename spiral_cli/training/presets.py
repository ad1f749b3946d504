"""What `spiral train` uses for the options it is not given. Most runs keep TrainConfig's
defaults (the paper's). A conditional agent for grayscale line art gets a pen, location
maps and a batch size that suit line drawings on 2 cores and, when the command names no
schedule of its own (no warm start, teacher, cloning or search option), the schedule that
trains one within its budget: the first half cloning the centre-line tracer's programs of
the training images at learning rate 1e-3, then at 3e-4 half the episodes searched (expert
iteration) and half reinforced with the reward, a quarter of the batches still cloning."""

from __future__ import annotations

from spiral_cli.training.config import TrainConfig

LINE_ART = dict(brush="classic/pen", location_input=True, location_readout=True, batch_size=32, actors=2,
                learning_rate=1e-3)
CRITIC = dict(d_centering=0.01)  # tools/critic_probe.py: with 1 the critic's ranking depended on the seed
# Reinforcement at cloning's 1e-3 hovered at 0.29-0.34 on validation digits, above the 0.25 its
# warm start had reached (a 9-minute run from that warm start); it clones at 1e-3, then learns at 3e-4.
SCHEDULE = dict(trace_fraction=1.0, imitation_fraction=0.25, search_candidates=8, search_fraction=0.5,
                warm_start_learning_rate=1e-3, learning_rate=3e-4)
SCHEDULE_OPTIONS = ("warm_start_minutes", "trace_fraction", "human_fraction", "imitation_fraction",
                    "search_candidates", "search_fraction", "init_from", "teacher")
WARM_START_SHARE = 0.5  # of the budget


def is_line_art_run(env: str, data: str | None, conditional: bool) -> bool:
    """A conditional paint run on grayscale data (images:DIR trains in colour): the tracer can label its targets."""
    if env != "paint" or not conditional or not data or data.startswith("scenes:"):
        return False
    return not TrainConfig(data=data).paints_in_colour


def defaults_for(given: dict, env: str, data: str | None, conditional: bool, minutes: float) -> dict:
    """Values for the options missing from `given` (None or absent) in a line-art run; {} otherwise."""
    if not is_line_art_run(env, data, conditional):
        return {}
    chosen = dict(LINE_ART)
    if (given.get("reward") or TrainConfig.reward).startswith("discriminator"):
        chosen.update(CRITIC)
    if all(given.get(name) is None for name in SCHEDULE_OPTIONS):
        chosen.update(SCHEDULE, warm_start_minutes=WARM_START_SHARE * minutes)
        if given.get("learning_rate") is not None:  # a rate given is the rate of the whole run
            chosen.pop("warm_start_learning_rate")
    return {name: value for name, value in chosen.items() if given.get(name) is None}
