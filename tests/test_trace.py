import numpy as np
from PIL import Image, ImageDraw

from spiral_cli.envs.paint import PaintConfig
from spiral_cli.evaluation.reconstruction import score
from spiral_cli.tracing.episodes import render_episodes, trace_episodes
from spiral_cli.training.synthetic import synthetic_targets

PEN = PaintConfig(brush="classic/pen")


def test_traced_programs_redraw_handwriting_like_strokes():
    targets = synthetic_targets(PEN, 16, seed=3, max_strokes=4)
    programs, finals = render_episodes(trace_episodes(targets, PEN), PEN)
    report = score(finals, targets, programs, 1.0)
    assert report.relative_residual < 0.35
    assert 1 <= report.strokes_per_image <= 10


def test_a_line_is_one_stroke_from_its_top_end():
    image = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(image).line([(32, 10), (32, 54)], fill=0, width=4)
    (episode,) = trace_episodes(np.asarray(image)[None, ..., None], PEN)
    assert [a["flag"] for a in episode[:3]] == [0, 1, 0], "jump to the start, one stroke, then rest"
    start_row, end_row = divmod(episode[0]["end"], PEN.grid)[0], divmod(episode[1]["end"], PEN.grid)[0]
    assert start_row * 2 <= 14 and end_row * 2 >= 50
    _, (final,) = render_episodes([episode], PEN)
    assert final[30, 30:35].min() < 100 and final[30, 10].min() == 255


def test_blank_paper_draws_nothing_and_busy_images_fit_the_episode():
    blank = np.full((1, 64, 64, 1), 255, np.uint8)
    assert all(a["flag"] == 0 for a in trace_episodes(blank, PEN)[0])
    busy = Image.new("L", (64, 64), 255)
    for row in range(4, 64, 6):  # ten separate lines and more: more strokes than steps
        ImageDraw.Draw(busy).line([(4, row), (60, row)], fill=0, width=2)
    (episode,) = trace_episodes(np.asarray(busy)[None, ..., None], PEN)
    assert len(episode) == PEN.episode_length and sum(a["flag"] for a in episode) >= 5


def test_eval_reports_the_tracer_beside_the_agent(tmp_path):
    import json

    from tests.conftest import run_spiral

    for index, target in enumerate(synthetic_targets(PEN, 100, seed=5, max_strokes=3)):
        Image.fromarray(target[..., 0]).save(tmp_path / f"{index}.png")  # about 10% are test images
    report = tmp_path / "report.json"
    result = run_spiral("eval", "--checkpoint", "mnist", "--data", f"images:{tmp_path}", "--n", "8", "--tracer",
                        "--json", str(report))
    assert result.returncode == 0, result.stderr
    figures = json.loads(report.read_text())
    assert figures["tracer"]["images"] == figures["agent"]["images"] > 0
    assert figures["tracer"]["relative_residual"] < 0.4
