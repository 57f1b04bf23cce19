"""`ferrokit relaxometry` t1/t2/t2star/relaxivity on files written in tmp_path; table readers; bad input."""

import json
import math

import nibabel as nib
import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli.relaxometry import app
from ferrokit.io.relaxometry import read_rates_table, read_relaxation_table
from ferrokit.materials import iron_molar_concentration

from .conftest import assert_one_line_error

TE_MS = [10, 20, 30, 40, 60, 80]


def _phantom(tmp_path, *, sidecar=True):
    """Two tubes (T2 40 and 100 ms) in a 6×6×2 volume; one 3D NIfTI per echo plus a label map."""
    rng = np.random.default_rng(5)
    labels = np.zeros((6, 6, 2), np.int16)
    labels[:3, :, :], labels[3:, :, :] = 1, 2
    t2 = np.where(labels == 1, 0.04, 0.1)
    aff = np.diag([1.0, 1.0, 2.0, 1.0])
    paths = []
    for te in TE_MS:
        img = 1000 * np.exp(-te * 1e-3 / t2) + 20 + rng.normal(0, 3, t2.shape)
        p = tmp_path / f"echo_{te}.nii.gz"
        nib.save(nib.Nifti1Image(img, aff), str(p))
        if sidecar:
            (tmp_path / f"echo_{te}.json").write_text(json.dumps({"EchoTime": te * 1e-3}))
        paths.append(str(p))
    lab = tmp_path / "labels.nii.gz"
    nib.save(nib.Nifti1Image(labels, aff), str(lab))
    return paths, str(lab)


def test_t2_images_headers_labels_and_outputs(runner, tmp_path):
    paths, lab = _phantom(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["t2", *paths, "--labels", lab, "--out-dir", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["times_source"] == "image headers"
    for label, true in (("1", 0.04), ("2", 0.1)):
        v = data["labels"][label]["value"]
        # 36 voxels × 6 echoes at σ = 3: stderr ≈ 0.1 ms; 5 stderr
        assert v["value"] == pytest.approx(true, abs=5 * v["stderr"]) and v["unit"] == "s"
    names = {p.name for p in out.iterdir()}
    assert {"t2.nii.gz", "t2_stderr.nii.gz", "t2_offset.nii.gz", "t2_labels.csv", "t2_fit.png",
            "t2_result.json"} <= names
    t2map = nib.load(str(out / "t2.nii.gz"))
    assert t2map.shape == (6, 6, 2) and np.allclose(t2map.affine, np.diag([1.0, 1.0, 2.0, 1.0]))
    assert np.nanmedian(np.asarray(t2map.dataobj)[:3]) == pytest.approx(0.04, rel=0.02)
    assert "label" in (out / "t2_labels.csv").read_text().splitlines()[0]


def test_t2_4d_with_te_option_and_table_output(runner, tmp_path):
    paths, lab = _phantom(tmp_path, sidecar=False)
    stack = np.stack([np.asarray(nib.load(p).dataobj) for p in paths], axis=-1)
    p4 = tmp_path / "series.nii.gz"
    nib.save(nib.Nifti1Image(stack, np.diag([1.0, 1.0, 2.0, 1.0])), str(p4))
    result = runner.invoke(app, ["t2", str(p4), "--te", "10,20,30,40,60,80ms", "--mask", lab,
                                 "--model", "rician"])
    assert result.exit_code == 0, result.output
    assert "T2" in result.stdout


def test_t1_ir_csv_table_per_label(runner, tmp_path):
    ti = [50, 100, 200, 400, 800, 1600, 3200]
    rows = ["TI (ms),signal (a.u.),label"]
    for lab, t1 in (("A", 0.3), ("B", 1.2)):
        rows += [f"{t},{abs(1000 * (1 - 2 * math.exp(-t * 1e-3 / t1))):.4f},{lab}" for t in ti]
    f = tmp_path / "ir.csv"
    f.write_text("\n".join(rows) + "\n")
    result = runner.invoke(app, ["t1", str(f), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["labels"]["A"]["value"]["value"] == pytest.approx(0.3, rel=1e-4)  # 4-decimal rounding
    assert data["labels"]["B"]["value"]["value"] == pytest.approx(1.2, rel=1e-4)
    assert data["labels"]["A"]["params"]["offset"]["value"] == pytest.approx(1000, rel=1e-4)


def test_t1_vfa_csv(runner, tmp_path):
    rows = ["flip angle (deg);signal"]
    e1 = math.exp(-15 / 900)
    for a in (2, 5, 10, 15, 20, 30):
        r = math.radians(a)
        rows.append(f"{a};{500 * math.sin(r) * (1 - e1) / (1 - math.cos(r) * e1):.6f}".replace(".", ","))
    f = tmp_path / "vfa.csv"
    f.write_text("\n".join(rows))
    result = runner.invoke(app, ["t1", str(f), "--method", "vfa", "--tr", "15ms", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["labels"]["all"]["value"]["value"] == pytest.approx(0.9, rel=1e-4)


def test_relaxivity_cli_mg_fe_and_t2_ms(runner, tmp_path):
    mg = np.array([0.0, 0.005, 0.01, 0.02, 0.04])  # mg Fe/mL
    c_mm = iron_molar_concentration(mg)  # 17.9 mM per mg Fe/mL
    r2 = 0.5 + 60 * c_mm
    f = tmp_path / "rates.csv"
    f.write_text("concentration (mg Fe/mL),T2 (ms),R1 (1/s)\n" +
                 "\n".join(f"{m},{1e3 / r:.9g},{0.3 + 8 * c:.9g}" for m, r, c in zip(mg, r2, c_mm, strict=True)))
    plot, out = tmp_path / "r.png", tmp_path / "r.json"
    result = runner.invoke(app, ["relaxivity", str(f), "--json", "--plot", str(plot), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fits"]["R2"]["relaxivity"]["value"] == pytest.approx(60, rel=1e-6)
    assert data["fits"]["R1"]["relaxivity"]["value"] == pytest.approx(8, rel=1e-6)
    assert data["fits"]["R2"]["relaxivity"]["unit"] == "1/(mM s)"
    assert plot.stat().st_size > 0 and json.loads(out.read_text())["fits"]["R2"]
    table = runner.invoke(app, ["relaxivity", str(f), "--rate", "R2"])
    assert table.exit_code == 0 and "R2" in table.stdout


def test_rates_reader_units(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("# phantom\n[Fe] (uM)\tR2* (1/ms)\tsample\n100\t0,02\ta\n200\t0,03\tb\n")
    t = read_rates_table(f)
    assert t.concentration.tolist() == pytest.approx([0.1, 0.2])
    assert t.rates["R2*"].tolist() == pytest.approx([20.0, 30.0])
    assert t.labels.tolist() == ["a", "b"]
    g = tmp_path / "s.csv"
    g.write_text("TE (s),signal\n0.01,5\n0.02,4\n")
    assert read_relaxation_table(g).times.tolist() == [0.01, 0.02]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("concentration (mg/mL),R2 (1/s)\n0,1\n", "mass of what"),
        ("concentration,R2 (1/s)\n0,1\n", "no unit"),
        ("concentration (mM),R2\n0,1\n", "no unit"),
        ("concentration (mM),R2 (furlongs)\n0,1\n", "unknown rate unit"),
        ("concentration (mM),T2 (kg)\n0,1\n", "not a time unit"),
        ("concentration (mM),R2 (1/s),T2 (ms)\n0,1,1000\n", "given twice"),
        ("concentration (mM),signal\n0,1\n", "no R1/R2"),
        ("R2 (1/s)\n1\n", "no concentration"),
        ("concentration (mM),R2 (1/s)\n0,abc\n", "bad.csv line 2, column 'R2 \\(1/s\\)': not a number"),
        ("concentration (mM),R2 (1/s)\n0,-1\n", "≤ 0"),
    ],
)
def test_rates_reader_bad(tmp_path, text, fragment):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(FerroKitInputError, match=fragment):
        read_rates_table(f)


def _bad_cases(tmp_path):
    paths, _lab = _phantom(tmp_path)
    other = tmp_path / "other.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((6, 6, 3)), np.eye(4)), str(other))
    empty = tmp_path / "empty.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((6, 6, 2)), np.diag([1.0, 1.0, 2.0, 1.0])), str(empty))
    nohdr = []
    for i, p in enumerate(paths[:3]):
        q = tmp_path / f"nohdr{i}.nii.gz"
        q.write_bytes(open(p, "rb").read())
        nohdr.append(str(q))
    corrupt = tmp_path / "corrupt.nii.gz"
    corrupt.write_bytes(b"not an image")
    csvf = tmp_path / "te.csv"
    csvf.write_text("TE (ms),signal\n10,5\n20,4\n30,3\n")
    return {
        "mismatch": (["t2", paths[0], str(other), paths[2]], "shapes differ"),
        "labels_geometry": (["t2", *paths, "--labels", str(other)], "shapes differ"),
        "empty_mask": (["t2", *paths, "--mask", str(empty)], "empty"),
        "no_headers": (["t2", *nohdr], "--te"),
        "te_count": (["t2", *paths, "--te", "10,20ms"], "lists 2 values"),
        "te_unit": (["t2", *paths, "--te", "10,20,30,40,60,80"], "no unit"),
        "te_wrong_unit": (["t2", *paths, "--te", "10,20,30,40,60,80kg"], "unit"),
        "missing": (["t2", str(tmp_path / "nope.nii.gz"), paths[0], paths[1]], "not found"),
        "3d_single": (["t2", paths[0]], "is 3D"),
        "bad_model": (["t2", *paths, "--model", "biexp"], "model"),
        "bad_method": (["t1", *paths, "--method", "look-locker"], "--method"),
        "vfa_no_tr": (["t1", *paths, "--method", "vfa", "--flip-angles", "2,4,6,8,10,12deg"], "repetition"),
        "csv_wrong_kind": (["t1", str(csvf)], "does not fit"),
        "csv_with_te": (["t2", str(csvf), "--te", "1,2,3ms"], "gives the times"),
        "corrupt": (["t2", str(corrupt), paths[1], paths[2]], "cannot read NIfTI"),
    }


@pytest.mark.parametrize("case", ["mismatch", "labels_geometry", "empty_mask", "no_headers", "te_count", "te_unit",
                                  "te_wrong_unit", "missing", "3d_single", "bad_model", "bad_method", "vfa_no_tr",
                                  "csv_wrong_kind", "csv_with_te", "corrupt"])
def test_bad_input_exit_2_no_files(runner, tmp_path, case):
    args, fragment = _bad_cases(tmp_path)[case]
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--out-dir", str(out)] if args[0] != "relaxivity" else args)
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_relaxivity_bad_input_no_files(runner, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("concentration (mM),R2 (1/s)\n0,1\n0.1,7\n")
    plot, out = tmp_path / "p.png", tmp_path / "o.json"
    result = runner.invoke(app, ["relaxivity", str(f), "--plot", str(plot), "--out", str(out)])
    assert_one_line_error(result, 2, "at least 3 points")
    assert not plot.exists() and not out.exists()
    result = runner.invoke(app, ["relaxivity", str(f), "--rate", "R1"])
    assert_one_line_error(result, 2, "--rate")
    result = runner.invoke(app, ["relaxivity", str(f), "--weighting", "1/x"])
    assert_one_line_error(result, 2, "weighting")
