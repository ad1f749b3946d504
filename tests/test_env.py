import json

import gymnasium
import numpy as np
from gymnasium.utils.env_checker import check_env

from spiral_cli.envs import PAINT_ENV_ID, PaintConfig
from spiral_cli.painting import render_program
from spiral_cli.programs import program_from_dict, program_to_dict


def test_registered_env_passes_gymnasium_checker():
    env = gymnasium.make(PAINT_ENV_ID)
    check_env(env.unwrapped, skip_render_check=False)


def test_action_space_of_the_paper():
    gray = PaintConfig().action_space()
    assert list(gray.keys()) == ["flag", "end", "control", "size", "pressure"]
    assert gray["end"].n == 32 * 32 and gray["pressure"].n == 10
    color = PaintConfig(color=True).action_space()
    assert [color[k].n for k in ("red", "green", "blue")] == [20, 20, 20]


def test_grid_maps_to_canvas_pixels():
    config = PaintConfig(canvas=64, grid=32)
    assert config.grid_point(0) == (0.0, 0.0)
    assert config.grid_point(31) == (62.0, 0.0)
    assert config.grid_point(32 * 5 + 3) == (6.0, 10.0)


def test_episode_runs_n_steps_and_records_its_program():
    env = gymnasium.make(PAINT_ENV_ID, episode_length=7)
    obs, _ = env.reset(seed=1)
    assert obs["step"] == 0 and obs["canvas"].shape == (64, 64, 1)
    for step in range(7):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        assert terminated == (step == 6)
    assert len(env.unwrapped.program.actions) == 7


def _random_episode(env, seed):
    env.action_space.seed(seed)
    env.reset(seed=seed)
    terminated = False
    while not terminated:
        _, _, terminated, _, _ = env.step(env.action_space.sample())
    return env.unwrapped.program, env.unwrapped.render()


def test_program_replay_reproduces_the_canvas_bit_for_bit():
    for color in (False, True):
        env = gymnasium.make(PAINT_ENV_ID, color=color)  # dry_brush: random dabs
        program, canvas = _random_episode(env, seed=3)
        assert program.strokes, "the episode should have drawn something"
        reloaded = program_from_dict(json.loads(json.dumps(program_to_dict(program))))
        assert reloaded == program
        assert np.array_equal(render_program(reloaded), canvas)


def test_grayscale_and_colour_modes():
    gray = gymnasium.make(PAINT_ENV_ID)
    program, canvas = _random_episode(gray, seed=5)
    assert all(a.color is None for a in program.actions)
    assert (canvas[..., 0] == canvas[..., 1]).all()
    color = gymnasium.make(PAINT_ENV_ID, color=True, brush="classic/pen")
    program, canvas = _random_episode(color, seed=5)
    assert all(a.color is not None for a in program.actions)
    assert (canvas[..., 0] != canvas[..., 2]).any()


def test_vector_env_steps_many_episodes_in_lockstep():
    envs = gymnasium.make_vec(PAINT_ENV_ID, num_envs=3, vectorization_mode="vector_entry_point", episode_length=4)
    obs, _ = envs.reset(seed=0)
    assert obs["canvas"].shape == (3, 64, 64, 1)
    for step in range(4):
        obs, rewards, terminated, truncated, _ = envs.step(envs.action_space.sample())
    assert terminated.all() and obs["step"].tolist() == [4, 4, 4]
    for program, canvas in zip(envs.unwrapped.programs, obs["canvas"]):
        assert np.array_equal(render_program(program)[..., :1], canvas)
