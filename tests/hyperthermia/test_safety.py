"""Field safety limits: values, exceedance, structure, bad input."""

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia import ATKINSON_BREZOVICH, HERGT_DUTZ, field_limit_checks, hf_product


def test_limit_values():
    # SCIENCE.md §3: Atkinson–Brezovich 4.85e8, Hergt–Dutz 5e9 A m^-1 s^-1
    assert ATKINSON_BREZOVICH == 4.85e8
    assert HERGT_DUTZ == 5e9


@pytest.mark.parametrize(("f", "h", "exceeded"), [
    (1e5, 4.85e3, [False, False]),  # exactly at Atkinson–Brezovich: not exceeded
    (1e5, 4.9e3, [True, False]),
    (1e5, 15e3, [True, False]),  # NanoTherm-like 100 kHz, 15 kA/m: 1.5e9
    (5.2e5, 29e3, [True, True]),  # Guardia 2012 conditions: 1.5e10
])
def test_exceedance(f, h, exceeded):
    checks = field_limit_checks(f, h)
    assert [c.exceeded for c in checks] == exceeded
    assert all(c.value == pytest.approx(f * h) for c in checks)
    assert [c.name for c in checks] == ["atkinson", "hergt"]


def test_structure():
    c = field_limit_checks(3e5, 15e3)[0]
    d = c.to_dict()
    assert d["unit"] == "A/(m s)" and d["exceeded"] is True and "Atkinson" in d["source"]
    assert "EXCEEDS" in c.message()
    assert hf_product(3e5, 15e3) == pytest.approx(4.5e9)


@pytest.mark.parametrize(("f", "h"), [(0, 1e4), (1e5, -1), (float("nan"), 1e4)])
def test_bad_input(f, h):
    with pytest.raises(FerroKitInputError):
        field_limit_checks(f, h)
