"""Stroke datasets for sequence models: sketch-rnn's stroke-3 `.npz` and Quick, Draw!'s
simplified ndjson, written from stroke programs and read back.

stroke-3: per drawing an (n, 3) int16 array of rows (dx, dy, pen_lifted), offsets in px from
the previous point (the first from the origin), 1 where the pen lifts after that point; one
`.npz` holds `train`, `valid` and `test` object arrays of drawings, as the sketch-rnn datasets
do (their loaders need `allow_pickle=True`). Beside them the same rows are stored packed,
`{split}_rows` (P, 3) and `{split}_starts` (N + 1,), which any reader can load without
unpickling; ours reads those, and reads other stroke-3 files with an unpickler that builds
numpy arrays and nothing else.

ndjson: one drawing a line, `{"key_id", "word", "drawing": [[xs, ys], ...]}`, simplified as
Quick, Draw! does: moved to the top-left corner, scaled so the larger side spans 0 to 255,
simplified with Douglas-Peucker (epsilon 2)."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
from skimage.measure import approximate_polygon

from spiral_cli.errors import UsageError
from spiral_cli.programs.model import Action, StrokeProgram
from spiral_cli.programs.polylines import stroke_polylines

SPLITS = ("train", "valid", "test")
NDJSON_SIDE = 255  # Quick, Draw!'s simplified drawings span 0..255
NDJSON_EPSILON = 2.0


def simplified(line: np.ndarray, epsilon: float) -> np.ndarray:
    """Douglas-Peucker with tolerance epsilon px (0: unchanged)."""
    return approximate_polygon(line, epsilon) if epsilon > 0 and len(line) > 2 else line


def program_stroke3(program: StrokeProgram, epsilon: float = 0.0) -> np.ndarray:
    """The program's continuous strokes, in drawing order, as stroke-3 rows (int16 px)."""
    lines = [np.round(simplified(line, epsilon)).astype(np.int64) for line in stroke_polylines(program)]
    if not lines:
        return np.zeros((0, 3), np.int16)
    points = np.concatenate(lines)
    lifted = np.zeros(len(points), np.int64)
    lifted[np.cumsum([len(line) for line in lines]) - 1] = 1
    offsets = np.diff(points, axis=0, prepend=np.zeros((1, 2), np.int64))
    return np.column_stack([offsets, lifted]).astype(np.int16)


def stroke3_lines(rows: np.ndarray) -> list[np.ndarray]:
    """Absolute polylines (float px) of a stroke-3 drawing, one per stroke."""
    rows = np.asarray(rows, np.float64)
    if not len(rows):
        return []
    points = np.cumsum(rows[:, :2], axis=0)
    ends = np.flatnonzero(rows[:, 2] > 0) + 1
    return [line for line in np.split(points, ends) if len(line)]


def lines_program(lines: list[np.ndarray], width: int, height: int, size: float, brush: str = "classic/pen") -> StrokeProgram:
    """Polylines as a stroke program: a jump to each line's start, then a straight draw per
    segment (a single point is drawn as a dot)."""
    actions = []
    for line in lines:
        points = [tuple(map(float, p)) for p in line]
        actions.append(Action("jump", points[0], points[0], points[0], 1.0, size))
        for start, end in zip(points, points[1:] or points):
            middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
            actions.append(Action("draw", start, middle, end, 1.0, size))
    return StrokeProgram(width, height, brush, "grayscale", tuple(actions))


def stroke3_bytes(splits: dict[str, list[np.ndarray]]) -> bytes:
    """The `.npz` bytes of drawings by split (every split present, perhaps empty)."""
    arrays = {}
    for split in SPLITS:
        drawings = [np.asarray(d, np.int16).reshape(-1, 3) for d in splits.get(split, [])]
        objects = np.empty(len(drawings), dtype=object)
        objects[:] = drawings
        arrays[split] = objects
        arrays[f"{split}_rows"] = np.concatenate(drawings) if drawings else np.zeros((0, 3), np.int16)
        arrays[f"{split}_starts"] = np.cumsum([0] + [len(d) for d in drawings]).astype(np.int64)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def read_stroke3(path: Path) -> dict[str, list[np.ndarray]]:
    """Drawings by split of a stroke-3 `.npz`, without running code from the file."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {Path(n).stem for n in archive.namelist()}
            splits = {}
            for split in (s for s in SPLITS if s in names):
                if {f"{split}_rows", f"{split}_starts"} <= names:
                    rows, starts = (_array(archive, f"{split}_{k}") for k in ("rows", "starts"))
                    splits[split] = [rows[a:b] for a, b in zip(starts[:-1], starts[1:])]
                else:
                    splits[split] = [np.asarray(d) for d in _array(archive, split)]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, pickle.UnpicklingError) as error:
        raise UsageError(f"{path}: not a stroke-3 .npz ({error})") from None
    if not splits:
        raise UsageError(f"{path}: not a stroke-3 .npz (no train, valid or test array)")
    return splits


def _array(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    with archive.open(f"{name}.npy") as member:
        stream = io.BytesIO(member.read())
    version = np.lib.format.read_magic(stream)
    header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = header(stream)
    if dtype.hasobject:
        return _NumpyOnly(stream, encoding="latin1").load()
    return np.frombuffer(stream.read(), dtype=dtype).reshape(shape, order="F" if fortran else "C")


class _NumpyOnly(pickle.Unpickler):
    """Builds numpy arrays and dtypes, and refuses every other class a pickle may name."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}  # encode: array bytes as text

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused {module}.{name}: only numpy arrays are read")
        return super().find_class(module, name)


def program_ndjson(program: StrokeProgram, key: str, word: str = "") -> str:
    """One line of Quick, Draw!'s simplified format."""
    lines = stroke_polylines(program)
    if lines:
        points = np.concatenate(lines)
        low, span = points.min(0), max(float(np.ptp(points, axis=0).max()), 1e-9)
        lines = [simplified((line - low) * (NDJSON_SIDE / span), NDJSON_EPSILON) for line in lines]
    drawing = [[np.round(line[:, 0]).astype(int).tolist(), np.round(line[:, 1]).astype(int).tolist()] for line in lines]
    return json.dumps({"key_id": key, "word": word, "drawing": drawing}, separators=(",", ":"))


def read_ndjson(path: Path) -> list[tuple[str, list[np.ndarray]]]:
    """(key, polylines) of each drawing of an ndjson file."""
    drawings = []
    try:
        for number, text in enumerate(Path(path).read_text().splitlines(), 1):
            if not text.strip():
                continue
            record = json.loads(text)
            lines = [np.column_stack([np.asarray(xs, float), np.asarray(ys, float)]) for xs, ys in record["drawing"]]
            drawings.append((str(record.get("key_id", number)), lines))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise UsageError(f"{path}: not a Quick, Draw! ndjson file ({error})") from None
    return drawings


def dataset_programs(path: Path, size: float = 2.0, canvas: int | None = None) -> list[tuple[str, StrokeProgram]]:
    """(name, program) of every drawing of a stroke-3 `.npz` or an ndjson file, drawn with a
    `size` px pen on a square canvas of `canvas` px (default: stroke-3 drawings' own extent
    from the origin, ndjson's 256 px square)."""
    path = Path(path)
    if path.suffix == ".npz":
        named = [(f"{split}-{i:05d}", stroke3_lines(rows)) for split, drawings in read_stroke3(path).items()
                 for i, rows in enumerate(drawings)]
    elif path.suffix == ".ndjson":
        named = [(f"{i:05d}-{key}", lines) for i, (key, lines) in enumerate(read_ndjson(path))]
    else:
        raise UsageError(f"{path}: stroke datasets are .npz (stroke-3) or .ndjson files")
    programs = []
    for name, lines in named:
        width, height = (canvas, canvas) if canvas else (
            (NDJSON_SIDE + 1,) * 2 if path.suffix == ".ndjson" else _extent(lines, size))
        programs.append((name, lines_program(lines, width, height, size)))
    return programs


def _extent(lines: list[np.ndarray], size: float) -> tuple[int, int]:
    """(width, height) px from the origin to the farthest point, and a pen's width beyond."""
    farthest = np.max([line.max(0) for line in lines], axis=0) if lines else np.zeros(2)
    return tuple(max(1, int(np.ceil(v + size))) for v in farthest)
