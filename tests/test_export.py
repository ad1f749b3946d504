import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spiral_cli.export.raster import render_gif
from spiral_cli.export.svg import program_svg
from spiral_cli.painting import render_program
from spiral_cli.programs import load_program
from tests.conftest import ink, run_spiral

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SVG = "{http://www.w3.org/2000/svg}"
INKSCAPE = "{http://www.inkscape.org/namespaces/inkscape}"


def test_svg_structure(two_stroke_program):
    root = ET.fromstring(program_svg(two_stroke_program))
    assert root.get("width") == "64px" and root.get("viewBox") == "0 0 64 64"
    layers = root.findall(f"{SVG}g")
    assert len(layers) == 1
    layer = layers[0]
    assert layer.get(f"{INKSCAPE}groupmode") == "layer" and layer.get(f"{INKSCAPE}label") == "1"
    assert layer.get("fill") == "none" and layer.get("stroke-linecap") == "round"
    paths = layer.findall(f"{SVG}path")
    assert len(paths) == 1  # the jump draws nothing; the second curve continues the first
    assert paths[0].get("d") == "M 10 10 Q 30 4 50 12 Q 56 30 40 50"
    assert paths[0].get("stroke-opacity") == "0.75"
    assert 1.3 * 4 < float(paths[0].get("stroke-width")) < 1.7 * 4  # the ink the pen lays at size 4


def test_svg_color_by_stroke_gives_each_stroke_a_colour(two_stroke_program):
    from dataclasses import replace

    first, second = two_stroke_program.actions[1:]
    lifted = two_stroke_program.with_actions([first, replace(second, start=(52.0, 14.0))])
    root = ET.fromstring(program_svg(lifted, color_by_stroke=True))
    colours = [p.get("stroke") for p in root.iter(f"{SVG}path")]
    assert len(set(colours)) == 2 and all(c.startswith("#") for c in colours)


def test_a_continuous_stroke_is_one_path_of_several_curves():
    from spiral_cli.programs.model import Action, StrokeProgram

    circle = [(32, 10), (54, 32), (32, 54), (10, 32), (32, 10)]
    actions = [Action("jump", (0, 0), circle[0], circle[0], 1.0, 3.0)]
    for a, b in zip(circle[:-1], circle[1:]):
        actions.append(Action("draw", a, (a[0] + b[0] - 32, a[1] + b[1] - 32), b, 1.0, 3.0))
    actions += [Action("jump", circle[-1], (5, 5), (5, 5), 1.0, 3.0), Action("draw", (5, 5), (8, 5), (12, 5), 1.0, 3.0)]
    program = StrokeProgram(64, 64, "classic/pen", "grayscale", tuple(actions))
    paths = list(ET.fromstring(program_svg(program)).iter(f"{SVG}path"))
    assert len(program.pen_strokes) == len(paths) == 2
    assert paths[0].get("d").count("Q") == 4 and paths[1].get("d").count("Q") == 1


def test_svg_loads_in_vpype_as_one_layer_with_one_path_per_stroke(tmp_path):
    vpype = pytest.importorskip("vpype")
    program = load_program(ASSETS / "spiral.json")
    path = tmp_path / "spiral.svg"
    path.write_text(program_svg(program))
    document = vpype.read_multilayer_svg(str(path), quantization=0.1)
    assert list(document.layers) == [1]
    assert len(document.layers[1]) == len(program.pen_strokes)


def test_render_at_scale_8_matches_the_64px_render(tmp_path):
    out = tmp_path / "big.png"
    result = run_spiral("render", str(ASSETS / "sun.json"), "--scale", "8", "-o", str(out))
    assert result.returncode == 0, result.stderr
    big = np.asarray(Image.open(out).convert("RGB"))
    assert big.shape == (512, 512, 3)
    small = render_program(load_program(ASSETS / "sun.json"))
    down = big.reshape(64, 8, 64, 8, 3).astype(np.float64).mean(axis=(1, 3))
    # Same picture: colours within 0.06 on average, ink strongly correlated. (Thin
    # strokes carry relatively less anti-aliasing at 512 px, so they are a bit lighter.)
    assert np.abs(down - small).mean() / 255 < 0.06
    assert np.corrcoef(ink(down).ravel(), ink(small).ravel())[0, 1] > 0.8


def test_render_with_another_brush_changes_the_texture(two_stroke_program):
    pen = render_program(two_stroke_program)
    dry = render_program(two_stroke_program, brush="classic/dry_brush")
    assert not np.array_equal(pen, dry)
    assert abs(ink(pen).mean() - ink(dry).mean()) < 0.1


def test_gif_shows_the_drawing_stroke_by_stroke(two_stroke_program):
    gif = Image.open(io.BytesIO(render_gif(two_stroke_program, scale=2)))
    assert gif.size == (128, 128) and gif.n_frames == 3  # empty, then one frame per stroke
    inks = []
    for frame in range(gif.n_frames):
        gif.seek(frame)
        inks.append(ink(np.asarray(gif.convert("RGB"))).sum())
    assert inks[0] == 0 and inks[0] < inks[1] < inks[2]
