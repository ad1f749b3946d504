import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from spiral_cli.programs import save_program
from tests.conftest import run_spiral

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def assert_one_line_error(result, code, text):
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert text in lines[0], lines[0]


@pytest.fixture
def program_file(tmp_path, two_stroke_program):
    path = tmp_path / "drawing.json"
    save_program(two_stroke_program, path)
    return path


def test_version_and_help():
    from click.testing import CliRunner

    from spiral_cli.cli.app import cli_command

    assert run_spiral("--version").stdout.startswith("spiral ")
    assert "Usage" in run_spiral("--help").stdout
    runner = CliRunner()  # in one process: the help texts, without a start-up per command
    for command in (["render"], ["export"], ["brushes"], ["bench", "render"], ["bench", "train"], ["train"], ["eval"],
                    ["parse"], ["convert"]):
        result = runner.invoke(cli_command(), [*command, "--help"], prog_name="spiral")
        assert result.exit_code == 0 and "Usage" in result.output, (command, result.output)


def test_brushes_lists_the_classic_set():
    names = run_spiral("brushes").stdout.split()
    assert "classic/dry_brush" in names and "classic/pen" in names


def test_render_defaults_to_the_input_name(program_file):
    result = run_spiral("render", str(program_file), "--size", "200")
    assert result.returncode == 0, result.stderr
    assert Image.open(program_file.with_suffix(".png")).size == (200, 200)


def test_outputs_to_stdout(program_file):
    result = run_spiral("export", str(program_file), "--svg", "-")
    assert result.returncode == 0 and result.stdout.startswith("<svg")


def test_export_writes_png_svg_and_gif(program_file, tmp_path):
    out = {k: tmp_path / f"out.{k}" for k in ("png", "svg", "gif")}
    result = run_spiral("export", str(program_file), "--scale", "2", *[a for k, p in out.items() for a in (f"--{k}", str(p))])
    assert result.returncode == 0, result.stderr
    assert Image.open(out["png"]).size == (128, 128)
    assert Image.open(out["gif"]).n_frames == 3
    assert out["svg"].read_text().startswith("<svg")


def test_missing_file(tmp_path):
    assert_one_line_error(run_spiral("render", str(tmp_path / "nope.json")), 2, "no such file")


def test_directory_given_as_program(tmp_path):
    assert_one_line_error(run_spiral("render", str(tmp_path)), 2, "is a directory")


def test_malformed_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "spiral-stroke-program", ')
    assert_one_line_error(run_spiral("render", str(bad), "-o", str(tmp_path / "x.png")), 2, "not valid JSON")
    assert not (tmp_path / "x.png").exists()


def test_out_of_range_program(tmp_path, program_file):
    data = json.loads(program_file.read_text())
    data["actions"][1]["pressure"] = 3
    program_file.write_text(json.dumps(data))
    assert_one_line_error(run_spiral("export", str(program_file), "--svg", "-"), 2, "pressure")


def test_unknown_brush(program_file, tmp_path):
    result = run_spiral("render", str(program_file), "--brush", "classic/nonesuch", "-o", str(tmp_path / "y.png"))
    assert_one_line_error(result, 2, "unknown brush")
    assert not (tmp_path / "y.png").exists()


def test_bad_option_value(program_file):
    assert_one_line_error(run_spiral("render", str(program_file), "--scale", "-3"), 2, "--scale")
    assert_one_line_error(run_spiral("render", str(program_file), "--frobnicate"), 2, "No such option")


def test_unwritable_output_leaves_no_file(program_file, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a missing folder instead
            target = tmp_path / "missing" / "out.png"
        else:
            target = locked / "out.png"
        assert_one_line_error(run_spiral("render", str(program_file), "-o", str(target)), 1, "out.png")
        assert not target.exists()
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_missing_libmypaint_names_the_package(program_file):
    env = dict(os.environ, SPIRAL_LIBMYPAINT="/nonexistent/libmypaint.so")
    result = run_spiral("render", str(program_file), "-o", "-", env=env)
    assert_one_line_error(result, 1, "apt-get install libmypaint-1.5-1")


def test_multiple_inputs_each_get_their_own_output(tmp_path):
    for name in ("spiral.json", "sun.json"):
        shutil.copy(ASSETS / name, tmp_path / name)
    result = run_spiral("render", str(tmp_path / "spiral.json"), str(tmp_path / "sun.json"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "spiral.png").exists() and (tmp_path / "sun.png").exists()


def test_library_chatter_stays_out_of_stdout():
    """libmypaint printf()s warnings; with `-o -` they must not land inside the output."""
    import subprocess
    import sys

    code = ("import ctypes; from spiral_cli.cli import app; app._keep_stdout_clean(); "
            "libc = ctypes.CDLL(None); libc.printf(b'chatter\\n'); libc.fflush(None); print('ours')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "ours\n" and "chatter" in result.stderr


def test_bench_parse_times_a_folder_of_the_users_images(tmp_path):
    from PIL import ImageDraw

    folder = tmp_path / "glyphs"
    folder.mkdir()
    for index in range(3):
        image = Image.new("L", (90, 70), 255)
        ImageDraw.Draw(image).line([(10, 10 + 10 * index), (80, 60)], fill=0, width=3)
        image.save(folder / f"g{index}.png")
    (folder / "notes.txt").write_text("not an image")
    report = tmp_path / "bench.json"
    result = run_spiral("bench", "parse", "--images", str(folder), "--method", "trace", "--quality", "fast",
                        "-n", "1", "--json", str(report))
    assert result.returncode == 0, result.stderr
    (figures,) = json.loads(report.read_text())["results"]
    assert figures["images"] == 3 and figures["side"] == 90 and figures["inputs"] == str(folder)
    assert figures["images_per_second"] > 0
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_spiral("bench", "parse", "--images", str(empty), "--method", "trace", "--quality", "fast")
    assert result.returncode == 2 and "no images" in result.stderr and "Traceback" not in result.stderr
