"""The MuJoCo scenes environment: renderer, scene programs, dataset, MCMC baseline, CLI."""

import json
import os

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from PIL import Image

from spiral_cli.envs import SCENES_ENV_ID, SceneConfig, SceneVectorEnv
from spiral_cli.envs.scenes import MOVES
from spiral_cli.parsing.mcmc import log_likelihood, mcmc_parse
from spiral_cli.scenes import SceneObject, SceneProgram, cell_center, load_scene, save_scene, scene_to_dict
from spiral_cli.scenes.renderer import SceneRenderer
from tests.conftest import run_spiral

RED_SPHERE = SceneObject("sphere", cell_center(3 * 16 + 3, 16), "large", (1.0, 0.0, 0.0))
BLUE_CUBE = SceneObject("cube", cell_center(12 * 16 + 12, 16), "medium", (0.0, 0.0, 1.0))


@pytest.fixture(scope="module")
def renderer():
    r = SceneRenderer(64, 64)
    yield r
    r.close()


def test_renderer_is_deterministic(renderer):
    first = renderer.render([RED_SPHERE, BLUE_CUBE])
    renderer.render([BLUE_CUBE])  # slots are reused in place: nothing may linger
    assert np.array_equal(renderer.render([RED_SPHERE, BLUE_CUBE]), first)
    other = SceneRenderer(64, 64)
    assert np.array_equal(other.render([RED_SPHERE, BLUE_CUBE]), first)
    other.close()


def test_changing_a_colour_changes_only_that_objects_pixels(renderer):
    scene = renderer.render([RED_SPHERE, BLUE_CUBE])
    without_sphere = renderer.render([BLUE_CUBE])
    sphere_pixels = np.any(scene != without_sphere, axis=-1)
    green = SceneObject(RED_SPHERE.shape, RED_SPHERE.position, RED_SPHERE.size, (0.0, 1.0, 0.0))
    changed = np.any(renderer.render([green, BLUE_CUBE]) != scene, axis=-1)
    assert changed.sum() > 20
    assert not np.any(changed & ~sphere_pixels)
    # and the sphere is red where it is drawn
    assert scene[sphere_pixels][:, 0].mean() > 2 * scene[sphere_pixels][:, 2].mean()


def test_objects_appear_where_their_cell_is(renderer):
    near_left = SceneObject("cube", cell_center(15 * 16 + 0, 16), "large", (1.0, 1.0, 0.0))
    far_right = SceneObject("cube", cell_center(0 * 16 + 15, 16), "large", (1.0, 1.0, 0.0))
    blank = renderer.render([])
    for obj, rows, cols in ((near_left, slice(32, 64), slice(0, 32)), (far_right, slice(0, 32), slice(32, 64))):
        changed = np.any(renderer.render([obj]) != blank, axis=-1)
        assert changed[rows, cols].sum() > 0.9 * changed.sum() > 0


def test_scene_program_round_trips_and_rerenders_identically(tmp_path, renderer):
    program = SceneProgram(objects=(RED_SPHERE, BLUE_CUBE), source={"note": "test"})
    path = tmp_path / "scene.json"
    save_scene(program, path)
    loaded = load_scene(path)
    assert loaded == program
    assert np.array_equal(renderer.render(loaded.objects, loaded.camera), renderer.render(program.objects))
    assert json.loads(path.read_text()) == scene_to_dict(program)


def test_invalid_scene_program_gives_one_line(tmp_path):
    data = scene_to_dict(SceneProgram(objects=(RED_SPHERE,)))
    data["objects"][0]["shape"] = "teapot"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = run_spiral("render", str(path), "-o", str(tmp_path / "out.png"))
    assert result.returncode == 2
    assert "objects/0/shape" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.png").exists()


def test_environment_passes_the_checker_and_executes_moves():
    env = gymnasium.make(SCENES_ENV_ID).unwrapped
    check_env(env, skip_render_check=True)
    env.reset(seed=0)
    action = {"move": MOVES.index("add"), "shape": 0, "location": 5, "size": 2, "red": 3, "green": 0, "blue": 0}
    observation, *_ = env.step(action)
    assert len(env.program.objects) == 1 and env.program.objects[0].color == (1.0, 0.0, 0.0)
    env.step(action | {"move": MOVES.index("change"), "red": 0, "blue": 3})
    assert len(env.program.objects) == 1 and env.program.objects[0].color == (0.0, 0.0, 1.0)
    before = env.render().copy()
    env.step(action | {"move": MOVES.index("skip")})
    assert len(env.program.objects) == 1 and np.array_equal(env.render(), before)
    env.close()


def test_vector_env_batches_renders():
    envs = SceneVectorEnv(3, episode_length=2)
    observation, _ = envs.reset()
    assert observation["canvas"].shape == (3, 64, 64, 3)
    actions = {name: np.zeros(3, np.int64) for name in envs.single_action_space.spaces}
    actions["move"] = np.array([MOVES.index("add"), MOVES.index("skip"), MOVES.index("add")])
    observation, _, terminated, *_ = envs.step(actions)
    assert [len(p.objects) for p in envs.programs] == [1, 0, 1]
    assert np.array_equal(observation["canvas"][0], observation["canvas"][2])
    assert not np.array_equal(observation["canvas"][0], observation["canvas"][1])
    assert not terminated.any()
    envs.close()


def test_mcmc_improves_the_likelihood_of_a_two_object_scene(renderer):
    target = renderer.render([RED_SPHERE, BLUE_CUBE])
    result = mcmc_parse(target, 400, renderer, SceneConfig(), seed=0)
    assert log_likelihood(result.render, target) > log_likelihood(renderer.render([]), target)
    assert np.all(np.diff(result.errors) <= 0)  # the best state so far only gets better
    assert len(result.objects) >= 1


def test_dataset_command_is_the_same_with_any_number_of_workers(tmp_path):
    for workers in ("1", "2"):
        result = run_spiral("dataset", "scenes", str(tmp_path / workers), "--n", "6", "--workers", workers)
        assert result.returncode == 0, result.stderr
    for index in range(6):
        for suffix in (".png", ".json"):
            a, b = (tmp_path / w / f"{index:06d}{suffix}" for w in ("1", "2"))
            assert a.read_bytes() == b.read_bytes()
    program = load_scene(tmp_path / "1" / "000000.json")
    assert 1 <= len(program.objects) <= 5
    assert np.asarray(Image.open(tmp_path / "1" / "000000.png")).shape == (64, 64, 3)


def test_render_scene_from_another_camera(tmp_path):
    path = tmp_path / "scene.json"
    save_scene(SceneProgram(objects=(RED_SPHERE, BLUE_CUBE)), path)
    assert run_spiral("render", str(path), "--size", "256", "-o", str(tmp_path / "a.png")).returncode == 0
    result = run_spiral("render", str(path), "--size", "256", "--azimuth", "30", "--elevation", "-30",
                        "-o", str(tmp_path / "b.png"))
    assert result.returncode == 0, result.stderr
    a, b = (np.asarray(Image.open(tmp_path / n)) for n in ("a.png", "b.png"))
    assert a.shape == b.shape == (256, 256, 3) and not np.array_equal(a, b)


def test_parse_with_mcmc_writes_a_scene_program(tmp_path, renderer):
    image = tmp_path / "scene.png"
    Image.fromarray(renderer.render([RED_SPHERE, BLUE_CUBE])).save(image)
    result = run_spiral("parse", str(image), "--method", "mcmc", "--budget", "300", "--json", "--png")
    assert result.returncode == 0, result.stderr
    program = load_scene(tmp_path / "scene.json")
    assert program.source["method"] == "mcmc" and len(program.objects) >= 1
    refused = run_spiral("parse", str(image), "--method", "mcmc", "--budget", "10", "--svg")
    assert refused.returncode == 2 and "JSON and PNG" in refused.stderr
    assert not (tmp_path / "scene.svg").exists()


def test_missing_opengl_gives_one_clear_line(tmp_path):
    path = tmp_path / "scene.json"
    save_scene(SceneProgram(objects=(RED_SPHERE,)), path)
    env = {**os.environ, "MUJOCO_GL": "no-such-backend", "PYOPENGL_PLATFORM": ""}
    result = run_spiral("render", str(path), "-o", str(tmp_path / "out.png"), env=env)
    assert result.returncode == 1
    assert "MuJoCo" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.png").exists()


@pytest.mark.slow  # a minute of MuJoCo cloning; CI's 15 minutes
def test_scenes_agent_learns_by_cloning_and_parses_with_its_checkpoint(tmp_path):
    """Half a minute of behaviour cloning on random scenes: the loss falls, the checkpoint
    loads, and parse returns scene programs with it."""
    from spiral_cli.data.scenes import make_scenes_dataset
    from spiral_cli.parsing.images import read_image
    from spiral_cli.parsing.parse import parse_read
    from spiral_cli.training.config import TrainConfig
    from spiral_cli.training.trainer import train

    data = tmp_path / "scenes"
    make_scenes_dataset(data, 40, max_objects=2, workers=1, canvas=32)
    config = TrainConfig(
        env="scenes", data=f"scenes:{data}", env_options={"canvas": 32, "grid": 8, "episode_length": 3},
        model_options={"input_size": 32, "core_size": 4, "channels": 16, "res_blocks": 1, "hidden": 64,
                       "location_channels": 8, "d_input_size": 16, "location_readout": True},
        reward="l2-step", envs_per_actor=8, batch_size=16, learning_rate=1e-3, minutes=0.6,
        warm_start_minutes=0.4, synthetic_max_strokes=2, checkpoint_minutes=100.0,
    )
    train(config, tmp_path / "run")
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    cloning = [r["bc_loss"] for r in rows if r.get("kind") == "policy" and "bc_loss" in r]
    assert len(cloning) > 20 and sum(cloning[-10:]) < sum(cloning[:10]) * 0.8
    assert any("l2_relative" in r for r in rows), "reinforcement followed the warm start"
    image = read_image(sorted(data.glob("*.png"))[0])
    result = parse_read([image], str(tmp_path / "run"))[0]
    assert isinstance(result.program, SceneProgram) and result.render.shape == (32, 32, 3)
    assert result.program.source["checkpoint"] == str(tmp_path / "run")
    report, plot, sheet = tmp_path / "eval.json", tmp_path / "plot.png", tmp_path / "sheet.png"
    evaluated = run_spiral("eval", "--checkpoint", str(tmp_path / "run"), "--data", f"scenes:{data}", "--n", "5",
                           "--mcmc", "10,30", "--json", str(report), "--plot", str(plot), "--sheet", str(sheet))
    assert evaluated.returncode == 0, evaluated.stderr
    scores = json.loads(report.read_text())
    assert set(scores) >= {"agent", "mcmc 10", "mcmc 30"} and scores["mcmc 30"]["renders_per_scene"] == 30
    assert set(scores["agent"]["attribute_accuracy"]) == {"type", "position", "size", "color"}
    assert Image.open(plot).format == "PNG" and Image.open(sheet).size[0] > 64


def test_attribute_accuracy_pairs_objects_by_position():
    from spiral_cli.evaluation.scenes import attribute_hits

    truth = [RED_SPHERE, BLUE_CUBE]
    found = [SceneObject("cylinder", BLUE_CUBE.position, "medium", (0.0, 0.0, 1.0)), RED_SPHERE]  # other order
    assert attribute_hits(truth, found, 16) == {"type": 1, "position": 2, "size": 2, "color": 2}
    assert attribute_hits(truth, [], 16) == {"type": 0, "position": 0, "size": 0, "color": 0}
