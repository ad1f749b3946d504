"""Scene programs to PNG at any resolution and from any camera angle."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from spiral_cli.errors import UsageError
from spiral_cli.scenes.model import SceneProgram


def scene_png(program: SceneProgram, scale: float, azimuth: float | None = None, elevation: float | None = None) -> bytes:
    from spiral_cli.scenes.renderer import SceneRenderer

    camera = program.camera
    if azimuth is not None:
        camera = replace(camera, azimuth=azimuth)
    if elevation is not None:
        if not -90 <= elevation <= 90:
            raise UsageError("--elevation must lie in -90..90 degrees")
        camera = replace(camera, elevation=elevation)
    renderer = SceneRenderer(round(program.width * scale), round(program.height * scale))
    try:
        pixels = renderer.render(program.objects, camera)
    finally:
        renderer.close()
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()
