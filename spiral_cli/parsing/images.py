"""Reading a user's image as ink, and fitting it to an agent's canvas and back.

Any format Pillow reads (PNG, JPEG, WebP, BMP, TIFF, ...), any mode (gray, RGB, RGBA on
white, palette, 16-bit), EXIF orientation applied, dark-on-light or light-on-dark ink."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from spiral_cli.errors import UsageError

DEFAULT_MAX_PIXELS = 50_000_000
INK_BOX = 32 / 64  # the ink's bounding box fills at least this share of the canvas: smaller ink is zoomed
FULL_BOX = 58 / 64  # and at most this: strokes at the canvas's edge are hard to draw


@dataclass(frozen=True)
class InkImage:
    """An image as ink in [0, 1] (H, W), with its colours (H, W, 3) in [0, 1] for colour models."""

    path: str
    ink: np.ndarray
    rgb: np.ndarray
    inverted: bool  # the input was light ink on a dark ground

    @property
    def width(self) -> int:
        return self.ink.shape[1]

    @property
    def height(self) -> int:
        return self.ink.shape[0]


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> InkImage:
    """The image at `path` as ink; a UsageError with one clear line for anything unreadable."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: is a directory, not an image")
    try:
        if path.stat().st_size == 0:
            raise UsageError(f"{path}: empty file")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise UsageError(
                        f"{path}: {width}x{height} is more than {max_pixels:,} pixels "
                        f"(a decompression bomb?); allow it with --max-pixels"
                    )
                if width == 0 or height == 0:
                    raise UsageError(f"{path}: the image is empty ({width}x{height})")
                image = ImageOps.exif_transpose(image)
                rgb = _to_rgb(image)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except UnidentifiedImageError:
        raise UsageError(f"{path}: not an image (or a format Pillow cannot read)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UsageError(f"{path}: damaged or unreadable image ({exc})") from None
    gray = rgb @ np.array([0.299, 0.587, 0.114])
    inverted = _light_on_dark(gray)
    ink = gray if inverted else 1.0 - gray
    return InkImage(str(path), ink.astype(np.float32), rgb.astype(np.float32), inverted)


def _to_rgb(image: Image.Image) -> np.ndarray:
    """(H, W, 3) floats in [0, 1]: transparency composited on white, 16-bit scaled down."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if values.max() > 255 else 255.0
        gray = np.clip(values / top, 0.0, 1.0)
        return np.repeat(gray[..., None], 3, axis=-1)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0


def _light_on_dark(gray: np.ndarray) -> bool:
    """The ground is what fills the image's border: dark ground means light ink."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border)) < 0.5


@dataclass(frozen=True)
class CanvasFit:
    """canvas = image * scale + offset: how an image was placed on the agent's canvas."""

    scale: float
    offset: tuple[float, float]

    def to_image(self, point: tuple[float, float]) -> tuple[float, float]:
        return (float((point[0] - self.offset[0]) / self.scale), float((point[1] - self.offset[1]) / self.scale))


def fit_to_canvas(image: InkImage, canvas: int, color: bool, largest: float = np.inf) -> tuple[np.ndarray, CanvasFit]:
    """The image on the canvas, (canvas, canvas, C) uint8 in the canvas convention, and
    the fit, its ink's bounding box centred. An image that fits on the canvas with its ink
    filling between INK_BOX and FULL_BOX of it is not resampled (scale 1, whole-pixel shift:
    resampling costs more than any scale gains); any other is scaled so that its ink fills
    FULL_BOX, but by no more than `largest` (the scale at which its lines would become too
    wide for the agent) and to no less than INK_BOX."""
    ink = image.ink
    rows, cols = np.nonzero(ink > 0.1)
    if len(rows) == 0:
        top, left, bottom, right = 0, 0, image.height, image.width
    else:
        top, left, bottom, right = rows.min(), cols.min(), rows.max() + 1, cols.max() + 1
    extent = max(bottom - top, right - left)
    as_it_is = max(image.width, image.height) <= canvas and INK_BOX * canvas <= extent <= FULL_BOX * canvas
    scale = 1.0 if as_it_is else max(min(canvas * FULL_BOX / extent, largest), canvas * INK_BOX / extent)
    centre = ((left + right) / 2, (top + bottom) / 2)
    offset = (canvas / 2 - centre[0] * scale, canvas / 2 - centre[1] * scale)
    if scale == 1.0:  # moved by whole pixels: a glyph already at the canvas's scale is not blurred
        offset = (float(round(offset[0])), float(round(offset[1])))
    fit = CanvasFit(scale, offset)
    source = image.rgb if color else 1.0 - ink[..., None]  # paper-white canvas convention
    placed = warp(source, fit, canvas)
    return np.round(placed * 255).astype(np.uint8), fit


def warp(values: np.ndarray, fit: CanvasFit, canvas: int) -> np.ndarray:
    """Resample (H, W, C) values onto the canvas with Pillow's anti-aliased affine transform;
    what falls outside the image is paper (1.0)."""
    channels = []
    inverse = (1 / fit.scale, 0, -fit.offset[0] / fit.scale, 0, 1 / fit.scale, -fit.offset[1] / fit.scale)
    for c in range(values.shape[-1]):
        layer = Image.fromarray((1.0 - values[..., c]).astype(np.float32))  # 0 outside = paper
        if fit.scale < 1:  # shrink with a box filter first: affine sampling alone would alias
            size = (max(1, round(layer.width * fit.scale)), max(1, round(layer.height * fit.scale)))
            shrunk = layer.resize(size, Image.Resampling.BOX)
            factor = layer.width / size[0], layer.height / size[1]
            inverse_c = (inverse[0] / factor[0], 0, inverse[2] / factor[0], 0, inverse[4] / factor[1], inverse[5] / factor[1])
            layer = shrunk.transform((canvas, canvas), Image.Transform.AFFINE, inverse_c, Image.Resampling.BILINEAR)
        else:
            layer = layer.transform((canvas, canvas), Image.Transform.AFFINE, inverse, Image.Resampling.BILINEAR)
        channels.append(1.0 - np.asarray(layer, dtype=np.float32))
    return np.clip(np.stack(channels, axis=-1), 0.0, 1.0)
