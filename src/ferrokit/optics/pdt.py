"""Photodynamic therapy: singlet-oxygen production by a photosensitiser-loaded carrier (phenomenological).

Photon absorption by the photosensitiser (PS) per volume and time is μ_a,PS Φ/(hν) with
μ_a,PS = σ_PS c_PS; a fraction Φ_Δ of the absorbed photons yields singlet oxygen when O₂ is not limiting.
The oxygen dependence is the saturating form used in macroscopic PDT models (Foster et al., Radiat. Res.
126 (1991) 296; Zhu and co-workers' "reacted singlet oxygen" model; seen-secondary):

.. math:: \\frac{d[^1O_2]}{dt} = \\Phi_\\Delta\\,\\frac{\\sigma_{PS}\\,c_{PS}\\,\\Phi\\,\\lambda}{h c\\,N_A}\\,
          \\frac{[O_2]}{[O_2] + K_{O_2}}\\quad[\\mathrm{mol\\,m^{-3}\\,s^{-1}}]

Optional photobleaching makes the PS decay with the produced dose D = ∫ d[¹O₂]:
c_PS(t) = c_PS,0 exp(−D/D_b). Oxygen is an *input* (a number or an array over time, e.g. from the chemistry
package's O₂ model); consumption of O₂ by the reaction is not modelled here. Quantities are per unit tissue
volume; the cell-kill threshold in [¹O₂] is tissue specific and not part of this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.constants import Planck as PLANCK
from scipy.constants import speed_of_light as SPEED_OF_LIGHT

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range
from ferrokit.constants import N_A as AVOGADRO

__all__ = ["PDTDose", "pdt_dose", "singlet_oxygen_rate"]


def singlet_oxygen_rate(fluence_rate, concentration, oxygen, *, mass_absorption: float, wavelength: float,
                        singlet_oxygen_yield: float, oxygen_half_saturation: float):
    """Singlet-oxygen production rate [mol m⁻³ s⁻¹] (module equation); arrays broadcast.

    Parameters
    ----------
    fluence_rate : float or ndarray
        Φ [W/m²].
    concentration : float or ndarray
        PS mass concentration [kg/m³].
    oxygen : float or ndarray
        [O₂] [mol/m³ = mM] (≥ 0).
    mass_absorption : float
        σ_PS, Napierian μ_a per mass concentration at ``wavelength`` [m²/kg].
    wavelength : float
        [m].
    singlet_oxygen_yield : float
        Φ_Δ in [0, 1].
    oxygen_half_saturation : float
        K_O2 [mol/m³] (> 0).

    Examples
    --------
    >>> r = singlet_oxygen_rate(1e3, 1e-2, 1e9, mass_absorption=1e3, wavelength=660e-9, singlet_oxygen_yield=0.5,
    ...                         oxygen_half_saturation=1e-3)   # O2 saturating
    >>> round(r * 1e3, 4)   # 0.5 * 10/m * 1e3 W/m2 / (h c / 660 nm) / N_A, in mmol/m3/s
    27.5858
    """
    phi = np.asarray(fluence_rate, dtype=float)
    c = np.asarray(concentration, dtype=float)
    o2 = np.asarray(oxygen, dtype=float)
    for name, a in (("fluence_rate", phi), ("concentration", c), ("oxygen", o2)):
        if a.size == 0 or not np.all(np.isfinite(a)) or np.any(a < 0):
            raise FerroKitInputError(f"{name} must be non-empty, finite and ≥ 0")
    sigma = check_nonnegative("mass_absorption", mass_absorption, unit="m2/kg")
    wl = check_range("wavelength", wavelength, 200e-9, 2000e-9, unit="m")
    yld = check_range("singlet_oxygen_yield", singlet_oxygen_yield, 0.0, 1.0)
    k = check_positive("oxygen_half_saturation", oxygen_half_saturation, unit="mol/m3")
    photons = sigma * c * phi * wl / (PLANCK * SPEED_OF_LIGHT * AVOGADRO)
    try:
        rate = yld * photons * o2 / (o2 + k)
    except ValueError:
        raise FerroKitInputError("fluence_rate, concentration and oxygen cannot be broadcast together") from None
    return float(rate) if rate.ndim == 0 else rate


@dataclass(frozen=True, eq=False)
class PDTDose:
    """Cumulative singlet-oxygen dose [mol/m³] and PS concentration [kg/m³] at each time [s]."""

    times: np.ndarray = field(repr=False)
    dose: np.ndarray = field(repr=False)
    concentration: np.ndarray = field(repr=False)
    light_dose: np.ndarray = field(repr=False)

    def to_dict(self) -> dict:
        return {"times": {"value": self.times.tolist(), "unit": "s"},
                "singlet_oxygen_dose": {"value": np.asarray(self.dose[-1]).tolist(), "unit": "mol/m3"},
                "light_dose": {"value": np.asarray(self.light_dose[-1]).tolist(), "unit": "J/m2"},
                "final_concentration": {"value": np.asarray(self.concentration[-1]).tolist(), "unit": "kg/m3"}}


def pdt_dose(times, fluence_rate, concentration, oxygen, *, mass_absorption: float, wavelength: float,
             singlet_oxygen_yield: float, oxygen_half_saturation: float,
             bleaching_dose: float | None = None) -> PDTDose:
    """Integrate the singlet-oxygen dose over a treatment (first axis of the inputs = time).

    ``fluence_rate`` and ``oxygen`` are numbers, per-time arrays (n,) or per-time maps (n, ...);
    ``concentration`` is the initial PS concentration (number or map). Between samples the rate is
    held at the step's left sample and integrated exactly: D_{i+1} = D_i + r₀ Δt without bleaching, and
    D_{i+1} = D_b ln(e^{D_i/D_b} + r₀ Δt/D_b) (the solution of dD/dt = r₀ e^{−D/D_b}) with it, r₀ being the
    unbleached rate.

    >>> d = pdt_dose([0.0, 100.0], 1e3, 1e-2, 1e9, mass_absorption=1e3, wavelength=660e-9,
    ...              singlet_oxygen_yield=0.5, oxygen_half_saturation=1e-3)
    >>> round(float(d.dose[-1]), 4)   # 100 s at 27.59 µmol/m3/s
    2.7586
    """
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise FerroKitInputError("times must be a strictly increasing 1-D array with ≥ 2 samples (s)")
    n = t.size

    def per_time(name, v):
        a = np.asarray(v, dtype=float)
        if a.ndim == 0:
            return np.broadcast_to(a, (n,))
        if a.shape[0] != n:
            raise FerroKitInputError(f"{name}: first axis must match times ({n}), got shape {a.shape}")
        return a

    phi = per_time("fluence_rate", fluence_rate)
    o2 = per_time("oxygen", oxygen)
    c0 = np.asarray(concentration, dtype=float)
    db = None if bleaching_dose is None else check_positive("bleaching_dose", bleaching_dose, unit="mol/m3")
    kw = dict(mass_absorption=mass_absorption, wavelength=wavelength, singlet_oxygen_yield=singlet_oxygen_yield,
              oxygen_half_saturation=oxygen_half_saturation)
    r0 = np.asarray(singlet_oxygen_rate(phi[0], c0, o2[0], **kw))
    dose = [np.zeros_like(r0)]
    conc = [np.broadcast_to(c0, r0.shape).astype(float)]
    light = [np.zeros_like(np.asarray(phi[0], dtype=float))]
    for i in range(n - 1):
        dt = t[i + 1] - t[i]
        r = np.asarray(singlet_oxygen_rate(phi[i], c0, o2[i], **kw))
        if db is None:
            d_new = dose[-1] + r * dt
        else:
            d_new = db * np.log(np.exp(dose[-1] / db) + r * dt / db)
        dose.append(d_new)
        conc.append(c0 * (np.exp(-d_new / db) if db is not None else 1.0) * np.ones_like(d_new))
        light.append(light[-1] + np.asarray(phi[i]) * dt)
    return PDTDose(times=t, dose=np.array(dose), concentration=np.array(conc), light_dose=np.array(light))
