"""Errors a user can cause, each with the exit code the CLI reports."""


class SpiralError(Exception):
    """A failure reported as one line; exit code 1."""

    exit_code = 1


class UsageError(SpiralError):
    """Bad options or bad input files; exit code 2."""

    exit_code = 2


class MissingLibraryError(SpiralError):
    """A system library (libmypaint, OpenGL) is not installed."""
