"""Spectra and tissue optical properties: published table values, the Rayleigh derivation, bad input."""

import math

import numpy as np
import pytest

from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.io.spectra import read_agent_spectrum
from ferrokit.optics import (
    AgentSpectrum,
    blood_absorption,
    lipid_absorption,
    magnetite_mass_absorption,
    magnetite_refractive_index,
    melanin_absorption,
    reduced_scattering,
    small_sphere_mass_absorption,
    tissue_absorption,
    tissue_optics,
    water_absorption,
)


def test_blood_matches_prahl_whole_blood_column():
    # SCIENCE.md §4 / Prahl: HbO2 4.37 cm⁻¹, Hb 4.08 cm⁻¹ at 800 nm (150 g/L); Prahl uses 2.303 for ln 10,
    # so agree to 0.01 % (2.303 vs 2.302585).
    assert blood_absorption(800e-9, oxygen_saturation=1.0) / 100 == pytest.approx(4.3703, rel=2e-4)
    assert blood_absorption(800e-9, oxygen_saturation=0.0) / 100 == pytest.approx(4.0796, rel=2e-4)
    # linear mixing in S (hand calculation)
    mix = blood_absorption(750e-9, oxygen_saturation=0.3)
    assert mix == pytest.approx(0.3 * blood_absorption(750e-9, oxygen_saturation=1.0)
                                + 0.7 * blood_absorption(750e-9, oxygen_saturation=0.0), rel=1e-12)
    # isosbestic point near 800 nm: HbO2 and Hb within 10 % there, Hb ≫ HbO2 at 700 nm
    assert blood_absorption(700e-9, oxygen_saturation=0.0) > 4 * blood_absorption(700e-9, oxygen_saturation=1.0)


def test_water_lipid_melanin_values():
    assert water_absorption(970e-9) / 100 == pytest.approx(0.45)       # Hale & Querry table row
    assert lipid_absorption(930e-9) == pytest.approx(13.10)            # van Veen 930 nm peak (1/m)
    assert lipid_absorption(931e-9) == pytest.approx(0.5 * (13.10 + 12.83))  # linear interpolation
    # power law, hand calculation at 700 nm: 6.6e11 * 700^-3.33 cm⁻¹
    assert melanin_absorption(700e-9) == pytest.approx(6.6e11 * 700 ** -3.33 * 100, rel=1e-12)


def test_magnetite_rayleigh_hand_calculation():
    # Derivation in the docstring: μa/c = 6π n_m/(ρ λ) Im[(ε−ε_m)/(ε+2ε_m)]; hand numbers at 800 nm
    m = magnetite_refractive_index(800e-9)
    eps = m**2
    em = 1.33**2
    rho = 5196.7  # kg/m³, magnetite X-ray density (ferrokit.materials, a = 8.396 Å)
    hand = 6 * math.pi * 1.33 / (rho * 800e-9) * ((eps - em) / (eps + 2 * em)).imag
    assert magnetite_mass_absorption(800e-9) == pytest.approx(hand, rel=1e-5)
    # reproduces the shared data's derived column (2.575 cm⁻¹ per g/L at 800 nm, 4 digits), which used
    # ρ = 5170 kg/m³: rescaled by 5170/ρ (μa/c ∝ 1/ρ)
    assert magnetite_mass_absorption(800e-9) / 100 == pytest.approx(2.575 * 5170 / rho, abs=6e-4)
    # SCIENCE.md "≈ 2.5 at 808 nm" is computed-unvalidated: only a sanity bracket, not a pass/fail anchor
    assert 2.0 < magnetite_mass_absorption(808e-9) / 100 < 3.0
    # a non-absorbing sphere does not absorb; k > 0 does
    assert small_sphere_mass_absorption(800e-9, 1.5 + 0j, density=2000.0) == 0.0


def test_tissue_mix_is_the_sum():
    wl = np.array([700e-9, 800e-9, 900e-9])
    mu = tissue_absorption(wl, blood_volume_fraction=0.02, oxygen_saturation=0.8, water_fraction=0.7,
                           fat_fraction=0.1)
    hand = (0.02 * blood_absorption(wl, oxygen_saturation=0.8) + 0.7 * water_absorption(wl)
            + 0.1 * lipid_absorption(wl))
    np.testing.assert_allclose(mu, hand, rtol=1e-12)
    t = tissue_optics("soft", wl)
    np.testing.assert_allclose(t.mu_s_prime, t.scattering.a * (wl / 500e-9) ** -t.scattering.b)
    assert reduced_scattering(1000e-9, a=1000.0, b=1.0) == pytest.approx(500.0)


@pytest.mark.parametrize("call", [
    lambda: blood_absorption(600e-9, oxygen_saturation=0.5),           # outside the Prahl table
    lambda: blood_absorption(800e-9, oxygen_saturation=1.5),
    lambda: water_absorption(800.0),                                   # nm given where metres are expected
    lambda: water_absorption(np.nan),
    lambda: tissue_absorption(800e-9, water_fraction=0.8, fat_fraction=0.5),
    lambda: tissue_optics("bone marrow", 800e-9),
    lambda: AgentSpectrum("x", [800e-9, 700e-9], [1.0, 2.0]),
    lambda: AgentSpectrum("x", [700e-9, 800e-9], [1.0, -2.0]),
    lambda: parse_quantity("1 furlong", "power"),
])
def test_bad_input(call):
    with pytest.raises(FerroKitInputError):
        call()


def test_read_agent_spectrum(tmp_path):
    # an Fe-polyphenol-like spectrum with a 690 nm peak (synthetic numbers), decadic extinction in L/(g cm)
    p = tmp_path / "fe_tannic.csv"
    wl = np.arange(500, 1001, 10)
    eps = 0.2 + 1.5 * np.exp(-(((wl - 690) / 80.0) ** 2))
    p.write_text("# synthetic Fe-TA spectrum\nwavelength (nm),extinction (L/(g cm))\n"
                 + "\n".join(f"{w},{e:.6f}" for w, e in zip(wl, eps, strict=True)))
    ag = read_agent_spectrum(p)
    assert ag.peak_wavelength() == pytest.approx(690e-9)
    # μa = ln10 ε c: 1.7 L/(g cm) at 1 g/L → 3.914 cm⁻¹ (hand)
    assert ag.absorption(690e-9, 1.0) / 100 == pytest.approx(math.log(10) * 1.7, rel=1e-6)
    (tmp_path / "nounit.csv").write_text("wavelength,mu_a (1/cm per mg/mL)\n1,2\n2,3\n3,4\n")
    (tmp_path / "nocol.csv").write_text("wavelength (nm),foo\n700,1\n710,2\n720,3\n")
    (tmp_path / "nan.csv").write_text("wavelength (nm),mu_a (1/cm per mg/mL)\n700,1\n710,nan\n720,3\n")
    (tmp_path / "badunit.csv").write_text("wavelength (nm),mu_a (furlongs)\n700,1\n710,2\n720,3\n")
    for name in ("nounit.csv", "nocol.csv", "nan.csv", "badunit.csv", "missing.csv"):
        with pytest.raises(FerroKitInputError):
            read_agent_spectrum(tmp_path / name)


def test_read_agent_spectrum_molar_extinction(tmp_path):
    # decadic molar extinction 1.7e3 L/(mol cm) of a unit of 1000 g/mol is 1.7 L/(g cm): μa = ln10 · 1.7 cm⁻¹ per g/L
    wl = np.arange(600, 801, 10)
    eps = 200.0 + 1500.0 * np.exp(-(((wl - 690) / 80.0) ** 2))
    rows = "\n".join(f"{w},{e:.6f}" for w, e in zip(wl, eps, strict=True))
    for unit, mass in (("1/(M cm)", "1000 g/mol"), ("M-1 cm-1", "1 kDa"), ("L/(mol cm)", "1 kg/mol")):
        p = tmp_path / "molar.csv"
        p.write_text(f"# molar mass: {mass}\nwavelength (nm),epsilon ({unit})\n{rows}\n")
        ag = read_agent_spectrum(p)
        assert ag.absorption(690e-9, 1.0) / 100 == pytest.approx(math.log(10) * 1.7, rel=1e-6)
    # the molar_mass argument overrides the comment (kg/mol): half the mass, twice the absorption per gram
    ag = read_agent_spectrum(p, molar_mass=0.5)
    assert ag.absorption(690e-9, 1.0) / 100 == pytest.approx(2 * math.log(10) * 1.7, rel=1e-6)
    # in SI, 170 m²/mol per kg/mol
    (tmp_path / "si.csv").write_text("# molar mass: 1 kg/mol\nwavelength (nm),extinction (m2/mol)\n"
                                     + "\n".join(f"{w},{e / 10:.6f}" for w, e in zip(wl, eps, strict=True)))
    assert read_agent_spectrum(tmp_path / "si.csv").absorption(690e-9, 1.0) / 100 == pytest.approx(
        math.log(10) * 1.7, rel=1e-6)


@pytest.mark.parametrize("head, match", [
    ("wavelength (nm),epsilon (1/(M cm))", "per mole"),                          # no molar mass anywhere
    ("# molar mass: lots\nwavelength (nm),epsilon (1/(M cm))", "cannot read"),
    ("# molar mass: 0 g/mol\nwavelength (nm),epsilon (1/(M cm))", "> 0"),
    ("# molar mass: 100 g/mol\nwavelength (nm),epsilon (1/(M cm)),mu_a (1/cm per mg/mL)", "two absorption"),
])
def test_read_agent_spectrum_molar_bad_input(tmp_path, head, match):
    p = tmp_path / "bad.csv"
    p.write_text(head + "\n700,1,1\n710,2,2\n720,3,3\n")
    with pytest.raises(FerroKitInputError, match=match):
        read_agent_spectrum(p)
