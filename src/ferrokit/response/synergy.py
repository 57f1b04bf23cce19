"""Combination synergy: Bliss independence and the Chou–Talalay combination index.

Bliss independence (Bliss, Ann Appl Biol 1939 26:585, doi 10.1111/j.1744-7348.1939.tb06990.x
[seen-secondary]): with fractional effects E_i ∈ [0, 1] of therapies acting independently, the expected
combined effect is

.. math:: E_{exp} = 1 - \\prod_i (1 - E_i)\\quad(= E_A + E_B - E_A E_B\\ \\text{for two}),

the Bliss excess is :math:`E_{obs} - E_{exp}` (> 0 synergy, < 0 antagonism) and the Bliss combination index
:math:`CI_{Bliss} = E_{exp}/E_{obs}` (< 1 synergy). If effects are fractional kills (E = 1 − S) and the
therapies kill independently, survivals multiply and the excess is exactly zero.

Chou–Talalay (Chou, Cancer Res 2010 70:440, doi 10.1158/0008-5472.CAN-09-1947 [seen-secondary]): each
drug follows the median-effect equation :math:`f_a/(1-f_a) = (D/D_m)^m`, so the dose of drug i alone for
effect f_a is :math:`D_{x,i} = D_{m,i}[f_a/(1-f_a)]^{1/m_i}` and, for mutually exclusive drugs,
:math:`CI = \\sum_i d_i/D_{x,i}` (< 1 synergy, = 1 additive, > 1 antagonism). It needs dose–effect curves
of each agent alone (fit them with :func:`median_effect_fit`); it is not defined for a fixed-dose arm
comparison, which is why :func:`ferrokit.response.simulate_arms` reports Bliss only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_range


@dataclass(frozen=True)
class BlissSynergy:
    """Observed vs Bliss-expected combined effect."""

    monotherapy_effects: tuple[float, ...]
    expected: float
    observed: float
    excess: float
    index: float | None
    verdict: str

    def to_dict(self) -> dict:
        return {"monotherapy_effects": list(self.monotherapy_effects), "expected": self.expected,
                "observed": self.observed, "bliss_excess": self.excess, "bliss_ci": self.index,
                "verdict": self.verdict, "unit": "1 (fractional effect)"}


def bliss_expected(effects: Sequence[float]) -> float:
    """Bliss-expected combined effect :math:`1 - \\prod(1 - E_i)`.

    >>> round(bliss_expected([0.5, 0.4]), 12)
    0.7
    """
    e = [check_range(f"effect[{i}]", x, 0.0, 1.0) for i, x in enumerate(effects)]
    if len(e) < 2:
        raise FerroKitInputError(f"Bliss needs at least two monotherapy effects, got {len(e)}")
    return float(1.0 - np.prod([1.0 - x for x in e]))


def bliss_synergy(effects: Sequence[float], observed: float, *, tolerance: float = 1e-6) -> BlissSynergy:
    """Compare an observed combined effect with the Bliss expectation of its monotherapy ``effects``.

    Parameters
    ----------
    effects : sequence of float
        Fractional effects of each monotherapy alone, in [0, 1].
    observed : float
        Fractional effect of the combination, in [0, 1].
    tolerance : float
        |excess| ≤ tolerance is called "additive (independent)".

    Examples
    --------
    >>> r = bliss_synergy([0.5, 0.4], 0.8)
    >>> round(r.excess, 12), r.verdict
    (0.1, 'synergy')
    """
    exp = bliss_expected(effects)
    obs = check_range("observed", observed, 0.0, 1.0)
    tol = check_nonnegative("tolerance", tolerance)
    excess = obs - exp
    verdict = "synergy" if excess > tol else ("antagonism" if excess < -tol else "additive (independent)")
    return BlissSynergy(tuple(float(x) for x in effects), exp, obs, float(excess),
                        float(exp / obs) if obs > 0 else None, verdict)


def median_effect_fit(doses, effects) -> tuple[float, float]:
    """Fit the median-effect equation to one agent's dose–effect data; returns (D_m, m).

    Linear least squares of :math:`\\log[f_a/(1-f_a)] = m\\log D - m\\log D_m` over points with 0 < f_a < 1.

    >>> d = np.array([1.0, 2.0, 4.0]); fa = (d / 2.0) ** 2 / (1 + (d / 2.0) ** 2)
    >>> [round(x, 9) for x in median_effect_fit(d, fa)]
    [2.0, 2.0]
    """
    d = np.asarray(doses, dtype=float)
    fa = np.asarray(effects, dtype=float)
    if d.shape != fa.shape or d.ndim != 1:
        raise FerroKitInputError("doses and effects must be 1D arrays of equal length")
    ok = (d > 0) & (fa > 0) & (fa < 1) & np.isfinite(d) & np.isfinite(fa)
    if np.count_nonzero(ok) < 2:
        raise FerroKitInputError("median_effect_fit needs ≥ 2 points with dose > 0 and 0 < effect < 1")
    x = np.log(d[ok])
    y = np.log(fa[ok] / (1.0 - fa[ok]))
    m, c = np.polyfit(x, y, 1)
    if m <= 0:
        raise FerroKitInputError(f"the effect does not increase with dose (slope m = {m:.3g})")
    return float(np.exp(-c / m)), float(m)


def combination_index(doses: Sequence[float], effect: float, *, dm: Sequence[float], m: Sequence[float]) -> float:
    """Chou–Talalay CI of a combination of ``doses`` reaching fractional ``effect`` (mutually exclusive drugs).

    >>> round(combination_index([1.0, 1.0], 0.5, dm=[2.0, 2.0], m=[1.0, 1.0]), 12)   # drug with itself
    1.0
    """
    fa = check_range("effect", effect, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if not (len(doses) == len(dm) == len(m)) or len(doses) < 2:
        raise FerroKitInputError("doses, dm and m need one entry per drug (≥ 2 drugs)")
    ci = 0.0
    for i, (di, dmi, mi) in enumerate(zip(doses, dm, m, strict=True)):
        di = check_nonnegative(f"doses[{i}]", di)
        if not (dmi > 0 and mi > 0):
            raise FerroKitInputError(f"dm[{i}] and m[{i}] must be > 0")
        ci += di / (dmi * (fa / (1.0 - fa)) ** (1.0 / mi))
    return float(ci)
