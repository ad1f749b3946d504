"""Everything that defines a training run; saved as JSON beside its checkpoints."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from spiral_cli.data.datasets import data_kind
from spiral_cli.errors import UsageError
from spiral_cli.training.selection import selects

REWARDS = ("discriminator", "discriminator-step", "l2", "l2-step")


@dataclass
class TrainConfig:
    env: str = "paint"
    env_options: dict = field(default_factory=dict)  # e.g. canvas, grid, episode_length, brush
    data: str | None = None  # mnist:DIR, omniglot:PATH, images:DIR, scenes:DIR, strokes:DIR
    conditional: bool = True
    model: str = "default"
    model_options: dict = field(default_factory=dict)
    reward: str = "discriminator"
    stroke_penalty: float = 0.0  # per pen-down sequence started (paper, MNIST)
    ink_penalty: float = 0.0  # for a final canvas without visible ink
    color_penalty: float = 0.0  # earth mover's distance between colour histograms
    actors: int = 1
    envs_per_actor: int = 16
    batch_size: int = 64  # trajectories per policy update (and per D update)
    learning_rate: float = 3e-4
    warm_start_learning_rate: float | None = None  # while cloning in the warm start; None: learning_rate
    entropy_cost: float = 0.01
    value_cost: float = 0.5
    discount: float = 0.99
    max_grad_norm: float = 40.0
    normalize_advantages: bool = True
    normalize_returns: bool = True  # the value head learns returns scaled by their running spread
    d_learning_rate: float = 1e-4
    d_beta1: float = 0.5
    gradient_penalty: float = 10.0
    d_centering: float = 1.0  # keeps D's mean output over real+fake near 0
    d_updates_per_policy_update: float = 1.0
    # critic updates on the policy's own renders before its reward trains the policy: a fresh
    # critic's scores are noise, and advantages normalised from noise move the policy at random
    d_warmup: int = 200
    replay_batches: int = 20
    warm_start_minutes: float = 0.0  # behaviour cloning of random synthetic programs first
    synthetic_max_strokes: int = 8
    search_candidates: int = 0  # > 1: actors pick the best of K proposals, the policy imitates them
    search_fraction: float = 1.0  # share of the policy's episodes replaced by search after the warm start
    init_from: str | None = None  # start from this checkpoint's policy weights (same action space)
    teacher: str | None = None  # a conditional checkpoint that proposes in search instead of the policy
    search_refine: bool = False  # refine the search's choice on the action grid before it becomes the label
    search_replay: int = 0  # extra updates on recent searched batches for each new one: search is the costly part
    search_stroke_cost: float = 0.01  # a searched stroke must remove this share of the empty error
    dagger: float = 0.0  # share of searched steps that execute the policy's greedy action, labelled by the search
    search_temperature: float = 1.0  # of the sampled proposals; above 1 imitation flattens the policy without end
    imitation_fraction: float = 0.0  # share of batches that stay behaviour cloning after the warm start
    trace_fraction: float = 0.0  # share of cloning batches on traced training images instead of random programs
    human_fraction: float = 0.0  # share of cloning batches on people's stroke programs
    human_strokes: str | None = None  # strokes:DIR of those programs (default: --data, when it is strokes:DIR)
    paintings: str | None = None  # folder of `spiral dataset paintings`: what --trace clones on colour data
    minutes: float | None = 60.0
    updates: int | None = None
    checkpoint_minutes: float = 3.0
    history: bool = False  # keep the policy of every checkpoint in RUN_DIR/history (learning curves)
    select_images: int = 500  # validation images each checkpoint is scored on; the best is kept (0: off)
    seed: int = 0

    @property
    def human_programs(self) -> str | None:
        """The strokes:DIR spec people's programs are cloned from."""
        if self.human_strokes:
            return self.human_strokes if ":" in self.human_strokes else f"strokes:{self.human_strokes}"
        return self.data if self.data and self.data.startswith("strokes:") else None

    @property
    def uses_discriminator(self) -> bool:
        return self.reward.startswith("discriminator")

    def learning_rate_in(self, warm_start: bool) -> float:
        """Cloning a teacher stands a faster rate than reinforcement's noisy gradients."""
        if warm_start and self.warm_start_learning_rate is not None:
            return self.warm_start_learning_rate
        return self.learning_rate

    def critic_warming_up(self, d_updates: int) -> bool:
        """The discriminator reward waits for a critic that has seen the policy's renders."""
        return self.uses_discriminator and d_updates < self.d_warmup

    @property
    def paints_in_colour(self) -> bool:
        """A paint run's canvas is colour when asked, or by default for colour images:DIR data."""
        default = self.data is not None and data_kind(self.data) == "images"
        return self.env == "paint" and bool(self.env_options.get("color", default))

    def unused_options(self) -> list[str]:
        """Warnings for options this configuration accepts but never uses: the colour penalty
        without colour targets; without a batch the policy's own samples fill (all cloning, or
        search after the warm start), no reward counts."""
        warnings = self._unused_critic_options()
        if self.select_images != TrainConfig.select_images and self.select_images and not selects(self):
            warnings.append("--select has no effect: checkpoints are chosen on a validation split for conditional "
                            "paint runs on mnist:, omniglot: or images: data")
        if self.color_penalty and not (self.paints_in_colour and self.conditional):
            warnings.append("--color-penalty has no effect: it compares colour renders with colour targets, "
                            "and this run has " + ("a grayscale canvas" if self.conditional else "no targets"))
        reinforced = (self.minutes is None or self.warm_start_minutes < self.minutes) and not (
            self.search_candidates > 1 and self.search_fraction >= 1.0)
        if reinforced:
            return warnings
        why = "every batch is cloning" + (" or search" if self.search_candidates > 1 else "")
        warnings.append(f"--reward {self.reward} has no effect: {why}"
                        + (" (its discriminator learner still trains; --reward l2 spares the core)"
                           if self.uses_discriminator else ""))
        for name, value in (("--stroke-penalty", self.stroke_penalty), ("--ink-penalty", self.ink_penalty),
                            ("--color-penalty", self.color_penalty)):
            if value and not any(w.startswith(name) for w in warnings):
                warnings.append(f"{name} has no effect: {why}")
        return warnings

    def _unused_critic_options(self) -> list[str]:
        """The critic's options without a critic, and WGAN-GP's terms beside spectral norm."""
        defaults = {f.name: f.default for f in fields(TrainConfig)}
        changed = lambda name: getattr(self, name) != defaults[name]
        wgan = [("--gradient-penalty", "gradient_penalty"), ("--d-centering", "d_centering")]
        critic = [("--d-lr", "d_learning_rate"), ("--d-ratio", "d_updates_per_policy_update"),
                  ("--d-warmup", "d_warmup")] + wgan
        if not self.uses_discriminator:
            named = [option for option, name in critic if changed(name)]
            named += ["--d-channels"] if "d_channels" in self.model_options else []
            return [f"{option} has no effect: --reward {self.reward} trains no discriminator" for option in named]
        if self.model_options.get("d_spectral_norm"):
            return [f"{option} has no effect: the spectral-norm critic has a GAN loss, not WGAN-GP's"
                    for option, name in wgan if changed(name)]
        return []

    def validate(self) -> None:
        if self.reward not in REWARDS:
            raise UsageError(f"--reward must be one of {', '.join(REWARDS)}, got {self.reward!r}")
        if self.conditional and self.data is None and self.warm_start_minutes <= 0:
            raise UsageError("a conditional agent needs --data (or only a --warm-start on synthetic programs)")
        if self.reward.startswith("l2") and not self.conditional:
            raise UsageError("the l2 reward needs targets: it is for conditional agents")
        if self.uses_discriminator and self.data is None:
            raise UsageError("the discriminator reward needs --data for its real images")
        if self.batch_size % self.envs_per_actor:
            raise UsageError("--batch-size must be a multiple of --envs-per-actor")
        if not 0.0 <= self.imitation_fraction < 1.0:
            raise UsageError("--imitation must be in [0, 1)")
        if self.search_candidates > 1 and not (self.data and (self.conditional or self.teacher)):
            raise UsageError("--search needs --data targets, and a conditional agent or a --teacher")
        if self.search_refine and self.search_candidates < 2:
            raise UsageError("--search-refine needs --search K")
        if self.search_temperature <= 0 or (self.search_temperature != 1.0 and self.search_candidates < 2):
            raise UsageError("--search-temperature must be above 0 and needs --search K")
        if self.search_replay < 0 or (self.search_replay and self.search_candidates < 2):
            raise UsageError("--search-replay must be at least 0 and needs --search K")
        if not 0.0 <= self.dagger < 1.0 or (self.dagger and self.search_candidates < 2):
            raise UsageError("--dagger must be in [0, 1) and needs --search K")
        if not 0.0 <= self.trace_fraction <= 1.0:
            raise UsageError("--trace must be in [0, 1]")
        if self.trace_fraction and not (self.env == "paint" and self.conditional and self.data
                                        and (not self.paints_in_colour or self.paintings)):
            raise UsageError("--trace needs a conditional agent in the paint environment on grayscale --data, "
                             "or on colour --data with --paintings DIR")
        if self.paintings and not (self.trace_fraction and self.paints_in_colour):
            raise UsageError("--paintings is what --trace F clones on colour --data: give both, on colour data")
        if not 0.0 <= self.human_fraction <= 1.0 or self.human_fraction + self.trace_fraction > 1.0:
            raise UsageError("--human must be in [0, 1], and --human plus --trace at most 1")
        if self.human_fraction and not (self.env == "paint" and self.conditional and self.human_programs):
            raise UsageError("--human needs a conditional agent in the paint environment and --human-strokes DIR "
                             "(or --data strokes:DIR)")
        if self.human_strokes and not self.human_fraction:
            raise UsageError("--human-strokes has no effect without --human F")
        if self.teacher and self.search_candidates < 2:
            raise UsageError("--teacher needs --search K (K >= 2)")
        if self.env != "paint" and (self.search_candidates > 1 or self.stroke_penalty):
            raise UsageError("--search and the stroke penalty are for the paint environment")
        if self.data and (self.env == "scenes") != (self.data.startswith("scenes:")):
            raise UsageError("--env scenes trains on --data scenes:DIR, and scenes data need --env scenes")
        if self.warm_start_learning_rate is not None and self.warm_start_minutes <= 0:
            raise UsageError("--warm-start-lr needs --warm-start MIN")
        if self.d_warmup < 0:
            raise UsageError("--d-warmup must be at least 0")
        if self.select_images < 0:
            raise UsageError("--select must be at least 0")
        if self.actors < 1:
            raise UsageError("--actors must be at least 1")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
