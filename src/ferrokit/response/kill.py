"""Cell kill: surviving fractions after heat, ROS and radiation, and the Emax (Hill) drug effect.

Every survival function accepts a scalar dose or a dose *map* (array over tumour voxels); with a map the
tumour's surviving fraction is the (optionally weighted) mean of the voxel survivals, which is what a
heterogeneous CEM43 or ROS map does to a tumour — a mean dose would overstate the kill of a cold rim.

Models, with their status (verified / seen-abstract / seen-secondary / assumption):

* Radiation, linear–quadratic with a dose-modifying sensitiser enhancement ratio (SER: D → SER·D), per
  fraction d, n fractions: :math:`S = \\exp[-n(\\alpha\\,\\mathrm{SER}\\,d + \\beta(\\mathrm{SER}\\,d)^2)]`
  (Fowler, Br J Radiol 1989 62:679, doi 10.1259/0007-1285-62-740-679 [seen-secondary]). Defaults
  α = 0.3 Gy⁻¹ and α/β = 10 Gy (β = 0.03 Gy⁻²) are "typical" tumour values [seen-secondary]; clinical
  estimates scatter widely by site and histology (van Leeuwen et al., Radiat Oncol 2018 13:96,
  doi 10.1186/s13014-018-1040-z [seen-abstract]: I² > 75 %). Validity: LQ is reasonably validated up to
  ≈ 10 Gy per fraction (Brenner, Semin Radiat Oncol 2008 18:234 [seen-abstract]).
* Heat, CEM43-based: multi-target single-hit survival in CEM43 time,
  :math:`S = 1 - (1 - e^{-D/D_0})^{n}`, :math:`n = e^{D_q/D_0}`, with D the CEM43. Defaults from CHO cells
  heated in vitro at 44 °C: D0 = 8.3 min, Dq = 23.4 min (Livingston, Johnson & Dethlefsen, Radio Sci 1979
  14(6S):117, doi 10.1029/RS014i06Sp00117 [seen-abstract]), converted to CEM43 with R = 0.5 (×2 at 44 °C):
  D0 = 16.6, Dq = 46.8 CEM43 min. A phenomenological mapping: in-vitro heat sensitivity varies by cell
  line (HCT116/HT29 survived and regrew after 240 CEM43 min; Mouratidis et al., Int J Hyperthermia 2019
  [seen-abstract]) and tumours in vivo add thermotolerance and vascular effects.
* Heat, Arrhenius-based: first-order damage kinetics, :math:`S = e^{-\\Omega}` with Ω from
  :func:`ferrokit.hyperthermia.dose.arrhenius_damage` (its cited tissue parameter sets).
* ROS (chemodynamic ·OH): log-linear in the cumulative ·OH dose :math:`D_{OH}` [mol/m³],
  :math:`S = 10^{-D_{OH}/D_{10}}`. **Assumption**: no published calibration of tumour-cell kill against a
  cumulative ·OH concentration was found; D10 is a required, documented input (default 1 mol/m³ = 1 mM is
  illustrative only).
* Drug effect, Emax (Hill) model: :math:`E = E_{max} C^h/(EC_{50}^h + C^h)` (Holford & Sheiner, Clin
  Pharmacokinet 1981 6:429 [seen-secondary]); used as a kill *rate* [1/s] in the growth ODE.
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive
from ferrokit.hyperthermia.dose import ArrheniusParameters, arrhenius_damage, get_arrhenius_parameters

#: Default LQ α [1/Gy] and α/β [Gy] for a tumour (Fowler 1989) [seen-secondary].
ALPHA_TUMOUR = 0.3
ALPHA_BETA_TUMOUR = 10.0
#: Multi-target heat-survival defaults in CEM43 seconds (CHO, 44 °C; Livingston et al. 1979) [seen-abstract].
HEAT_D0_CEM43 = 16.6 * 60.0
HEAT_DQ_CEM43 = 46.8 * 60.0
#: Illustrative ROS D10 [mol/m³] (assumption, see module notes).
ROS_D10_DEFAULT = 1.0


def _dose_array(name: str, dose, unit: str) -> np.ndarray:
    try:
        d = np.asarray(dose, dtype=float)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"{name} must be numeric") from None
    if d.size == 0:
        raise FerroKitInputError(f"{name} is empty")
    if not np.all(np.isfinite(d)):
        raise FerroKitInputError(f"{name} contains non-finite values (NaN or inf)")
    if np.any(d < 0):
        raise FerroKitInputError(f"{name} must be ≥ 0 {unit}, got min {d.min():g}")
    return d


def tumour_survival(voxel_survival, weights=None) -> float:
    """Tumour surviving fraction: the (weighted) mean of voxel survivals.

    >>> tumour_survival([1.0, 0.0])
    0.5
    """
    s = np.asarray(voxel_survival, dtype=float).ravel()
    if weights is None:
        return float(np.mean(s))
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape != s.shape or np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise FerroKitInputError("weights must match the dose map, be finite, ≥ 0 and not all zero")
    return float(np.sum(w * s) / w.sum())


def linear_quadratic_survival(dose, *, alpha: float = ALPHA_TUMOUR, beta: float = ALPHA_TUMOUR / ALPHA_BETA_TUMOUR,
                              ser: float = 1.0, fractions: int = 1) -> np.ndarray:
    """LQ surviving fraction after ``fractions`` equal fractions of ``dose`` [Gy] each.

    Parameters
    ----------
    dose : float or array
        Dose per fraction d [Gy] (≥ 0); an array is a voxel map.
    alpha, beta : float
        α [1/Gy] ≥ 0 and β [1/Gy²] ≥ 0.
    ser : float
        Sensitiser enhancement ratio ≥ 1 is typical (dose-modifying: d → SER·d); must be > 0.
    fractions : int
        Number of fractions n ≥ 1 (complete repair between fractions; repopulation is the growth model's job).

    Returns
    -------
    ndarray
        :math:`\\exp[-n(\\alpha\\,\\mathrm{SER}\\,d + \\beta(\\mathrm{SER}\\,d)^2)]`, same shape as ``dose``.

    Examples
    --------
    >>> round(float(linear_quadratic_survival(2.0)), 4)      # SF2 with α = 0.3, β = 0.03
    0.4868
    >>> round(float(linear_quadratic_survival(2.0, alpha=0.3, beta=0.0, ser=1.5)), 12)   # = exp(-0.9)
    0.406569659741
    """
    d = _dose_array("dose", dose, "Gy")
    a = check_nonnegative("alpha", alpha, unit="1/Gy")
    b = check_nonnegative("beta", beta, unit="1/Gy²")
    s = check_positive("ser", ser)
    if isinstance(fractions, bool) or int(fractions) != fractions or fractions < 1:
        raise FerroKitInputError(f"fractions must be an integer ≥ 1, got {fractions!r}")
    eff = s * d
    return np.exp(-int(fractions) * (a * eff + b * eff**2))


def thermal_survival_cem43(cem43, *, d0: float = HEAT_D0_CEM43, dq: float = HEAT_DQ_CEM43) -> np.ndarray:
    """Multi-target heat survival as a function of CEM43 [s] (see the module notes for sources and caveats).

    :math:`S = 1 - (1 - e^{-D/D_0})^{n}`, :math:`n = e^{D_q/D_0}`; for D ≫ Dq,
    :math:`\\ln S \\approx -(D - D_q)/D_0`. ``dq = 0`` gives pure exponential survival :math:`e^{-D/D_0}`.

    Examples
    --------
    >>> float(thermal_survival_cem43(0.0))
    1.0
    >>> round(float(thermal_survival_cem43(600.0, d0=600.0, dq=0.0)), 6)   # e^-1
    0.367879
    """
    d = _dose_array("cem43", cem43, "s")
    d0 = check_positive("d0", d0, unit="s (CEM43)")
    dq = check_nonnegative("dq", dq, unit="s (CEM43)")
    n = np.exp(dq / d0)
    with np.errstate(divide="ignore"):
        log_hit = np.log1p(-np.exp(-d / d0))        # ln(1 − e^{−D/D0}); −inf at D = 0
        s = -np.expm1(n * log_hit)
    return np.where(d == 0, 1.0, s)


def thermal_survival_arrhenius(temperatures, times, *, tissue: str | None = "liver",
                               parameters: ArrheniusParameters | None = None) -> np.ndarray:
    """First-order heat survival :math:`S = e^{-\\Omega}` from a temperature history [K] at ``times`` [s].

    Ω comes from :func:`ferrokit.hyperthermia.dose.arrhenius_damage` with a cited tissue set
    (:data:`ferrokit.hyperthermia.dose.ARRHENIUS_PARAMETERS`) or explicit ``parameters``; temperatures may
    carry voxel axes after the time axis.

    The published sets were fitted at ablative/hyperthermic temperatures; extrapolated to 37 °C the liver
    set accrues Ω ≈ 1 per hour, so pass only the heated interval (or use the CEM43 route, which has a
    37 °C floor):

    >>> round(float(thermal_survival_arrhenius([310.15, 310.15], [0.0, 3600.0])), 3)   # 1 h at 37 °C (!)
    0.347
    >>> round(float(thermal_survival_arrhenius([323.15, 323.15], [0.0, 60.0])), 3)     # 1 min at 50 °C
    0.374
    """
    p = parameters if parameters is not None else get_arrhenius_parameters(tissue or "")
    omega = arrhenius_damage(temperatures, times, frequency_factor=p.frequency_factor,
                             activation_energy=p.activation_energy)
    return np.exp(-omega)


def cumulative_dose(rate, times) -> float | np.ndarray:
    """∫ rate dt (trapezoid) of a rate history sampled at ``times`` [s] (first axis = time).

    Use it to turn a ·OH production rate [mol m⁻³ s⁻¹] into the cumulative dose [mol/m³].

    >>> float(cumulative_dose([1e-3, 1e-3], [0.0, 100.0]))
    0.1
    """
    r = np.asarray(rate, dtype=float)
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 2 or r.ndim < 1 or r.shape[0] != t.size:
        raise FerroKitInputError("cumulative_dose: rate needs a first (time) axis matching times (≥ 2 samples)")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(t))) or np.any(np.diff(t) < 0):
        raise FerroKitInputError("cumulative_dose: rate and times must be finite, times non-decreasing")
    if np.any(r < 0):
        raise FerroKitInputError("cumulative_dose: rate must be ≥ 0")
    shape = (-1,) + (1,) * (r.ndim - 1)
    return np.sum(0.5 * (r[1:] + r[:-1]) * np.diff(t).reshape(shape), axis=0)


def ros_survival(dose, *, d10: float = ROS_D10_DEFAULT) -> np.ndarray:
    """Log-linear ROS survival :math:`S = 10^{-D_{OH}/D_{10}}` for a cumulative ·OH dose [mol/m³].

    A phenomenological mapping (an assumption, see the module notes); ``d10`` [mol/m³] is the dose for one
    decade of kill.

    >>> float(ros_survival(2.0, d10=1.0))
    0.01
    """
    d = _dose_array("ros dose", dose, "mol/m³")
    d10 = check_positive("d10", d10, unit="mol/m³")
    return 10.0 ** (-d / d10)


def emax_effect(concentration, *, emax: float, ec50: float, hill: float = 1.0) -> np.ndarray:
    """Emax (Hill) effect :math:`E = E_{max} C^h/(EC_{50}^h + C^h)` at concentration(s) C [mol/m³].

    ``emax`` carries the unit of the effect (here a kill rate [1/s]); E(EC50) = Emax/2, E(∞) = Emax.

    >>> float(emax_effect(2.0, emax=1.0, ec50=2.0, hill=3.0))
    0.5
    """
    c = _dose_array("concentration", concentration, "mol/m³")
    emax = check_nonnegative("emax", emax)
    ec50 = check_positive("ec50", ec50, unit="mol/m³")
    h = check_positive("hill", hill)
    x = (c / ec50) ** h
    return emax * x / (1.0 + x)
