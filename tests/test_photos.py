"""Photos with little colour (parsing/photos.py): by default a grey photo is painted by the shipped
colour agent, not traced as a few thick lines; line drawings, and a checkpoint the user names,
are left alone."""

import numpy as np
import pytest
from PIL import Image

from spiral_cli.painting.painter import render_program
from spiral_cli.parsing import photos
from spiral_cli.parsing.images import read_image
from spiral_cli.parsing.parse import parse_files
from spiral_cli.programs.model import Action, StrokeProgram


def grey_photo(path, width=48, height=48):
    """A shaded oval (a head) in front of a lit wall, in grey only."""
    yy, xx = np.mgrid[0:height, 0:width] / float(width)
    wall = 0.35 + 0.4 * xx
    head = np.exp(-(((xx - 0.5) / 0.22) ** 2 + ((yy - 0.5) / 0.3) ** 2))
    grey = wall * (1 - head) + (0.55 + 0.25 * yy) * head
    for cx in (0.42, 0.58):  # eyes
        grey -= 0.3 * np.exp(-(((xx - cx) / 0.04) ** 2 + ((yy - 0.45) / 0.03) ** 2))
    Image.fromarray((np.clip(grey, 0, 1) * 255).astype(np.uint8)).save(path)
    return path


def pencil_drawing(path):
    """A few light pencil lines on white: a poor fit for any tracer, but not a photo."""
    lines = [Action("jump", (10.0, 10.0), (10.0, 10.0), (10.0, 10.0), 1.0, 3.0),
             Action("draw", (10.0, 10.0), (40.0, 60.0), (86.0, 20.0), 0.6, 3.0),
             Action("jump", (20.0, 80.0), (20.0, 80.0), (20.0, 80.0), 1.0, 3.0),
             Action("draw", (20.0, 80.0), (50.0, 40.0), (80.0, 84.0), 0.6, 3.0)]
    program = StrokeProgram(96, 96, "classic/pencil", "grayscale", tuple(lines))
    Image.fromarray(render_program(program)[..., 0]).save(path)
    return path


def test_a_grey_photo_is_painted_by_default_and_the_user_is_told(tmp_path):
    result = parse_files([grey_photo(tmp_path / "portrait.png")])[0]
    source = result.program.source
    assert source["checkpoint"] == "faces" and result.program.color_mode == "color"
    assert source["line_art"]["checkpoint"] == "omniglot"
    # the painting is far closer to the photo than the strokes it replaces
    assert result.relative_residual < 0.5 * source["line_art"]["relative_error"]
    assert result.relative_residual < 0.1
    assert any("--checkpoint omniglot keeps the strokes" in note for note in result.notes)


def test_a_checkpoint_the_user_names_is_kept(tmp_path):
    result = parse_files([grey_photo(tmp_path / "portrait.png")], checkpoint="omniglot")[0]
    assert result.program.source["checkpoint"] == "omniglot" and result.program.color_mode == "grayscale"


def test_a_pencil_drawing_stays_strokes(tmp_path):
    path = pencil_drawing(tmp_path / "pencil.png")
    assert photos.mid_tones(read_image(path)) < photos.MID_TONES
    result = parse_files([path])[0]
    assert result.program.color_mode == "grayscale" and result.program.source["checkpoint"] == "omniglot"
    assert "line_art" not in result.program.source


def test_a_drawing_on_grey_shaded_paper_stays_strokes(tmp_path):
    """A scan's paper is mid-grey and the strokes leave it white, so a painting is closer in
    colour; but not to the lines, and the lines are what the user wants."""
    drawing = np.asarray(Image.open(pencil_drawing(tmp_path / "pencil.png")), np.float32) / 255
    yy, xx = np.mgrid[0:96, 0:96] / 96.0
    paper = 0.72 + 0.1 * xx - 0.05 * yy  # shaded where the page curls
    Image.fromarray((np.clip(paper * drawing ** 2, 0, 1) * 255).astype(np.uint8)).save(tmp_path / "scan.png")
    image = read_image(tmp_path / "scan.png")
    assert photos.mid_tones(image) > photos.MID_TONES  # the paper alone passes the cheap test
    result = parse_files([tmp_path / "scan.png"])[0]
    assert result.program.color_mode == "grayscale" and result.program.source["checkpoint"] == "omniglot"


def test_mid_tones_tell_a_photo_from_a_drawing(tmp_path):
    assert photos.mid_tones(read_image(grey_photo(tmp_path / "portrait.png"))) > 0.5
    assert photos.mid_tones(read_image(pencil_drawing(tmp_path / "pencil.png"))) < 0.1


def test_relative_error_is_zero_for_a_copy_and_one_for_a_white_page():
    rgb = np.random.default_rng(0).uniform(0, 1, (8, 8, 3))
    assert photos.relative_error(rgb, rgb) == 0.0
    assert photos.relative_error(np.ones_like(rgb), rgb) == pytest.approx(1.0)
