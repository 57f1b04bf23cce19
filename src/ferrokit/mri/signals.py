"""MRI signal equations, tissue relaxation rates with a contrast agent, contrast/CNR and timing optimisation.

All times in s, rates in 1/s, flip angles in rad, concentrations in mol/m³ (= mM Fe) and relaxivities in
m³ mol⁻¹ s⁻¹ (numerically equal to mM⁻¹ s⁻¹). Signals are in units of the proton density ``pd``.

Equations (ideal pulses, TE ≪ TR, full spoiling for gradient echo):

- spin echo: :math:`S = PD\\,(1 - e^{-TR\\,R_1})\\,e^{-TE\\,R_2}`
- spoiled gradient echo (FLASH/SPGR, Ernst): :math:`S = PD\\,\\sin α\\,\\frac{1-E_1}{1-\\cos α\\,E_1}\\,
  e^{-TE\\,R_2^*}`, :math:`E_1 = e^{-TR\\,R_1}`
- inversion recovery (spin-echo readout): :math:`S = PD\\,(1 - 2e^{-TI\\,R_1} + e^{-TR\\,R_1})\\,e^{-TE\\,R_2}`
  (signed; the magnitude is what a magnitude image shows)
- fast-exchange relaxation: :math:`R_i = R_{i,0} + r_i C` (linear in the Fe concentration).

Reference: Haacke E.M., Brown R.W., Thompson M.R., Venkatesan R., *Magnetic Resonance Imaging: Physical
Principles and Sequence Design*, Wiley 1999, ch. 8 and 18 [seen-secondary: standard textbook forms].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from ferrokit._shared.validation import FerroKitInputError, check_choice, check_positive, check_values, scalar_or_array

__all__ = [
    "SEQUENCES",
    "ContrastOptimum",
    "SequenceParams",
    "cnr",
    "contrast",
    "gradient_echo_signal",
    "inversion_recovery_signal",
    "optimal_contrast_timing",
    "relaxation_rates",
    "sequence_signal",
    "spin_echo_signal",
]

SEQUENCES: tuple[str, ...] = ("spin_echo", "gradient_echo", "inversion_recovery")


def spin_echo_signal(pd, r1, r2, *, te: float, tr: float):
    """Spin-echo signal :math:`PD (1 - e^{-TR R_1}) e^{-TE R_2}` (rates in 1/s, times in s).

    >>> round(spin_echo_signal(1.0, 1.0, 10.0, te=0.1, tr=1e9), 6)   # TR → ∞: e^{-1}
    0.367879
    """
    pd = check_values("pd", pd, sign="nonnegative")
    r1 = check_values("r1", r1, sign="nonnegative")
    r2 = check_values("r2", r2, sign="nonnegative")
    te, tr = check_positive("te", te, unit="s"), check_positive("tr", tr, unit="s")
    return scalar_or_array(pd * -np.expm1(-tr * r1) * np.exp(-te * r2))


def gradient_echo_signal(pd, r1, r2star, *, te: float, tr: float, flip_angle: float):
    """Spoiled gradient-echo signal (Ernst equation) with :math:`T_2^*` decay; ``flip_angle`` in rad.

    The maximum over α is at the Ernst angle :math:`\\cos α_E = e^{-TR R_1}`.

    >>> import math
    >>> s = [gradient_echo_signal(1, 1.0, 0, te=1e-3, tr=0.01, flip_angle=a) for a in (0.13, 0.1412, 0.15)]
    >>> s[1] > s[0] and s[1] > s[2]      # Ernst angle arccos(e^-0.01) = 0.1412 rad
    True
    """
    pd = check_values("pd", pd, sign="nonnegative")
    r1 = check_values("r1", r1, sign="nonnegative")
    r2s = check_values("r2star", r2star, sign="nonnegative")
    te, tr = check_positive("te", te, unit="s"), check_positive("tr", tr, unit="s")
    a = check_positive("flip_angle", flip_angle, unit="rad")
    if a >= math.pi:
        raise FerroKitInputError(f"flip_angle must lie in (0, π) rad, got {a:g}")
    e1 = np.exp(-tr * r1)
    return scalar_or_array(pd * math.sin(a) * (1 - e1) / (1 - math.cos(a) * e1) * np.exp(-te * r2s))


def inversion_recovery_signal(pd, r1, r2, *, ti: float, tr: float, te: float, magnitude: bool = True):
    """Inversion-recovery signal :math:`PD (1 - 2e^{-TI R_1} + e^{-TR R_1}) e^{-TE R_2}` (|·| if ``magnitude``).

    The signal nulls at :math:`TI = T_1 \\ln 2` when TR ≫ T1.

    >>> round(inversion_recovery_signal(1, 1.0, 0, ti=math.log(2), tr=1e9, te=0.001), 12)
    0.0
    """
    pd = check_values("pd", pd, sign="nonnegative")
    r1 = check_values("r1", r1, sign="nonnegative")
    r2 = check_values("r2", r2, sign="nonnegative")
    ti, tr = check_positive("ti", ti, unit="s"), check_positive("tr", tr, unit="s")
    te = check_positive("te", te, unit="s")
    if ti >= tr:
        raise FerroKitInputError(f"ti ({ti:g} s) must be shorter than tr ({tr:g} s)")
    s = pd * (1 - 2 * np.exp(-ti * r1) + np.exp(-tr * r1)) * np.exp(-te * r2)
    return scalar_or_array(np.abs(s) if magnitude else s)


def relaxation_rates(r1_0, r2_0, concentration, *, r1: float, r2: float):
    """Relaxation rates with an agent: :math:`R_i = R_{i,0} + r_i C` (fast exchange, linear in C).

    Parameters
    ----------
    r1_0, r2_0 : float or array
        Intrinsic tissue rates [1/s].
    concentration : float or array
        Fe concentration [mol/m³ = mM].
    r1, r2 : float
        Relaxivities [m³ mol⁻¹ s⁻¹ = mM⁻¹ s⁻¹].

    >>> relaxation_rates(1.0, 20.0, 0.5, r1=10.0, r2=60.0)
    (6.0, 50.0)
    """
    c = check_values("concentration", concentration, sign="nonnegative")
    a, b = check_values("r1_0", r1_0, sign="nonnegative"), check_values("r2_0", r2_0, sign="nonnegative")
    r1 = float(check_values("r1", r1, sign="nonnegative"))
    r2 = float(check_values("r2", r2, sign="nonnegative"))
    return scalar_or_array(a + r1 * c), scalar_or_array(b + r2 * c)


@dataclass(frozen=True)
class SequenceParams:
    """A pulse sequence and its timing (SI: s, rad).

    ``kind``: ``spin_echo`` (te, tr), ``gradient_echo`` (te, tr, flip_angle), ``inversion_recovery``
    (ti, te, tr). Validated on construction.

    >>> SequenceParams("spin_echo", te=0.08, tr=3.0).kind
    'spin_echo'
    """

    kind: str
    te: float
    tr: float
    flip_angle: float | None = None
    ti: float | None = None

    def __post_init__(self) -> None:
        check_choice("sequence kind", self.kind, SEQUENCES)
        check_positive("te", self.te, unit="s")
        check_positive("tr", self.tr, unit="s")
        if self.te >= self.tr:
            raise FerroKitInputError(f"te ({self.te:g} s) must be shorter than tr ({self.tr:g} s)")
        if self.kind == "gradient_echo":
            if self.flip_angle is None:
                raise FerroKitInputError("a gradient_echo sequence needs flip_angle [rad]")
            a = check_positive("flip_angle", self.flip_angle, unit="rad")
            if a >= math.pi:
                raise FerroKitInputError(f"flip_angle must lie in (0, π) rad, got {a:g}")
        if self.kind == "inversion_recovery":
            if self.ti is None:
                raise FerroKitInputError("an inversion_recovery sequence needs ti [s]")
            check_positive("ti", self.ti, unit="s")

    def to_dict(self) -> dict:
        """SI values with units."""
        out = {"kind": self.kind, "te": {"value": self.te, "unit": "s"}, "tr": {"value": self.tr, "unit": "s"}}
        if self.flip_angle is not None:
            out["flip_angle"] = {"value": self.flip_angle, "unit": "rad"}
        if self.ti is not None:
            out["ti"] = {"value": self.ti, "unit": "s"}
        return out


def sequence_signal(seq: SequenceParams, pd, r1, r2):
    """Signal of ``seq`` for rates ``r1``, ``r2`` [1/s] (``r2`` is R2* for a gradient echo)."""
    if seq.kind == "spin_echo":
        return spin_echo_signal(pd, r1, r2, te=seq.te, tr=seq.tr)
    if seq.kind == "gradient_echo":
        return gradient_echo_signal(pd, r1, r2, te=seq.te, tr=seq.tr, flip_angle=seq.flip_angle)
    return inversion_recovery_signal(pd, r1, r2, ti=seq.ti, tr=seq.tr, te=seq.te)


def contrast(signal_a, signal_b):
    """Absolute contrast :math:`|S_a - S_b|`.

    >>> contrast(3.0, 5.0)
    2.0
    """
    return scalar_or_array(np.abs(np.asarray(signal_a, float) - np.asarray(signal_b, float)))


def cnr(signal_a, signal_b, noise_sigma: float):
    """Contrast-to-noise ratio :math:`|S_a - S_b|/σ`.

    >>> cnr(3.0, 5.0, 0.5)
    4.0
    """
    sigma = check_positive("noise_sigma", noise_sigma)
    return scalar_or_array(np.asarray(contrast(signal_a, signal_b)) / sigma)


@dataclass(frozen=True)
class ContrastOptimum:
    """Timing that maximises |S(C) − S(0)|: ``vary`` (``te`` or ``tr``) at ``value`` [s]."""

    sequence: SequenceParams
    vary: str
    value: float
    contrast: float
    signal_with_agent: float
    signal_without_agent: float
    bounds: tuple[float, float]

    def to_dict(self) -> dict:
        """SI values with units."""
        return {"sequence": self.sequence.to_dict(), "vary": self.vary,
                "value": {"value": self.value, "unit": "s"}, "contrast": self.contrast,
                "signal_with_agent": self.signal_with_agent, "signal_without_agent": self.signal_without_agent,
                "bounds": {"value": list(self.bounds), "unit": "s"}}


def optimal_contrast_timing(sequence: SequenceParams, *, vary: str, bounds: tuple[float, float],
                            r1_0: float, r2_0: float, concentration: float, r1: float, r2: float,
                            pd: float = 1.0) -> ContrastOptimum:
    """TE or TR (within ``bounds`` [s]) that maximises the contrast between tissue with and without agent.

    The other timings are taken from ``sequence``. A 200-point grid locates the best basin, then a bounded
    scalar minimisation (Brent) refines it. For a spin echo with TR → ∞ the optimal TE has the closed form
    :math:`TE^* = \\ln(R_{2,a}/R_{2,0})/(R_{2,a}-R_{2,0})`.

    >>> seq = SequenceParams("spin_echo", te=0.01, tr=100.0)
    >>> opt = optimal_contrast_timing(seq, vary="te", bounds=(1e-3, 0.5), r1_0=1, r2_0=10, concentration=0.5,
    ...                               r1=0, r2=20)
    >>> round(opt.value, 4)     # ln(20/10)/(20-10)
    0.0693
    """
    check_choice("vary", vary, ("te", "tr"))
    lo, hi = (check_positive("bounds[0]", bounds[0], unit="s"), check_positive("bounds[1]", bounds[1], unit="s"))
    if lo >= hi:
        raise FerroKitInputError(f"bounds must be increasing, got ({lo:g}, {hi:g}) s")
    check_positive("concentration", concentration, unit="mol/m3")
    ra1, ra2 = relaxation_rates(r1_0, r2_0, concentration, r1=r1, r2=r2)
    check_positive("pd", pd)

    def seq_at(x: float) -> SequenceParams:
        kw = {"te": sequence.te, "tr": sequence.tr, "flip_angle": sequence.flip_angle, "ti": sequence.ti}
        kw[vary] = x
        return SequenceParams(sequence.kind, **kw)

    def neg(x: float) -> float:
        s = seq_at(x)
        return -abs(sequence_signal(s, pd, ra1, ra2) - sequence_signal(s, pd, r1_0, r2_0))

    # other timings must stay valid over the whole range
    lo_ok = max(lo, sequence.te * (1 + 1e-9)) if vary == "tr" else lo
    hi_ok = min(hi, sequence.tr * (1 - 1e-9)) if vary == "te" else hi
    if vary == "tr" and sequence.ti is not None:
        lo_ok = max(lo_ok, sequence.ti * (1 + 1e-9))
    if lo_ok >= hi_ok:
        raise FerroKitInputError(f"bounds ({lo:g}, {hi:g}) s leave no valid {vary} for this sequence")
    grid = np.geomspace(lo_ok, hi_ok, 200)
    vals = np.array([neg(x) for x in grid])
    k = int(np.argmin(vals))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(neg, bounds=(a, b), method="bounded", options={"xatol": 1e-9 * b})
    x = float(res.x) if res.fun <= vals[k] else float(grid[k])
    s = seq_at(x)
    sa, s0 = float(sequence_signal(s, pd, ra1, ra2)), float(sequence_signal(s, pd, r1_0, r2_0))
    return ContrastOptimum(sequence=s, vary=vary, value=x, contrast=abs(sa - s0), signal_with_agent=sa,
                           signal_without_agent=s0, bounds=(lo, hi))
