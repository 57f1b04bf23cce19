"""Tissue optical properties: μ_a from a chromophore mix, μ_s' from a power law (Jacques 2013).

.. math:: \\mu_a = B\\,\\mu_{a,blood}(S) + W\\,\\mu_{a,water} + F\\,\\mu_{a,fat} + M\\,\\mu_{a,mel}
          + \\sum_j c_j\\,\\sigma_j,
          \\qquad \\mu_s' = a\\,(\\lambda/500\\,\\mathrm{nm})^{-b}

with volume fractions B (blood), W (water), F (fat), M (melanosomes), agent mass concentrations c_j and their
mass absorption coefficients σ_j. This is the "generic tissue" recipe of S. L. Jacques, *Optical properties of
biological tissues: a review*, Phys. Med. Biol. 58 (2013) R37, doi 10.1088/0031-9155/58/11/R37 (eq. 1 and
the chromophore sum; seen-secondary via omlc.org "Generic tissue optical properties").

The tissue-type scattering parameters in :data:`TISSUE_SCATTERING` are the averages of Jacques 2013 Table 2
(a at 500 nm, b; omlc.org publishes the table as table2_JacquesPMB2013.csv). The table itself could not be
read; skin (46.0 cm⁻¹, 1.421), brain (24.2 cm⁻¹, 1.611) and "other soft tissues" (18.9 cm⁻¹, 1.286) agree
digit for digit with independent public code that cites Table 2 (status ``seen-secondary``, checked
2026-11-27); breast, bone, fibrous and fatty could not be found in any source reachable here and stay
``unverified``. They are defaults for planning, never reference values for a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range
from ferrokit.optics.spectra import (
    AgentSpectrum,
    blood_absorption,
    check_wavelengths,
    lipid_absorption,
    melanin_absorption,
    water_absorption,
)

__all__ = [
    "TISSUE_COMPOSITION",
    "TISSUE_SCATTERING",
    "ScatteringParameters",
    "TissueOptics",
    "reduced_scattering",
    "tissue_absorption",
    "tissue_optics",
]


@dataclass(frozen=True)
class ScatteringParameters:
    """μ_s' = a (λ/500 nm)^−b with a [m⁻¹], b [-], and their source and status."""

    a: float
    b: float
    source: str
    status: str

    def to_dict(self) -> dict:
        return {"a": {"value": self.a, "unit": "1/m"}, "b": self.b, "source": self.source, "status": self.status}


_J13 = "Jacques, Phys Med Biol 2013 58:R37, Table 2 (mean a', b over cited tissues)"
#: Tissue-type scattering (a at 500 nm in m⁻¹) from Jacques 2013 Table 2; status per entry (module docstring).
TISSUE_SCATTERING: dict[str, ScatteringParameters] = {
    "skin": ScatteringParameters(4600.0, 1.421, _J13, "seen-secondary"),
    "brain": ScatteringParameters(2420.0, 1.611, _J13, "seen-secondary"),
    "breast": ScatteringParameters(3180.0, 2.741, _J13, "unverified"),
    "bone": ScatteringParameters(2290.0, 0.716, _J13, "unverified"),
    "soft": ScatteringParameters(1890.0, 1.286, _J13, "seen-secondary"),
    "fibrous": ScatteringParameters(2710.0, 1.627, _J13, "unverified"),
    "fatty": ScatteringParameters(1840.0, 0.672, _J13, "unverified"),
}

#: Illustrative chromophore fractions (B, S, W, F, M) for planning; round numbers in the ranges of Jacques 2013
#: Table 3 (status: illustrative, not measured values of any one tissue).
TISSUE_COMPOSITION: dict[str, dict[str, float]] = {
    "soft": {"blood_volume_fraction": 0.02, "oxygen_saturation": 0.75, "water_fraction": 0.70,
             "fat_fraction": 0.10, "melanin_fraction": 0.0},
    "tumour": {"blood_volume_fraction": 0.04, "oxygen_saturation": 0.60, "water_fraction": 0.75,
               "fat_fraction": 0.05, "melanin_fraction": 0.0},
    "fatty": {"blood_volume_fraction": 0.01, "oxygen_saturation": 0.80, "water_fraction": 0.15,
              "fat_fraction": 0.80, "melanin_fraction": 0.0},
    "skin": {"blood_volume_fraction": 0.02, "oxygen_saturation": 0.70, "water_fraction": 0.65,
             "fat_fraction": 0.0, "melanin_fraction": 0.01},
}


def reduced_scattering(wavelength, *, a: float, b: float):
    """Reduced scattering coefficient μ_s' = a (λ/500 nm)^−b [m⁻¹] (Jacques 2013 eq. 1).

    Parameters
    ----------
    wavelength : float or array_like
        [m].
    a : float
        μ_s' at 500 nm [m⁻¹] (> 0).
    b : float
        Scattering power, 0–4.

    >>> reduced_scattering(500e-9, a=2000.0, b=1.2)
    2000.0
    """
    wl = check_wavelengths(wavelength)
    a = check_positive("a", a, unit="1/m")
    b = check_range("b", b, 0.0, 4.0)
    mu = a * (wl / 500e-9) ** (-b)
    return float(mu) if np.ndim(mu) == 0 else mu


def tissue_absorption(wavelength, *, blood_volume_fraction: float = 0.0, oxygen_saturation: float = 0.75,
                      water_fraction: float = 0.0, fat_fraction: float = 0.0, melanin_fraction: float = 0.0,
                      agents: tuple[tuple[AgentSpectrum, float], ...] = ()):
    """Absorption coefficient μ_a [m⁻¹] of a chromophore mix (module equation).

    Parameters
    ----------
    wavelength : float or array_like
        [m]; 650–1000 nm when blood is present (Prahl table), 430–1098 nm with fat, 400–1400 nm with water.
    blood_volume_fraction, water_fraction, fat_fraction, melanin_fraction : float
        Volume fractions in [0, 1] (blood is whole blood, 150 g Hb/L). A chromophore with fraction 0 is not
        evaluated, so its table range does not apply.
    oxygen_saturation : float
        Haemoglobin oxygen saturation S in [0, 1].
    agents : sequence of (AgentSpectrum, concentration [kg/m³])
        Exogenous absorbers (e.g. iron oxide at 0.1 kg/m³ = 0.1 mg/mL).

    >>> mu = tissue_absorption(800e-9, blood_volume_fraction=0.01, oxygen_saturation=1.0)
    >>> round(mu / 100, 4)   # 1 % blood at S = 1: 0.0437 cm⁻¹
    0.0437
    """
    wl = check_wavelengths(wavelength)
    fr = {n: check_range(n, v, 0.0, 1.0) for n, v in (("blood_volume_fraction", blood_volume_fraction),
                                                        ("water_fraction", water_fraction),
                                                        ("fat_fraction", fat_fraction),
                                                        ("melanin_fraction", melanin_fraction))}
    if fr["blood_volume_fraction"] + fr["water_fraction"] + fr["fat_fraction"] > 1.0 + 1e-9:
        raise FerroKitInputError("blood, water and fat volume fractions must add up to ≤ 1")
    mu = np.zeros_like(wl)
    if fr["blood_volume_fraction"] > 0:
        mu = mu + fr["blood_volume_fraction"] * np.asarray(
            blood_absorption(wl, oxygen_saturation=oxygen_saturation))
    else:
        check_range("oxygen_saturation", oxygen_saturation, 0.0, 1.0)
    if fr["water_fraction"] > 0:
        mu = mu + fr["water_fraction"] * np.asarray(water_absorption(wl))
    if fr["fat_fraction"] > 0:
        mu = mu + fr["fat_fraction"] * np.asarray(lipid_absorption(wl))
    if fr["melanin_fraction"] > 0:
        mu = mu + fr["melanin_fraction"] * np.asarray(melanin_absorption(wl))
    for item in agents:
        try:
            agent, conc = item
        except (TypeError, ValueError):
            raise FerroKitInputError("agents must be (AgentSpectrum, concentration) pairs") from None
        if not isinstance(agent, AgentSpectrum):
            raise FerroKitInputError("agents must be (AgentSpectrum, concentration) pairs")
        c = check_nonnegative(f"{agent.name}: concentration", conc, unit="kg/m3")
        mu = mu + np.asarray(agent.absorption(wl, c))
    return float(mu) if np.ndim(mu) == 0 else mu


@dataclass(frozen=True, eq=False)
class TissueOptics:
    """Optical properties of one tissue over wavelengths (SI)."""

    tissue: str
    wavelength: np.ndarray
    mu_a: np.ndarray
    mu_s_prime: np.ndarray
    composition: dict
    scattering: ScatteringParameters

    @property
    def mu_eff(self) -> np.ndarray:
        """Effective attenuation √(3 μ_a (μ_a + μ_s')) [m⁻¹]."""
        return np.sqrt(3.0 * self.mu_a * (self.mu_a + self.mu_s_prime))

    def to_dict(self) -> dict:
        return {"tissue": self.tissue, "composition": self.composition, "scattering": self.scattering.to_dict(),
                "wavelength": {"value": np.atleast_1d(self.wavelength).tolist(), "unit": "m"},
                "mu_a": {"value": np.atleast_1d(self.mu_a).tolist(), "unit": "1/m"},
                "mu_s_prime": {"value": np.atleast_1d(self.mu_s_prime).tolist(), "unit": "1/m"},
                "mu_eff": {"value": np.atleast_1d(self.mu_eff).tolist(), "unit": "1/m"}}

    def plot(self, ax=None):
        """μ_a and μ_s' [cm⁻¹] against wavelength [nm] (log scale)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.8))
        wl = np.atleast_1d(self.wavelength) * 1e9
        ax.semilogy(wl, np.atleast_1d(self.mu_a) / 100, label="μa")
        ax.semilogy(wl, np.atleast_1d(self.mu_s_prime) / 100, label="μs'")
        ax.set_xlabel("wavelength (nm)")
        ax.set_ylabel("coefficient (1/cm)")
        ax.set_title(self.tissue)
        ax.legend()
        return ax


def tissue_optics(tissue: str, wavelength, *, agents: tuple[tuple[AgentSpectrum, float], ...] = (),
                  **composition) -> TissueOptics:
    """μ_a and μ_s' of a named tissue (``soft``, ``tumour``, ``fatty``, ``skin``) at ``wavelength`` [m].

    Keyword arguments override the fractions of :data:`TISSUE_COMPOSITION` (``blood_volume_fraction``,
    ``oxygen_saturation``, ``water_fraction``, ``fat_fraction``, ``melanin_fraction``). Scattering uses the
    :data:`TISSUE_SCATTERING` entry of the same name (``tumour`` uses ``soft``).

    >>> t = tissue_optics("soft", 800e-9)
    >>> bool(0 < t.mu_a < t.mu_s_prime)
    True
    """
    key = str(tissue).strip().lower()
    if key not in TISSUE_COMPOSITION:
        raise FerroKitInputError(f"unknown tissue {tissue!r}; known: {', '.join(TISSUE_COMPOSITION)}")
    comp = dict(TISSUE_COMPOSITION[key])
    for k, v in composition.items():
        if k not in comp:
            raise FerroKitInputError(f"unknown composition key {k!r}; allowed: {', '.join(comp)}")
        comp[k] = v
    scat = TISSUE_SCATTERING["soft" if key == "tumour" else key]
    wl = check_wavelengths(wavelength)
    mu_a = tissue_absorption(wl, agents=agents, **comp)
    mu_s = reduced_scattering(wl, a=scat.a, b=scat.b)
    return TissueOptics(key, wl, np.asarray(mu_a), np.asarray(mu_s), comp, scat)
