"""`ferrokit response simulate`: table, JSON, files; bad configs → one error line, exit 2, nothing written."""

import json
import shutil
from pathlib import Path

import pytest

from ferrokit.cli.response import app

from .conftest import assert_one_line_error

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "response_example.yaml"

MINI = """
growth: {kind: exponential, rate: 0.2 1/d, initial_volume: 100 mm3}
duration: 30 d
arms:
  - name: control
  - name: RT
    radiation: {times: [1 d], dose_per_fraction: 8 Gy}
"""


def test_example_config_runs_with_json_plot_and_out(runner, tmp_path):
    plot, out = tmp_path / "arms.png", tmp_path / "res" / "resp.json"
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--json", "--plot", str(plot), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ferrokit_version"]
    arms = data["result"]["arms"]
    assert set(arms) >= {"control", "MHT", "CDT", "RT", "chemo", "MHT+CDT", "MHT+RT"}
    assert arms["RT"]["final_volume"]["unit"] == "m3"
    assert {row["combination"] for row in data["result"]["synergy"]} == {"MHT+CDT", "MHT+RT"}
    assert plot.stat().st_size > 0
    assert json.loads(out.read_text())["result"]["control_arm"] == "control"


def test_table_output_and_hand_checked_growth_delay(runner, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(MINI)
    result = runner.invoke(app, ["simulate", str(cfg), "--json"])
    assert result.exit_code == 0, result.output
    rt = json.loads(result.stdout)["result"]["arms"]["RT"]
    # LQ: ln(1/S) = 0.3·8 + 0.03·64 = 4.32; exponential growth delay = 4.32/0.2 d = 21.6 d
    assert rt["growth_delay"]["value"] / 86400 == pytest.approx(21.6, rel=1e-4)
    table = runner.invoke(app, ["simulate", str(cfg)])
    assert table.exit_code == 0 and "RT" in table.stdout and "21.60 d" in table.stdout


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (MINI.replace("0.2 1/d", "0.2"), "growth.rate"),
        (MINI.replace("8 Gy", "8 Sv"), "dose_per_fraction"),
        (MINI.replace("kind: exponential", "kind: cubic"), "growth.kind"),
        (MINI.replace("duration: 30 d", ""), "duration"),
        (MINI + "  - name: RT\n", "unique"),
        (MINI.replace("radiation:", "laser:"), "unknown key"),
        ("growth: [1, 2", "not valid YAML"),
        ("- just a list", "mapping"),
    ],
)
def test_bad_config(runner, tmp_path, text, fragment):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    out, plot = tmp_path / "never.json", tmp_path / "never.png"
    result = runner.invoke(app, ["simulate", str(cfg), "--out", str(out), "--plot", str(plot)])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists() and not plot.exists()


def test_missing_file_and_bad_plot_suffix(runner, tmp_path):
    assert_one_line_error(runner.invoke(app, ["simulate", str(tmp_path / "nope.yaml")]), 2, "not found")
    cfg = tmp_path / "c.yaml"
    shutil.copy(EXAMPLE, cfg)
    assert_one_line_error(runner.invoke(app, ["simulate", str(cfg), "--plot", str(tmp_path / "x.gif")]), 2,
                          "--plot")
