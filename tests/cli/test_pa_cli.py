"""`ferrokit pa simulate` and `ferrokit pa unmix`: outputs, JSON, and one-line errors for bad input."""

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from ferrokit.cli.pa import app
from ferrokit.io.images import write_nifti
from ferrokit.optics.photoacoustics import endmember_matrix

from .conftest import assert_one_line_error

SMALL = """
grid: {shape: [64, 64], spacing: 0.1 mm}
medium: {sound_speed: 1500 m/s}
source:
  fluence: 10 mJ/cm2
  gruneisen: 0.2
  absorbers:
    - {shape: sphere, center: [0.5 mm, -0.3 mm], radius: 0.4 mm, mu_a: 5 /cm}
sensor: {kind: ring, radius: 2 mm, elements: 48, noise: {snr_db: 30}}
time: {duration: 3 us}
pml: {size: 10}
reconstruction: {methods: [das, time_reversal]}
"""


def test_simulate_writes_images_and_data(runner, tmp_path):
    cfg = tmp_path / "pa.yaml"
    cfg.write_text(SMALL)
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(cfg), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # p0 = Γ μa Φ = 0.2 × 500 /m × 100 J/m² = 10 kPa
    assert data["result"]["p0_max"] == {"value": pytest.approx(1e4), "unit": "Pa"}
    assert data["ferrokit_version"] and data["config_sha256"]
    assert data["result"]["images"]["time_reversal"]["correlation_with_p0"] > 0.7
    for name in ("p0_Pa.nii.gz", "recon_das.nii.gz", "recon_time_reversal.nii.gz", "sensor_data_Pa.npy",
                 "images.png", "sensor_data.png", "summary.json"):
        assert (out / name).exists(), name
    sd = np.load(out / "sensor_data_Pa.npy")
    assert sd.shape[0] == 48 and sd.shape[1] == data["result"]["n_samples"]
    img = nib.load(out / "p0_Pa.nii.gz")
    assert img.shape == (64, 64, 1) and np.allclose(img.header.get_zooms(), (0.1, 0.1, 0.1))


def test_simulate_table_output(runner, tmp_path):
    cfg = tmp_path / "pa.yaml"
    cfg.write_text(SMALL.replace("methods: [das, time_reversal]", "methods: [ubp]"))
    result = runner.invoke(app, ["simulate", str(cfg), "--out", str(tmp_path / "o"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "ubp: corr. with p0" in result.stdout


@pytest.mark.parametrize("edit, fragment", [
    (("spacing: 0.1 mm", "spacing: 0.1"), "no unit"),
    (("sound_speed: 1500 m/s", "sound_speed: 1500 furlongs"), "unknown speed unit"),
    (("gruneisen: 0.2", "gruneisen: 0.2\n  temperature: 37 C"), "exactly one of gruneisen"),
    (("kind: ring, radius: 2 mm,", "kind: ring,"), "needs radius"),
    (("pml: {size: 10}", "pml: {size: 40}"), "pml.size"),
    (("duration: 3 us", "durration: 3 us"), "unknown key"),
    (("center: [0.5 mm, -0.3 mm]", "center: [0.5 mm]"), "2 coordinates"),
])
def test_simulate_bad_config_is_one_line(runner, tmp_path, edit, fragment):
    cfg = tmp_path / "pa.yaml"
    cfg.write_text(SMALL.replace(*edit))
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(cfg), "--out", str(out)])
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_simulate_missing_and_corrupt_files(runner, tmp_path):
    assert_one_line_error(runner.invoke(app, ["simulate", str(tmp_path / "none.yaml")]), 2, "not found")
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid: [unclosed\n")
    assert_one_line_error(runner.invoke(app, ["simulate", str(bad)]), 2, "not valid YAML")


def _write_stack(tmp_path, conc, wl):
    e = endmember_matrix(["HbO2", "Hb"], wl)
    paths = []
    for i in range(len(wl)):
        p = tmp_path / f"pa_{i}.nii.gz"
        write_nifti(p, np.einsum("k,kxyz->xyz", e[i], conc) * 0.2 * 100.0, spacing=(1e-4,) * 3)
        paths.append(str(p))
    return paths


def test_unmix_recovers_concentrations_and_so2(runner, tmp_path):
    wl = [750e-9, 800e-9, 850e-9]
    conc = np.zeros((2, 8, 8, 1))
    conc[0], conc[1] = 1.5, 0.5  # mol/m³ → sO2 = 0.75
    paths = _write_stack(tmp_path, conc, wl)
    out = tmp_path / "u"
    result = runner.invoke(app, ["unmix", *paths, "--wavelengths", "750,800,850nm", "--fluence", "10mJ/cm2",
                                 "--gruneisen", "0.2", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # NIfTI stores float32: relative error ~1e-7
    assert data["unmixing"]["components"]["HbO2"]["mean"] == pytest.approx(1.5, rel=1e-5)
    assert data["unmixing"]["components"]["Hb"]["mean"] == pytest.approx(0.5, rel=1e-5)
    assert data["sO2"]["mean"] == pytest.approx(0.75, rel=1e-5)
    assert data["units"]["HbO2"] == "mol/m3"
    so2 = nib.load(out / "sO2.nii.gz").get_fdata()
    assert np.allclose(so2, 0.75, atol=1e-5)
    table = runner.invoke(app, ["unmix", *paths, "-w", "750,800,850nm", "--out", str(tmp_path / "u2")])
    assert table.exit_code == 0 and "relative" in table.stdout


def test_unmix_bad_input(runner, tmp_path):
    wl = [750e-9, 800e-9]
    paths = _write_stack(tmp_path, np.ones((2, 4, 4, 1)), wl)
    out = tmp_path / "u"
    assert_one_line_error(runner.invoke(app, ["unmix", *paths, "-w", "750,800,850nm", "--out", str(out)]),
                          2, "wavelength")
    assert_one_line_error(runner.invoke(app, ["unmix", *paths, "-w", "750,800nm", "-c", "HbO2,gold",
                                              "--out", str(out)]), 2, "unknown component")
    assert_one_line_error(runner.invoke(app, ["unmix", *paths, "-w", "750,800nm", "--fluence", "10mJ/cm2",
                                              "--out", str(out)]), 2, "together")
    assert_one_line_error(runner.invoke(app, ["unmix", *paths, "-w", "750,800 parsecs", "--out", str(out)]), 2)
    assert_one_line_error(runner.invoke(app, ["unmix", str(tmp_path / "missing.nii.gz"), "-w", "750nm",
                                              "-c", "HbO2", "--out", str(out)]), 2, "not found")
    assert not out.exists()


AGENT_CSV = Path(__file__).resolve().parents[1] / "optics" / "data" / "fe_polyphenol_synthetic_spectrum.csv"


def test_unmix_with_agent_csv_and_depth_fluence_correction(runner, tmp_path):
    from ferrokit.io.spectra import read_agent_spectrum
    from ferrokit.optics import tissue_optics
    from ferrokit.optics.photoacoustics import depth_fluence

    wl = np.array([700, 750, 800, 850, 900]) * 1e-9
    agent_csv = tmp_path / "FeTA.csv"
    agent_csv.write_bytes(AGENT_CSV.read_bytes())
    e = endmember_matrix(["HbO2", "Hb", read_agent_spectrum(agent_csv)], wl)
    truth = np.array([0.8, 0.2, 0.3])                      # mol/m³, mol/m³, kg/m³ → sO2 0.8
    h, nz, surf = 2e-4, 60, 5                              # light enters along axis 2 at voxel 5
    z = np.clip((np.arange(nz) - surf + 0.5) * h, 0.0, None)
    bg = tissue_optics("soft", wl)
    phi = depth_fluence(wl, z, mu_a=bg.mu_a, mu_s_prime=bg.mu_s_prime, irradiance=100.0)   # 10 mJ/cm²
    paths = []
    for i in range(wl.size):
        p = tmp_path / f"pa_{i}.nii.gz"
        write_nifti(p, np.broadcast_to(0.2 * (e[i] @ truth) * phi[i], (3, 3, nz)).copy(), spacing=(h,) * 3)
        paths.append(str(p))
    common = ["unmix", *paths, "-w", "700,750,800,850,900nm", "--agent", str(agent_csv), "--fluence", "10mJ/cm2",
              "--gruneisen", "0.2", "--json"]
    ok = runner.invoke(app, [*common, "--tissue", "soft", "--surface", str(surf), "--out", str(tmp_path / "c")])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    # same fluence model on both sides: exact up to float32 NIfTI storage (~1e-7 relative, amplified by the fit)
    for name, value in zip(["HbO2", "Hb", "FeTA"], truth, strict=True):
        assert data["unmixing"]["components"][name]["mean"] == pytest.approx(value, rel=1e-4)
    assert data["sO2"]["mean"] == pytest.approx(0.8, abs=1e-4)
    assert data["units"]["FeTA"] == "kg/m3" and data["agents"][0]["status"].startswith("measured")
    assert data["fluence_correction"]["tissue"] == "soft"
    assert (tmp_path / "c" / "FeTA.nii.gz").is_file()
    raw = runner.invoke(app, [*common, "--out", str(tmp_path / "r")])      # no correction: spectral colouring
    assert raw.exit_code == 0, raw.output
    assert json.loads(raw.stdout)["sO2"]["mean"] > 0.85
    bad = [(["--tissue", "soft", "--depth-axis", "3"], "depth-axis"),
           (["--tissue", "soft", "--surface", "60"], "surface"),
           (["--tissue", "liver"], "unknown tissue")]
    for extra, msg in bad:
        assert_one_line_error(runner.invoke(app, [*common, *extra, "--out", str(tmp_path / "bad")]), 2, msg)
    broken = tmp_path / "broken.csv"
    broken.write_text("wavelength (nm),colour\n700,1\n800,2\n900,3\n")
    assert_one_line_error(runner.invoke(app, ["unmix", *paths, "-w", "700,750,800,850,900nm", "--agent",
                                              str(broken), "--out", str(tmp_path / "bad")]), 2, "absorption column")
    hb = tmp_path / "Hb.csv"
    hb.write_bytes(AGENT_CSV.read_bytes())
    assert_one_line_error(runner.invoke(app, ["unmix", *paths, "-w", "700,750,800,850,900nm", "--agent", str(hb),
                                              "--out", str(tmp_path / "bad")]), 2, "component name")
    assert not (tmp_path / "bad").exists()


@pytest.mark.slow
def test_example_config_runs(runner, tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "pa_example.yaml"
    result = runner.invoke(app, ["simulate", str(example), "--out", str(tmp_path / "ex"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["result"]["images"]) == {"das", "ubp", "time_reversal"}
    assert data["result"]["images"]["time_reversal"]["correlation_with_p0"] > 0.8
