"""The in-memory stroke program."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Point = tuple[float, float]
Color = tuple[float, float, float]


@dataclass(frozen=True)
class Action:
    """One step of a program, in the program canvas's pixel frame (origin top left, y down).

    A draw is the quadratic Bezier start -> control -> end; a jump lifts the pen and moves
    it to end. size is the brush diameter in px; pressure is in [0, 1]; color is RGB in
    [0, 1], or None (black) in grayscale programs."""

    kind: Literal["draw", "jump"]
    start: Point
    control: Point
    end: Point
    pressure: float
    size: float
    color: Color | None = None

    @property
    def draws(self) -> bool:
        return self.kind == "draw"


@dataclass(frozen=True)
class StrokeProgram:
    width: int
    height: int
    brush: str
    color_mode: Literal["grayscale", "color"]
    actions: tuple[Action, ...] = ()
    grid: int | None = None  # the action grid it was sampled on, if any
    source: dict | None = None  # the image it was parsed from and how it maps onto it

    @property
    def strokes(self) -> tuple[Action, ...]:
        """The actions that put ink down."""
        return tuple(a for a in self.actions if a.draws)

    @property
    def pen_strokes(self) -> tuple[tuple[Action, ...], ...]:
        """Continuous pen-down runs: draws that each start where the one before ended.
        What a person counts as strokes: a circle drawn in four curves is one."""
        runs: list[list[Action]] = []
        previous = None
        for action in self.actions:
            if action.draws:
                if previous is not None and previous.draws and previous.end == action.start:
                    runs[-1].append(action)
                else:
                    runs.append([action])
            previous = action
        return tuple(tuple(run) for run in runs)

    @property
    def marks(self) -> int:
        """Strokes drawn (objects, for a scene program): what evaluation counts per image."""
        return len(self.strokes)

    def with_actions(self, actions) -> StrokeProgram:
        return replace(self, actions=tuple(actions))

    def with_strokes(self, runs) -> StrokeProgram:
        """A program drawing these continuous strokes (sequences of draws), each after a jump
        to its start."""
        actions = []
        for run in runs:
            first = run[0]
            actions += [Action("jump", first.start, first.start, first.start, first.pressure, first.size, first.color),
                        *run]
        return self.with_actions(actions)
