"""Which OpenGL backend MuJoCo renders offscreen with, chosen before mujoco is imported.

MuJoCo reads MUJOCO_GL when it is first imported and PyOpenGL binds its platform once, so a
backend that fails cannot be swapped in the same process: each candidate is tried in a
short-lived child process, and the one that works is exported for this process and its
children."""

from __future__ import annotations

import os
import subprocess
import sys

from spiral_cli.errors import MissingLibraryError

BACKENDS = ("egl", "osmesa")
_PROBE = "import mujoco; m = mujoco.MjModel.from_xml_string('<mujoco/>'); r = mujoco.Renderer(m, 8, 8); r.render(); r.close()"


def _environment(backend: str) -> dict:
    return {**os.environ, "MUJOCO_GL": backend, "PYOPENGL_PLATFORM": backend}


def _works(backend: str) -> bool:
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], env=_environment(backend), capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def choose_backend() -> str:
    """MUJOCO_GL if the user set it, else the first backend that renders; raises one clear line
    when none does."""
    chosen = os.environ.get("MUJOCO_GL")
    if chosen:
        os.environ.setdefault("PYOPENGL_PLATFORM", chosen)
        return chosen
    for backend in BACKENDS:
        if _works(backend):
            os.environ.update(MUJOCO_GL=backend, PYOPENGL_PLATFORM=backend)
            return backend
    raise MissingLibraryError(
        "MuJoCo cannot render offscreen: neither EGL nor OSMesa works here; "
        "install one with: apt install libegl-mesa0 (or libosmesa6), or set MUJOCO_GL"
    )
