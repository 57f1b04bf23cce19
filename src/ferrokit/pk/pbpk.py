r"""Membrane-limited whole-body PBPK model of nanoparticles (Lin-lab structure) and its solver.

Compartments: arterial and venous plasma; lung, brain, kidney, liver, spleen, muscle, rest of body and tumour,
each with capillary blood (b), tissue (t) and phagocytic cells (RES, p); a receptor-bound pool in the tumour
(active targeting); bile and urine. For organ *i* with blood flow :math:`Q_i`, capillary blood volume
:math:`V_{b}`, tissue volume :math:`V_t`, partition coefficient :math:`P_i` and :math:`PA_i = PA_{C,i}\,Q_i`:

.. math::

   \frac{dA_b}{dt} = Q_i (C_A - C_b) - PA_i C_b + PA_i \frac{C_t}{P_i}, \qquad
   \frac{dA_t}{dt} = PA_i C_b - PA_i \frac{C_t}{P_i} - K_i(t) A_t + k_{rel,i} A_p, \qquad
   \frac{dA_p}{dt} = K_i(t) A_t - k_{rel,i} A_p

with the Hill-type, time-dependent phagocytic uptake :math:`K_i(t) = K_{max}\,t^n/(K_{50}^n + t^n)`
(optionally capacity-limited by the factor :math:`1 - A_p/A_{p,max}`). Liver Kupffer cells take up from the
sinusoidal blood instead of the tissue; spleen outflow enters the liver (portal), so the liver drains
:math:`(Q_L + Q_S) C_{Lb}` to the veins; the lung receives the whole cardiac output from the veins and feeds
the arteries. Urine: :math:`CL_u C_{Kb}`; bile: :math:`CL_b C_{Lt}`; :math:`CL = CL_C\,BW^{0.75}`.

Reference: Lin Z, Monteiro-Riviere NA, Riviere JE, Nanotoxicology 2016 10:162–172,
doi:10.3109/17435390.2015.1027314 [seen-abstract]; tumour sub-model: Cheng Y-H, He C, Riviere JE,
Monteiro-Riviere NA, Lin Z, ACS Nano 2020 14:3075–3095, doi:10.1021/acsnano.9b08142 [seen-abstract]; equations
and values as in the CC0 code UFPBPK/Nano-AI-PBPK-G2 ``PBPK/NanoPBPK.R`` [seen-code]. One deliberate change:
that code returns only :math:`Q_L C_{Lb}` from the liver although the spleen flow :math:`Q_S` also enters it;
here the liver outflow is :math:`(Q_L+Q_S) C_{Lb}` so that blood flow is conserved.

Validity: non-degrading particles (no dissolution of the iron core), linear in dose unless a capacity or
receptor saturation is set; parameters calibrated for PEG-gold 13–100 nm in mice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from ferrokit._shared.validation import FerroKitInputError, check_array, check_choice, check_positive, check_range
from ferrokit.pk import _kernels
from ferrokit.pk.parameters import ORGANS, PBPKParameters, mouse_parameters  # noqa: F401 (doctests)

_HOUR = 3600.0
ROUTES = ("iv", "infusion", "intratumoral")
SUBCOMPARTMENTS = ("blood", "tissue", "phagocyte")

# state layout (fractions of dose)
_AA, _AV = 0, 1
_N_ORG = len(ORGANS)
_BOUND = 2 + 3 * _N_ORG
_BILE, _URINE = _BOUND + 1, _BOUND + 2
N_STATES = _URINE + 1


def _idx(organ: str, sub: str) -> int:
    return 2 + 3 * ORGANS.index(organ) + SUBCOMPARTMENTS.index(sub)


@dataclass(frozen=True)
class Dosing:
    """How the particles are given.

    Attributes
    ----------
    dose : float — administered mass [kg] (state the basis yourself, e.g. kg Fe; %ID does not depend on it
        unless a capacity or receptor saturation is set)
    route : str — ``"iv"`` (bolus into venous plasma), ``"infusion"`` (zero-order into venous plasma over
        ``infusion_time``) or ``"intratumoral"`` (bolus into the tumour interstitium)
    infusion_time : float — [s], > 0 for ``"infusion"`` only
    """

    dose: float
    route: str = "iv"
    infusion_time: float = 0.0

    def __post_init__(self) -> None:
        check_range("dose", self.dose, 0.0, 1.0, unit="kg", low_inclusive=False)
        check_choice("route", self.route, ROUTES)
        if self.route == "infusion":
            check_positive("infusion_time", self.infusion_time, unit="s")
        elif self.infusion_time != 0.0:
            raise FerroKitInputError(f"infusion_time is only used with route 'infusion' (route {self.route!r})")

    @classmethod
    def per_body_weight(cls, dose_per_kg: float, params: PBPKParameters, *, route: str = "iv",
                        infusion_time: float = 0.0) -> Dosing:
        """Dose given as mass per body mass [kg/kg] (e.g. 5 mg/kg = 5e-6)."""
        check_range("dose_per_kg", dose_per_kg, 0.0, 0.1, unit="kg/kg", low_inclusive=False)
        return cls(dose=dose_per_kg * params.body_weight, route=route, infusion_time=infusion_time)

    def administered(self, t: np.ndarray) -> np.ndarray:
        """Mass given up to time t [kg]."""
        t = np.asarray(t, dtype=float)
        if self.route == "infusion":
            return self.dose * np.clip(t / self.infusion_time, 0.0, 1.0)
        return np.full_like(t, self.dose)

    def to_dict(self) -> dict[str, Any]:
        return {"dose": {"value": self.dose, "unit": "kg"}, "route": self.route,
                "infusion_time": {"value": self.infusion_time, "unit": "s"}}


@dataclass(frozen=True)
class _System:
    lin: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    kmax: np.ndarray
    k50: np.ndarray
    n: np.ndarray
    hill: np.ndarray
    cap: np.ndarray
    krel: np.ndarray


def _build_system(params: PBPKParameters, dose: float) -> _System:
    """Linear exchange matrix and saturable transfers, rates in 1/h, amounts as fractions of ``dose``."""
    lin = np.zeros((N_STATES, N_STATES))
    vp = params.plasma_volume
    fa = params.arterial_plasma_fraction
    vol = {_AA: vp * fa, _AV: vp * (1.0 - fa)}

    def move(j: int, k: int, q: float) -> None:  # flow q [m³/s] carrying concentration of j into k
        r = q / vol[j] * _HOUR
        lin[k, j] += r
        lin[j, j] -= r

    for o in params.organs:
        v = params.organ_volume(o.name)
        vol[_idx(o.name, "blood")] = v * o.capillary_blood_fraction
        vol[_idx(o.name, "tissue")] = v * (1.0 - o.capillary_blood_fraction)
    qc = params.cardiac_output
    lub = _idx("lung", "blood")
    move(_AV, lub, qc)
    move(lub, _AA, qc)
    q_spleen = params.organ_flow("spleen")
    for o in params.organs:
        b, t = _idx(o.name, "blood"), _idx(o.name, "tissue")
        q = params.organ_flow(o.name)
        if o.name != "lung":
            move(_AA, b, q)
            if o.name == "spleen":
                move(b, _idx("liver", "blood"), q)
            elif o.name == "liver":
                move(b, _AV, q + q_spleen)
            else:
                move(b, _AV, q)
        pa = o.permeability_coefficient * q
        move(b, t, pa)
        move(t, b, pa / o.partition_coefficient)
    bw75 = params.body_weight**0.75
    move(_idx("kidney", "blood"), _URINE, params.urinary_clearance_coefficient * bw75)
    move(_idx("liver", "tissue"), _BILE, params.biliary_clearance_coefficient * bw75)

    rows = []
    for o in params.organs:
        if o.uptake_max == 0.0:
            continue
        src = _idx(o.name, "blood" if o.uptake_from == "blood" else "tissue")
        cap = o.uptake_capacity * params.organ_mass(o.name) / dose if math.isfinite(o.uptake_capacity) else math.inf
        rows.append((src, _idx(o.name, "phagocyte"), o.uptake_max * _HOUR, o.uptake_t50 / _HOUR, o.uptake_hill,
                     True, cap, o.release_rate * _HOUR))
    tg = params.targeting
    if tg is not None:
        vt = vol[_idx("tumour", "tissue")]
        molar_mass = tg.particle_mass * 6.02214076e23  # kg of dosed substance per mol of particles
        bmax = tg.receptor_density * vt * molar_mass / dose
        rows.append((_idx("tumour", "tissue"), _BOUND, tg.kon * tg.receptor_density * _HOUR, 0.0, 0.0, False,
                     bmax, tg.koff * _HOUR))
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 8
    return _System(lin=lin, src=np.array(cols[0], dtype=np.int64), dst=np.array(cols[1], dtype=np.int64),
                   kmax=np.array(cols[2], float), k50=np.array(cols[3], float), n=np.array(cols[4], float),
                   hill=np.array(cols[5], dtype=np.bool_), cap=np.array(cols[6], float),
                   krel=np.array(cols[7], float))


def _volumes(params: PBPKParameters) -> dict[str, float]:
    return {**{o: params.organ_volume(o) for o in ORGANS}, "plasma": params.plasma_volume}


@dataclass(frozen=True)
class PKResult:
    """Amounts, %ID and concentrations per organ over time (frozen; SI units).

    Attributes
    ----------
    times : ndarray — [s]
    compartments : mapping name -> ndarray [kg] — ``"plasma"``, ``"<organ>.blood|tissue|phagocyte"``,
        ``"tumour.bound"``, ``"bile"``, ``"urine"``
    amounts : mapping organ -> ndarray [kg] — plasma and each organ (sum of its sub-compartments)
    percent_id : mapping organ -> ndarray [%] — 100·amount/dose
    concentrations : mapping organ -> ndarray [kg/m³] — organ amount / organ volume (plasma: / plasma volume)
    excreted : mapping ``bile``/``urine`` -> ndarray [kg] — cumulative
    administered : ndarray [kg] — mass given up to each time
    mass_balance_error : float — max |Σ compartments − administered| / dose
    """

    times: np.ndarray
    compartments: MappingProxyType
    amounts: MappingProxyType
    percent_id: MappingProxyType
    concentrations: MappingProxyType
    excreted: MappingProxyType
    administered: np.ndarray
    mass_balance_error: float
    dosing: Dosing
    species: str
    volumes: MappingProxyType = field(repr=False)
    targeting: bool = False

    def _check(self, organ: str) -> str:
        if organ not in self.amounts:
            raise FerroKitInputError(f"organ must be one of {', '.join(self.amounts)}; got {organ!r}")
        return organ

    def concentration(self, organ: str) -> np.ndarray:
        """Concentration in ``organ`` (or ``"plasma"``) over :attr:`times` [kg/m³]."""
        return self.concentrations[self._check(organ)]

    def amount(self, organ: str) -> np.ndarray:
        """Amount in ``organ`` (or ``"plasma"``) over :attr:`times` [kg]."""
        return self.amounts[self._check(organ)]

    def percent_injected_dose(self, organ: str) -> np.ndarray:
        """%ID in ``organ`` over :attr:`times` [%]."""
        return self.percent_id[self._check(organ)]

    def to_dict(self) -> dict[str, Any]:
        """SI values with unit names."""
        return {
            "model": "membrane-limited nanoparticle PBPK (Lin et al. 2016; tumour: Cheng et al. 2020)",
            "species": self.species,
            "dosing": self.dosing.to_dict(),
            "active_targeting": self.targeting,
            "times": {"values": self.times.tolist(), "unit": "s"},
            "amounts": {"unit": "kg", "values": {k: v.tolist() for k, v in self.amounts.items()}},
            "percent_id": {"unit": "%", "values": {k: v.tolist() for k, v in self.percent_id.items()}},
            "concentrations": {"unit": "kg/m3", "values": {k: v.tolist() for k, v in self.concentrations.items()}},
            "compartments": {"unit": "kg", "values": {k: v.tolist() for k, v in self.compartments.items()}},
            "excreted": {"unit": "kg", "values": {k: v.tolist() for k, v in self.excreted.items()}},
            "volumes": {"unit": "m3", "values": dict(self.volumes)},
            "mass_balance_error": {"value": self.mass_balance_error, "unit": "1 (fraction of dose)"},
        }

    def plot(self, ax=None, *, organs: tuple[str, ...] | None = None, quantity: str = "percent_id"):
        """%ID (or ``quantity="concentration"`` in mg/mL) per organ against time in hours; returns the Axes."""
        import matplotlib.pyplot as plt

        check_choice("quantity", quantity, ("percent_id", "concentration"))
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        names = organs or tuple(self.amounts)
        th = self.times / _HOUR
        for name in names:
            y = self.percent_id[self._check(name)] if quantity == "percent_id" else self.concentrations[name]
            ax.plot(th, y, label=name, lw=2 if name in ("tumour", "liver", "plasma") else 1.2)
        for name, y in self.excreted.items():
            if quantity == "percent_id":
                ax.plot(th, 100 * y / self.dosing.dose, ls="--", lw=1, label=name)
        ax.set_xlabel("time (h)")
        ax.set_ylabel("%ID" if quantity == "percent_id" else "concentration (mg/mL = kg/m³)")
        ax.set_yscale("log")
        ymax = max(float(np.max(self.percent_id[n] if quantity == "percent_id" else self.concentrations[n]))
                   for n in names)
        ax.set_ylim(ymax * 1e-4, ymax * 2)
        ax.set_title(f"{self.species} PBPK, {self.dosing.route}" + (", active targeting" if self.targeting else ""))
        ax.legend(fontsize=8, ncol=2)
        return ax


def default_times(duration: float) -> np.ndarray:
    """Output grid [s]: 0, log-spaced from 36 s, 200 linear points and the usual sampling hours up to ``duration``."""
    lo = min(36.0, duration / 100)
    usual = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 24, 48, 72, 96, 168, 336, 720]) * _HOUR
    return np.unique(np.concatenate([[0.0], np.geomspace(lo, duration, 120), np.linspace(0, duration, 200),
                                     usual[usual <= duration]]))


def simulate_pbpk(params: PBPKParameters, dosing: Dosing, *, duration: float,
                  times: np.ndarray | None = None, rtol: float = 1e-8) -> PKResult:
    """Simulate the whole-body nanoparticle PBPK model (equations in the module docstring).

    Parameters
    ----------
    params : PBPKParameters — e.g. :func:`~ferrokit.pk.mouse_parameters`
    dosing : Dosing — dose [kg], route and infusion time
    duration : float — simulated time [s] (1 ms to 5 years)
    times : array, optional — output times [s] in [0, duration], increasing (default :func:`default_times`)
    rtol : float — relative tolerance of the stiff BDF solver (absolute tolerance 1e-12 of the dose)

    Returns
    -------
    PKResult

    Examples
    --------
    >>> p = mouse_parameters()
    >>> r = simulate_pbpk(p, Dosing.per_body_weight(5e-6, p), duration=24 * 3600.0)
    >>> r.mass_balance_error < 1e-9
    True
    >>> bool(r.percent_injected_dose("liver")[-1] > r.percent_injected_dose("tumour")[-1])
    True
    """
    if not isinstance(params, PBPKParameters):
        raise FerroKitInputError("params must be a PBPKParameters (use mouse_parameters() or human_parameters())")
    if not isinstance(dosing, Dosing):
        raise FerroKitInputError("dosing must be a Dosing")
    duration = check_range("duration", duration, 1e-3, 5 * 365 * 86400.0, unit="s")
    check_range("rtol", rtol, 1e-12, 1e-3)
    if times is None:
        t_out = default_times(duration)
    else:
        t_out = check_array("times", times)
        if t_out[0] < 0 or t_out[-1] > duration * (1 + 1e-12) or np.any(np.diff(t_out) <= 0):
            raise FerroKitInputError("times must be strictly increasing and lie in [0, duration]")
    sysm = _build_system(params, dosing.dose)
    y0 = np.zeros(N_STATES)
    if dosing.route == "iv":
        y0[_AV] = 1.0
    elif dosing.route == "intratumoral":
        y0[_idx("tumour", "tissue")] = 1.0
    th_out = t_out / _HOUR
    t_end = duration / _HOUR
    segments = [(0.0, t_end, -1, 0.0)]
    if dosing.route == "infusion":
        ti = dosing.infusion_time / _HOUR
        segments = [(0.0, min(ti, t_end), _AV, 1.0 / ti)] + ([(ti, t_end, -1, 0.0)] if ti < t_end else [])

    def make(inflow_idx: int, inflow_rate: float):
        def fun(t, y):
            out = np.empty(N_STATES)
            _kernels.rhs(t, y, sysm.lin, sysm.src, sysm.dst, sysm.kmax, sysm.k50, sysm.n, sysm.hill, sysm.cap,
                         sysm.krel, inflow_idx, inflow_rate, out)
            return out

        def jac(t, y):
            out = np.empty((N_STATES, N_STATES))
            _kernels.jacobian(t, y, sysm.lin, sysm.src, sysm.dst, sysm.kmax, sysm.k50, sysm.n, sysm.hill, sysm.cap,
                              sysm.krel, out)
            return out
        return fun, jac

    ys = np.zeros((N_STATES, th_out.size))
    y = y0
    for k, (a, b, idx, rate) in enumerate(segments):
        last = k == len(segments) - 1
        sel = (th_out >= a) & ((th_out <= b) if last else (th_out < b))
        fun, jac = make(idx, rate)
        te = th_out[sel]
        if te.size == 0 or te[-1] < b:
            te = np.append(te, b)
        sol = solve_ivp(fun, (a, b), y, method="BDF", jac=jac, rtol=rtol, atol=1e-12, t_eval=te)
        if not sol.success:
            raise RuntimeError(f"PBPK solver failed: {sol.message}")
        ys[:, sel] = sol.y[:, : int(np.count_nonzero(sel))]
        y = sol.y[:, -1]
    return _package(params, dosing, t_out, ys)


def _package(params: PBPKParameters, dosing: Dosing, t: np.ndarray, ys: np.ndarray) -> PKResult:
    d = dosing.dose
    comp: dict[str, np.ndarray] = {"plasma": (ys[_AA] + ys[_AV]) * d}
    amounts: dict[str, np.ndarray] = {"plasma": comp["plasma"]}
    for o in ORGANS:
        tot = np.zeros_like(t)
        for s in SUBCOMPARTMENTS:
            comp[f"{o}.{s}"] = ys[_idx(o, s)] * d
            tot = tot + comp[f"{o}.{s}"]
        if o == "tumour":
            comp["tumour.bound"] = ys[_BOUND] * d
            tot = tot + comp["tumour.bound"]
        amounts[o] = tot
    comp["bile"], comp["urine"] = ys[_BILE] * d, ys[_URINE] * d
    vols = _volumes(params)
    administered = dosing.administered(t)
    total = ys.sum(axis=0) * d
    err = float(np.max(np.abs(total - administered)) / d)
    ro = MappingProxyType
    return PKResult(
        times=t, compartments=ro(comp), amounts=ro(amounts),
        percent_id=ro({k: 100.0 * v / d for k, v in amounts.items()}),
        concentrations=ro({k: v / vols[k] for k, v in amounts.items()}),
        excreted=ro({"bile": comp["bile"], "urine": comp["urine"]}),
        administered=administered, mass_balance_error=err, dosing=dosing, species=params.species,
        volumes=ro(vols), targeting=params.targeting is not None)

