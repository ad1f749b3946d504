"""Stroke programs: the actions an agent took, as data that can be saved, checked and replayed."""

from spiral_cli.programs.model import Action, StrokeProgram
from spiral_cli.programs.io import load_program, program_from_dict, program_to_dict, save_program

__all__ = [
    "Action",
    "StrokeProgram",
    "load_program",
    "program_from_dict",
    "program_to_dict",
    "save_program",
]
