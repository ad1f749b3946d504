"""Best-of-K search on the real painter: previews are faithful and search never loses to
the policy's own greedy choice."""

import numpy as np
import torch

from spiral_cli.agent import Policy, model_config
from spiral_cli.envs.paint import PaintConfig, PaintVectorEnv
from spiral_cli.parsing.search import choose, ink, propose, refine, search_step

CONFIG = dict(canvas=32, grid=16, episode_length=4, brush="classic/pen")


def action(**values) -> dict:
    base = {"flag": 1, "end": 0, "control": 0, "size": 3, "pressure": 9}
    base.update(values)
    return {k: np.array([v]) for k, v in base.items()}


def test_preview_shows_the_canvas_a_step_would_give_and_leaves_the_episode_alone():
    envs = PaintVectorEnv(1, **CONFIG)
    envs.reset()
    envs.step(action(flag=0, end=16 * 4 + 4, control=16 * 4 + 4))
    before = envs.canvases().copy()
    stroke = action(end=16 * 12 + 12, control=16 * 4 + 12)
    preview = envs.preview({k: v[:, None] for k, v in stroke.items()})[:, 0]
    assert np.array_equal(envs.canvases(), before)
    after, *_ = envs.step(stroke)
    assert np.array_equal(preview, after["canvas"])
    assert (255 - preview.astype(int)).sum() > 1000  # the stroke is there


def test_the_preview_of_a_stroke_that_goes_on_with_the_pen_down_is_what_the_painter_paints():
    envs = PaintVectorEnv(1, **CONFIG)
    envs.reset()
    envs.step(action(flag=0, end=16 * 4 + 4, control=16 * 4 + 4))
    envs.step(action(end=16 * 4 + 14, control=16 * 2 + 9))  # a fast stroke: the brush lags and carries speed
    turn = action(end=16 * 14 + 14, control=16 * 9 + 15)
    preview = envs.preview({k: v[:, None] for k, v in turn.items()})[:, 0]
    after, *_ = envs.step(turn)
    # a brush started afresh at the pen differs in about a hundred pixels near the corner
    assert np.abs(preview.astype(int) - after["canvas"].astype(int)).max() <= 1


def test_search_picks_the_candidate_closest_to_the_target():
    envs = PaintVectorEnv(1, **CONFIG)
    target_env = PaintVectorEnv(1, **CONFIG)
    target_env.reset()
    wanted = action(end=16 * 15 + 15, control=16 * 8 + 8)
    target, *_ = target_env.step(wanted)
    envs.reset()
    # a stroke elsewhere, a pen lift, and the stroke that made the target
    proposals = {k: torch.tensor([[int(v[0])] * 3]) for k, v in wanted.items()}
    proposals["end"][0, 0] = 16 * 15 + 0
    proposals["flag"][0, 1] = 0
    chosen = choose(envs, proposals, ink(target["canvas"]))
    assert chosen["end"].item() == wanted["end"][0] and chosen["flag"].item() == 1
    nothing_helps = choose(envs, {k: v[:, :2] for k, v in proposals.items()}, ink(envs.canvases()))
    assert nothing_helps["flag"].item() == 0  # on an empty target, lifting the pen wins


def test_proposals_hold_the_greedy_action_samples_and_their_pen_lifts():
    config = PaintConfig(**CONFIG)
    policy = Policy(config.action_components(), 1, True, model_config("default", input_size=32))
    canvas = torch.full((2, 32, 32, 1), 255, dtype=torch.uint8)
    core, maps, _ = policy.step(canvas, canvas, None, policy.initial_state(2))
    proposals = propose(policy, core, maps, 5)
    greedy, _ = policy.sample(core, maps, greedy=True)
    assert proposals["end"].shape == (2, 10)
    for name in proposals:
        assert torch.equal(proposals[name][:, 0], greedy[name])
        if name != "flag":
            assert torch.equal(proposals[name][:, 5:], proposals[name][:, :5])
    assert (proposals["flag"][:, 5:] == 0).all()


def test_a_jump_lands_on_ink_still_to_draw():
    envs = PaintVectorEnv(1, **CONFIG)
    envs.reset()
    target_env = PaintVectorEnv(1, **CONFIG)
    target_env.reset()
    target_env.step(action(flag=0, end=16 * 12 + 2, control=16 * 12 + 2))
    target, *_ = target_env.step(action(end=16 * 12 + 14, control=16 * 12 + 8))  # a line at y = 24 px
    jumps = {k: torch.tensor([[int(v[0])] * 2]) for k, v in action(flag=0).items()}
    jumps["end"] = torch.tensor([[16 * 2 + 8, 16 * 12 + 8]])  # far from the line, on the line
    chosen = choose(envs, jumps, ink(target["canvas"]))
    assert chosen["end"].item() == 16 * 12 + 8


def test_search_places_the_pen_before_it_draws(monkeypatch):
    import spiral_cli.parsing.search as search

    # The target is a line from the pen's resting corner: drawing it at once would pay.
    line = action(end=16 * 12 + 12, control=16 * 6 + 6)
    target_env = PaintVectorEnv(1, **CONFIG)
    target_env.reset()
    target, *_ = target_env.step(line)
    proposals = {k: torch.tensor([[int(v[0]), int(v[0])]]) for k, v in line.items()}
    proposals["flag"][0, 1] = 0
    monkeypatch.setattr(search, "propose", lambda *args, **kwargs: {k: v.clone() for k, v in proposals.items()})
    envs = PaintVectorEnv(1, **CONFIG)
    envs.reset()
    first = search_step(None, envs, None, None, ink(target["canvas"]), 2)
    assert first["flag"].item() == 0  # no lead-in line from the corner
    envs.step({k: v.numpy() for k, v in first.items()})
    envs.step(action(flag=0, end=0, control=0))  # back to the corner, placed there on purpose
    assert search_step(None, envs, None, None, ink(target["canvas"]), 2)["flag"].item() == 1


def test_grid_refinement_finds_the_stroke_a_cell_and_a_pressure_away():
    config = PaintConfig(**CONFIG)
    start = action(flag=0, end=16 * 4 + 4, control=16 * 4 + 4)
    wanted = action(end=16 * 12 + 10, control=16 * 4 + 12, size=2, pressure=9)
    target_env = PaintVectorEnv(1, **CONFIG)
    target_env.reset()
    target_env.step(start)
    target, *_ = target_env.step(wanted)
    envs = PaintVectorEnv(1, **CONFIG)
    envs.reset()
    envs.step(start)
    near = {k: torch.from_numpy(v) for k, v in action(end=16 * 13 + 11, control=16 * 4 + 12, size=2, pressure=5).items()}
    refined = refine(envs, config.action_components(), near, ink(target["canvas"]))
    assert {k: int(v) for k, v in refined.items()} == {k: int(v[0]) for k, v in wanted.items()}
    jump = {k: v.clone() for k, v in near.items()}
    jump["flag"][:] = 0
    assert refine(envs, config.action_components(), jump, ink(target["canvas"]))["flag"].item() == 0


def test_refinement_moves_a_stroke_onto_its_target():
    from spiral_cli.painting import render_program
    from spiral_cli.parsing.refine import refine_program
    from spiral_cli.programs import Action, StrokeProgram

    def program(offset):
        return StrokeProgram(32, 32, "classic/pen", "grayscale", (
            Action("jump", (0.0, 0.0), (0.0, 0.0), (6.0, 8.0 + offset), 0.8, 3.0),
            Action("draw", (6.0, 8.0 + offset), (16.0, 4.0 + offset), (26.0, 8.0 + offset), 0.8, 3.0),
        ))
    target = ink(render_program(program(0.0))[..., :1])
    guess = program(1.5)
    before = ((ink(render_program(guess)[..., :1]) - target) ** 2).mean()
    refined, render = refine_program(guess, target)
    after = ((ink(render) - target) ** 2).mean()
    assert after < 0.5 * before
    assert abs(refined.actions[1].end[1] - 8.0) < 0.75
    assert refined.actions[1].start == refined.actions[0].end  # the stroke still starts where the pen is


def test_refinement_trims_a_tail_the_target_does_not_have():
    from spiral_cli.painting import render_program
    from spiral_cli.parsing.refine import refine_program
    from spiral_cli.programs import Action, StrokeProgram

    def program(start):
        return StrokeProgram(32, 32, "classic/pen", "grayscale", (
            Action("jump", (0.0, 0.0), (0.0, 0.0), start, 0.8, 3.0),
            Action("draw", start, ((start[0] + 26) / 2, (start[1] + 24) / 2), (26.0, 24.0), 0.8, 3.0),
        ))
    target = ink(render_program(program((14.0, 12.0)))[..., :1])
    refined, render = refine_program(program((2.0, 0.0)), target)  # the same line with a long tail
    assert refined.actions[1].start[0] > 8 and refined.actions[1].start[1] > 6
    assert ((ink(render) - target) ** 2).mean() < ((ink(render_program(program((2.0, 0.0)))[..., :1]) - target) ** 2).mean() / 3


def test_refinement_leaves_out_a_stroke_that_does_not_pay_for_itself():
    from spiral_cli.painting import render_program
    from spiral_cli.parsing.refine import refine_program
    from spiral_cli.programs import Action, StrokeProgram

    pen_down = Action("jump", (0.0, 0.0), (0.0, 0.0), (6.0, 16.0), 0.8, 3.0)
    line = Action("draw", (6.0, 16.0), (16.0, 16.0), (26.0, 16.0), 0.8, 3.0)
    speck = (Action("jump", (26.0, 16.0), (26.0, 16.0), (15.0, 26.0), 0.8, 1.0),
             Action("draw", (15.0, 26.0), (16.0, 26.0), (17.0, 26.0), 0.8, 1.0))
    render = lambda *actions: ink(render_program(StrokeProgram(32, 32, "classic/pen", "grayscale", actions))[..., :1])
    target = render(pen_down, line)
    target[20:] = 0.6 * render(pen_down, line, *speck)[20:]  # a faint speck a tiny stroke only half matches
    refined, _ = refine_program(StrokeProgram(32, 32, "classic/pen", "grayscale", (pen_down, line, *speck)), target)
    assert len(refined.strokes) == 1


def test_in_colour_a_stroke_is_judged_and_taken_in_the_colour_that_fits_under_it():
    from spiral_cli.parsing.search import in_fitted_colours

    colour = dict(CONFIG, color=True)
    envs, target_env = PaintVectorEnv(1, **colour), PaintVectorEnv(1, **colour)
    envs.reset(), target_env.reset()
    for env in (envs, target_env):  # both canvases start with the same grey stroke, then the pen is lifted
        env.step(action(end=16 * 2 + 2, control=16 * 2 + 14, red=10, green=10, blue=10))
        env.step(action(flag=0, end=16 * 3 + 3, control=16 * 3 + 3, red=0, green=0, blue=0))
    wanted = action(end=16 * 14 + 14, control=16 * 8 + 2, red=17, green=4, blue=9)
    target, *_ = target_env.step(wanted)
    wrong = {k: torch.tensor([[int(v[0])] * 2]) for k, v in wanted.items()}
    for name in ("red", "green", "blue"):
        wrong[name][0, 0] = 0  # the right stroke proposed in black
    wrong["end"][0, 1] = 16 * 2 + 14  # a stroke elsewhere, in the right colour
    fitted, drawn = in_fitted_colours(envs, wrong, ink(target["canvas"]))
    assert [int(fitted[k][0, 0]) for k in ("red", "green", "blue")] == [17, 4, 9]
    taken, *_ = envs.step({k: v[:, 0].numpy() for k, v in fitted.items()})
    assert np.abs(drawn[0, 0] - ink(taken["canvas"][0])).max() < 0.02, "what it foresaw is what the painter paints"
    chosen = choose(PaintVectorEnv(1, **colour), wrong, ink(target["canvas"]))
    assert chosen["end"].item() == wanted["end"][0] and chosen["red"].item() == 17
