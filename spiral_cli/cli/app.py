"""The `spiral` application and its error handling: one line and an exit code, never a traceback."""

from __future__ import annotations

import functools
import io
import os
import sys

import typer

from spiral_cli import __version__
from spiral_cli.errors import SpiralError

app = typer.Typer(
    name="spiral",
    help="Turn images into strokes: render, export, parse and train SPIRAL agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"spiral {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Turn images into strokes: render, export, parse and train SPIRAL agents."""


def _register_commands() -> None:
    from spiral_cli.cli import bench, brushes, checkpoints, convert, dataset, draw, evaluate, parse, render, train

    app.command("render")(render.render)
    app.command("export")(render.export)
    app.command("brushes")(brushes.brushes)
    app.command("parse")(parse.parse)
    app.command("convert")(convert.convert)
    app.command("draw")(draw.draw)
    app.command("checkpoints")(checkpoints.checkpoints)
    app.command("train")(train.train)
    app.command("eval")(evaluate.evaluate)
    app.add_typer(dataset.app, name="dataset")
    app.add_typer(bench.app, name="bench")


def _fail(message: str, code: int) -> None:
    print(f"spiral: {message}", file=sys.stderr)
    sys.exit(code)


def _keep_stdout_clean() -> None:
    """libmypaint printf()s the odd warning to the C-level stdout, which would end up inside
    an SVG written with `-o -`. Point file descriptor 1 at stderr for the libraries, and give
    Python's sys.stdout the real standard output."""
    sys.stdout.flush()
    real = os.dup(1)
    os.dup2(2, 1)
    stream = io.BufferedWriter(io.FileIO(real, "w"))
    sys.stdout = io.TextIOWrapper(stream, encoding=sys.stdout.encoding, line_buffering=sys.stdout.line_buffering)


@functools.cache
def cli_command():
    """The click command of the whole CLI, every subcommand registered."""
    _register_commands()
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> None:
    _keep_stdout_clean()
    command = cli_command()
    try:
        code = command.main(args=argv, prog_name="spiral", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _fail("interrupted", 130)
    except typer.TyperException as exc:  # click's usage errors, vendored by typer
        context = getattr(exc, "ctx", None)
        where = context.command_path.removeprefix("spiral").strip() if context else ""
        prefix = f"{where}: " if where else ""
        _fail(f"{prefix}{exc.format_message()} (see --help)", getattr(exc, "exit_code", 2))
    except SpiralError as exc:
        _fail(str(exc), exc.exit_code)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)
