"""Shared-memory structures: rollout slots, published weights, the discriminator's replay.

Actors may die at any moment (a crash, the OOM killer, `kill -9`), so nothing an actor
touches holds a lock: a process killed inside a lock or a queue's pipe write would stall
the learners for good. Slots change hands through a state per slot with one writer per
transition, weights through a sequence counter."""

from __future__ import annotations

import time

import torch
from torch import nn

from spiral_cli.agent.policy import ActionComponent


# Who chose a slot's actions: the policy (reinforce), or a teacher to imitate (random programs,
# search, the centerline tracer, or people's own strokes).
AGENT, SYNTHETIC, SEARCH, TRACE, HUMAN = 0, 1, 2, 3, 4

# A slot's life: an actor claims a FREE slot (FILLING) and marks it FULL when done; the
# learner TAKEs full slots and frees them once read.
FREE, FILLING, FULL, TAKEN = 0, 1, 2, 3


class Flag:
    """A lock-free stop flag (multiprocessing.Event locks even to read)."""

    def __init__(self, context):
        self.value = context.RawValue("b", 0)

    def set(self) -> None:
        self.value.value = 1

    def is_set(self) -> bool:
        return bool(self.value.value)


class RolloutStore:
    """Slots of `batch` complete episodes each, written by actors and read by the learner.
    Each actor owns every `actors`-th slot, so a restarted actor inherits its predecessor's;
    the pixels never get pickled."""

    def __init__(self, slots: int, steps: int, batch: int, image_shape: tuple, components: list[ActionComponent]):
        self.slots, self.steps, self.batch = slots, steps, batch
        self.canvas = torch.zeros((slots, steps + 1, batch, *image_shape), dtype=torch.uint8).share_memory_()
        self.target = torch.zeros((slots, batch, *image_shape), dtype=torch.uint8).share_memory_()
        # What was executed, and what the teacher chose: the same except where DAgger let the policy act.
        self.actions, self.labels = (
            {c.name: torch.zeros((slots, steps, batch), dtype=torch.int64).share_memory_() for c in components}
            for _ in range(2)
        )
        self.log_prob = torch.zeros((slots, steps, batch)).share_memory_()
        self.source = torch.zeros(slots, dtype=torch.int8).share_memory_()  # AGENT, SYNTHETIC, SEARCH, TRACE or HUMAN
        self.state = torch.zeros(slots, dtype=torch.int8).share_memory_()  # FREE, FILLING, FULL or TAKEN

    def owned_by(self, actor: int, actors: int) -> list[int]:
        return list(range(actor, self.slots, actors))

    def claim(self, owned: list[int]) -> int | None:
        """A free slot of the caller's, now FILLING; None when all are busy."""
        for slot in owned:
            if self.state[slot] == FREE:
                self.state[slot] = FILLING
                return slot
        return None

    def release_unfinished(self, owned: list[int]) -> None:
        """Free the slots a dead predecessor was filling."""
        for slot in owned:
            if self.state[slot] == FILLING:
                self.state[slot] = FREE

    def take_full(self) -> list[int]:
        """The slots actors have finished, now TAKEN by the (single) learner."""
        full = (self.state == FULL).nonzero().flatten().tolist()
        self.state[full] = TAKEN
        return full

    def free(self, slots: list[int]) -> None:
        self.state[slots] = FREE

    def read(self, slots: list[int]) -> dict:
        """Copies of the given slots joined along the batch axis."""
        index = torch.tensor(slots)
        join = lambda t: torch.cat(list(t[index]), dim=1)  # (S, T, B, ...) -> (T, S*B, ...)
        return {
            "canvas": join(self.canvas),
            "target": torch.cat(list(self.target[index]), dim=0),
            "actions": {k: join(v) for k, v in self.actions.items()},
            "labels": {k: join(v) for k, v in self.labels.items()},
            "log_prob": join(self.log_prob),
        }


class SharedWeights:
    """A module's parameters in shared memory with a version number, so that readers copy
    them only when the one writer has published new ones. The version is odd while the
    writer copies (a sequence lock): a reader that saw it change reads again."""

    def __init__(self, module: nn.Module, context):
        self.tensors = {k: v.detach().clone().share_memory_() for k, v in module.state_dict().items()}
        self.version = context.RawValue("q", 0)

    def publish(self, module: nn.Module) -> None:
        self.version.value += 1
        with torch.no_grad():
            for key, value in module.state_dict().items():
                self.tensors[key].copy_(value)
        self.version.value += 1

    def pull(self, module: nn.Module, seen: int) -> int:
        """Load into module if newer than `seen`; returns the version now held."""
        while True:
            before = self.version.value
            if before == seen:
                return seen
            if before % 2 == 0:
                module.load_state_dict(self.tensors)
                if self.version.value == before:
                    return before
            time.sleep(0.001)


class ReplayStore:
    """The last `capacity` final renders (and their targets) for the discriminator."""

    def __init__(self, capacity: int, image_shape: tuple, context):
        self.capacity = capacity
        self.renders = torch.zeros((capacity, *image_shape), dtype=torch.uint8).share_memory_()
        self.targets = torch.zeros((capacity, *image_shape), dtype=torch.uint8).share_memory_()
        self.count = context.Value("q", 0)
        self.next = context.Value("q", 0)

    def add(self, renders: torch.Tensor, targets: torch.Tensor) -> None:
        n = len(renders)
        start = self.next.value
        index = (torch.arange(n) + start) % self.capacity
        self.renders[index] = renders
        self.targets[index] = targets
        self.next.value = (start + n) % self.capacity
        self.count.value = min(self.count.value + n, self.capacity)

    def sample(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.randint(self.count.value, (n,), generator=generator)
        return self.renders[index], self.targets[index]
