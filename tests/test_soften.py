"""Blurred drawings are redrawn with the soft pen; crisp ones keep the pen."""

import json
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image, ImageFilter

from spiral_cli.export.svg import program_svg
from spiral_cli.painting.painter import ink, render_program
from spiral_cli.parsing.soften import SOFT_PEN, soft_edges, with_soft_pen
from spiral_cli.programs import Action, StrokeProgram
from tests.conftest import run_spiral


def loop() -> StrokeProgram:
    """A 64 px pen stroke: an open loop of three curves."""
    actions = (
        Action("jump", (16.0, 40.0), (16.0, 40.0), (16.0, 40.0), 1.0, 2.5),
        Action("draw", (16.0, 40.0), (16.0, 12.0), (34.0, 14.0), 1.0, 2.5),
        Action("draw", (34.0, 14.0), (52.0, 16.0), (46.0, 38.0), 1.0, 2.5),
        Action("draw", (46.0, 38.0), (40.0, 54.0), (24.0, 52.0), 1.0, 2.5),
    )
    return StrokeProgram(64, 64, "classic/pen", "grayscale", actions)


def blurred(program: StrokeProgram, radius: float = 1.5) -> np.ndarray:
    """Ink of the program's render after a Gaussian blur: an upscaled scan's soft lines."""
    image = Image.fromarray(render_program(program)[..., 0]).filter(ImageFilter.GaussianBlur(radius))
    return ink(np.asarray(image))


def squared_error(program: StrokeProgram, target: np.ndarray) -> float:
    return float(((ink(render_program(program)[..., 0]) - target) ** 2).mean())


def test_a_blurred_drawing_is_redrawn_with_the_soft_pen_and_comes_closer():
    pen, target = loop(), blurred(loop())
    softened, render, notes = soft_edges(pen, target)
    assert softened.brush == SOFT_PEN and notes
    assert [a.start for a in softened.actions] == [a.start for a in pen.actions]  # the same paths
    assert squared_error(softened, target) < 0.6 * squared_error(pen, target)
    assert np.allclose(render, ink(render_program(softened)[..., 0]))


def test_a_crisp_drawing_keeps_the_pen():
    pen = loop()
    target = ink(render_program(pen)[..., 0])
    assert soft_edges(pen, target)[0] is pen and soft_edges(pen, target)[2] == []


def test_the_svg_draws_soft_strokes_about_as_wide_as_the_pens():
    def width(program):
        return float(ET.fromstring(program_svg(program)).find(".//{http://www.w3.org/2000/svg}path").get("stroke-width"))
    assert abs(width(with_soft_pen(loop(), 1.8)) - width(loop())) < 0.2 * width(loop())


def test_spiral_parse_of_a_blurred_scan_writes_soft_strokes_that_re_render(tmp_path):
    scan = tmp_path / "scan.png"
    Image.fromarray(np.round(255 * (1 - blurred(loop()))).astype(np.uint8)).save(scan)
    run = run_spiral("parse", str(scan), "--method", "trace", "--json", "--png")
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "scan.json").read_text())["brush"] == SOFT_PEN
    assert "soft pen" in run.stderr  # the user hears it
    redrawn = ink(np.asarray(Image.open(tmp_path / "scan.spiral.png").convert("L")))
    assert ((redrawn - blurred(loop())) ** 2).mean() < 0.1 * (blurred(loop()) ** 2).mean()
    export = run_spiral("export", str(tmp_path / "scan.json"), "--png", str(tmp_path / "again.png"), "--scale", "4")
    assert export.returncode == 0, export.stderr  # the brush is found by name where spiral is installed
    assert Image.open(tmp_path / "again.png").size == (256, 256)


def test_glyphs_parsed_on_the_agents_canvas_get_soft_strokes_when_blurred(untrained_checkpoint):
    from spiral_cli.parsing.agent import Agent
    from spiral_cli.parsing.parse import parse_canvases

    crisp = render_program(loop())[..., :1]
    soft = np.round(255 * (1 - blurred(loop())))[..., None].astype(np.uint8)
    programs, renders = parse_canvases(Agent.load(untrained_checkpoint), np.stack([crisp, soft]))
    assert [p.brush for p in programs] == ["classic/pen", SOFT_PEN]
    assert programs[1].source.get("soft_pen") and not programs[0].source.get("soft_pen")
    assert ((ink(renders[1][..., 0]) - blurred(loop())) ** 2).mean() < 0.1 * (blurred(loop()) ** 2).mean()
