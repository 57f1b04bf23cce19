"""Absorption spectra of tissue chromophores and iron-based agents (package data with sources, SI units).

Every function takes wavelengths in metres and returns absorption coefficients μ_a in m⁻¹ (Napierian:
I = I₀ e^{−μ_a z}) or mass absorption coefficients in m² kg⁻¹ (μ_a per unit mass concentration in kg m⁻³,
i.e. per g/L = per mg/mL). Tables are interpolated linearly and never extrapolated. Data files and their
provenance are listed in ``ferrokit/optics/_data/SOURCES.md``.

===================  ==================================================  ==============================  ==========
chromophore          model                                               source                          status
===================  ==================================================  ==============================  ==========
HbO2, Hb             molar extinction table, 650–1000 nm                 S. Prahl, omlc.org compilation  S
                     (Gratzer & Kollias)
water                μ_a table, 400–1400 nm                              Hale & Querry, Appl. Opt. 12    S
                                                                         (1973) 555, via omlc/Jacques
lipid (fat)          μ_a table, 430–1098 nm (2 nm steps)                 van Veen et al., OSA BIOMED     S
                                                                         2004, via omlc fat.txt
melanin              μ_a = 6.6×10¹¹ (λ/nm)^−3.33 cm⁻¹ (melanosome        Jacques & McAuliffe 1991, as    S
                     interior), analytic                                 given by Jacques (omlc)
magnetite            complex index n + ik, 600–1100 nm                   Querry 1985 via                 S
                                                                         refractiveindex.info (CC0)
===================  ==================================================  ==============================  ==========

(S = seen-secondary: read in a compilation or in code that cites the original, not in the original.)
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_positive, check_range
from ferrokit.materials.formula import parse_formula

__all__ = [
    "HEMOGLOBIN_MOLAR_MASS",
    "MAGNETITE_DENSITY",
    "AgentSpectrum",
    "blood_absorption",
    "check_wavelengths",
    "hemoglobin_extinction",
    "lipid_absorption",
    "magnetite_agent",
    "magnetite_mass_absorption",
    "magnetite_refractive_index",
    "melanin_absorption",
    "small_sphere_mass_absorption",
    "water_absorption",
]

#: Molar mass of haemoglobin (tetramer) used by Prahl for whole-blood μ_a [kg/mol].
HEMOGLOBIN_MOLAR_MASS = 64.5
#: Haemoglobin mass concentration of whole blood used by Prahl [kg/m³] (150 g/L).
WHOLE_BLOOD_HEMOGLOBIN = 150.0
#: Magnetite density [kg/m³]: the X-ray density of ferrokit.materials (lattice constant 8.396 Å).
MAGNETITE_DENSITY = parse_formula("Fe3O4").density
#: Refractive index of water in the NIR used as the default host medium (≈ 1.33 at 600–1000 nm).
WATER_INDEX = 1.33
_LN10 = math.log(10.0)


def check_wavelengths(wavelength, *, low: float = 200e-9, high: float = 20e-6, name: str = "wavelength"):
    """Return ``wavelength`` [m] as a float array (0-d for a scalar) after checking finiteness and range."""
    try:
        wl = np.asarray(wavelength, dtype=float)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"{name} must be numeric (metres)") from None
    if wl.size == 0:
        raise FerroKitInputError(f"{name} must not be empty")
    if not np.all(np.isfinite(wl)):
        raise FerroKitInputError(f"{name} contains non-finite values")
    if np.any(wl < low) or np.any(wl > high):
        raise FerroKitInputError(
            f"{name} must lie in [{low * 1e9:g}, {high * 1e9:g}] nm for this table; got "
            f"{float(np.min(wl)) * 1e9:g}..{float(np.max(wl)) * 1e9:g} nm (SI input is metres: 808 nm = 8.08e-7)")
    return wl


@cache
def _table(filename: str) -> dict[str, np.ndarray]:
    text = resources.files("ferrokit.optics").joinpath("_data", filename).read_text(encoding="utf-8")
    rows = [r for r in csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))]
    header, body = rows[0], rows[1:]
    cols = {h: np.array([float(r[i]) for r in body]) for i, h in enumerate(header)}
    for arr in cols.values():
        arr.setflags(write=False)
    return cols


def _interp(filename: str, column: str, wavelength) -> np.ndarray:
    t = _table(filename)
    wl_nm = t["wavelength_nm"]
    wl = check_wavelengths(wavelength, low=wl_nm[0] * 1e-9, high=wl_nm[-1] * 1e-9)
    return np.interp(wl * 1e9, wl_nm, t[column])


def _out(x: np.ndarray):
    return float(x) if np.ndim(x) == 0 else x


_PRAHL = "haemoglobin_molar_extinction_prahl_650_1000nm.csv"
_QUERRY = "magnetite_nk_querry1985_600_1100nm.csv"
_WATER = "water_absorption_hale_querry1973.csv"
_LIPID = "lipid_absorption_vanveen2004.csv"


def hemoglobin_extinction(wavelength):
    r"""Decadic molar extinction coefficients ε of HbO2 and Hb [m² mol⁻¹] (650–1000 nm).

    Prahl's table gives ε in cm⁻¹ M⁻¹; 1 cm⁻¹ M⁻¹ = 0.1 m² mol⁻¹. Absorbance of a path L at molar
    concentration C is A = ε C L.

    Returns
    -------
    (eps_hbo2, eps_hb) : floats or arrays [m²/mol]

    Examples
    --------
    >>> e_ox, e_de = hemoglobin_extinction(800e-9)
    >>> round(e_ox, 2), round(e_de, 3)   # 816 and 761.72 cm⁻¹/M
    (81.6, 76.172)
    """
    e_ox = _interp(_PRAHL, "eps_HbO2_cm-1_per_M", wavelength) * 0.1
    e_de = _interp(_PRAHL, "eps_Hb_cm-1_per_M", wavelength) * 0.1
    return _out(e_ox), _out(e_de)


def blood_absorption(wavelength, *, oxygen_saturation: float, hemoglobin: float = WHOLE_BLOOD_HEMOGLOBIN):
    r"""Absorption coefficient of blood [m⁻¹] from Prahl's extinction table.

    .. math:: \mu_a = \ln 10\,\frac{c_{Hb}}{M_{Hb}}\,[S\,\varepsilon_{HbO_2} + (1-S)\,\varepsilon_{Hb}]

    with c_Hb the haemoglobin mass concentration (150 kg m⁻³ for whole blood) and M_Hb = 64.5 kg mol⁻¹
    (Prahl's convention; he writes μ_a = 2.303 ε × 150/64 500 cm⁻¹).

    Parameters
    ----------
    wavelength : float or array_like
        [m], 650–1000 nm.
    oxygen_saturation : float
        S in [0, 1].
    hemoglobin : float
        Haemoglobin mass concentration [kg/m³] (> 0, ≤ 400).

    Examples
    --------
    >>> round(blood_absorption(800e-9, oxygen_saturation=1.0) / 100, 2)   # cm⁻¹ (Prahl: 4.37)
    4.37
    """
    s = check_range("oxygen_saturation", oxygen_saturation, 0.0, 1.0)
    c = check_range("hemoglobin", hemoglobin, 0.0, 400.0, unit="kg/m3", low_inclusive=False)
    e_ox, e_de = hemoglobin_extinction(wavelength)
    mu = _LN10 * (c / HEMOGLOBIN_MOLAR_MASS) * (s * np.asarray(e_ox) + (1.0 - s) * np.asarray(e_de))
    return _out(mu)


def water_absorption(wavelength):
    """Absorption coefficient of pure water [m⁻¹], 400–1400 nm (Hale & Querry 1973 via omlc).

    >>> round(water_absorption(800e-9), 3)   # 0.020 cm⁻¹
    2.0
    """
    return _out(_interp(_WATER, "mua_cm-1", wavelength) * 100.0)


def lipid_absorption(wavelength):
    """Absorption coefficient of mammalian fat [m⁻¹], 430–1098 nm (van Veen et al. 2004 via omlc fat.txt).

    The omlc file is in m⁻¹ (its 930 nm peak is 13.1 m⁻¹ = 0.131 cm⁻¹); one secondary copy treats it as
    mm⁻¹, so the unit is seen-secondary, not verified in the original.

    >>> round(lipid_absorption(930e-9), 2)
    13.1
    """
    return _out(_interp(_LIPID, "mua_m-1", wavelength))


def melanin_absorption(wavelength):
    r"""Absorption coefficient of the interior of a cutaneous melanosome [m⁻¹] (analytic power law).

    .. math:: \mu_a = 6.6\times 10^{11}\,(\lambda/\mathrm{nm})^{-3.33}\ \mathrm{cm^{-1}}

    Jacques & McAuliffe, Photochem. Photobiol. 53 (1991) 769, as given on omlc.org ("Melanosome absorption")
    and in Jacques, Phys. Med. Biol. 58 (2013) R37 (seen-secondary). Valid about 350–1100 nm; multiply by the
    melanosome volume fraction of the epidermis for a tissue. No tabulated melanin spectrum is shipped.

    >>> round(melanin_absorption(800e-9) / 100, 1)   # cm⁻¹
    142.0
    """
    wl = check_wavelengths(wavelength, low=300e-9, high=1200e-9)
    return _out(6.6e11 * (wl * 1e9) ** -3.33 * 100.0)


def magnetite_refractive_index(wavelength):
    """Complex refractive index n + ik of bulk magnetite, 600–1100 nm (Querry 1985 via refractiveindex.info).

    >>> m = magnetite_refractive_index(800e-9)
    >>> round(m.real, 3), round(m.imag, 3)
    (2.279, 0.134)
    """
    n = _interp(_QUERRY, "n", wavelength)
    k = _interp(_QUERRY, "k", wavelength)
    m = n + 1j * k
    return complex(m) if np.ndim(m) == 0 else m


def small_sphere_mass_absorption(wavelength, refractive_index, *, density: float, medium_index: float = WATER_INDEX):
    r"""Mass absorption coefficient [m² kg⁻¹] of small spheres in a host medium (quasi-static / Rayleigh limit).

    A sphere of radius a ≪ λ in a medium of index n_m (ε_m = n_m²) has the dipole polarisability
    α = 4π a³ (ε − ε_m)/(ε + 2ε_m) and the absorption cross-section C_abs = k Im α with k = 2π n_m/λ
    (Bohren & Huffman, *Absorption and Scattering of Light by Small Particles*, Wiley 1983, §5.2; textbook).
    Per particle volume V = 4πa³/3 this is size independent, so for a mass concentration c of material
    with density ρ (volume fraction c/ρ):

    .. math:: \frac{\mu_a}{c} = \frac{1}{\rho}\,\frac{C_{abs}}{V}
              = \frac{6\pi n_m}{\rho\,\lambda}\,
              \mathrm{Im}\frac{\varepsilon - \varepsilon_m}{\varepsilon + 2\varepsilon_m},
              \qquad \varepsilon = (n + ik)^2.

    Validity: diameter ≪ λ/(π|m|) (a few tens of nm at 800 nm for magnetite), no aggregation, bulk optical
    constants (surface defects, oxidation to maghemite and Fe²⁺/Fe³⁺ charge transfer change the real
    absorption; see Lozano-Pedraza et al., Nanoscale Adv. 2021). Scattering (∝ a⁶) is neglected.

    Parameters
    ----------
    wavelength : float or array_like
        Vacuum wavelength [m].
    refractive_index : complex or array_like of complex
        Particle index n + ik at ``wavelength`` (k ≥ 0).
    density : float
        Particle density [kg/m³].
    medium_index : float
        Real index of the host medium (default water, 1.33).
    """
    wl = check_wavelengths(wavelength)
    rho = check_positive("density", density, unit="kg/m3")
    nm_ = check_range("medium_index", medium_index, 1.0, 3.0)
    m = np.asarray(refractive_index, dtype=complex)
    if not np.all(np.isfinite(m)) or np.any(m.imag < 0) or np.any(m.real <= 0):
        raise FerroKitInputError("refractive_index must be finite with n > 0 and k ≥ 0")
    eps = m**2
    eps_m = nm_**2
    frac = np.imag((eps - eps_m) / (eps + 2.0 * eps_m))
    return _out(6.0 * math.pi * nm_ / (rho * wl) * frac)


def magnetite_mass_absorption(wavelength, *, medium_index: float = WATER_INDEX):
    """Rayleigh mass absorption coefficient of magnetite spheres in water [m² kg⁻¹ = m⁻¹ per (kg/m³)].

    See :func:`small_sphere_mass_absorption`. [computed, unvalidated against nanoparticle measurements]

    >>> round(magnetite_mass_absorption(808e-9) / 100, 2)   # cm⁻¹ per g/L (SCIENCE.md: ≈ 2.5)
    2.54
    """
    return small_sphere_mass_absorption(wavelength, magnetite_refractive_index(wavelength),
                                        density=MAGNETITE_DENSITY, medium_index=medium_index)


@dataclass(frozen=True, eq=False)
class AgentSpectrum:
    """The absorption spectrum of a contrast/photothermal agent per unit mass concentration.

    Attributes
    ----------
    name : str
    wavelength : ndarray
        [m], strictly increasing.
    mass_absorption : ndarray
        Napierian μ_a per mass concentration [m² kg⁻¹] (1 cm⁻¹ per mg/mL = 100 m² kg⁻¹).
    source, status : str
        Where the spectrum comes from and how sure we are (measured file, computed, ...).
    """

    name: str
    wavelength: np.ndarray = field(repr=False)
    mass_absorption: np.ndarray = field(repr=False)
    source: str = ""
    status: str = "unverified"

    def __post_init__(self) -> None:
        wl = np.array(self.wavelength, dtype=float)
        mu = np.array(self.mass_absorption, dtype=float)
        if wl.ndim != 1 or wl.shape != mu.shape or wl.size < 2:
            raise FerroKitInputError(f"{self.name}: wavelength and mass_absorption must be 1-D of equal length ≥ 2")
        if not (np.all(np.isfinite(wl)) and np.all(np.isfinite(mu))):
            raise FerroKitInputError(f"{self.name}: spectrum contains non-finite values")
        if np.any(np.diff(wl) <= 0):
            raise FerroKitInputError(f"{self.name}: wavelengths must increase strictly")
        if np.any(mu < 0):
            raise FerroKitInputError(f"{self.name}: absorption must be ≥ 0")
        check_wavelengths(wl)
        wl.setflags(write=False)
        mu.setflags(write=False)
        object.__setattr__(self, "wavelength", wl)
        object.__setattr__(self, "mass_absorption", mu)

    def mass_absorption_at(self, wavelength):
        """μ_a per mass concentration [m² kg⁻¹] at ``wavelength`` [m] (linear interpolation, no extrapolation)."""
        wl = check_wavelengths(wavelength, low=float(self.wavelength[0]) * (1 - 1e-12),
                               high=float(self.wavelength[-1]) * (1 + 1e-12), name=f"{self.name}: wavelength")
        return _out(np.interp(wl, self.wavelength, self.mass_absorption))

    def absorption(self, wavelength, concentration):
        """μ_a [m⁻¹] of the agent at mass concentration ``concentration`` [kg/m³] (scalar or array)."""
        c = np.asarray(concentration, dtype=float)
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise FerroKitInputError("concentration must be finite and ≥ 0 (kg/m3 = mg/mL)")
        return _out(self.mass_absorption_at(wavelength) * c)

    def peak_wavelength(self) -> float:
        """Wavelength of maximum absorption [m]."""
        return float(self.wavelength[int(np.argmax(self.mass_absorption))])

    def to_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "status": self.status,
                "wavelength": {"value": self.wavelength.tolist(), "unit": "m"},
                "mass_absorption": {"value": self.mass_absorption.tolist(), "unit": "m2/kg"},
                "peak_wavelength": {"value": self.peak_wavelength(), "unit": "m"}}

    def plot(self, ax=None):
        """Plot μ_a per mg/mL [cm⁻¹] against wavelength [nm]."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(self.wavelength * 1e9, self.mass_absorption / 100.0, label=self.name)
        ax.set_xlabel("wavelength (nm)")
        ax.set_ylabel("μa per mg/mL (1/cm)")
        ax.legend()
        return ax


def magnetite_agent(*, medium_index: float = WATER_INDEX) -> AgentSpectrum:
    """Small magnetite spheres in water as an :class:`AgentSpectrum` on the Querry grid (600–1100 nm)."""
    wl = _table(_QUERRY)["wavelength_nm"] * 1e-9
    return AgentSpectrum("magnetite (Rayleigh, Querry 1985 n,k)", wl,
                         np.asarray(magnetite_mass_absorption(wl, medium_index=medium_index)),
                         source="computed from the bulk complex index (Querry 1985) in the quasi-static limit",
                         status="computed-unvalidated")
