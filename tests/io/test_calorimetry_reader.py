"""Heating-curve CSV and sample YAML readers: good files and every kind of bad one."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia.calorimetry_sample import sample_heat_capacity, sample_iron_mass
from ferrokit.io.calorimetry import read_calorimetry_sample, read_heating_curve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "heating_curve_example.csv"
SAMPLE = ROOT / "examples" / "sample_example.yaml"


def write(tmp_path, header, rows=None, name="c.csv"):
    rows = rows if rows is not None else [f"{i},{25 + 0.01 * i}" for i in range(20)]
    p = tmp_path / name
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def test_example_file():
    d = read_heating_curve(EXAMPLE)
    assert d.probes == ("T1", "T2")
    assert d.field_on is not None and d.field_on.sum() == 300
    assert d.time[0] == 0.0 and d.time[-1] == 660.0
    assert d.temperatures["T1"][0] == pytest.approx(273.15 + 24.994, abs=1e-9)
    assert d.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


def test_minutes_kelvin_semicolon_decimal_comma_and_field_01(tmp_path):
    rows = [f"{i * 0.5:.1f}".replace(".", ",") + f";{300 + i * 0.1:.1f}".replace(".", ",") + f";{int(i > 2)}"
            for i in range(15)]
    p = write(tmp_path, "t (min);T (K);field (0/1)", rows)
    d = read_heating_curve(p)
    assert d.time[1] == pytest.approx(30.0)  # 0.5 min
    assert d.temperatures["T"][1] == pytest.approx(300.1)
    assert list(d.field_on[:4]) == [False, False, False, True]


def test_celsius_spellings(tmp_path):
    for unit in ("C", "°C", "degC"):
        d = read_heating_curve(write(tmp_path, f"time (s),T ({unit})"))
        assert d.temperatures["T"][0] == pytest.approx(298.15)


@pytest.mark.parametrize("header, rows, fragment", [
    ("T (C),other (s2)", None, "no time column"),
    ("time (s),other", None, "no temperature column"),
    ("time,T (C)", None, "has no unit"),
    ("time (s),T", None, "has no unit"),
    ("time (s),T (°F)", None, "°F"),
    ("time (s),T (X)", None, "unknown unit"),
    ("time (s),T (C)", [f"{i},{'nan' if i == 5 else 25}" for i in range(20)], "c.csv line 7, .*not a finite number"),
    ("time (s),T (C)", [f"{i},{'' if i == 5 else 25}" for i in range(20)], "empty cell"),
    ("time (s),T (C)", [f"{i if i != 7 else 3},25" for i in range(20)], "does not increase"),
    ("time (s),T (C)", [f"{i},25" for i in range(5)], "at least 12"),
    ("time (s),T (C),field (on/off)", [f"{i},25,{'maybe' if i == 4 else 'on'}" for i in range(20)],
     "field state"),
    ("time (s),T (C),field (0/1)", [f"{i},25,{2 if i == 4 else 1}" for i in range(20)], "field state"),
])
def test_bad_curves(tmp_path, header, rows, fragment):
    with pytest.raises(FerroKitInputError, match=fragment):
        read_heating_curve(write(tmp_path, header, rows))


def test_missing_and_empty_file(tmp_path):
    with pytest.raises(FerroKitInputError, match="not found"):
        read_heating_curve(tmp_path / "nope.csv")
    (tmp_path / "e.csv").write_text("# only a comment\n")
    with pytest.raises(FerroKitInputError, match="empty"):
        read_heating_curve(tmp_path / "e.csv")


def test_sample_yaml_example_and_derived_quantities():
    s, sha = read_calorimetry_sample(SAMPLE)
    assert s.volume == pytest.approx(1e-6) and s.concentration.basis == "Fe"
    assert s.field_calibration.frequency == pytest.approx(300e3)
    assert s.probe.time_constant == pytest.approx(2.0)
    assert len(sha) == 64
    m, dm, _src = sample_iron_mass(s)
    assert m == pytest.approx(1e-6) and dm == pytest.approx(0.03e-6)  # 1 mg/mL × 1 mL, 3 %
    b = sample_heat_capacity(s, iron_mass=m, volume=None, temperature=300.0)
    # 1 g water × 4179 + 0.2 g glass × 830 + 1.38 mg magnetite × 651 J/(kg K)
    assert b.total == pytest.approx(4.179 + 0.166 + 1e-6 / 0.7236 * 651, rel=1e-3)


def test_oxide_basis_converts_to_iron(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("volume: 1 mL\nconcentration: {value: 1 mg/mL, basis: oxide}\n")
    s, _ = read_calorimetry_sample(p)
    m, _, _ = sample_iron_mass(s)
    assert m == pytest.approx(0.7236e-6, rel=1e-3)  # Fe mass fraction of Fe3O4 = 0.7236


@pytest.mark.parametrize("text, fragment", [
    ("volume: 1 mL\ncolour: brown\n", "unknown key"),
    ("volume: -1 mL\n", "must be > 0"),
    ("iron_mass: -1 mg\n", "must be > 0"),
    ("components:\n  - {name: vial, material: glass, mass: -0.2 g}\n", "must be ≥ 0"),
    ("volume: 1\n", "no unit"),
    ("components:\n  - {name: vial, mass: 0.2 g, specific_heat: 830 W}\n", "specific-heat unit"),
    ("volume: [1\n", "not valid YAML"),
    ("- 1\n- 2\n", "mapping"),
])
def test_bad_sample_files(tmp_path, text, fragment):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(FerroKitInputError, match=fragment):
        read_calorimetry_sample(p)


def test_sample_without_mass_information():
    with pytest.raises(FerroKitInputError, match="iron mass is unknown"):
        sample_iron_mass(None)
    with pytest.raises(FerroKitInputError, match="heat capacity is unknown"):
        sample_heat_capacity(None, iron_mass=1e-6, volume=None, temperature=300.0)
    assert np.isfinite(sample_heat_capacity(None, iron_mass=1e-6, volume=1e-6, temperature=300.0).total)


def test_laser_column_is_read_as_the_on_off_column(tmp_path):
    # photothermal curves name the switch column after the laser
    p = tmp_path / "ptt.csv"
    rows = "".join(f"{i},{25 + 0.1 * i},{'on' if i < 10 else 'off'}\n" for i in range(20))
    p.write_text("time (s),T (C),laser (on/off)\n" + rows)
    curve = read_heating_curve(p)
    assert curve.field_on.tolist() == [True] * 10 + [False] * 10
