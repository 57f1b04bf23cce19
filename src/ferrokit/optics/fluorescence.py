"""NIR fluorescence and SERS (Raman) signal maps for dual-modality (MRI + optical) scenarios.

Fluorescence (planar reflectance imaging, 1D escape model; phenomenological, documented here):

.. math:: s(\\mathbf r) = \\Phi_{QY}\\,\\sigma_{ex}\\,c(\\mathbf r)\\,\\Phi_{ex}(\\mathbf r)\\ [\\mathrm{W/m^3}],

.. math:: I(x, y) = \\frac{1}{4\\pi}\\sum_z s(x, y, z)\\,e^{-\\mu_{eff,em} z}\\,\\Delta z\\ [\\mathrm{W/(m^2 sr)}]

with σ_ex the agent's mass absorption at the excitation wavelength [m² kg⁻¹], c its mass concentration,
Φ_ex the excitation fluence rate (e.g. from :func:`ferrokit.optics.fluence.solve_fluence`), Φ_QY the quantum
yield and μ_eff,em the effective attenuation at the emission wavelength. Emission escapes straight up to the
z = 0 surface; lateral blurring of deep sources (a PSF widening ~ depth) and the emission photon-energy
shift (Stokes loss, hν_em/hν_ex) are not modelled — multiply by λ_ex/λ_em for an energy balance.

SERS: each reporter j at concentration c_j gives the spectrum EF_j c_j R_j(ν̃) (enhancement factor ×
reference spectrum per unit concentration); pixel spectra are unmixed by non-negative least squares
(Lawson & Hanson; :func:`scipy.optimize.nnls`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import nnls

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range

__all__ = ["FluorescenceImage", "fluorescence_image", "sers_spectra", "unmix_nnls"]


def _nonneg_field(name: str, value) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"{name} must be numeric") from None
    if a.size == 0 or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise FerroKitInputError(f"{name} must be non-empty, finite and ≥ 0")
    return a


@dataclass(frozen=True, eq=False)
class FluorescenceImage:
    """Emission map s [W/m³] and surface radiance image I [W m⁻² sr⁻¹] (module equations)."""

    emission: np.ndarray = field(repr=False)
    image: np.ndarray = field(repr=False)
    spacing: tuple[float, float, float]

    def to_dict(self) -> dict:
        return {"shape": list(self.emission.shape), "spacing": {"value": list(self.spacing), "unit": "m"},
                "total_emitted_power": {"value": float(self.emission.sum() * np.prod(self.spacing)), "unit": "W"},
                "max_radiance": {"value": float(self.image.max()), "unit": "W/(m2 sr)"}}

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4.5, 4))
        im = ax.imshow(self.image.T, origin="lower")
        ax.set_title("fluorescence radiance")
        plt.colorbar(im, ax=ax)
        return ax


def fluorescence_image(concentration, excitation_fluence_rate, spacing, *, mass_absorption_excitation: float,
                       quantum_yield: float, mu_eff_emission) -> FluorescenceImage:
    """Fluorescence emission map and surface image of an agent distribution (module equations).

    Parameters
    ----------
    concentration : ndarray (nx, ny, nz)
        Agent mass concentration [kg/m³]; z (last axis) is depth below the imaged surface.
    excitation_fluence_rate : float or ndarray (nx, ny, nz)
        Φ_ex [W/m²].
    spacing : (3,) floats
        Voxel size [m].
    mass_absorption_excitation : float
        σ_ex [m²/kg] (1 cm⁻¹ per mg/mL = 100 m²/kg).
    quantum_yield : float
        Φ_QY in [0, 1].
    mu_eff_emission : float or ndarray (nx, ny, nz)
        μ_eff at the emission wavelength [1/m] (the escape path integrates it along z).

    Examples
    --------
    One voxel of agent 1 mm deep: the image is s Δz e^{−μ_eff z}/(4π) above it.

    >>> c = np.zeros((1, 1, 10)); c[0, 0, 4] = 1.0
    >>> r = fluorescence_image(c, 1e4, (2e-4,) * 3, mass_absorption_excitation=100.0, quantum_yield=0.1,
    ...                        mu_eff_emission=200.0)
    >>> round(float(r.image[0, 0]), 4)   # 1e5 W/m3 * 2e-4 m * exp(-200*0.9e-3) / (4 pi)
    1.3294
    """
    c = _nonneg_field("concentration", concentration)
    if c.ndim != 3:
        raise FerroKitInputError(f"concentration must be 3-D (nx, ny, nz), got shape {c.shape}")
    phi = np.broadcast_to(_nonneg_field("excitation_fluence_rate", excitation_fluence_rate), c.shape) \
        if np.ndim(excitation_fluence_rate) == 0 else _nonneg_field("excitation_fluence_rate", excitation_fluence_rate)
    if phi.shape != c.shape:
        raise FerroKitInputError(f"excitation_fluence_rate shape {phi.shape} does not match concentration {c.shape}")
    h = np.atleast_1d(np.asarray(spacing, dtype=float))
    if h.size != 3:
        raise FerroKitInputError("spacing needs 3 values (m)")
    h = tuple(check_positive("spacing", v, unit="m") for v in h)
    sigma = check_nonnegative("mass_absorption_excitation", mass_absorption_excitation, unit="m2/kg")
    qy = check_range("quantum_yield", quantum_yield, 0.0, 1.0)
    mu = _nonneg_field("mu_eff_emission", mu_eff_emission)
    mu = np.broadcast_to(mu, c.shape) if mu.ndim == 0 else mu
    if mu.shape != c.shape:
        raise FerroKitInputError(f"mu_eff_emission shape {mu.shape} does not match concentration {c.shape}")
    emission = qy * sigma * c * phi
    tau_cell = mu * h[2]
    tau_mid = np.cumsum(tau_cell, axis=2) - 0.5 * tau_cell   # optical depth to the cell centre
    image = np.sum(emission * np.exp(-tau_mid), axis=2) * h[2] / (4.0 * math.pi)
    return FluorescenceImage(emission=emission, image=image, spacing=h)


def sers_spectra(concentrations, reference_spectra, *, enhancement_factor=1.0, noise: float = 0.0,
                 rng: RngLike = None) -> np.ndarray:
    """Pixel Raman spectra of a mixture of SERS reporters: Σ_j EF_j c_j R_j + Gaussian noise.

    Parameters
    ----------
    concentrations : ndarray (k, ...)
        Reporter concentrations per pixel (any unit consistent with ``reference_spectra``), ≥ 0.
    reference_spectra : ndarray (k, m)
        Spectrum of each reporter per unit concentration at unit enhancement (m spectral channels).
    enhancement_factor : float or array (k,)
        SERS enhancement factor per reporter (> 0).
    noise : float
        Standard deviation of additive noise per channel (same unit as the spectra).
    rng : Generator, int or None

    Returns
    -------
    ndarray (..., m)
    """
    c = _nonneg_field("concentrations", concentrations)
    ref = _nonneg_field("reference_spectra", reference_spectra)
    if ref.ndim != 2 or c.ndim < 1 or c.shape[0] != ref.shape[0]:
        raise FerroKitInputError(f"concentrations (k, ...) and reference_spectra (k, m) disagree: {c.shape} vs "
                                 f"{ref.shape}")
    ef = np.broadcast_to(np.asarray(enhancement_factor, dtype=float), (ref.shape[0],))
    if not np.all(np.isfinite(ef)) or np.any(ef <= 0):
        raise FerroKitInputError("enhancement_factor must be finite and > 0")
    sigma = check_nonnegative("noise", noise)
    spectra = np.tensordot(np.moveaxis(c, 0, -1) * ef, ref, axes=([-1], [0]))
    if sigma > 0:
        spectra = spectra + as_rng(rng).normal(0.0, sigma, spectra.shape)
    return spectra


def unmix_nnls(spectra, endmembers) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel non-negative least squares: min ‖E x − s‖ subject to x ≥ 0.

    Parameters
    ----------
    spectra : ndarray (..., m)
        Measured spectra (or multispectral samples) per pixel.
    endmembers : ndarray (k, m)
        Reference spectrum of each component (already scaled by enhancement factors if those are known).

    Returns
    -------
    abundances : ndarray (k, ...)
    residual_norm : ndarray (...)

    Examples
    --------
    >>> e = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> x, r = unmix_nnls(np.array([[2.0, 3.0, 5.0]]), e)
    >>> np.round(x[:, 0], 6).tolist(), round(float(r[0]), 9)
    ([2.0, 3.0], 0.0)
    """
    s = np.asarray(spectra, dtype=float)
    e = np.asarray(endmembers, dtype=float)
    if e.ndim != 2 or e.shape[0] < 1 or s.ndim < 1 or s.shape[-1] != e.shape[1]:
        raise FerroKitInputError(f"spectra (..., m) and endmembers (k, m) disagree: {s.shape} vs {e.shape}")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(e))):
        raise FerroKitInputError("spectra and endmembers must be finite")
    if np.linalg.matrix_rank(e) < e.shape[0]:
        raise FerroKitInputError("endmember spectra are linearly dependent; the unmixing is not unique")
    flat = s.reshape(-1, s.shape[-1])
    a = e.T
    out = np.empty((flat.shape[0], e.shape[0]))
    res = np.empty(flat.shape[0])
    for i, b in enumerate(flat):
        out[i], res[i] = nnls(a, b)
    return np.moveaxis(out.reshape((*s.shape[:-1], e.shape[0])), -1, 0), res.reshape(s.shape[:-1])
