"""Thermal dose: CEM43 (Sapareto & Dewey) and Arrhenius damage, as maps accumulated step by step.

CEM43 — cumulative equivalent minutes at 43 °C (Sapareto & Dewey, Int J Radiat Oncol Biol Phys 1984 10:787,
doi 10.1016/0360-3016(84)90379-1) [V paper; R values S]:

.. math:: \\mathrm{CEM43} = \\sum_i R^{\\,43 - \\bar T_i}\\,\\Delta t_i,\\qquad R = 0.5\\ (\\bar T_i \\ge 43\\,°C),
          \\ R = 0.25\\ (\\bar T_i < 43\\,°C),

with \\bar T_i the mean temperature of interval i (here the mean of its end points). FerroKit returns CEM43 in
**seconds** (SI) like every other time; the CLI and reports show minutes (1 CEM43 min = 60 s).

The 37 °C floor (decision): like k-Wave, FerroKit accrues **no dose below 37 °C** by default
(``floor=310.15`` K). The R = 0.25 branch was fitted to heating data above ≈ 39 °C; extrapolated to
unheated tissue at 37 °C it would add 0.25⁶ min per minute (0.015 CEM43 min per hour) everywhere, a number with
no biological meaning that would only blur "unheated" in a dose map. Pass ``floor=None`` for the bare formula.

Arrhenius damage (Henriques & Moritz 1947 form): Ω = A ∫ exp(−E_a/(R_gas T)) dt; Ω = 1 ↔ 1 − e⁻¹ ≈ 63 % of
the molecules/cells damaged. Tissue parameter sets in :data:`ARRHENIUS_PARAMETERS` carry their status.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferrokit._shared.numba import HAVE_NUMBA
from ferrokit._shared.validation import FerroKitInputError, check_finite, check_positive, check_range
from ferrokit.constants import R_GAS, ZERO_CELSIUS

T43 = ZERO_CELSIUS + 43.0
#: Default CEM43 floor: no dose accrues below 37 °C (see module notes).
CEM43_FLOOR = ZERO_CELSIUS + 37.0
#: CEM43 commonly taken as a lesion (ablation) threshold in k-Wave and the ablation literature: 240 min [S].
LESION_CEM43 = 240.0 * 60.0


@dataclass(frozen=True)
class ArrheniusParameters:
    """Frequency factor A [s⁻¹] and activation energy E_a [J mol⁻¹] of a tissue, with source and status."""

    tissue: str
    frequency_factor: float
    activation_energy: float
    source: str
    status: str

    def to_dict(self) -> dict:
        return {"tissue": self.tissue, "frequency_factor": {"value": self.frequency_factor, "unit": "1/s"},
                "activation_energy": {"value": self.activation_energy, "unit": "J/mol"},
                "source": self.source, "status": self.status}


_COMSOL = ("COMSOL Multiphysics 5.5/6.0 documentation, 'Bioheat Materials Database/Library' table "
           "(doc.comsol.com, comsol_ref_materials); underlying primary reference not resolved")

#: Published Arrhenius parameter sets. ``verified-secondary``: read in the COMSOL table; ``unverified``: recalled.
ARRHENIUS_PARAMETERS: dict[str, ArrheniusParameters] = {
    "liver": ArrheniusParameters("liver (human)", 7.39e39, 2.577e5, _COMSOL, "verified-secondary"),
    "prostate": ArrheniusParameters("prostate", 1e91, 5.6e5, _COMSOL, "verified-secondary"),
    "fat": ArrheniusParameters("fat", 4.43e16, 1.3e5, _COMSOL, "verified-secondary"),
    "skin": ArrheniusParameters("skin (Henriques & Moritz, Am J Pathol 1947 23:531)", 3.1e98, 6.28e5,
                                "Henriques & Moritz 1947, values as commonly quoted", "unverified"),
}


def get_arrhenius_parameters(tissue: str) -> ArrheniusParameters:
    """The Arrhenius parameter set of ``tissue`` (liver, prostate, fat, skin).

    >>> get_arrhenius_parameters("liver").activation_energy
    257700.0
    """
    key = str(tissue).strip().lower()
    if key not in ARRHENIUS_PARAMETERS:
        raise FerroKitInputError(f"no Arrhenius parameters for {tissue!r}; known: {', '.join(ARRHENIUS_PARAMETERS)}")
    return ARRHENIUS_PARAMETERS[key]


def cem43_rate(temperature, *, floor: float | None = CEM43_FLOOR) -> np.ndarray:
    """Dose rate R^(43 − T) [CEM43 seconds per second] at temperature(s) T [K]; 0 below ``floor``.

    >>> float(cem43_rate(44 + 273.15))
    2.0
    >>> float(cem43_rate(42 + 273.15))
    0.25
    """
    t = np.asarray(temperature, dtype=float)
    if not np.all(np.isfinite(t)):
        raise FerroKitInputError("temperature contains non-finite values")
    d = T43 - t
    rate = np.where(t >= T43, 0.5**d, 0.25**np.minimum(d, 500.0))
    if floor is not None:
        rate = np.where(t < floor, 0.0, rate)
    return rate


def cem43(temperatures, times, *, floor: float | None = CEM43_FLOOR) -> np.ndarray:
    """CEM43 [s] of a temperature history sampled at ``times`` [s] (first axis = time).

    Each interval uses the mean of its end temperatures.

    >>> float(cem43([317.15, 317.15], [0.0, 600.0]))   # 10 min at 44 °C = 20 CEM43 min
    1200.0
    """
    t = np.asarray(temperatures, dtype=float)
    tt = np.asarray(times, dtype=float)
    if t.ndim < 1 or tt.ndim != 1 or t.shape[0] != tt.size or tt.size < 2:
        raise FerroKitInputError("cem43: temperatures need a first (time) axis matching times (≥ 2 samples)")
    dt = np.diff(tt)
    if np.any(dt < 0) or not np.all(np.isfinite(dt)):
        raise FerroKitInputError("cem43: times must be finite and non-decreasing")
    mean = 0.5 * (t[1:] + t[:-1])
    shape = (-1,) + (1,) * (t.ndim - 1)
    return np.sum(cem43_rate(mean, floor=floor) * dt.reshape(shape), axis=0)


def arrhenius_damage(temperatures, times, *, frequency_factor: float, activation_energy: float) -> np.ndarray:
    """Arrhenius damage integral Ω (dimensionless) of a history sampled at ``times`` [s] (trapezoid rule).

    >>> p = get_arrhenius_parameters("liver")
    >>> om = arrhenius_damage([330.0, 330.0], [0.0, 60.0], frequency_factor=p.frequency_factor,
    ...                       activation_energy=p.activation_energy)
    >>> round(float(om), 3)
    7.196
    """
    a = check_positive("frequency_factor", frequency_factor, unit="1/s")
    ea = check_positive("activation_energy", activation_energy, unit="J/mol")
    t = np.asarray(temperatures, dtype=float)
    tt = np.asarray(times, dtype=float)
    if t.ndim < 1 or tt.ndim != 1 or t.shape[0] != tt.size or tt.size < 2:
        raise FerroKitInputError("arrhenius_damage: temperatures need a time axis matching times (≥ 2 samples)")
    if np.any(t <= 0) or not np.all(np.isfinite(t)):
        raise FerroKitInputError("arrhenius_damage: temperatures must be finite and > 0 K")
    rate = a * np.exp(-ea / (R_GAS * t))
    shape = (-1,) + (1,) * (t.ndim - 1)
    return np.sum(0.5 * (rate[1:] + rate[:-1]) * np.diff(tt).reshape(shape), axis=0)


def percentile_temperature(values, mask=None, *, coverage: float = 0.9) -> float:
    """The value reached by a fraction ``coverage`` of the voxels (T90, CEM43T90 for coverage = 0.9).

    T90 is the temperature exceeded by 90 % of the region, i.e. its 10th percentile.

    >>> percentile_temperature(np.arange(1.0, 11.0))
    1.9
    """
    check_range("coverage", coverage, 0.0, 1.0)
    v = np.asarray(values, dtype=float)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != v.shape:
            raise FerroKitInputError(f"mask shape {m.shape} does not match values {v.shape}")
        v = v[m]
    if v.size == 0:
        raise FerroKitInputError("percentile of an empty region")
    return float(np.percentile(v, 100.0 * (1.0 - coverage)))


class DoseAccumulator:
    """CEM43 and Arrhenius maps accumulated one time step at a time (no history kept).

    Parameters
    ----------
    initial_temperature : ndarray
        T at the start [K].
    arrhenius : ArrheniusParameters, optional
        Also accumulate Ω.
    floor : float or None
        CEM43 floor [K] (default 37 °C; see module notes).
    """

    def __init__(self, initial_temperature, *, arrhenius: ArrheniusParameters | None = None,
                 floor: float | None = CEM43_FLOOR):
        self._last = np.array(initial_temperature, dtype=float)
        self.floor = None if floor is None else check_finite("floor", floor)
        self.cem43 = np.zeros_like(self._last)
        self.arrhenius = arrhenius
        self.damage = np.zeros_like(self._last) if arrhenius is not None else None
        self.max_temperature = self._last.copy()

    def _arr_rate(self, t: np.ndarray) -> np.ndarray:
        p = self.arrhenius
        return p.frequency_factor * np.exp(-p.activation_energy / (R_GAS * t))

    def update(self, temperature, dt: float) -> None:
        """Add an interval of length ``dt`` [s] ending at ``temperature`` [K]."""
        t = np.asarray(temperature, dtype=float)
        if t.shape != self._last.shape:
            raise FerroKitInputError(f"temperature shape {t.shape} does not match {self._last.shape}")
        if not np.all(np.isfinite(t)):
            raise FerroKitInputError(f"temperature contains {int(np.count_nonzero(~np.isfinite(t)))} non-finite "
                                     "value(s)")
        dt = check_positive("dt", dt, unit="s")
        if HAVE_NUMBA:
            from ferrokit.hyperthermia._kernels import accumulate_dose

            tn = np.ascontiguousarray(t, dtype=float)
            p = self.arrhenius
            dmg = self.damage if self.damage is not None else np.zeros(1)
            accumulate_dose(tn.ravel(), self._last.ravel(), dt, T43, -1.0 if self.floor is None else self.floor,
                            self.floor is not None, self.cem43.ravel(), p.frequency_factor if p else 0.0,
                            p.activation_energy / R_GAS if p else 0.0, dmg.ravel(), p is not None,
                            self.max_temperature.ravel())
            self._last = tn.copy()
            return
        self.cem43 += cem43_rate(0.5 * (t + self._last), floor=self.floor) * dt
        if self.damage is not None:
            self.damage += 0.5 * (self._arr_rate(t) + self._arr_rate(self._last)) * dt
        np.maximum(self.max_temperature, t, out=self.max_temperature)
        self._last = t.copy()
