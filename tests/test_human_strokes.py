"""People's strokes as stroke programs: reading the recordings, fitting them onto the action
grid, the dataset file, and cloning them in training."""

import json
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from spiral_cli.data import stroke_programs
from spiral_cli.data.human_strokes import HumanDrawing, read_omniglot_strokes, read_stroke3
from spiral_cli.export.stroke_datasets import stroke3_lines
from spiral_cli.envs.paint import PaintConfig
from spiral_cli.errors import UsageError
from spiral_cli.tracing.episodes import render_episodes
from spiral_cli.training.config import TrainConfig

PEN = PaintConfig(brush="classic/pen")


def test_stroke3_rows_become_one_polyline_per_pen_down_run():
    rows = np.array([[5, 5, 0], [10, 0, 1], [0, 10, 0], [0, 10, 1]], float)
    strokes = stroke3_lines(rows)
    assert [s.tolist() for s in strokes] == [[[5, 5], [15, 5]], [[15, 15], [15, 25]]]


def test_omniglot_stroke_files_are_read_with_rows_down_and_alphabets_held_out(tmp_path):
    text = "START\n10,-20,0\n30,-20,50\nBREAK\n50,-60,90\n50,-80,120\nBREAK\n"
    with zipfile.ZipFile(tmp_path / "strokes_background_small1.zip", "w") as archive:
        archive.writestr("strokes_background_small1/Greek/character01/0394_01.txt", text)
        archive.writestr("strokes_background_small1/Korean/character01/0643_01.txt", text)
        archive.writestr("__MACOSX/strokes_background_small1/Greek/._0394_01.txt", "junk")
    drawings = read_omniglot_strokes(tmp_path)
    assert [d.name for d in drawings] == ["Greek/character01/0394_01", "Korean/character01/0643_01"]
    assert [d.test for d in drawings] == [False, True]
    assert drawings[0].strokes[0].tolist() == [[10, 20], [30, 20]]
    assert len(drawings[0].strokes) == 2


def test_an_unknown_stroke3_file_is_refused_for_training(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, train=np.zeros(3))
    with pytest.raises(UsageError, match="not one of the known"):
        read_stroke3(path)


def _ink(canvas):
    return 1.0 - canvas[..., 0] / 255.0


def test_a_persons_strokes_become_a_program_that_draws_them_in_their_order():
    ell = np.array([[10.0, 10.0], [10.0, 50.0], [40.0, 50.0]])  # down, then right (x, y)
    bar = np.array([[30.0, 20.0], [54.0, 20.0]])
    actions = stroke_programs.program_of([ell, bar], PEN)
    assert len(actions) == PEN.episode_length
    flags = [a["flag"] for a in actions]
    assert flags[0] == 0 and flags[1] == 1, "a jump to the first stroke, then drawing"
    assert flags.count(0) >= 2 and sum(flags) >= 3, "the L needs two curves, the bar one"
    first_jump_after = flags.index(0, 1)
    assert PEN.grid_point(actions[first_jump_after]["end"]) == (30.0, 20.0), "the bar comes second"
    _, canvas = render_episodes([actions], PEN)
    ink = _ink(canvas[0])
    for x, y in [(10, 30), (25, 50), (42, 20)]:  # on the lines
        assert ink[y - 1: y + 2, x - 1: x + 2].max() > 0.5
    assert ink[30:40, 20:28].max() < 0.1, "nothing inside the L"


def test_a_drawing_that_needs_more_steps_than_an_episode_has_is_left_out():
    zigzags = [np.array([[x, 5.0], [x + 3, 30.0], [x, 55.0]]) for x in range(4, 60, 5)]
    assert stroke_programs.program_of(zigzags, PEN) is None


def _drawings(count, rng, source="kanji", test_every=4):
    drawings = []
    for index in range(count):
        start = rng.uniform(0, 100, 2)
        end = start + rng.uniform(20, 60, 2) * rng.choice([-1, 1], 2)
        drawings.append(HumanDrawing(source, f"train/{index}", index % test_every == 0, (np.stack([start, end]),)))
    return drawings


def test_dataset_file_round_trip_keeps_programs_renders_splits_and_true_strokes(tmp_path):
    programs, counts = stroke_programs.build(_drawings(12, np.random.default_rng(0)), PEN)
    assert counts == {"kanji": {"read": 12, "kept": 12}}
    stroke_programs.save(programs, tmp_path)
    loaded = stroke_programs.load(tmp_path)
    assert len(loaded) == 12 and loaded.brush == "classic/pen"
    assert np.array_equal(loaded.actions["end"], programs.actions["end"])
    test = stroke_programs.split(loaded, "test")
    assert len(test) == 3 and test.test.all()
    (line,) = test.true_strokes(1)
    assert line.shape == (2, 2)
    assert (line >= stroke_programs.MARGIN - 1e-3).all() and (line <= 64 - stroke_programs.MARGIN + 1e-3).all()
    _, canvas = render_episodes([test.episode(1)], PEN)
    assert np.array_equal(canvas, test.images[1:2]), "the stored render is the program's"
    x, y = line.mean(0).round().astype(int)
    assert _ink(test.images[1])[y - 1: y + 2, x - 1: x + 2].max() > 0.3, "ink along the person's line"


def test_a_file_that_is_not_a_stroke_program_file_fails_with_one_line(tmp_path):
    (tmp_path / "strokes.npz").write_bytes(b"not a zip")
    with pytest.raises(UsageError, match="not a stroke-program file"):
        stroke_programs.load(tmp_path)


def test_cloning_batches_render_peoples_programs_with_varied_pens_inside_the_grid():
    from spiral_cli.envs import make_vector_env
    from spiral_cli.training.actor import fill_with_human
    from spiral_cli.training.shared import HUMAN, RolloutStore

    programs, _ = stroke_programs.build(_drawings(8, np.random.default_rng(1)), PEN)
    store = RolloutStore(1, PEN.episode_length, 8, PEN.image_shape, PEN.action_components())
    shared = SimpleNamespace(store=store, env_config=PEN,
                             programs={k: torch.from_numpy(v.astype(np.int64)) for k, v in programs.actions.items()})
    envs = make_vector_env("paint", 8, PEN)
    fill_with_human(envs, shared, 0, np.random.default_rng(0))
    assert int(store.source[0]) == HUMAN
    assert torch.equal(store.target[0], store.canvas[0, -1]), "the target is the render of the labels"
    for name in programs.actions:
        assert torch.equal(store.labels[name][0], store.actions[name][0])
    assert len(set(store.actions["size"][0, 0].tolist())) > 1, "pens vary between episodes"
    assert (_ink(store.target[0].numpy()).reshape(8, -1).max(1) > 0.3).all(), "every target has ink"
    rows, columns = store.actions["end"][0] // PEN.grid, store.actions["end"][0] % PEN.grid
    assert rows.min() >= 0 and rows.max() < PEN.grid and columns.min() >= 0 and columns.max() < PEN.grid


def test_human_cloning_needs_stroke_programs():
    with pytest.raises(UsageError, match="--human needs"):
        TrainConfig(data="mnist:/tmp", human_fraction=0.5).validate()
    with pytest.raises(UsageError, match="no effect"):
        TrainConfig(data="mnist:/tmp", human_strokes="/tmp/strokes").validate()
    TrainConfig(data="mnist:/tmp", human_fraction=0.5, human_strokes="/tmp/strokes").validate()


def test_training_clones_peoples_strokes_and_its_loss_goes_down(tmp_path):
    from tests.test_training import TINY_ENV, policy_rows, tiny_config

    from spiral_cli.training.trainer import train

    tiny = PaintConfig(**TINY_ENV)
    programs, counts = stroke_programs.build(_drawings(200, np.random.default_rng(2)), tiny)
    assert counts["kanji"]["kept"] == 200
    stroke_programs.save(programs, tmp_path / "strokes")
    config = tiny_config(tmp_path, data=f"strokes:{tmp_path / 'strokes'}", minutes=0.4, warm_start_minutes=0.4,
                         human_fraction=1.0)
    train(config, tmp_path / "run")
    rows = policy_rows(tmp_path / "run")
    assert len(rows) > 10 and all(r["source"] == "human" for r in rows)
    losses = [r["human_loss"] for r in rows]
    assert sum(losses[-5:]) < 0.7 * sum(losses[:5])
    assert json.loads((tmp_path / "run" / "config.json").read_text())["human_fraction"] == 1.0


def test_scores_against_true_strokes_count_continuous_strokes_and_their_distance():
    from spiral_cli.evaluation.reconstruction import score

    line = np.array([[10.0, 20.0], [50.0, 20.0]])
    actions = stroke_programs.program_of([line], PEN)
    split_in_two = stroke_programs.program_of([np.array([[10.0, 20.0], [30.0, 20.0]]),
                                               np.array([[30.0, 20.0], [50.0, 20.0]])], PEN)
    (one,), finals_one = render_episodes([actions], PEN)
    (two,), finals_two = render_episodes([split_in_two], PEN)
    exact = score(finals_one, finals_one, [one], 1.0, truth=[[line]])
    assert exact.stroke_count_error == 0 and exact.chamfer_px < 0.5 and exact.relative_residual == 0
    pieces = score(finals_two, finals_one, [two], 1.0, truth=[[line]])
    assert pieces.pen_strokes_per_image == 2 and pieces.stroke_count_error == 1
    away = score(finals_one, finals_one, [one], 1.0, truth=[[line + [0, 10]]])
    assert away.chamfer_px > 9, "a line 10 px off is 10 px away"
    (blank,), _ = render_episodes([[dict(actions[0], flag=0)] * PEN.episode_length], PEN)
    nothing = score(finals_one, finals_one, [blank], 1.0, truth=[[line]])
    assert nothing.images_without_strokes == 1 and nothing.chamfer_px is None


def test_a_reward_no_batch_uses_is_warned_about():
    searched = TrainConfig(data="omniglot:/tmp", reward="l2-step", search_candidates=8, stroke_penalty=0.1)
    assert [w.split(" has")[0] for w in searched.unused_options()] == ["--reward l2-step", "--stroke-penalty"]
    cloning = TrainConfig(data="strokes:/tmp", human_fraction=1.0, warm_start_minutes=45, minutes=45)
    assert "discriminator learner still trains" in cloning.unused_options()[0]
    reinforced = TrainConfig(data="mnist:/tmp", reward="l2-step", search_candidates=8, search_fraction=0.5)
    assert reinforced.unused_options() == []


def test_drawn_strokes_are_where_the_stored_renders_have_ink():
    from spiral_cli.evaluation.human import drawn_strokes
    from spiral_cli.evaluation.lineart import chamfer, resampled

    programs, _ = stroke_programs.build(_drawings(8, np.random.default_rng(1)), PEN)
    drawn = drawn_strokes(programs)
    assert [len(d) for d in drawn] == [len(programs.true_strokes(i)) for i in range(8)]
    for i, lines in enumerate(drawn):
        ink = _ink(programs.images[i])
        for x, y in np.concatenate(lines)[::4]:
            assert ink[int(y), int(x)] > 0.3, "every drawn point lies on the render's ink"
        truth = [resampled(line) for line in programs.true_strokes(i)]
        assert chamfer(lines, truth) < 1.5, "and near the person's own line (on the action grid)"
