"""`ferrokit magnetometry fit`: table, JSON, plot and JSON files; bad input: one line, exit 2, no files."""

import hashlib
import json
from pathlib import Path

import pytest

from ferrokit import __version__
from ferrokit.cli.magnetometry import app
from ferrokit.io.magnetometry import read_mh_curve
from ferrokit.magnetism import LangevinModel

from .conftest import assert_one_line_error

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mh_curve_example.csv"
FIXTURE = ROOT / "tests" / "data" / "mh_vsm_moment_semicolon.csv"


def test_fit_json_matches_the_api(runner):
    result = runner.invoke(app, ["fit", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    curve = read_mh_curve(EXAMPLE)
    fit = LangevinModel(temperature=300.0).fit(curve.field, curve.magnetization)
    for key in ("ms", "median_diameter", "sigma", "chi_background"):
        assert data["fit"]["params"][key]["value"] == pytest.approx(fit.params[key], rel=1e-9)
        assert data["fit"]["params"][key]["unit"]
    assert data["ferrokit_version"] == __version__
    assert data["input"]["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert data["temperature_source"] == "from the file"
    assert data["fit"]["loop"]["coercivity"]["unit"] == "A/m"
    # the bundled synthetic curve was made with Ms 68 emu/g, d0 9 nm, σ 0.25 (examples/make_mh_example.py)
    assert data["fit"]["params"]["ms"]["value"] == pytest.approx(68.0, rel=0.01)
    assert data["fit"]["params"]["median_diameter"]["value"] == pytest.approx(9e-9, rel=0.03)


def test_fit_table_in_lab_units(runner):
    result = runner.invoke(app, ["fit", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    for fragment in ("Ms", "emu/g", "nm", "Oe", "kA/m", "remanence"):
        assert fragment in result.stdout


def test_plot_and_out_files(runner, tmp_path):
    png, out = tmp_path / "fit.png", tmp_path / "sub" / "result.json"
    result = runner.invoke(app, ["fit", str(EXAMPLE), "--plot", str(png), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(out.read_text()) == json.loads(result.stdout)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_options_mass_temperature_density_background(runner):
    args = ["fit", str(FIXTURE), "--mass", "5mg", "--temperature", "27C", "--density", "5170kg/m3",
            "--background-above", "8kOe", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fit"]["settings"]["temperature"]["value"] == pytest.approx(300.15)
    assert data["temperature_source"] == "--temperature"
    assert data["fit"]["settings"]["background"] == "high_field_slope"
    assert data["input"]["magnetization_kind"] == "moment"
    result = runner.invoke(app, ["fit", str(FIXTURE), "--mass", "5mg", "--no-background", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fit"]["params"]["ms"]["value"] == pytest.approx(60.0, rel=0.01)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--mass", "5"], "--mass"),
        (["--mass", "5 parsecs"], "--mass"),
        (["--temperature", "hot"], "--temperature"),
        (["--density", "5.17"], "--density"),
        (["--no-background", "--background-above", "10kOe"], "not both"),
        (["--background-above", "900kOe"], "background_above"),
    ],
)
def test_bad_options(runner, tmp_path, args, fragment):
    png, out = tmp_path / "f.png", tmp_path / "r.json"
    result = runner.invoke(app, ["fit", str(EXAMPLE), *args, "--plot", str(png), "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert not png.exists() and not out.exists()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("H (Oe),M (emu/g)\n1,2\n", "at least 10"),
     ("H,M (emu/g)\n" + "1,2\n" * 12, "no unit"),
     ("H (Oe),m (emu)\n" + "".join(f"{i},{i}\n" for i in range(12)), "mass"),
     ("H (Oe),M (emu/g)\n" + "1,x\n" * 12, "not a number")],
)
def test_bad_file_exit_2_one_line_no_output_files(runner, tmp_path, text, fragment):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    png, out = tmp_path / "fit.png", tmp_path / "result.json"
    result = runner.invoke(app, ["fit", str(bad), "--plot", str(png), "--out", str(out), "--json"])
    assert_one_line_error(result, 2, fragment)
    assert result.stdout == ""
    assert not png.exists() and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_missing_file(runner, tmp_path):
    result = runner.invoke(app, ["fit", str(tmp_path / "missing.csv")])
    assert_one_line_error(result, 2, "file not found")


def test_bad_plot_suffix(runner, tmp_path):
    result = runner.invoke(app, ["fit", str(EXAMPLE), "--plot", str(tmp_path / "fit.txt")])
    assert_one_line_error(result, 2, "--plot")
    assert not (tmp_path / "fit.txt").exists()


@pytest.mark.parametrize("where", ["file_in_the_way", "folder_as_target"])
def test_unwritable_out_path_is_bad_input(runner, tmp_path, where):
    # review: a file in place of the output folder gave exit 1 'FileExistsError', a folder as --out named a temp file
    if where == "file_in_the_way":
        (tmp_path / "afile").write_text("x")
        out, fragment = tmp_path / "afile" / "fit.json", "a file is in the way"
    else:
        out, fragment = tmp_path / "fit.json", "is a folder"
        out.mkdir()
    result = runner.invoke(app, ["fit", str(EXAMPLE), "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert ".tmp" not in result.stderr
