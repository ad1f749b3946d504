"""A cffi (ABI mode) binding of the parts of libmypaint that spiral uses.

Only the C library is needed at run time: Debian's ``libmypaint-1.5-1`` package
(libmypaint 1.6). Nothing is compiled.
"""

from __future__ import annotations

import ctypes.util
import os
from functools import lru_cache

import cffi

from spiral_cli.errors import MissingLibraryError

LIBRARY_NAMES = ("libmypaint-1.5.so.1", "libmypaint-1.6.so.1", "libmypaint.so")
APT_PACKAGE = "libmypaint-1.5-1"

_CDEF = """
typedef int gboolean;
typedef struct _MyPaintBrush MyPaintBrush;
typedef struct _MyPaintSurface MyPaintSurface;
typedef struct _MyPaintTiledSurface MyPaintTiledSurface;
typedef struct MyPaintFixedTiledSurface MyPaintFixedTiledSurface;
typedef struct { int x; int y; int width; int height; } MyPaintRectangle;
typedef struct {
    int tx;
    int ty;
    gboolean readonly;
    uint16_t *buffer;
    void *context;
    int thread_id;
    int mipmap_level;
} MyPaintTileRequest;

MyPaintBrush *mypaint_brush_new(void);
void mypaint_brush_unref(MyPaintBrush *self);
void mypaint_brush_reset(MyPaintBrush *self);
void mypaint_brush_new_stroke(MyPaintBrush *self);
float mypaint_brush_get_state(MyPaintBrush *self, int i);
void mypaint_brush_set_state(MyPaintBrush *self, int i, float value);
gboolean mypaint_brush_from_string(MyPaintBrush *self, const char *string);
void mypaint_brush_set_base_value(MyPaintBrush *self, int id, float value);
float mypaint_brush_get_base_value(MyPaintBrush *self, int id);
int mypaint_brush_setting_from_cname(const char *cname);
int mypaint_brush_stroke_to(MyPaintBrush *self, MyPaintSurface *surface, float x, float y,
                            float pressure, float xtilt, float ytilt, double dtime);

MyPaintFixedTiledSurface *mypaint_fixed_tiled_surface_new(int width, int height);
MyPaintSurface *mypaint_fixed_tiled_surface_interface(MyPaintFixedTiledSurface *self);
void mypaint_surface_unref(MyPaintSurface *self);
void mypaint_surface_begin_atomic(MyPaintSurface *self);
void mypaint_surface_end_atomic(MyPaintSurface *self, MyPaintRectangle *roi);
void mypaint_tile_request_init(MyPaintTileRequest *data, int level, int tx, int ty, gboolean readonly);
void mypaint_tiled_surface_tile_request_start(MyPaintTiledSurface *self, MyPaintTileRequest *request);
void mypaint_tiled_surface_tile_request_end(MyPaintTiledSurface *self, MyPaintTileRequest *request);
"""

ffi = cffi.FFI()
ffi.cdef(_CDEF)


def _candidates() -> list[str]:
    override = os.environ.get("SPIRAL_LIBMYPAINT")
    if override:
        return [override]
    found = ctypes.util.find_library("mypaint-1.5") or ctypes.util.find_library("mypaint")
    return list(LIBRARY_NAMES) + ([found] if found else [])


@lru_cache(maxsize=1)
def lib():
    """The loaded C library; raises MissingLibraryError naming the apt package."""
    for name in _candidates():
        try:
            return ffi.dlopen(name)
        except OSError:
            continue
    raise MissingLibraryError(
        f"libmypaint not found: install it with 'sudo apt-get install {APT_PACKAGE} mypaint-brushes'"
    )


@lru_cache(maxsize=None)
def setting_id(cname: str) -> int:
    """Numeric id of a brush setting such as 'radius_logarithmic'."""
    value = lib().mypaint_brush_setting_from_cname(cname.encode())
    if value < 0:
        raise KeyError(f"libmypaint has no brush setting {cname!r}")
    return value
