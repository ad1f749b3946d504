"""Stroke datasets for sequence models: stroke-3 `.npz` and Quick, Draw! ndjson, written and
read back the way their users load them."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from spiral_cli.data.datasets import file_split
from spiral_cli.errors import UsageError
from spiral_cli.evaluation.lineart import resampled
from spiral_cli.export.stroke_datasets import (
    program_ndjson, program_stroke3, read_stroke3, stroke3_bytes, stroke3_lines,
)
from spiral_cli.painting.painter import ink, render_program
from spiral_cli.programs import Action, StrokeProgram, save_program
from spiral_cli.programs.polylines import stroke_polylines
from tests.conftest import run_spiral


def two_strokes(width: int = 64, height: int = 64) -> StrokeProgram:
    actions = (
        Action("jump", (8.0, 10.0), (8.0, 10.0), (8.0, 10.0), 1.0, 2.0),
        Action("draw", (8.0, 10.0), (30.0, 4.0), (50.0, 12.0), 1.0, 2.0),
        Action("draw", (50.0, 12.0), (56.0, 30.0), (40.0, 50.0), 1.0, 2.0),
        Action("jump", (10.0, 40.0), (10.0, 40.0), (10.0, 40.0), 1.0, 2.0),
        Action("draw", (10.0, 40.0), (20.0, 45.0), (30.0, 58.0), 1.0, 2.0),
    )
    return StrokeProgram(width, height, "classic/pen", "grayscale", actions)


def test_stroke3_rows_are_int16_offsets_with_a_pen_lift_ending_each_stroke():
    program = two_strokes()
    rows = program_stroke3(program)
    assert rows.dtype == np.int16 and rows.shape[1] == 3
    assert rows[:, 2].sum() == 2 and rows[-1, 2] == 1
    lines = stroke3_lines(rows)
    originals = stroke_polylines(program)
    assert len(lines) == 2
    for line, original in zip(lines, originals):
        assert np.abs(line - np.round(original)).max() == 0  # absolute points, rounded once: no drift


def test_simplification_keeps_the_strokes_with_fewer_points():
    program = two_strokes()
    simple = program_stroke3(program, epsilon=1.0)
    assert len(simple) < len(program_stroke3(program)) / 3
    for line, original in zip(stroke3_lines(simple), stroke_polylines(program)):
        along = resampled(line, 0.25)
        distances = np.linalg.norm(original[:, None] - along[None], axis=-1).min(1)
        assert distances.max() < 1.5  # the tolerance, and the rounding to whole px


def test_the_npz_loads_as_sketch_rnn_loads_its_datasets_and_without_unpickling(tmp_path):
    rows = program_stroke3(two_strokes())
    path = tmp_path / "strokes.npz"
    path.write_bytes(stroke3_bytes({"train": [rows, rows[:5]], "test": [rows]}))
    data = np.load(path, allow_pickle=True, encoding="latin1")  # sketch-rnn's own loader
    assert len(data["train"]) == 2 and len(data["valid"]) == 0 and len(data["test"]) == 1
    assert data["train"][0].dtype == np.int16 and np.array_equal(data["train"][1], rows[:5])
    packed = np.load(path)  # no pickle at all
    assert np.array_equal(packed["train_rows"][packed["train_starts"][1]:packed["train_starts"][2]], rows[:5])
    assert [len(d) for d in read_stroke3(path)["train"]] == [len(rows), 5]


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_stroke3_file_carrying_code_is_refused_and_the_code_never_runs(tmp_path):
    marker = tmp_path / "ran"
    objects = np.empty(1, dtype=object)
    objects[0] = _Payload(marker)
    np.savez(tmp_path / "evil.npz", train=objects)
    with pytest.raises(UsageError, match="refused"):
        read_stroke3(tmp_path / "evil.npz")
    assert not marker.exists()


def test_ndjson_is_quick_draws_simplified_format():
    record = json.loads(program_ndjson(two_strokes(), "glyph", "letters"))
    assert record["key_id"] == "glyph" and record["word"] == "letters" and len(record["drawing"]) == 2
    values = [v for xs, ys in record["drawing"] for v in xs + ys]
    assert min(values) == 0 and max(values) == 255 and all(isinstance(v, int) for v in values)
    assert all(len(xs) == len(ys) >= 2 for xs, ys in record["drawing"])


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Share of a's ink that b has too (both (H, W) ink)."""
    return float(np.minimum(a, b).sum() / a.sum())


def test_export_and_render_round_trip_both_formats(tmp_path):
    program = two_strokes()
    save_program(program, tmp_path / "glyph.json")
    run = run_spiral("export", str(tmp_path / "glyph.json"), "--stroke3", str(tmp_path / "glyph.npz"),
                     "--ndjson", str(tmp_path / "glyph.ndjson"))
    assert run.returncode == 0, run.stderr
    run = run_spiral("render", str(tmp_path / "glyph.npz"), "--canvas", "64", "--line-width", "2")
    assert run.returncode == 0, run.stderr
    again = ink(np.asarray(Image.open(tmp_path / "glyph" / "train-00000.png"))[..., 0])
    original = ink(render_program(program)[..., 0])
    assert overlap(original, again) > 0.8 and overlap(again, original) > 0.8
    run = run_spiral("render", str(tmp_path / "glyph.ndjson"), "-o", str(tmp_path / "quick"))
    assert run.returncode == 0, run.stderr
    assert Image.open(tmp_path / "quick" / "00000-glyph.png").size == (256, 256)


def test_rendering_a_corrupt_dataset_is_one_line_and_writes_nothing(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    run = run_spiral("render", str(tmp_path / "bad.npz"))
    assert run.returncode != 0 and "not a stroke-3" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "bad").exists()


def glyph(path, shift: int) -> None:
    program = two_strokes()
    moved = program.with_actions([a.__class__(a.kind, *((p[0] + shift % 5, p[1]) for p in (a.start, a.control, a.end)),
                                              a.pressure, a.size) for a in program.actions])
    Image.fromarray(render_program(moved)).save(path)


def test_convert_writes_one_stroke3_file_split_like_image_data_and_one_ndjson(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    (source / "letters").mkdir(parents=True)
    names = [source / "letters" / f"g{i:02d}.png" for i in range(12)]
    for index, name in enumerate(names):
        glyph(name, index)
    args = ["convert", str(source), str(out), "--formats", "stroke3,ndjson", "--method", "trace", "--workers", "1",
            "--recursive"]
    run = run_spiral(*args)
    assert run.returncode == 0, run.stderr
    data = np.load(out / "strokes.npz", allow_pickle=True, encoding="latin1")
    expected = {split: sum(file_split(n) == split for n in names) for split in ("train", "valid", "test")}
    assert {split: len(data[split]) for split in expected} == expected
    assert all(d.dtype == np.int16 and d[:, 2].sum() >= 1 for split in expected for d in data[split])
    records = [json.loads(line) for line in (out / "drawings.ndjson").read_text().splitlines()]
    assert len(records) == 12 and {r["word"] for r in records} == {"letters"}
    again = run_spiral(*args)
    assert "0 done, 12 skipped" in again.stderr
    assert len(np.load(out / "strokes.npz")["train_starts"]) == expected["train"] + 1
