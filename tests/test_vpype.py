"""`vpype spiral`: the plugin run by vpype itself, as a plotter user runs it."""

import re
import subprocess
import sys

import numpy as np
from PIL import Image

from spiral_cli.painting.painter import render_program
from spiral_cli.programs import Action, StrokeProgram


def vpype(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vpype_cli", *args], capture_output=True, text=True)


def two_lines(path) -> None:
    """A 128 px drawing of two separate straight lines of pen size 4: a horizontal and a vertical."""
    actions = (
        Action("jump", (20.0, 30.0), (20.0, 30.0), (20.0, 30.0), 1.0, 4.0),
        Action("draw", (20.0, 30.0), (60.0, 30.0), (100.0, 30.0), 1.0, 4.0),
        Action("jump", (64.0, 50.0), (64.0, 50.0), (64.0, 50.0), 1.0, 4.0),
        Action("draw", (64.0, 50.0), (64.0, 80.0), (64.0, 110.0), 1.0, 4.0),
    )
    program = StrokeProgram(128, 128, "classic/pen", "grayscale", actions)
    Image.fromarray(render_program(program)).save(path)


def test_vpype_spiral_adds_one_line_per_stroke_in_the_images_pixel_frame(tmp_path):
    two_lines(tmp_path / "lines.png")
    out = tmp_path / "out.svg"
    run = vpype("spiral", str(tmp_path / "lines.png"), "linesort", "write", str(out))
    assert run.returncode == 0, run.stderr
    stat = vpype("read", str(out), "stat")
    assert stat.returncode == 0 and re.search(r"Path count: 2\b", stat.stdout), stat.stdout
    bounds = [float(v) for v in re.search(r"Bounds: \(([^)]*)\)", stat.stdout).group(1).split(",")]
    assert np.allclose(bounds, [20, 30, 100, 110], atol=4), bounds  # where the lines are, in image px
    width = float(re.search(r"vp_pen_width: ([\d.]+)", stat.stdout).group(1))
    drawn = (1.0 - np.asarray(Image.open(tmp_path / "lines.png").convert("L")) / 255.0).sum() / 140  # ink per px of line
    assert abs(width - drawn) < 0.2 * drawn, (width, drawn)  # the pen a plotter needs to draw them as wide


def test_vpype_spiral_puts_strokes_on_the_layer_asked(tmp_path):
    two_lines(tmp_path / "lines.png")
    run = vpype("spiral", "--method", "trace", "--layer", "3", str(tmp_path / "lines.png"), "stat")
    assert run.returncode == 0, run.stderr
    assert "Layer 3" in run.stdout and "Layer 1" not in run.stdout


def test_vpype_spiral_refuses_a_corrupt_image_in_one_line(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"not a png")
    run = vpype("spiral", str(tmp_path / "bad.png"), "write", str(tmp_path / "out.svg"))
    assert run.returncode != 0 and "not an image" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out.svg").exists()


def test_vpype_spiral_help_follows_vpype_conventions():
    run = vpype("spiral", "--help")
    assert run.returncode == 0
    for option in ("--checkpoint", "--quality", "--method", "-l, --layer", "IMAGE"):
        assert option in run.stdout
