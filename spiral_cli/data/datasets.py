"""Datasets as uint8 arrays in the canvas convention: white paper, dark ink, (N, H, W, C).

Grayscale data follow DESIGN section 4: MNIST pixels / 255 are ink, Omniglot's True is
paper; a canvas pixel is 255 * (1 - ink). Every dataset has a held-out test split that
training never reads; MNIST, Omniglot and image folders also keep a validation split of the
training distribution (the last 5,000 training digits, the last drawer of every training
character, 10% of the training files), which training never reads either: a generator of
that distribution is scored against it."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from spiral_cli.errors import UsageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
KINDS = ("mnist", "omniglot", "images", "scenes", "strokes")


@dataclass(frozen=True)
class Dataset:
    name: str
    images: np.ndarray  # (N, H, W, C) uint8, canvas convention

    @property
    def color(self) -> bool:
        return self.images.shape[-1] == 3

    def __len__(self) -> int:
        return len(self.images)


def data_kind(spec: str) -> str:
    """'mnist', 'omniglot', 'images' or 'scenes' of a data spec, without looking at the files (a shipped
    checkpoint names data that need not be on this machine)."""
    kind, _, location = spec.partition(":")
    if kind not in KINDS or not location:
        raise UsageError(f"--data must be one of {', '.join(k + ':PATH' for k in KINDS)}, got {spec!r}")
    return kind


def parse_data_spec(spec: str) -> tuple[str, Path]:
    """'mnist:DIR', 'omniglot:PATH', 'images:DIR', 'scenes:DIR' or 'strokes:DIR', checked to exist."""
    kind, location = data_kind(spec), spec.partition(":")[2]
    path = Path(location).expanduser()
    if not path.exists():
        raise UsageError(f"--data {spec}: {path} does not exist")
    return kind, path


SPLITS = ("train", "valid", "test")
WITH_VALID = ("mnist", "omniglot", "images")
MNIST_VALID = 5000  # the last training digits


def load_dataset(spec: str, split: str, canvas: int = 64, color: bool = False, limit: int | None = None) -> Dataset:
    """The 'train', 'valid' or 'test' split of a data spec at canvas x canvas."""
    if split not in SPLITS:
        raise ValueError(split)
    kind, path = parse_data_spec(spec)
    if split == "valid" and kind not in WITH_VALID:
        raise UsageError(f"--data {spec}: {kind} data have no validation split (only {', '.join(WITH_VALID)})")
    loader = {"mnist": _mnist, "omniglot": _omniglot, "images": _images, "scenes": _scenes, "strokes": _strokes}[kind]
    ink_or_rgb = loader(path, split, canvas, color, limit)
    return Dataset(f"{kind}:{split}", ink_or_rgb)


def ink_to_canvas(ink: np.ndarray, color: bool) -> np.ndarray:
    """(N, H, W) ink in [0, 1] -> (N, H, W, C) uint8 canvas."""
    canvas = np.round(255.0 * (1.0 - np.clip(ink, 0.0, 1.0))).astype(np.uint8)[..., None]
    return np.repeat(canvas, 3, axis=-1) if color else canvas


def _resize_ink(ink: np.ndarray, canvas: int) -> np.ndarray:
    """Anti-aliased bilinear resampling of (N, h, w) ink to (N, canvas, canvas)."""
    if ink.shape[1:] == (canvas, canvas):
        return ink.astype(np.float32)
    chunks = []
    for start in range(0, len(ink), 4096):
        batch = torch.from_numpy(np.asarray(ink[start : start + 4096], np.float32))[:, None]
        resized = F.interpolate(batch, size=(canvas, canvas), mode="bilinear", antialias=True)
        chunks.append(resized[:, 0].numpy())
    return np.concatenate(chunks) if chunks else np.zeros((0, canvas, canvas), np.float32)


def _read_idx(path: Path) -> np.ndarray:
    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def _mnist(folder: Path, split: str, canvas: int, color: bool, limit: int | None) -> np.ndarray:
    digits = _mnist_split(_read_idx(_mnist_file(folder, split, "images")), split)[:limit]
    return ink_to_canvas(_resize_ink(digits / 255.0, canvas), color)


def _mnist_file(folder: Path, split: str, what: str) -> Path:
    stem = f"{'t10k' if split == 'test' else 'train'}-{what}-idx{3 if what == 'images' else 1}-ubyte"
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    raise UsageError(f"mnist: {folder} has no {stem}[.gz]")


def _mnist_split(rows: np.ndarray, split: str) -> np.ndarray:
    """The training file's rows of the train or valid split; the test file's whole."""
    if split == "test":
        return rows
    return rows[-MNIST_VALID:] if split == "valid" else rows[:-MNIST_VALID]


def mnist_labels(spec: str, split: str, limit: int | None = None) -> np.ndarray:
    """The digit labels of load_dataset(spec, split), in the same order."""
    kind, folder = parse_data_spec(spec)
    if kind != "mnist":
        raise UsageError(f"{spec}: labels are only read for mnist data")
    return _mnist_split(_read_idx(_mnist_file(folder, split, "labels")), split)[:limit]


# Whole alphabets of the background set held out for testing, as ranges of its 964 characters
# (alphabets_background.csv): Korean and Tagalog (2 of the 8 alphabets with stroke recordings),
# Bengali, Futurama, Hebrew and Tifinagh; 206 characters, 21%.
OMNIGLOT_TEST_CHARACTERS = ((642, 682), (892, 909), (131, 177), (324, 350), (465, 487), (909, 964))
OMNIGLOT_BACKGROUND = 964


def omniglot_split(characters: int) -> np.ndarray:
    """True for held-out characters: the test alphabets of the background set; in other files
    (no alphabet ranges known) every 5th character."""
    if characters != OMNIGLOT_BACKGROUND:
        return np.arange(characters) % 5 == 4
    held_out = np.zeros(characters, bool)
    for first, stop in OMNIGLOT_TEST_CHARACTERS:
        held_out[first:stop] = True
    return held_out


def _omniglot_split(path: Path, split: str, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The split's drawings (N, 105, 105) bool, True = paper, and each one's character index in
    the file, in load_dataset's order."""
    npz = path / "images_background.npz" if path.is_dir() else path
    if not npz.is_file():
        raise UsageError(f"omniglot: {npz} not found (expected images_background.npz)")
    images = np.load(npz)["images"]  # (characters, drawers, 105, 105)
    held_out = omniglot_split(len(images))
    characters = np.flatnonzero(held_out if split == "test" else ~held_out)
    chosen = images[characters]
    if split != "test":  # the last drawer of each training character is the validation split
        chosen = chosen[:, -1:] if split == "valid" else chosen[:, :-1]
    labels = np.repeat(characters, chosen.shape[1])
    chosen = chosen.reshape(-1, *images.shape[2:])
    order = _shuffled(len(chosen))[:limit]
    return chosen[order], labels[order]


def _omniglot(path: Path, split: str, canvas: int, color: bool, limit: int | None) -> np.ndarray:
    chosen = _omniglot_split(path, split, limit)[0]
    return ink_to_canvas(_resize_ink((~chosen).astype(np.float32), canvas), color)


def dataset_labels(spec: str, split: str, limit: int | None = None) -> np.ndarray:
    """The class of each image of load_dataset(spec, split), in the same order: the digit for
    mnist, the character's index in the file for omniglot."""
    kind, path = parse_data_spec(spec)
    if kind == "omniglot":
        return _omniglot_split(path, split, limit)[1]
    return mnist_labels(spec, split, limit)


def _shuffled(count: int) -> np.ndarray:
    """A fixed permutation, so that --limit takes a spread of characters."""
    return np.random.default_rng(0).permutation(count)


def _is_test_file(path: Path) -> bool:
    """10% of files, chosen by a hash of the name so the split never changes."""
    return file_split(path) == "test"


def file_split(path: Path) -> str:
    """test and valid: 10% of files each, by a hash of the name."""
    byte = hashlib.sha1(path.name.encode()).digest()[0]
    return "test" if byte < 26 else "valid" if byte < 52 else "train"


def _images(folder: Path, split: str, canvas: int, color: bool, limit: int | None) -> np.ndarray:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    files = [p for p in files if file_split(p) == split][:limit]
    if not files:
        raise UsageError(f"images: no {split} images under {folder}")
    out = []
    for file in files:
        with Image.open(file) as image:
            image = center_square(image.convert("RGB" if color else "L"))
            pixels = np.asarray(image.resize((canvas, canvas), Image.BICUBIC))
        out.append(pixels if color else pixels[..., None])
    return np.stack(out)


def jittered_crops(spec: str, split: str, canvas: int, per_image: int, seed: int = 0,
                   limit: int | None = None) -> np.ndarray:
    """PER_IMAGE more colour views of every picture of an images:DIR split, each a square of 80 to
    100% of the centre square's side with its centre moved by up to a tenth of that side: new
    pictures of the same distribution as the centre crops training reads, for a teacher's
    programs (1,588 faces' paintings were cloned into overfitting within 15 minutes)."""
    kind, folder = parse_data_spec(spec)
    if kind != "images":
        raise UsageError(f"--data {spec}: crops are taken of images:DIR pictures")
    files = [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES and file_split(p) == split]
    rng = np.random.default_rng(seed)
    out = []
    for file in files[:limit]:
        with Image.open(file) as image:
            image = image.convert("RGB")
            for _ in range(per_image):
                out.append(np.asarray(_jittered_square(image, rng).resize((canvas, canvas), Image.BICUBIC)))
    return np.stack(out) if out else np.zeros((0, canvas, canvas, 3), np.uint8)


def _jittered_square(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    full = min(image.size)
    side = full * rng.uniform(0.8, 1.0)
    centre = np.array(image.size) / 2 + rng.uniform(-0.1, 0.1, 2) * side
    # kept inside the picture: a crop past its edge would paint the border black
    left, top = np.clip(centre - side / 2, 0, np.array(image.size) - side)
    return image.crop((round(left), round(top), round(left + side), round(top + side)))


def scene_files(folder: Path, split: str, limit: int | None = None) -> list[Path]:
    """The renders of a MUJOCO SCENES folder in a split (the images rule: 10% by name hash)."""
    files = sorted(folder.glob("*.png"))
    return [p for p in files if _is_test_file(p) == (split == "test")][:limit]


def _scenes(folder: Path, split: str, canvas: int, color: bool, limit: int | None) -> np.ndarray:
    """RGB renders of `spiral dataset scenes`, read as they are (the scene agent's canvas)."""
    files = scene_files(folder, split, limit)
    if not files:
        raise UsageError(f"scenes: no {split} scenes in {folder} (make them with: spiral dataset scenes {folder})")
    out = []
    for file in files:
        with Image.open(file) as image:
            out.append(np.asarray(image.convert("RGB").resize((canvas, canvas), Image.BICUBIC)))
    return np.stack(out)


def load_stroke_programs(spec: str, split: str):
    """People's stroke programs of a strokes:DIR spec (`spiral dataset strokes`), one split."""
    from spiral_cli.data import stroke_programs

    kind, path = parse_data_spec(spec)
    if kind != "strokes":
        raise UsageError(f"{spec}: stroke programs are read from strokes:DIR data")
    return stroke_programs.split(stroke_programs.load(path), split)


def _strokes(path: Path, split: str, canvas: int, color: bool, limit: int | None) -> np.ndarray:
    """The renders of people's stroke programs (`spiral dataset strokes`)."""
    images = load_stroke_programs(f"strokes:{path}", split).images[:limit]
    if color:
        images = np.repeat(images, 3, axis=-1)
    if images.shape[1] != canvas:
        images = ink_to_canvas(_resize_ink(1.0 - images[..., 0] / 255.0, canvas), color)
    return images


def center_square(image: Image.Image) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))
