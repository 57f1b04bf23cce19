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
