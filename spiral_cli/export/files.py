"""Writing outputs all at once: to a temporary file renamed into place, or to stdout."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from spiral_cli.errors import SpiralError

STDOUT = "-"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_output(path: str | Path, payload: bytes) -> None:
    """Write payload to path atomically (no partial file on failure); '-' is stdout."""
    if str(path) == STDOUT:
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return
    path = Path(path)
    if path.is_dir():
        raise SpiralError(f"{path}: is a directory")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except FileNotFoundError:
        raise SpiralError(f"{path}: folder {directory} does not exist") from None
    except OSError as exc:
        raise SpiralError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise SpiralError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
