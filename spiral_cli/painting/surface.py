"""libmypaint brushes and canvases as Python objects that free their C memory."""

from __future__ import annotations

import math

import numpy as np

from spiral_cli.errors import SpiralError, UsageError
from spiral_cli.painting.libmypaint import ffi, lib, setting_id

TILE = 64
FIXED_ONE = 1 << 15  # libmypaint's 15-bit fixed point 1.0
DTIME = 0.1  # seconds between stroke_to events; brushes look different at other values
BRUSH_STATES = 44  # MYPAINT_BRUSH_STATES_COUNT of libmypaint 1.5 (it asserts on any index beyond)


class Brush:
    """One libmypaint brush. Its random generator is seeded at creation, so a new Brush
    per episode makes randomised brushes (dry_brush) reproducible."""

    def __init__(self, definition: str, name: str = "brush"):
        c = lib()
        pointer = c.mypaint_brush_new()
        if pointer == ffi.NULL:
            raise MemoryError("libmypaint could not allocate a brush")
        self._ptr = ffi.gc(pointer, c.mypaint_brush_unref)
        if not c.mypaint_brush_from_string(self._ptr, definition.encode()):
            raise UsageError(f"not a valid MyPaint brush: {name}")
        self._stroke_to = c.mypaint_brush_stroke_to

    def set(self, setting: str, value: float) -> None:
        lib().mypaint_brush_set_base_value(self._ptr, setting_id(setting), value)

    def get(self, setting: str) -> float:
        return lib().mypaint_brush_get_base_value(self._ptr, setting_id(setting))

    def set_radius(self, radius_px: float) -> None:
        self.set("radius_logarithmic", math.log(max(radius_px, 0.05)))

    def set_hsv(self, h: float, s: float, v: float) -> None:
        self.set("color_h", h)
        self.set("color_s", s)
        self.set("color_v", v)

    def move_to(self, surface: Surface, x: float, y: float) -> None:
        """Lift the pen and put it down at (x, y) without drawing."""
        lib().mypaint_brush_reset(self._ptr)
        self._stroke_to(self._ptr, surface.ptr, x, y, 0.0, 0.0, 0.0, DTIME)

    def take_state(self, other: Brush) -> None:
        """Carry on where `other` is with the pen down: its smoothed position, speed, direction
        and pressure. Only a random brush's generator is not copied (libmypaint hides it)."""
        c = lib()
        get, put = c.mypaint_brush_get_state, c.mypaint_brush_set_state
        for i in range(BRUSH_STATES):
            put(self._ptr, i, get(other._ptr, i))

    def stroke_through(self, surface: Surface, xs, ys, pressures) -> None:
        """Send the pen through the given points (plain Python floats are fastest)."""
        stroke_to, brush, target = self._stroke_to, self._ptr, surface.ptr
        for x, y, p in zip(xs, ys, pressures):
            stroke_to(brush, target, x, y, p, 0.0, 0.0, DTIME)


class Surface:
    """A fixed-size libmypaint canvas whose pixels are read as numpy arrays."""

    def __init__(self, width: int, height: int):
        if not (0 < width <= 16384 and 0 < height <= 16384):
            raise UsageError(f"canvas size must be 1..16384 px, got {width}x{height}")
        c = lib()
        fixed = c.mypaint_fixed_tiled_surface_new(width, height)
        if fixed == ffi.NULL:
            raise MemoryError(f"libmypaint could not allocate a {width}x{height} surface")
        self.width, self.height = width, height
        self.ptr = ffi.gc(c.mypaint_fixed_tiled_surface_interface(fixed), c.mypaint_surface_unref)
        self._tiles = self._map_tiles(ffi.cast("MyPaintTiledSurface *", self.ptr))
        self._roi = ffi.new("MyPaintRectangle *")

    def _map_tiles(self, tiled) -> np.ndarray:
        """A numpy view of the tile store, found through the tile-request API.

        The fixed surface keeps its tiles in one row-major block; we check that the
        library hands out pointers into that block before relying on it."""
        rows, cols = -(-self.height // TILE), -(-self.width // TILE)
        tile_bytes = TILE * TILE * 4 * 2
        pointers = []
        for ty, tx in ((0, 0), (rows - 1, cols - 1)):
            request = ffi.new("MyPaintTileRequest *")
            lib().mypaint_tile_request_init(request, 0, tx, ty, False)
            lib().mypaint_tiled_surface_tile_request_start(tiled, request)
            pointers.append(int(ffi.cast("uintptr_t", request.buffer)))
            lib().mypaint_tiled_surface_tile_request_end(tiled, request)
        if pointers[1] - pointers[0] != (rows * cols - 1) * tile_bytes:
            raise SpiralError("unexpected libmypaint tile layout; this libmypaint is not supported")
        first = ffi.cast("uint16_t *", pointers[0])
        block = np.frombuffer(ffi.buffer(first, rows * cols * tile_bytes), dtype=np.uint16)
        return block.reshape(rows, cols, TILE, TILE, 4)

    def clear(self, rgb: tuple[float, float, float] | None = (1.0, 1.0, 1.0)) -> None:
        """Fill with an opaque colour, or make transparent when rgb is None.

        A new libmypaint surface holds 0xFFFF, which is not a valid pixel: always clear."""
        if rgb is None:
            self._tiles.fill(0)
            return
        for channel, value in enumerate(rgb):
            self._tiles[..., channel] = round(value * FIXED_ONE)
        self._tiles[..., 3] = FIXED_ONE

    def copy_from(self, other: Surface) -> None:
        """Take the pixels of a surface of the same size."""
        self._tiles[...] = other._tiles

    def begin(self) -> None:
        lib().mypaint_surface_begin_atomic(self.ptr)

    def end(self) -> None:
        """Dabs are drawn only here; call before reading pixels."""
        lib().mypaint_surface_end_atomic(self.ptr, self._roi)

    def premultiplied(self) -> np.ndarray:
        """(H, W, 4) uint16 premultiplied RGBA, 1.0 = 1 << 15 (a copy)."""
        rows, cols = self._tiles.shape[:2]
        whole = self._tiles.transpose(0, 2, 1, 3, 4).reshape(rows * TILE, cols * TILE, 4)
        return whole[: self.height, : self.width].copy()

    def rgba(self) -> np.ndarray:
        """(H, W, 4) uint8 straight (un-premultiplied) RGBA."""
        pixels = self.premultiplied().astype(np.uint32)
        alpha = pixels[..., 3:]
        safe_alpha = np.maximum(alpha, 1)
        rgb = (pixels[..., :3] * 255 + safe_alpha // 2) // safe_alpha
        rgb = np.where(alpha > 0, np.minimum(rgb, 255), 0)
        a8 = (alpha * 255 + FIXED_ONE // 2) // FIXED_ONE
        return np.concatenate([rgb, a8], axis=-1).astype(np.uint8)

    def rgb(self) -> np.ndarray:
        """(H, W, 3) uint8 colours of an opaque canvas (no division needed)."""
        pixels = self.premultiplied()[..., :3].astype(np.uint32)
        return ((pixels * 255 + FIXED_ONE // 2) >> 15).astype(np.uint8)
