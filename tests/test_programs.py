import json

import jsonschema
import pytest

from spiral_cli.errors import UsageError
from spiral_cli.programs import load_program, program_from_dict, program_to_dict, save_program
from spiral_cli.programs.io import schema


def test_json_round_trip_is_exact(tmp_path, two_stroke_program):
    path = tmp_path / "p.json"
    save_program(two_stroke_program, path)
    assert load_program(path) == two_stroke_program
    text = path.read_text()
    save_program(load_program(path), path)
    assert path.read_text() == text


def test_saved_program_satisfies_the_packaged_schema(two_stroke_program):
    data = program_to_dict(two_stroke_program)
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(data, schema())
    assert data["format"] == "spiral-stroke-program" and data["version"] == 1
    assert data["canvas"]["width"] == 64 and data["frame"]["origin"] == "top-left"


def _mutated(program, change):
    data = program_to_dict(program)
    change(data)
    return data


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("actions"), "'actions' is a required property"),
        (lambda d: d.update(version=7), "version"),
        (lambda d: d["actions"][1].update(pressure=1.5), "actions/1/pressure"),
        (lambda d: d["actions"][1].update(size=-2), "actions/1/size"),
        (lambda d: d["actions"][1].update(kind="erase"), "actions/1/kind"),
        (lambda d: d["actions"][1].update(end=[1, 2, 3]), "actions/1/end"),
        (lambda d: d["actions"][2].update(control=[80.0, 10.0]), "outside the 64x64 canvas"),
        (lambda d: d["actions"][1].update(color=[1, 0, 0]), "grayscale program has no colours"),
        (lambda d: d.update(color_mode="color"), "needs a color"),
        (lambda d: d["canvas"].update(width=0), "canvas/width"),
    ],
)
def test_schema_and_range_errors_name_the_problem(two_stroke_program, change, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        program_from_dict(_mutated(two_stroke_program, change))


def test_nan_is_rejected(tmp_path, two_stroke_program):
    text = json.dumps(program_to_dict(two_stroke_program)).replace('"pressure": 0.9', '"pressure": NaN')
    path = tmp_path / "nan.json"
    path.write_text(text)
    with pytest.raises(UsageError, match="NaN"):
        load_program(path)
