import numpy as np
import pytest
from PIL import Image

from spiral_cli.data.datasets import load_dataset
from spiral_cli.data.paintings import load_paintings, make_paintings, mirrored_paintings
from spiral_cli.envs.paint import PaintConfig
from spiral_cli.errors import UsageError
from spiral_cli.tracing.colour_search import paint_episode
from spiral_cli.tracing.episodes import render_episodes


def picture(seed: int = 0, side: int = 64) -> np.ndarray:
    """A coloured ground with a disc and a band of other colours, (side, side, 3) uint8."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[:side, :side]
    image = np.empty((side, side, 3), np.uint8)
    image[:] = rng.integers(0, 256, 3)
    image[(ys - side * 0.4) ** 2 + (xs - side * 0.6) ** 2 < (side * 0.2) ** 2] = rng.integers(0, 256, 3)
    image[np.abs(ys - xs) < side * 0.08] = rng.integers(0, 256, 3)
    return image


def squared_error(a: np.ndarray, b: np.ndarray) -> float:
    return float((((a.astype(np.float32) - b.astype(np.float32)) / 255.0) ** 2).mean())


def test_the_colour_search_paints_a_picture_far_closer_than_its_mean_colour():
    config = PaintConfig(color=True, brush="classic/pen")
    target = picture()
    episode = paint_episode(target, config, candidates=16)
    assert len(episode) == config.episode_length and any(step["flag"] == 1 for step in episode)
    _, finals = render_episodes([episode], config)  # the real painter, as training replays it
    flat = np.broadcast_to(target.reshape(-1, 3).mean(0), target.shape)
    assert squared_error(finals[0], target) < 0.5 * squared_error(flat, target)  # 20 strokes: 0.44 of it here
    assert paint_episode(target, config, candidates=16) == episode  # the same picture, the same program


def test_painting_programs_are_made_once_and_an_interrupted_run_resumes(tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    for index in range(40):
        Image.fromarray(picture(index, 32)).save(folder / f"{index:03d}.png")
    config = PaintConfig(color=True, brush="classic/pen", canvas=32, grid=16, episode_length=4)
    made = make_paintings(f"images:{folder}", tmp_path / "out", config, candidates=4, workers=1)
    training = load_dataset(f"images:{folder}", "train", 32, True).images  # held-out pictures stay out
    assert np.array_equal(made.images, training) and made.actions["flag"].shape == (len(training), 4)
    assert (made.errors > 0).all()
    _, finals = render_episodes([[{k: int(v[0, t]) for k, v in made.actions.items()} for t in range(4)]], config)
    assert squared_error(finals[0], made.images[0]) == pytest.approx(made.errors[0], rel=1e-5)
    parts = sorted((tmp_path / "out" / "parts").iterdir())
    parts[0].unlink()  # as if the run had been killed before this part
    stamps = {p: p.stat().st_mtime_ns for p in parts[1:]}
    again = make_paintings(f"images:{folder}", tmp_path / "out", config, candidates=4, workers=1)
    assert all(p.stat().st_mtime_ns == stamp for p, stamp in stamps.items())  # kept, not searched again
    loaded = load_paintings(tmp_path / "out")
    for name, values in made.actions.items():
        assert np.array_equal(values, again.actions[name]) and np.array_equal(values, loaded.actions[name])
    (tmp_path / "out" / "paintings.npz").write_bytes(b"not a zip")
    with pytest.raises(UsageError, match="not a paintings file"):
        load_paintings(tmp_path / "out")


def test_crops_are_new_views_of_each_training_picture_and_are_painted_too(tmp_path):
    from spiral_cli.data.datasets import jittered_crops

    folder = tmp_path / "pictures"
    folder.mkdir()
    for index in range(12):
        Image.fromarray(picture(index, 48)).save(folder / f"{index:03d}.png")
    centres = load_dataset(f"images:{folder}", "train", 32, True).images
    crops = jittered_crops(f"images:{folder}", "train", 32, per_image=3)
    assert crops.shape == (3 * len(centres), 32, 32, 3)
    assert np.array_equal(crops, jittered_crops(f"images:{folder}", "train", 32, per_image=3))
    views = crops.reshape(len(centres), 3, 32, 32, 3)
    for centre, own in zip(centres, views):  # each crop is nearer its own picture than any other one
        others = views[[not np.array_equal(centre, c) for c in centres]].reshape(-1, 32, 32, 3)
        assert max(squared_error(v, centre) for v in own) < min(squared_error(o, centre) for o in others)
    copies = [squared_error(v, c) == 0 for c, own in zip(centres, views) for v in own]
    assert sum(copies) <= len(copies) / 5  # views, not copies (a crop of 98% rounds to the whole)
    config = PaintConfig(color=True, brush="classic/pen", canvas=32, grid=16, episode_length=4)
    made = make_paintings(f"images:{folder}", tmp_path / "out", config, candidates=4, workers=1, crops=3)
    assert np.array_equal(made.images, np.concatenate([centres, crops])) and len(made.errors) == 4 * len(centres)
    with pytest.raises(UsageError, match="images:DIR"):
        jittered_crops(f"omniglot:{folder}", "train", 32, per_image=1)


def test_spiral_eval_measures_the_colour_search_beside_the_baselines_without_a_checkpoint(tmp_path):
    import json

    from tests.conftest import run_spiral

    folder = tmp_path / "pictures"
    folder.mkdir()
    for index in range(30):
        Image.fromarray(picture(index, 48)).save(folder / f"{index:03d}.png")
    result = run_spiral("eval", "--data", f"images:{folder}", "--tracer", "--paint", "32:20", "--n", "2",
                        "--workers", "1", "--json", str(tmp_path / "eval.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "eval.json").read_text())["colour_search"][0]
    assert report["pictures"] == 2 and report["side"] == 32 and 0 < report["strokes_drawn"] <= 20
    assert report["mean_squared_error"] < 0.6 * report["mean_colour_error"]


def test_spiral_parse_paints_a_picture_with_the_colour_search_alone(tmp_path):
    import json

    from tests.conftest import run_spiral

    Image.fromarray(picture(3, 96)).save(tmp_path / "photo.png")
    result = run_spiral("parse", str(tmp_path / "photo.png"), "--method", "search", "--max-strokes", "30", "--json")
    assert result.returncode == 0, result.stderr
    program = json.loads((tmp_path / "photo.json").read_text())
    assert program["color_mode"] == "color" and program["canvas"]["width"] == 96
    drawn = [a for a in program["actions"] if a["kind"] == "draw"]
    assert 10 <= len(drawn) <= 30 and len({tuple(a["color"]) for a in drawn}) >= 3
    assert program["source"]["relative_residual"] < 0.2
    refused = run_spiral("parse", str(tmp_path / "photo.png"), "--method", "search", "--checkpoint", "omniglot")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1


def test_a_mirrored_painting_paints_the_mirrored_picture():
    config = PaintConfig(canvas=64, brush="classic/pen", color=True, episode_length=8)
    target = picture(3)
    episode = paint_episode(target, config, candidates=16)
    actions = {k: np.array([[a[k] for a in episode]]) for k in episode[0]}
    _, painted = render_episodes([episode], config)
    images, mirrored = mirrored_paintings(np.stack([target, painted[0]]), {k: np.repeat(v, 2, 0) for k, v in actions.items()},
                                          config.grid)
    assert len(images) == 4
    flipped_episode = [{k: int(v[2, t]) for k, v in mirrored.items()} for t in range(len(episode))]
    _, repainted = render_episodes([flipped_episode], config)
    inner = slice(4, 58)  # away from the two columns that repeat the edge
    error = squared_error(repainted[0][:, inner], images[3][:, inner])
    assert error < 0.1 * squared_error(images[3][:, inner], images[1][:, inner])  # far closer than unmirrored
    assert np.array_equal(images[2][:, :62], target[:, 61::-1])  # pixel column j is column 61 - j


def test_recolouring_finds_the_colours_of_known_strokes():
    """The strokes of a painting in grey get back the colours they were painted in."""
    from dataclasses import replace

    from spiral_cli.painting.painter import render_program
    from spiral_cli.parsing.recolour import recolour
    from spiral_cli.programs.model import Action, StrokeProgram

    rng = np.random.default_rng(0)
    actions = []
    for _ in range(12):  # overlapping strokes: each colour counts only where it is still visible
        start, control, end = (tuple(rng.uniform(5, 59, 2)) for _ in range(3))
        actions += [Action("jump", start, start, start, 1.0, 8.0),
                    Action("draw", start, control, end, 1.0, float(rng.uniform(4, 14)), tuple(rng.uniform(0, 1, 3)))]
    painted = StrokeProgram(64, 64, "classic/pen", "color", tuple(actions))
    target = render_program(painted) / np.float32(255)
    grey = painted.with_actions(replace(a, color=(0.5, 0.5, 0.5)) if a.draws else a for a in actions)
    _, render = recolour(grey, target)
    assert squared_error(render, (255 * target).astype(np.uint8)) < 1e-4 < squared_error(render_program(grey), render)
    assert recolour(painted, target)[0] is painted  # nothing to gain: kept as it was
