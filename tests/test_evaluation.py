"""The measures spiral eval reports, and spiral draw / spiral checkpoints."""


import numpy as np
from PIL import Image
from safetensors.torch import save_file

from spiral_cli.envs import env_config
from spiral_cli.envs.paint import PaintConfig
from spiral_cli.evaluation.frechet import accuracy, frechet_distance, recognised_share, train_classifier
from spiral_cli.training.config import TrainConfig
from spiral_cli.training.setup import build_discriminator, build_policy
from spiral_cli.training.synthetic import synthetic_targets
from tests.conftest import run_spiral


def test_frechet_distance_is_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8))
    assert frechet_distance(a, b) < 0.1
    assert frechet_distance(a, b + 1.0) > 7.5  # 8 dimensions shifted by 1


def test_feature_classifier_learns_to_tell_strokes_apart():
    config = PaintConfig(brush="classic/pen")
    one = synthetic_targets(config, 150, seed=1, max_strokes=1)
    many = synthetic_targets(config, 150, seed=2, max_strokes=8)
    keep = (255 - many.astype(int)).sum((1, 2, 3)) > 1.5 * (255 - one.astype(int)).sum((1, 2, 3)).mean()
    images = np.concatenate([one, many[keep]])
    labels = np.array([0] * len(one) + [1] * int(keep.sum()))
    model = train_classifier(images, labels, minutes=0.15)
    assert accuracy(model, images, labels) > 0.85
    assert recognised_share(model, images) > 0.5


def unconditional_agent(folder, critic: bool = False):
    """An untrained unconditional agent saved as a checkpoint folder (with its critic)."""
    config = TrainConfig(conditional=False, data=None, reward="discriminator", env_options={"brush": "classic/pen"})
    env = env_config("paint", brush="classic/pen")
    folder.mkdir()
    (folder / "config.json").write_text(config.to_json())
    save_file(build_policy(config, env.action_components(), env.image_shape).state_dict(),
              str(folder / "policy.safetensors"))
    if critic:
        save_file(build_discriminator(config, env.image_shape).state_dict(), str(folder / "discriminator.safetensors"))
    return folder


def test_draw_writes_a_sheet_and_one_svg_per_drawing(tmp_path):
    unconditional_agent(tmp_path / "agent")
    result = run_spiral("draw", "--checkpoint", str(tmp_path / "agent"), "-n", "10",
                        "--grid", str(tmp_path / "sheet.png"), "--svg-dir", str(tmp_path / "svgs"))
    assert result.returncode == 0, result.stderr
    assert Image.open(tmp_path / "sheet.png").size == (8 * 68, 2 * 68)
    assert len(list((tmp_path / "svgs").glob("*.svg"))) == 10


def test_best_drawings_are_the_critics_favourite_of_each_group_of_candidates(tmp_path):
    from spiral_cli.parsing.agent import Agent
    from spiral_cli.parsing.drawing import critic_scores, draw

    agent = Agent.load(unconditional_agent(tmp_path / "agent", critic=True))
    _, candidates = draw(agent, 4 * 8, "fast", seed=5)
    _, best = draw(agent, 4, "best", seed=5)
    scores = critic_scores(agent.critic, candidates).reshape(4, 8)
    favourites = candidates.reshape(4, 8, *candidates.shape[1:])[np.arange(4), scores.argmax(1)]
    assert np.array_equal(best, favourites)
    assert not np.array_equal(best, candidates[::8]), "the critic chose something other than the first draw"


def test_best_drawings_need_the_critic(tmp_path):
    result = run_spiral("draw", "--checkpoint", str(unconditional_agent(tmp_path / "agent")), "--quality", "best",
                        "--grid", str(tmp_path / "sheet.png"))
    assert result.returncode == 2 and "critic" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "sheet.png").exists()


def test_checkpoints_lists_what_ships():
    result = run_spiral("checkpoints")
    assert result.returncode == 0
    from spiral_cli.parsing.agent import shipped_checkpoints
    for name in shipped_checkpoints():
        assert name in result.stdout


def test_evaluation_in_two_processes_scores_like_one(tmp_path):
    """`spiral eval --workers 2` shares the batches between processes without changing the figures."""
    from spiral_cli.evaluation.reconstruction import evaluate_agent
    from spiral_cli.parsing.agent import Agent

    config = TrainConfig(data=None, warm_start_minutes=1.0, env_options={"brush": "classic/pen"})
    env = env_config("paint", brush="classic/pen")
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "config.json").write_text(config.to_json())
    save_file(build_policy(config, env.action_components(), env.image_shape).state_dict(),
              str(tmp_path / "agent" / "policy.safetensors"))
    (tmp_path / "images").mkdir()
    for index, target in enumerate(synthetic_targets(PaintConfig(brush="classic/pen"), 120, seed=3, max_strokes=2)):
        Image.fromarray(target[..., 0]).save(tmp_path / "images" / f"{index}.png")  # about 10% are test images
    agent, data = Agent.load(tmp_path / "agent"), f"images:{tmp_path / 'images'}"
    one, _, finals_one = evaluate_agent(agent, data, n=8, batch=2, candidates=2)
    two, _, finals_two = evaluate_agent(agent, data, n=8, batch=2, candidates=2, workers=2)
    assert two.images == one.images > 0
    assert np.array_equal(finals_one, finals_two) and two.mean_error == one.mean_error
