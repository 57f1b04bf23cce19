"""`ferrokit calorimetry analyze`: table, JSON, files; bad input: one line, exit 2, no files."""

import hashlib
import json
from pathlib import Path

import pytest

from ferrokit import __version__
from ferrokit.cli.calorimetry import app
from ferrokit.hyperthermia.slp import parse_amf

from .conftest import assert_one_line_error

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "heating_curve_example.csv"
SAMPLE = ROOT / "examples" / "sample_example.yaml"


def test_json_with_sample_and_field(runner):
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--sample", str(SAMPLE), "--field", "300kHz,15kA/m",
                                 "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["ferrokit_version"] == __version__
    assert d["input"]["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert d["sample"]["metadata"]["probe"]["type"] == "fibre-optic GaAs"
    assert d["sample"]["metadata"]["geometry"]["container"].startswith("2 mL")
    methods = d["result"]["methods"]
    # the example was generated with SLP = 250 W/g (examples/make_heating_curve_example.py); loss-corrected
    # fit standard error ~0.7 % (with 3 % iron-mass uncertainty on top): 3 % covers it; initial slope is low
    assert methods["loss_corrected"]["slp"]["value"] == pytest.approx(250e3, rel=0.03)
    assert methods["initial_slope"]["slp"]["value"] < 0.97 * 250e3
    ilp = methods["loss_corrected"]["ilp"]
    assert ilp["value"] == pytest.approx(methods["loss_corrected"]["slp"]["value"] / (15e3 ** 2 * 300e3))
    assert d["field_source"] == "--field"
    assert set(d["slp_per_probe"]) == {"T1", "T2"}


def test_table_output_plot_and_out(runner, tmp_path):
    png, out = tmp_path / "fig.png", tmp_path / "sub" / "r.json"
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--fe-mass", "1mg", "--volume", "1mL",
                                 "--plot", str(png), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for fragment in ("initial slope", "loss", "W/g", "window"):
        assert fragment in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(out.read_text())["command"] == "calorimetry analyze"
    assert [p.name for p in tmp_path.rglob(".*")] == []


def test_field_from_sample_calibration_and_probe_choice(runner):
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--sample", str(SAMPLE), "--probe", "T2", "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["field_source"].startswith("sample file")
    assert d["probe_analysed"] == "T2" and d["slp_per_probe"] is None


def test_parse_amf_for_the_field_option():
    assert parse_amf("300kHz,15kA/m") == (300e3, 15e3)
    f, h = parse_amf("20 mT, 100 kHz")
    assert f == 100e3 and h == pytest.approx(20e-3 / (4e-7 * 3.141592653589793), rel=1e-6)


@pytest.mark.parametrize("args, fragment", [
    (["--fe-mass", "1mg", "--volume", "1mL", "--field", "300kHz"], "--field"),
    (["--fe-mass", "1mg", "--volume", "1mL", "--field", "300kHz,400kHz"], "one frequency and one field"),
    (["--fe-mass", "1mg", "--volume", "1mL", "--field", "300kHz,15 parsecs"], "neither"),
    (["--fe-mass", "-1mg", "--volume", "1mL"], "--fe-mass"),
    (["--fe-mass", "1", "--volume", "1mL"], "no unit"),
    (["--volume", "1mL"], "iron mass is unknown"),
    (["--fe-mass", "1mg"], "heat capacity is unknown"),
    (["--fe-mass", "1mg", "--volume", "1mL", "--probe", "T9"], "no probe"),
    (["--fe-mass", "1mg", "--volume", "1mL", "--plot", "x.gif"], "--plot"),
])
def test_bad_options(runner, tmp_path, args, fragment):
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["analyze", str(EXAMPLE), *args, "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


@pytest.mark.parametrize("content, fragment", [
    ("time (s),T (°F)\n" + "\n".join(f"{i},77" for i in range(20)), "°F"),
    ("time,T\n" + "\n".join(f"{i},25" for i in range(20)), "no unit"),
    ("time (s),T (C),field (on/off)\n" + "\n".join(f"{i},25,off" for i in range(20)), "no heating phase"),
    ("time (s),T (C),field (on/off)\n" + "\n".join(f"{i},{25 + 0.001 * ((-1) ** i)},on" for i in range(40)),
     "no heating phase"),
])
def test_bad_curve_files(runner, tmp_path, content, fragment):
    p = tmp_path / "c.csv"
    p.write_text(content + "\n")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["analyze", str(p), "--fe-mass", "1mg", "--volume", "1mL", "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_bad_sample_file(runner, tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("volume: 1 mL\nvial_colour: amber\n")
    result = runner.invoke(app, ["analyze", str(EXAMPLE), "--fe-mass", "1mg", "--sample", str(p)])
    assert_one_line_error(result, 2, "unknown key")
