"""`spiral brushes`: the MyPaint brushes that can be named."""

import typer

from spiral_cli.errors import MissingLibraryError
from spiral_cli.painting.brushes import available_brushes, brush_dirs


def brushes() -> None:
    """List the brushes available to --brush, one per line."""
    names = available_brushes()
    if not names:
        searched = ", ".join(str(d) for d in brush_dirs()) or "no brush folder exists"
        raise MissingLibraryError(f"no MyPaint brushes found ({searched}): sudo apt-get install mypaint-brushes")
    for name in names:
        typer.echo(name)
