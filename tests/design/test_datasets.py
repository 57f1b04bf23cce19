"""Design datasets: shipped DiMag tables (units, rejects) and user CSV files."""

import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.design import load_dimag, load_ditox, normalise_doi, read_design_csv


def test_sar_units_guardia_row():
    # Guardia et al., ACS Nano 2012 (doi:10.1021/nn2048137): 19 nm cubes, 2452 W/g at 520 kHz, 29 kA/m
    # [seen-secondary, data/hyperthermia/slp_literature.csv]. DiMag lists 365.4 (Oe) and 0.52 (MHz), 2450.55.
    t = load_dimag("sar")
    i = [k for k, d in enumerate(t.text["doi"]) if d == "10.1021/nn2048137"]
    h = t.numeric["field_amplitude"][i]
    f = t.numeric["frequency"][i]
    sar = t.numeric["sar"][i]
    k = int(np.argmax(sar))
    assert f[k] == pytest.approx(520e3, rel=1e-9)  # MHz → Hz exactly
    assert h[k] == pytest.approx(29.08e3, rel=1e-3)  # 365.4 Oe × 1000/(4π) A/m
    assert sar[k] == pytest.approx(2452e3, rel=1e-3)  # W/g → W/kg; digitised value within 0.1 %
    # size from surface/volume: 6/(0.32 nm⁻¹) = 18.75 nm, the 19 nm cube edge (±2 %: 3 digits in the table)
    assert t.numeric["core_size"][i[0]] == pytest.approx(19e-9, rel=0.02)


def test_rejected_rows_have_reasons_and_counts_add_up():
    for target, total in (("sar", 460), ("r1", 355), ("r2", 465)):
        t = load_dimag(target)
        assert len(t) + len(t.rejected) == total
        assert all(r.reason and r.line >= 2 for r in t.rejected)
    reasons = " ".join(r.reason for r in load_dimag("sar").rejected)
    assert "'C' is not supported" in reasons  # the iron carbide rows (Fe2.2C1Fe5C2)
    assert "'Tb' is not supported" in reasons


def test_relaxivity_field_in_tesla():
    t = load_dimag("r2")
    b0 = t.numeric["field_strength"]
    assert set(np.round(b0, 3)) >= {0.47, 1.41, 1.5, 3.0, 9.4}  # minispec 20/60 MHz, clinical, 400 MHz fields


def test_doi_normalisation_merges_prefixes():
    assert normalise_doi("https://doi.org/10.1/AbC") == normalise_doi("10.1/abc") == "10.1/abc"


def test_user_csv_units(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("doi,composition,core_size (nm),ms (emu/g),field_amplitude (kA/m),frequency (kHz),sar (W/g),notes\n"
                 "my-lab-1,Fe3O4,12,70,20,300,150,extra column ignored\n"
                 "my-lab-1,CoFe2O4,10,60,20,300,80,\n"
                 "my-lab-1,Fe5C2,10,60,20,300,80,\n", encoding="utf-8")
    t = read_design_csv(p, "sar")
    assert len(t) == 2 and len(t.rejected) == 1 and t.rejected[0].line == 4
    assert t.numeric["core_size"][0] == pytest.approx(12e-9)
    assert t.numeric["field_amplitude"][0] == pytest.approx(20e3)
    assert t.numeric["frequency"][0] == pytest.approx(300e3)
    assert t.numeric["sar"][0] == pytest.approx(150e3)
    assert math.isnan(t.numeric["coercivity"][0])


def test_user_csv_bad_input(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("doi,composition,core_size (furlong),ms (emu/g),field_strength (T),r2 (mM-1 s-1)\nx,Fe3O4,1,2,3,4\n")
    with pytest.raises(FerroKitInputError, match="unknown length unit"):
        read_design_csv(p, "r2")
    p.write_text("doi,composition,ms (emu/g)\nx,Fe3O4,60\n")
    with pytest.raises(FerroKitInputError, match="missing column"):
        read_design_csv(p, "r2")
    p.write_text("")
    with pytest.raises(FerroKitInputError, match="empty"):
        read_design_csv(p, "r2")
    p.write_text("doi,composition,core_size (nm),ms (emu/g),field_strength (T),r2 (mM-1 s-1)\n"
                 "x,Fe3O4,10,60,1.5,nan\nx,Fe3O4,10,-5,1.5,100\nx,Fe3O4,10,60,1.5,abc\n")
    t = read_design_csv(p, "r2")
    assert len(t) == 0 and len(t.rejected) == 3
    assert "not finite" in t.rejected[0].reason and "Ms" in t.rejected[1].reason
    assert "not a number" in t.rejected[2].reason


def test_ditox():
    t = load_ditox("Fe3O4")
    assert len(t) == 441
    assert min(t.columns["viability"]) >= 0.0
    first = load_ditox()
    # first row of dataset_3090.csv: Ag, 28.41 nm, viability 3.661017 %, 72 h → SI fractions and seconds
    assert first.columns["viability"][0] == pytest.approx(0.03661017)
    assert first.columns["diameter"][0] == pytest.approx(28.41e-9)
    assert first.columns["time"][0] == pytest.approx(72 * 3600.0)
    with pytest.raises(FerroKitInputError):
        load_ditox("unobtainium")
