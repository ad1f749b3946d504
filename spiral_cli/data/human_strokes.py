"""Recordings of people drawing: Omniglot's stroke files and sketch-rnn's stroke-3 arrays
(KanjiVG characters, the sheep sketches), read as polylines in drawing order.

Every drawing keeps a `group` (its alphabet, or the file's own split) so that whole
alphabets are held out: an agent tested on them has never seen a character of the alphabet."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spiral_cli.errors import UsageError
from spiral_cli.export.stroke_datasets import read_stroke3 as read_stroke3_file, stroke3_lines

# Omniglot's 8 stroke alphabets; these two are never trained on (the rest of the background
# alphabets with images are held out by OMNIGLOT_TEST_ALPHABETS in datasets.py).
OMNIGLOT_TEST_ALPHABETS = ("Korean", "Tagalog")
# The two sketch-rnn files in ../shared/data/sketches, by SHA-256, which name their source.
TRUSTED_STROKE3 = {
    "65f8e51e43587661798ac137a204c9e049e0d11dcd50cba372ae3ca32de8b54c": "sheep",
    "d625d310f3132ab3b7fa9bb574d8c8201e18a51d92fdcd4b4f783b5a7730d58a": "kanji",
}


@dataclass(frozen=True)
class HumanDrawing:
    source: str  # omniglot, kanji, sheep
    name: str  # where it came from, e.g. Greek/character01/0394_01
    test: bool  # held out: never trained on
    strokes: tuple[np.ndarray, ...]  # (n, 2) float (x, y) points, y down, in drawing order


def read_omniglot_strokes(folder: Path) -> list[HumanDrawing]:
    """The drawings in Omniglot's strokes_background*.zip files; Greek and Latin are in two
    zips and read once."""
    zips = sorted(Path(folder).glob("strokes_background*.zip"))
    if not zips:
        raise UsageError(f"omniglot strokes: no strokes_background*.zip in {folder}")
    drawings, seen = [], set()
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if not member.endswith(".txt") or "__MACOSX" in member:
                    continue
                name = "/".join(member.split("/")[-3:])[: -len(".txt")]
                if name in seen:
                    continue
                seen.add(name)
                strokes = _omniglot_file(archive.read(member).decode())
                if strokes:
                    alphabet = name.split("/")[0]
                    drawings.append(HumanDrawing("omniglot", name, alphabet in OMNIGLOT_TEST_ALPHABETS, strokes))
    return drawings


def _omniglot_file(text: str) -> tuple[np.ndarray, ...]:
    """`x,y,t` lines (y negated), BREAK between strokes."""
    strokes, current = [], []
    for line in text.splitlines()[1:]:
        line = line.strip()
        if "," in line:
            x, y, _ = map(float, line.split(","))
            current.append((x, -y))
        elif current:
            strokes.append(np.array(current))
            current = []
    if current:
        strokes.append(np.array(current))
    return tuple(s for s in strokes if len(s))


def read_stroke3(path: Path) -> list[HumanDrawing]:
    """The train and test drawings of one of the two known sketch-rnn files (the valid split
    is left out: it is neither trained on nor reported)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: not found")
    source = TRUSTED_STROKE3.get(hashlib.sha256(path.read_bytes()).hexdigest())
    if source is None:
        raise UsageError(f"{path}: not one of the known sketch-rnn files (kanji.rdp100.npz, aaron_sheep.npz)")
    arrays = read_stroke3_file(path)
    drawings = []
    for split in ("train", "test"):
        for index, rows in enumerate(arrays[split]):
            strokes = tuple(stroke3_lines(rows))
            if strokes:
                drawings.append(HumanDrawing(source, f"{split}/{index}", split == "test", strokes))
    return drawings
