"""read_mh_curve: unit conversions, formats, provenance, and every bad-input case."""

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import MU_0
from ferrokit.io.magnetometry import read_mh_curve

DATA = Path(__file__).resolve().parents[1] / "data"
OE = 1e3 / (4 * math.pi)  # A/m per Oe (exact CGS–SI relation)
N = 12


def write(tmp_path, text, name="curve.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def table(header, rows, sep=","):
    return header + "\n" + "\n".join(sep.join(str(v) for v in r) for r in rows) + "\n"


H = np.linspace(-1.0, 1.0, N)
M = np.linspace(-2.0, 2.0, N)


@pytest.mark.parametrize(
    ("field_header", "factor"),
    [("H (Oe)", OE), ("H (kOe)", 1e3 * OE), ("H (A/m)", 1.0), ("H (kA/m)", 1e3), ("field [kA/m]", 1e3),
     ("B (mT)", 1e-3 / MU_0), ("mu0H (T)", 1 / MU_0), ("μ0H (T)", 1 / MU_0), ("µ0H (mT)", 1e-3 / MU_0),
     ("Magnetic Field (Oe)", OE), ("h (oe)", OE)],
)
def test_field_units(tmp_path, field_header, factor):
    p = write(tmp_path, table(f"{field_header},M (emu/g)", zip(H, M, strict=True)))
    c = read_mh_curve(p)
    assert c.field == pytest.approx(H * factor, rel=1e-14)
    assert c.magnetization == pytest.approx(M, rel=1e-15)  # 1 emu/g = 1 A m²/kg exactly


@pytest.mark.parametrize("mag_header", ["M (emu/g)", "M (A m2/kg)", "M (Am2/kg)", "magnetization (A·m²/kg)",
                                        "m (emu/g)"])
def test_mass_magnetization_units(tmp_path, mag_header):
    c = read_mh_curve(write(tmp_path, table(f"H (Oe),{mag_header}", zip(H, M, strict=True))))
    assert c.magnetization == pytest.approx(M, rel=1e-15)
    assert c.magnetization_kind == "mass"


def test_moment_needs_mass(tmp_path):
    p = write(tmp_path, table("H (Oe),m (emu)", zip(H, M * 1e-3, strict=True)))
    with pytest.raises(FerroKitInputError, match="mass"):
        read_mh_curve(p)
    c = read_mh_curve(p, mass=5e-6)  # 5 mg
    # emu → A m²: ×1e-3; divided by 5e-6 kg
    assert c.magnetization == pytest.approx(M * 1e-3 * 1e-3 / 5e-6, rel=1e-14)
    assert c.magnetization_kind == "moment" and c.mass == 5e-6
    c2 = read_mh_curve(write(tmp_path, table("H (Oe),moment (A m2)", zip(H, M * 1e-6, strict=True)), "b.csv"),
                       mass=1e-5)
    assert c2.magnetization == pytest.approx(M * 1e-6 / 1e-5, rel=1e-14)


@pytest.mark.parametrize(("unit", "factor"), [("kA/m", 1e3), ("emu/cm3", 1e3), ("A/m", 1.0)])
def test_volume_magnetization_needs_density(tmp_path, unit, factor):
    p = write(tmp_path, table(f"H (Oe),M ({unit})", zip(H, M, strict=True)))
    with pytest.raises(FerroKitInputError, match="density"):
        read_mh_curve(p)
    c = read_mh_curve(p, density=5170.0)
    assert c.magnetization == pytest.approx(M * factor / 5170.0, rel=1e-14)
    assert c.magnetization_kind == "volume"


def test_vsm_export_fixture_semicolon_decimal_comma_extra_columns():
    p = DATA / "mh_vsm_moment_semicolon.csv"
    c = read_mh_curve(p, mass=5e-6)
    assert c.n_points == 25
    assert c.field[0] == pytest.approx(10000 * OE, rel=1e-12)
    assert c.columns["field"] == ("Magnetic Field (Oe)", "Oe")
    assert c.columns["magnetization"] == ("Moment (emu)", "emu")
    # fixture moment 2.936098e-01 emu / 5 mg = 58.72 emu/g at 10 kOe
    assert c.magnetization[0] == pytest.approx(0.2936098e-3 / 5e-6, rel=1e-12)
    assert c.temperature == pytest.approx(300.0, abs=0.05)  # mean of the temperature column
    assert c.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert c.source == str(p)


def test_tab_separated_with_comments_and_temperature_comment(tmp_path):
    rows = [(a, b, "ok") for a, b in zip(H, M, strict=True)]
    text = "# exported by some VSM\n# temperature: 27 C\n\n" + table("H (kA/m)\tM (emu/g)\tnote (x)", rows,
                                                                   sep="\t")
    c = read_mh_curve(write(tmp_path, text, "c.tsv"))
    assert c.temperature == pytest.approx(300.15)
    assert c.field == pytest.approx(H * 1e3)
    assert c.comments[0] == "exported by some VSM"


def test_unparseable_temperature_comment_is_just_a_comment(tmp_path):
    text = "# temperature: room\n" + table("H (Oe),M (emu/g)", zip(H, M, strict=True))
    c = read_mh_curve(write(tmp_path, text))
    assert c.temperature is None


def test_bom_and_quoted_headers(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(("\ufeff" + table('"H (Oe)","M (emu/g)"', zip(H, M, strict=True))).encode("utf-8"))
    assert read_mh_curve(p).n_points == N


def test_time_column_named_t_is_ignored(tmp_path):
    rows = [(i, a, b) for i, (a, b) in enumerate(zip(H, M, strict=True))]
    c = read_mh_curve(write(tmp_path, table("t (s),H (Oe),M (emu/g)", rows)))
    assert c.temperature is None and "temperature" not in c.columns


# ---- bad input: one clear FerroKitInputError each --------------------------------------------------------

GOOD_ROWS = list(zip(H, M, strict=True))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("# only a comment\n\n", "empty"),
        (table("X (Oe),M (emu/g)", GOOD_ROWS), "no field column"),
        (table("H (Oe),Y (emu/g)", GOOD_ROWS), "no magnetisation column"),
        (table("H,M (emu/g)", GOOD_ROWS), "has no unit"),
        (table("H (Oe),M", GOOD_ROWS), "has no unit"),
        (table("H (furlong),M (emu/g)", GOOD_ROWS), "unknown field unit"),
        (table("H (Oe),M (emu/furlong)", GOOD_ROWS), "unknown magnetisation unit"),
        (table("H (Oe),M (emu/g)", [*GOOD_ROWS[:5], ("1.0", "abc"), *GOOD_ROWS[5:]]),
         "line 7, column 'M (emu/g)'"),
        (table("H (Oe),M (emu/g)", [*GOOD_ROWS[:3], ("", "1.0"), *GOOD_ROWS[3:]]),
         "line 5, column 'H (Oe)': empty"),
        # the cell errors name the file too (review: they named only the line)
        (table("H (Oe),M (emu/g)", [*GOOD_ROWS[:3], ("nan", "1.0"), *GOOD_ROWS[3:]]),
         "curve.csv line 5, column 'H (Oe)': 'nan' is not a finite number"),
        (table("H (Oe),M (emu/g)", [*GOOD_ROWS[:3], ("1.0",), *GOOD_ROWS[3:]]), "line 5"),
        (table("H (Oe),M (emu/g)", GOOD_ROWS[:9]), "at least 10"),
        (table("H (Oe),M (emu/g)", [(0.0, b) for b in M]), "zero on every row"),
        (table("H (Oe),H (Oe),M (emu/g)", [(a, a, b) for a, b in GOOD_ROWS]), "duplicated column"),
        (table("H (Oe),H (kA/m),M (emu/g)", [(a, a, b) for a, b in GOOD_ROWS]), "two field columns"),
        (table("H (Oe),M (emu/g),M (A m2/kg)", [(a, b, b) for a, b in GOOD_ROWS]),
         "two magnetization columns"),
        ("H (Oe) M (emu/g)\n1 2\n", "separator"),
    ],
)
def test_bad_files(tmp_path, text, fragment):
    p = write(tmp_path, text)
    with pytest.raises(FerroKitInputError, match=fragment.replace("(", r"\(").replace(")", r"\)")) as exc:
        read_mh_curve(p)
    assert "\n" not in str(exc.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FerroKitInputError, match="file not found"):
        read_mh_curve(tmp_path / "nope.csv")
    with pytest.raises(FerroKitInputError, match="not a file"):
        read_mh_curve(tmp_path)


def test_bad_mass_and_density(tmp_path):
    p = write(tmp_path, table("H (Oe),m (emu)", GOOD_ROWS))
    with pytest.raises(FerroKitInputError, match="mass"):
        read_mh_curve(p, mass=-1.0)
    with pytest.raises(FerroKitInputError, match="density"):
        read_mh_curve(p, mass=1e-6, density=0.0)
