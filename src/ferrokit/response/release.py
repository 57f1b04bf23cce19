"""Drug release from a nanocarrier: first-order, Higuchi and Korsmeyer–Peppas kinetics with a pH trigger.

Cumulative released fraction F(t) = M_t/M_∞ of the loaded drug:

* first order: :math:`F = 1 - e^{-kt}`, k [1/s] — valid over the whole release (a well-mixed reservoir).
* Higuchi: :math:`F = k_H\\sqrt{t}`, k_H [s^-1/2] (Higuchi, J Pharm Sci 1961 50:874 / 1963 52:1145
  [seen-secondary]). Derived for a planar matrix with drug loading far above its solubility, no swelling or
  erosion, perfect sink (Siepmann & Peppas, Int J Pharm 2011 418:6, doi 10.1016/j.ijpharm.2011.03.051,
  "Higuchi equation: derivation, applications, use and misuse" [seen-secondary]). The √t law is an early-time
  law; FerroKit flags F > 0.6 as outside its validity, as for Korsmeyer–Peppas (the same bound as the
  short-time Fickian solution for a slab) [assumption on the exact bound].
* Korsmeyer–Peppas: :math:`F = k t^n`, k [s^-n] (Korsmeyer et al., Int J Pharm 1983 15:25; Ritger & Peppas,
  J Control Release 1987 5:23, doi 10.1016/0168-3659(87)90034-4 [seen-abstract]: Fickian release has
  n = 0.50, 0.45, 0.43 for slabs, cylinders, spheres; 0.5 < n < 1 anomalous, n = 1 case II). **Valid only for
  the first 60 % of release** (F ≤ 0.6); n = 0.5 is the Higuchi form with k_H = k.

pH trigger (phenomenological): acid-labile linkers (hydrazone, acetal) or protonation-driven carriers release
faster in the acidic tumour interstitium (pH ≈ 6.5–7) and endo/lysosomes (pH ≈ 4.5–5.5). FerroKit scales
*time* (equivalently the rate constant of first-order release) by a protonation factor

.. math:: m(\\mathrm{pH}) = 1 + \\frac{m_{max} - 1}{1 + 10^{\\,\\mathrm{pH} - \\mathrm{p}K_a}},
          \\qquad F(t) = F_{base}(m\\,t),

which is 1 at high pH and m_max well below pKa. pKa and m_max are inputs describing the carrier (no default
stands for a real carrier).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_positive, check_range

RELEASE_KINDS = ("first_order", "higuchi", "korsmeyer_peppas")
#: Upper bound of F for which the power laws (Higuchi, Korsmeyer–Peppas) are used as valid.
POWER_LAW_VALIDITY = 0.6


def ph_release_factor(ph: float, *, pka: float, max_factor: float) -> float:
    """The protonation acceleration m(pH) (see the module notes).

    >>> ph_release_factor(5.0, pka=5.0, max_factor=11.0)   # half protonated: 1 + 10/2
    6.0
    >>> round(ph_release_factor(7.4, pka=5.0, max_factor=11.0), 4)
    1.0397
    """
    ph = check_range("ph", ph, 0.0, 14.0)
    pka = check_range("pka", pka, 0.0, 14.0)
    mmax = check_range("max_factor", max_factor, 1.0, 1e6)
    return float(1.0 + (mmax - 1.0) / (1.0 + 10.0 ** (ph - pka)))


@dataclass(frozen=True)
class ReleaseProfile:
    """Cumulative released fraction F(t) of a carrier; ``valid`` marks where the kinetic law holds."""

    kind: str
    times: np.ndarray
    fraction: np.ndarray
    valid: np.ndarray
    parameters: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    def rate(self) -> np.ndarray:
        """dF/dt [1/s] on ``times`` (finite differences)."""
        if self.times.size < 2:
            return np.zeros_like(self.fraction)
        return np.gradient(self.fraction, self.times)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "times": {"value": self.times.tolist(), "unit": "s"},
                "fraction": {"value": self.fraction.tolist(), "unit": "1"},
                "valid": self.valid.tolist(), "parameters": self.parameters, "notes": list(self.notes)}

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        h = self.times / 3600.0
        ax.plot(h, self.fraction, color="C0", label=self.kind)
        if not np.all(self.valid):
            ax.plot(h[~self.valid], self.fraction[~self.valid], ".", color="C3", ms=3,
                    label="outside validity")
        ax.set_xlabel("time (h)")
        ax.set_ylabel("released fraction")
        ax.set_ylim(0, 1.05)
        ax.legend(frameon=False)
        return ax


def release_profile(kind: str, times, *, rate_constant: float, exponent: float = 0.5, lag: float = 0.0,
                    ph: float = 7.4, pka: float | None = None, max_factor: float = 1.0,
                    warn_invalid: bool = True) -> ReleaseProfile:
    """Cumulative release F(t) for ``kind`` in {"first_order", "higuchi", "korsmeyer_peppas"}.

    Parameters
    ----------
    kind : str
    times : array
        Times [s] after injection, ≥ 0.
    rate_constant : float
        k [1/s] (first order), k_H [s^-1/2] (Higuchi) or k [s^-n] (Korsmeyer–Peppas).
    exponent : float
        Korsmeyer–Peppas n in (0, 1]; ignored otherwise.
    lag : float
        Lag time [s] before release starts (F = 0 before it).
    ph, pka, max_factor : float
        Environment pH and the carrier's pH trigger (``pka=None``: no trigger); see :func:`ph_release_factor`.
    warn_invalid : bool
        Warn when a power law is used beyond F = 0.6.

    Returns
    -------
    ReleaseProfile
        F clipped to [0, 1]; ``valid`` is False where a power law exceeds F = 0.6.

    Examples
    --------
    >>> p = release_profile("first_order", [0.0, 3600.0], rate_constant=np.log(2) / 3600.0)
    >>> [round(float(f), 6) for f in p.fraction]
    [0.0, 0.5]
    """
    if kind not in RELEASE_KINDS:
        raise FerroKitInputError(f"release kind must be one of {', '.join(RELEASE_KINDS)}; got {kind!r}")
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise FerroKitInputError("times must be a non-empty 1D array of finite values ≥ 0 s")
    k = check_positive("rate_constant", rate_constant)
    lag = check_range("lag", lag, 0.0, np.inf, unit="s")
    m = 1.0 if pka is None else ph_release_factor(ph, pka=pka, max_factor=max_factor)
    tau = m * np.clip(t - lag, 0.0, None)
    params: dict[str, Any] = {"rate_constant": k, "lag": {"value": lag, "unit": "s"}, "ph": ph,
                              "ph_factor": m}
    notes = []
    if kind == "first_order":
        params["rate_constant"] = {"value": k, "unit": "1/s"}
        f = -np.expm1(-k * tau)
        valid = np.ones(t.shape, dtype=bool)
    else:
        n = 0.5 if kind == "higuchi" else check_range("exponent", exponent, 0.0, 1.0, low_inclusive=False)
        params["rate_constant"] = {"value": k, "unit": f"s^-{n:g}"}
        params["exponent"] = n
        f = k * tau**n
        valid = f <= POWER_LAW_VALIDITY
        if not np.all(valid):
            t_lim = lag + (POWER_LAW_VALIDITY / k) ** (1.0 / n) / m
            notes.append(f"{kind} used beyond its validity (F > {POWER_LAW_VALIDITY:g}) after t = {t_lim:.4g} s; "
                         "F is clipped at 1 there, an extrapolation")
            if warn_invalid:
                warnings.warn(notes[-1], stacklevel=2)
    if pka is not None:
        params.update(pka=pka, max_factor=max_factor)
        notes.append(f"pH trigger: time scaled by m(pH={ph:g}) = {m:.4g} (phenomenological)")
    return ReleaseProfile(kind=kind, times=t, fraction=np.clip(f, 0.0, 1.0), valid=valid, parameters=params,
                          notes=tuple(notes))
