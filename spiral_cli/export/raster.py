"""Programs as pictures: a PNG at any resolution, a GIF of the drawing stroke by stroke."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from spiral_cli.errors import UsageError
from spiral_cli.painting.painter import Painter, render_program
from spiral_cli.programs.model import StrokeProgram

MAX_RENDER_SIDE = 8192


def render_scale(program: StrokeProgram, scale: float | None, size: int | None) -> float:
    """Scale factor from --scale or --size (the longer side in px); 1 when neither."""
    if scale is not None and size is not None:
        raise UsageError("give --scale or --size, not both")
    if size is not None:
        if size <= 0:
            raise UsageError("--size must be positive")
        scale = size / max(program.width, program.height)
    scale = 1.0 if scale is None else scale
    if scale <= 0:
        raise UsageError("--scale must be positive")
    if max(program.width, program.height) * scale > MAX_RENDER_SIDE:
        raise UsageError(f"render larger than {MAX_RENDER_SIDE} px; use a smaller --scale or --size")
    return scale


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def render_png(program: StrokeProgram, scale: float = 1.0, brush: str | None = None) -> bytes:
    return png_bytes(render_program(program, scale=scale, brush=brush))


def drawing_frames(program: StrokeProgram, scale: float = 1.0, brush: str | None = None) -> list[np.ndarray]:
    """The empty canvas, then the canvas after each drawn stroke."""
    painter = Painter(program.width, program.height, brush or program.brush, scale)
    frames = [painter.rgb()]
    for action in program.actions:
        painter.execute(action)
        if action.draws:
            frames.append(painter.rgb())
    return frames


def render_gif(
    program: StrokeProgram, scale: float = 1.0, brush: str | None = None, frame_ms: int = 250
) -> bytes:
    frames = [Image.fromarray(f) for f in drawing_frames(program, scale, brush)]
    buffer = io.BytesIO()
    # The last frame is held so that the finished drawing can be seen.
    durations = [frame_ms] * (len(frames) - 1) + [frame_ms * 8]
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0
    )
    return buffer.getvalue()


def image_grid(images: list[np.ndarray], columns: int = 8, pad: int = 2) -> np.ndarray:
    """(H, W, C) uint8 images in rows of `columns`, on a grey frame; RGB out."""
    rows = -(-len(images) // columns)
    blank = np.full_like(images[0], 255)
    cells = [np.pad(image, ((pad, pad), (pad, pad), (0, 0)), constant_values=128)
             for image in list(images) + [blank] * (rows * columns - len(images))]
    grid = np.concatenate([np.concatenate(cells[r * columns : (r + 1) * columns], axis=1) for r in range(rows)])
    return np.repeat(grid, 3, axis=-1) if grid.shape[-1] == 1 else grid


def render_strokes_coloured(program: StrokeProgram, scale: float = 1.0) -> np.ndarray:
    """(H, W, 3) uint8: the program with each continuous stroke in its own colour (as
    `--color-by-stroke` colours the SVG)."""
    from dataclasses import replace

    from spiral_cli.export.svg import stroke_palette

    runs = program.pen_strokes
    palette = [tuple(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)) for c in stroke_palette(len(runs))]
    actions = []
    for run, colour in zip(runs, palette):
        actions.append(replace(run[0], kind="jump", end=run[0].start, control=run[0].start, color=colour))
        actions += [replace(a, color=colour) for a in run]
    coloured = replace(program, color_mode="color", actions=tuple(actions))
    return render_program(coloured, scale=scale)
