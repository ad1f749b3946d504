"""Colour pictures painted coarse to fine (parsing/painting.py) and judged (evaluation/painting.py)."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from safetensors.torch import save_file

from spiral_cli.training.setup import build_policy
from spiral_cli.envs import env_config
from spiral_cli.painting.painter import render_program
from spiral_cli.data.datasets import file_split
from spiral_cli.evaluation.painting import mosaic, parse_budgets
from spiral_cli.errors import UsageError
from spiral_cli.parsing.images import InkImage
from spiral_cli.parsing.painting import default_budget, levels, paint_picture
from spiral_cli.parsing.parse import parse_read
from spiral_cli.programs.model import Action, StrokeProgram
from spiral_cli.training.config import TrainConfig

from tests.conftest import run_spiral

CANVAS = 64


class MeanColourPainter:
    """A stand-in agent that covers its window in four wide lines of the window's mean colour:
    what a painting agent does first, so the pipeline's windows, frames and budget are
    tested apart from a network's skill."""

    env = SimpleNamespace(canvas=CANVAS, episode_length=4, brush="classic/pen", color=True)
    config = SimpleNamespace(env="paint", conditional=True)

    def __init__(self):
        self.contexts = []

    def run(self, targets, greedy=True, temperature=1.0, seed=0, context=None, steps=None, candidates=1):
        self.contexts.append(context)
        programs, canvases = [], []
        for target in targets:
            colour = tuple(float(c) for c in target.reshape(-1, 3).mean(0) / 255)
            lines = [[Action("draw", (8.0, y), (32.0, y), (56.0, y), 1.0, 16.0, colour)] for y in (8.0, 24.0, 40.0, 56.0)]
            program = StrokeProgram(CANVAS, CANVAS, "classic/pen", "color").with_strokes(lines[:steps])
            programs.append(program)
            canvases.append(render_program(program))
        return programs, np.stack(canvases)


def quadrants(size: int) -> InkImage:
    """Four flat colours, one per quarter."""
    rgb = np.zeros((size, size, 3), np.float32)
    half = size // 2
    rgb[:half, :half], rgb[:half, half:] = (0.9, 0.1, 0.1), (0.1, 0.8, 0.2)
    rgb[half:, :half], rgb[half:, half:] = (0.1, 0.2, 0.9), (0.95, 0.9, 0.2)
    return InkImage("quadrants", 1.0 - rgb.mean(-1), rgb, False)


def colour_error(program, image):
    return float(((render_program(program) / 255.0 - image.rgb) ** 2).mean())


def test_levels_go_down_to_twice_the_canvas_resolution():
    agent = MeanColourPainter()
    plan = levels(agent, 128, 128)
    assert [len(level) for level in plan] == [1, 4, 16]
    assert plan[-1][0].side == 32.0
    assert default_budget(agent, 128, 128) == 21 * agent.env.episode_length


def test_finer_levels_paint_each_quarter_in_its_own_colour():
    image, agent = quadrants(128), MeanColourPainter()
    one_level, _ = paint_picture(agent, image, strokes=4)
    two_levels, render = paint_picture(agent, image, strokes=20)
    assert len(one_level.strokes) == 4 and len(two_levels.strokes) == 20
    assert colour_error(two_levels, image) < 0.3 * colour_error(one_level, image)
    assert np.allclose(render[16, 16], (0.9, 0.1, 0.1), atol=0.08)  # the top left quarter is red
    for action in two_levels.actions:  # in the picture's frame
        assert all(0.0 <= v <= 128.0 for v in (*action.start, *action.end))


def test_windows_see_what_is_painted_around_them():
    image, agent = quadrants(128), MeanColourPainter()
    paint_picture(agent, image, strokes=20)
    first, second = agent.contexts
    assert first == [[]]  # a blank canvas for the whole picture
    # the first pass's lines within a line width of each quarter, moved into its frame
    assert [len(context) for context in second] == [3, 3, 3, 3]
    starts = {a.start for context in second for a in context}
    assert {(16.0, 16.0), (-48.0, 16.0)} <= starts  # the first line seen from the top left and right quarters
    assert all(a.size == 32.0 for context in second for a in context)


def test_the_budget_is_spent_worst_windows_first():
    rgb = np.full((128, 128, 3), 0.5, np.float32)
    rgb[64:, 64:] = (0.9, 0.1, 0.1)  # only the bottom right quarter is far from the mean
    image, agent = InkImage("one red quarter", 1.0 - rgb.mean(-1), rgb, False), MeanColourPainter()
    program, _ = paint_picture(agent, image, strokes=6)
    added = program.strokes[4:]
    assert len(added) == 2  # one window's first two lines
    # red, though recolouring mixes in the grey a stroke also covers
    assert all(a.start[0] >= 64 and a.start[1] >= 64 and a.color[0] > 0.7 > 0.3 > a.color[1] for a in added)


def untrained_colour_checkpoint(folder):
    config = TrainConfig(data=None, warm_start_minutes=1.0, env_options={"brush": "classic/pen", "color": True})
    env = env_config("paint", brush="classic/pen", color=True)
    save_file(build_policy(config, env.action_components(), env.image_shape).state_dict(),
              str(folder / "policy.safetensors"))
    (folder / "config.json").write_text(config.to_json())
    return folder


def test_parse_paints_a_large_colour_picture_with_an_untrained_colour_agent(tmp_path):
    untrained_colour_checkpoint(tmp_path)
    result = parse_read([quadrants(160)], checkpoint=str(tmp_path), max_strokes=60)[0]
    assert result.program.color_mode == "color" and 0 < len(result.program.strokes) <= 60
    assert result.program.source["coarse_to_fine"]
    assert result.error == pytest.approx(colour_error(result.program, quadrants(160)), rel=1e-5)
    blank = InkImage("blank", np.zeros((160, 160), np.float32), np.ones((160, 160, 3), np.float32), False)
    assert not parse_read([blank], checkpoint=str(tmp_path))[0].program.strokes


def test_best_quality_paints_pictures_with_the_colour_search_and_says_so(tmp_path):
    from spiral_cli.parsing.parse import BEST_PICTURE_NOTE

    untrained_colour_checkpoint(tmp_path)
    image = quadrants(64)
    fast = parse_read([image], checkpoint=str(tmp_path), max_strokes=20)[0]
    best = parse_read([image], checkpoint=str(tmp_path), quality="best", max_strokes=20)[0]
    assert best.program.source["method"] == "search" and best.program.source["quality"] == "best"
    assert BEST_PICTURE_NOTE in best.notes and BEST_PICTURE_NOTE not in fast.notes
    assert 0 < len(best.program.strokes) <= 20
    assert best.error < 0.5 * fast.error  # four flat quarters: the search covers them, an untrained agent does not


def test_the_mosaic_baseline_is_exact_on_flat_tiles_and_budgets_are_checked():
    image = quadrants(64)
    assert float(((mosaic(image.rgb) - image.rgb) ** 2).max()) < 1e-10  # four quarters are 4 x 4 flat tiles
    assert float(((mosaic(image.rgb, cells=1) - image.rgb) ** 2).mean()) > 0.1
    assert parse_budgets("64:20,128:200") == [(64, 20), (128, 200)]
    with pytest.raises(UsageError):
        parse_budgets("64")


def test_eval_of_a_colour_agent_reports_each_budget_beside_the_baselines(tmp_path):
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    index = 0
    while len([p for p in pictures.iterdir() if file_split(p) == "test"]) < 2:  # two held-out pictures
        Image.fromarray(np.round(quadrants(90).rgb * 255).astype(np.uint8)).save(pictures / f"{index:04d}.png")
        index += 1
    checkpoint = untrained_colour_checkpoint(tmp_path)
    out = run_spiral("eval", "--checkpoint", str(checkpoint), "--data", f"images:{pictures}", "--n", "2",
                     "--paint", "64:20,128:40", "--json", str(tmp_path / "eval.json"), "--sheet", str(tmp_path / "sheet.png"))
    assert out.returncode == 0, out.stderr
    reports = json.loads((tmp_path / "eval.json").read_text())["painting"]
    assert [(r["side"], r["strokes"], r["pictures"]) for r in reports] == [(64, 20, 2), (128, 40, 2)]
    assert all(r["mosaic_error"] < 1e-3 < r["mean_colour_error"] for r in reports)
    assert all(0 < r["strokes_drawn"] <= r["strokes"] for r in reports)
    assert Image.open(tmp_path / "sheet.png").size[1] > 3 * 128
    without = run_spiral("eval", "--checkpoint", str(checkpoint), "--data", f"images:{pictures}", "--n", "2",
                         "--paint", "64:20,128:40", "--sheet", str(tmp_path / "paintings.png"), "--no-sheet-inputs")
    assert without.returncode == 0, without.stderr
    assert Image.open(tmp_path / "paintings.png").size[1] < 3 * 128  # the two budgets' rows, not the pictures'
