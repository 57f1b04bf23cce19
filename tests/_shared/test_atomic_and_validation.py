"""Atomic writes leave no partial files; validators name the bad parameter."""

import numpy as np
import pytest

from ferrokit._shared.rng import as_rng
from ferrokit._shared.validation import (
    FerroKitInputError,
    check_array,
    check_choice,
    check_positive,
    check_range,
)
from ferrokit.io.atomic import atomic_write, write_json_atomic, write_text_atomic


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "result.json"
    write_json_atomic(target, {"a": 1})

    def half_then_fail(tmp):
        with open(tmp, "w") as fh:
            fh.write('{"a": 2, "trunc')
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_fail)  # fails after writing half the file
    assert target.read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_atomic_write_creates_parents(tmp_path):
    p = write_text_atomic(tmp_path / "a" / "b.txt", "x")
    assert p.read_text() == "x"



def test_atomic_write_names_the_target_not_the_temp_file(tmp_path):
    # a folder as the target: the error names it (not a hidden temp file) and nothing is left behind
    (tmp_path / "out.json").mkdir()
    with pytest.raises(IsADirectoryError) as exc:
        write_text_atomic(tmp_path / "out.json", "x")
    assert exc.value.filename == str(tmp_path / "out.json")
    assert [p.name for p in (tmp_path / "out.json").iterdir()] == []
    # a file where a folder of the path should be: NotADirectoryError (bad input), not FileExistsError
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError) as exc:
        write_text_atomic(tmp_path / "afile" / "sub" / "o.json", "y")
    assert exc.value.filename == str(tmp_path / "afile" / "sub")
    assert (tmp_path / "afile").read_text() == "x"

def test_validators():
    assert check_positive("d", 2) == 2.0
    with pytest.raises(FerroKitInputError, match="d must be > 0"):
        check_positive("d", 0)
    with pytest.raises(FerroKitInputError, match=r"sigma must lie in \[0, 1\]"):
        check_range("sigma", 2, 0, 1)
    with pytest.raises(FerroKitInputError, match="finite"):
        check_positive("d", float("nan"))
    with pytest.raises(FerroKitInputError, match="one of"):
        check_choice("shape", "rod", ["sphere", "cube"])
    with pytest.raises(FerroKitInputError, match="non-finite"):
        check_array("H", [1.0, np.nan])
    with pytest.raises(FerroKitInputError, match="at least 3"):
        check_array("H", [1.0], min_size=3)


def test_rng():
    assert as_rng(3).random() == as_rng(3).random()
    g = np.random.default_rng(1)
    assert as_rng(g) is g
    with pytest.raises(TypeError):
        as_rng("seed")


def test_schema_error_names_the_field_once():
    # review: a unit error read 'p.yaml: dt: dt: unknown time unit' (field named twice)
    from ferrokit._shared.schema import FrozenModel, Quantity, validate_model

    class Plan(FrozenModel):
        dt: Quantity("time")

    with pytest.raises(FerroKitInputError) as exc:
        validate_model(Plan, {"dt": "15 kg"}, where="p.yaml")
    assert str(exc.value).startswith("p.yaml: dt: unknown time unit 'kg'"), str(exc.value)


def test_check_values_signs_and_scalar_or_array():
    from ferrokit._shared.validation import check_values, scalar_or_array

    assert check_values("d", [1.0, 2.0]).tolist() == [1.0, 2.0]
    with pytest.raises(FerroKitInputError, match=r"d must be > 0 m, got 0"):
        check_values("d", [1.0, 0.0], unit="m")
    assert check_values("c", 0.0, sign="nonnegative") == 0.0
    with pytest.raises(FerroKitInputError, match="c must be ≥ 0, got -1"):
        check_values("c", -1.0, sign="nonnegative")
    assert check_values("x", -3.0, sign=None) == -3.0
    with pytest.raises(FerroKitInputError, match=r"x must be finite \(K\)"):
        check_values("x", [np.nan], sign=None, unit="K")
    assert isinstance(scalar_or_array(np.asarray(2.0)), float)
    assert scalar_or_array(np.ones(2)).shape == (2,)
