import pytest
import torch

from spiral_cli.agent.config import model_config
from spiral_cli.agent.policy import Policy
from spiral_cli.envs.paint import PaintConfig


def acted_and_unrolled(policy: Policy, steps: int = 3, batch: int = 2):
    """Log-probabilities of an episode as the actor computes them step by step, and as the
    learner recomputes them from the stored rollout."""
    torch.manual_seed(0)
    canvases = torch.randint(0, 256, (steps, batch, 64, 64, 1), dtype=torch.uint8)
    target = torch.randint(0, 256, (batch, 64, 64, 1), dtype=torch.uint8)
    state, previous, acted, actions = policy.initial_state(batch), None, [], []
    for t in range(steps):
        core, maps, state = policy.step(canvases[t], target, previous, state)
        previous, log_prob = policy.sample(core, maps)
        acted.append(log_prob)
        actions.append(previous)
    stacked = {k: torch.stack([a[k] for a in actions]) for k in actions[0]}
    cores, maps = policy.unroll(canvases, target, stacked, policy.initial_state(batch))
    flat = {k: v.flatten(0, 1) for k, v in stacked.items()}
    unrolled = policy.evaluate(cores.flatten(0, 1), maps, flat)[0].sum(-1).view(steps, batch)
    return torch.stack(acted), unrolled


@pytest.mark.parametrize("location_input", [False, True])
def test_the_learner_sees_what_the_actor_saw(location_input):
    config = model_config("default", location_input=location_input, location_readout=True)
    policy = Policy(PaintConfig().action_components(), 1, True, config).eval()
    with torch.no_grad():
        acted, unrolled = acted_and_unrolled(policy)
    torch.testing.assert_close(acted, unrolled, atol=3e-5, rtol=0)  # one stray pixel moves it 3e-4


def test_location_input_marks_where_the_pen_is():
    components = PaintConfig().action_components()
    policy = Policy(components, 1, True, model_config("default", location_input=True))
    previous = {c.name: torch.tensor([0, 0]) for c in components}
    previous["end"] = torch.tensor([0, 32 * 10 + 5])  # cells on the 32-cell grid
    maps = policy._location_maps(previous, 2, None)
    end = maps[:, [c.name for c in components if c.grid].index("end")]
    assert end[0, 0, 0] == 1 and end[1, 10, 5] == 1 and end.sum() == 2
    assert policy._location_maps(None, 2, None).sum() == 0  # first step: no previous action
