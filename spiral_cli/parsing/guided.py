"""The colour stroke search guided by a colour agent: at each step the agent's own proposals
(its most likely stroke and samples, a jump with the stroke it would draw after it) are tried
beside a few random strokes, each in the colour that fits best, and the best is refined on the
action grid (`tracing/colour_search.py`). The agent sees every step taken, so its next
proposals follow the canvas. The search alone needs 64 random strokes per step for what the
agent's proposals and a few random ones reach."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from spiral_cli.agent.noise import RowNoise, content_seed
from spiral_cli.envs import make_vector_env
from spiral_cli.tracing.colour_search import ColourSearch, Stroke

PROPOSALS = 8  # the agent's strokes tried per step
RANDOM = 8  # random strokes tried beside them


class AgentProposer:
    """One picture's agent: its recurrent state follows the steps the search takes."""

    def __init__(self, agent, target: np.ndarray, context: list | None, steps: int, proposals: int,
                 temperature: float, noise: RowNoise | None):
        self.policy, self.proposals, self.temperature, self.noise = agent.policy, proposals, temperature, noise
        self.envs = make_vector_env(agent.config.env, 1, replace(agent.env, episode_length=steps))
        observation, _ = self.envs.reset(options={"context": [context]} if context else None)
        self.target = torch.from_numpy(target[None])
        self.state = self.policy.initial_state(1)
        self._see(observation["canvas"], None)

    @torch.no_grad()
    def _see(self, canvas: np.ndarray, previous: dict | None) -> None:
        self.canvas = torch.from_numpy(canvas)
        self.core, self.maps, self.state = self.policy.step(self.canvas, self.target, previous, self.state)

    @torch.no_grad()
    def strokes(self, left: int) -> list[Stroke]:
        """The most likely action and samples: strokes from the pen, and after a jump (when two
        steps are left) the stroke the agent would draw from where it lands."""
        actions = self._sampled(self.core, self.maps, self.proposals)
        draws = actions["flag"] == 1
        out = [Stroke(None, int(c), int(e), int(s))
               for c, e, s in zip(actions["control"][draws], actions["end"][draws], actions["size"][draws])]
        jumps = {k: v[~draws] for k, v in actions.items()}
        if left >= 2 and len(jumps["flag"]):
            out += self._after_jumps(jumps)
        return out

    def _after_jumps(self, jumps: dict) -> list[Stroke]:
        """For each proposed jump, the stroke the agent draws next, one sample each."""
        n = len(jumps["flag"])
        state = tuple(s.expand(n, -1).contiguous() for s in self.state)
        core, maps, _ = self.policy.step(self.canvas.expand(n, *self.canvas.shape[1:]),
                                         self.target.expand(n, *self.target.shape[1:]), jumps, state)
        after, _ = self.policy.sample(core, maps, temperature=self.temperature, noise=self.noise)
        return [Stroke(int(start), int(c), int(e), int(s))
                for start, c, e, s, f in zip(jumps["end"], after["control"], after["end"], after["size"], after["flag"])
                if f == 1]

    def _sampled(self, core, maps, count: int) -> dict:
        greedy, _ = self.policy.sample(core, maps, greedy=True)
        if count <= 1:
            return greedy
        repeated = {size: m.expand(count - 1, *m.shape[1:]) for size, m in maps.items()}
        sampled, _ = self.policy.sample(core.expand(count - 1, -1), repeated, temperature=self.temperature,
                                        noise=self.noise)
        return {k: torch.cat([greedy[k], sampled[k]]) for k in greedy}

    def taken(self, components: dict) -> None:
        action = {k: np.array([v]) for k, v in components.items()}
        observation, *_ = self.envs.step(action)
        self._see(observation["canvas"], {k: torch.as_tensor(v) for k, v in action.items()})


class GuidedSearch(ColourSearch):
    """The colour search with a colour agent's proposals (`run` has Agent.run's signature)."""

    def __init__(self, agent, proposals: int = PROPOSALS, candidates: int = RANDOM, temperature: float = 1.0):
        super().__init__(agent.env, candidates)
        self.agent, self.proposals, self.temperature = agent, proposals, temperature

    def proposer(self, target: np.ndarray, context: list | None, steps: int, seed: int) -> AgentProposer:
        return AgentProposer(self.agent, target, context, steps, self.proposals, self.temperature,
                             RowNoise([content_seed(target, seed)]))
