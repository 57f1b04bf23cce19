"""Tumour response of therapy arms: growth law + kill by heat, ROS, radiation and carrier-released drug.

For each arm the viable tumour volume V [m³] follows

.. math:: \\frac{d\\ln V}{dt} = \\frac{g(V)}{V} - k_{chemo}(t),\\qquad
          V(t_e^+) = S_e\\,V(t_e^-)\\ \\text{at each heat / ROS / radiation session } e,

with g the growth law (:class:`~ferrokit.response.growth.GrowthModel`), S_e the session's tumour surviving
fraction (:mod:`ferrokit.response.kill`: the mean of voxel survivals when a dose map is given) and
:math:`k_{chemo} = E_{max}C^h/(EC_{50}^h + C^h)` with the free drug concentration
:math:`\\dot C = C_{load}\\dot F(t - t_{inj}) - k_{el}C` from the carrier's release profile F.

Assumptions (phenomenological model): killed cells leave the volume at once (no dead-cell compartment or
clearance delay); modalities act independently (no biological interaction beyond what the inputs encode,
e.g. a radiosensitiser's SER, or a CDT dose computed at the hyperthermic temperature upstream); sessions are
instantaneous. Read-outs: volume curves, surviving fraction per modality, time to reach a target volume,
tumour growth delay against the control arm (TGD = t_arm − t_control), and Bliss synergy of each combination
arm from volume-based effects :math:`E = 1 - V_{arm}/V_{control}` at the synergy time. Exponential and
Gompertz growth are *linear* in ln V (Gompertz: :math:`\\dot{\\ln V} = r(\\ln K - \\ln V)`), so independent
log-kills superpose and the Bliss excess is exactly zero; logistic growth is not, and there a non-zero
excess can arise from growth saturation alone (the result notes say so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from ferrokit._shared.rng import RngLike, as_rng
from ferrokit._shared.validation import FerroKitInputError, check_positive
from ferrokit.response.arms import ChemoSpec, TherapyArm
from ferrokit.response.growth import GrowthModel
from ferrokit.response.kill import (
    emax_effect,
    linear_quadratic_survival,
    ros_survival,
    thermal_survival_arrhenius,
    thermal_survival_cem43,
    tumour_survival,
)
from ferrokit.response.release import release_profile
from ferrokit.response.synergy import bliss_synergy

PHENOMENOLOGICAL = ("phenomenological model: growth laws and kill mappings are fitted/assumed, not mechanistic; "
                    "parameter sources and status are listed in docs/response.md")
_DAY = 86400.0


def session_survival(arm: TherapyArm) -> dict[str, float]:
    """Tumour surviving fraction of one session of each event modality of ``arm`` (thermal, ros, radiation)."""
    out: dict[str, float] = {}
    if arm.thermal is not None:
        th = arm.thermal
        if th.model == "cem43":
            out["thermal"] = tumour_survival(thermal_survival_cem43(np.asarray(th.cem43), d0=th.d0, dq=th.dq))
        else:
            out["thermal"] = tumour_survival(thermal_survival_arrhenius(th.temperatures, th.heating_times,
                                                                        tissue=th.tissue))
    if arm.ros is not None:
        out["ros"] = tumour_survival(ros_survival(arm.ros.cumulative(), d10=arm.ros.d10))
    if arm.radiation is not None:
        r = arm.radiation
        out["radiation"] = tumour_survival(linear_quadratic_survival(np.asarray(r.dose_per_fraction), alpha=r.alpha,
                                                                     beta=r.beta, ser=r.ser))
    return out


def chemo_kill_rate(spec: ChemoSpec, times) -> tuple[np.ndarray, np.ndarray]:
    """Free drug concentration C [mol/m³] and Emax kill rate [1/s] on ``times`` [s] (fine grid advised).

    The release rate is integrated with an exponential (exact for piecewise-constant release rate) update:
    :math:`C_{i+1} = C_i e^{-k_{el}\\Delta t} + C_{load}\\,\\Delta F_i\\,\\phi(k_{el}\\Delta t)`,
    :math:`\\phi(x) = (1 - e^{-x})/x`.
    """
    t = np.asarray(times, dtype=float)
    rel = spec.release
    prof = release_profile(rel.kind, np.clip(t - spec.time, 0.0, None), rate_constant=rel.rate_constant(),
                           exponent=rel.exponent, lag=rel.lag, ph=rel.ph, pka=rel.pka,
                           max_factor=rel.max_factor)
    df = np.diff(prof.fraction)
    dt = np.diff(t)
    x = spec.elimination_rate * dt
    decay = np.exp(-x)
    phi = np.where(x > 1e-12, -np.expm1(-x) / np.where(x > 1e-12, x, 1.0), 1.0)
    c = np.zeros_like(t)
    for i in range(dt.size):
        c[i + 1] = c[i] * decay[i] + spec.loaded_concentration * df[i] * phi[i]
    return c, emax_effect(c, emax=spec.emax, ec50=spec.ec50, hill=spec.hill)


def _integrate(growth: GrowthModel, rate: float, v0: float, times: np.ndarray, events: list[tuple[float, float]],
               kill_t: np.ndarray | None, kill_k: np.ndarray | None, t_end: float) -> np.ndarray:
    """ln V on ``times`` for one subject (events: (time, ln S), sorted)."""
    g = growth if rate == growth.rate else growth.model_copy(update={"rate": rate})

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        k = 0.0 if kill_t is None else float(np.interp(t, kill_t, kill_k))
        return np.array([float(g.specific_rate(np.exp(y[0]))) - k])

    bounds = [0.0] + [e[0] for e in events] + [t_end]
    out = np.empty(times.size)
    y = np.log(v0)
    max_step = (t_end / 400.0) if kill_t is not None else np.inf
    for i in range(len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        last = i == len(bounds) - 2
        sel = (times >= a) & ((times <= b) if last else (times < b))
        if b > a:
            sol = solve_ivp(rhs, (a, b), [y], method="RK45", rtol=1e-9, atol=1e-10, dense_output=True,
                            max_step=max_step)
            if not sol.success:
                raise RuntimeError(f"growth ODE failed: {sol.message}")
            if np.any(sel):
                out[sel] = sol.sol(times[sel])[0]
            y = float(sol.y[0, -1])
        elif np.any(sel):
            out[sel] = y
        if i < len(events):
            y += events[i][1]
            if np.any(times == b) and not last:
                out[times == b] = y
    return out


@dataclass(frozen=True)
class ResponseResult:
    """Per-arm tumour volume over time and the response read-outs (SI: s, m³). See :func:`simulate_arms`."""

    times: np.ndarray
    arm_names: tuple[str, ...]
    modalities: dict[str, tuple[str, ...]]
    volume: dict[str, np.ndarray]
    volume_sd: dict[str, np.ndarray] | None
    survival: dict[str, dict[str, float]]
    target_volume: float
    time_to_target: dict[str, float | None]
    growth_delay: dict[str, float | None]
    control_arm: str | None
    synergy_time: float
    synergy: tuple[dict[str, Any], ...]
    growth: GrowthModel
    n_subjects: int
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        def opt(x):
            return None if x is None else {"value": x, "unit": "s"}

        return {
            "model": "ferrokit.response.simulate_arms",
            "growth": {"kind": self.growth.kind, "rate": {"value": self.growth.rate, "unit": "1/s"},
                       "capacity": None if self.growth.capacity is None else
                       {"value": self.growth.capacity, "unit": "m3"},
                       "initial_volume": {"value": self.growth.initial_volume, "unit": "m3"}},
            "times": {"value": self.times.tolist(), "unit": "s"},
            "n_subjects": self.n_subjects,
            "control_arm": self.control_arm,
            "target_volume": {"value": self.target_volume, "unit": "m3"},
            "synergy_time": {"value": self.synergy_time, "unit": "s"},
            "arms": {n: {"modalities": list(self.modalities[n]),
                         "volume": {"value": self.volume[n].tolist(), "unit": "m3"},
                         **({"volume_sd": {"value": self.volume_sd[n].tolist(), "unit": "m3"}}
                            if self.volume_sd is not None else {}),
                         "final_volume": {"value": float(self.volume[n][-1]), "unit": "m3"},
                         "survival": {"value": self.survival[n], "unit": "1"},
                         "time_to_target": opt(self.time_to_target[n]),
                         "growth_delay": opt(self.growth_delay[n])} for n in self.arm_names},
            "synergy": list(self.synergy),
            "notes": list(self.notes),
        }

    def plot(self, ax=None):
        """Volume [mm³] of each arm against time [d] (log scale), target volume dashed."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        d = self.times / _DAY
        for i, n in enumerate(self.arm_names):
            v = self.volume[n] * 1e9
            ax.plot(d, v, color=f"C{i % 10}", label=n)
            if self.volume_sd is not None:
                sd = self.volume_sd[n] * 1e9
                ax.fill_between(d, np.maximum(v - sd, v * 1e-3), v + sd, color=f"C{i % 10}", alpha=0.15, lw=0)
        ax.axhline(self.target_volume * 1e9, color="0.5", ls="--", lw=0.8, label="target volume")
        ax.set_yscale("log")
        ax.set_xlabel("time (d)")
        ax.set_ylabel("tumour volume (mm³)")
        ax.set_title(f"tumour response ({self.growth.kind} growth)")
        ax.legend(frameon=False, fontsize=8)
        return ax


def _first_crossing(times: np.ndarray, volume: np.ndarray, target: float) -> float | None:
    if volume[0] >= target:
        return 0.0
    idx = np.nonzero(volume >= target)[0]
    if idx.size == 0:
        return None
    j = int(idx[0])
    la, lb, lt = np.log(volume[j - 1]), np.log(volume[j]), np.log(target)
    return float(times[j - 1] + (times[j] - times[j - 1]) * (lt - la) / (lb - la))


def simulate_arms(arms: Sequence[TherapyArm], *, growth: GrowthModel, duration: float, times=None,
                  target_volume: float | None = None, synergy_time: float | None = None, n_subjects: int = 1,
                  rate_cv: float = 0.0, rng: RngLike = None) -> ResponseResult:
    """Simulate each therapy arm and compute the response read-outs (see the module notes for the model).

    Parameters
    ----------
    arms : sequence of TherapyArm
        Unique names; an arm without modalities is the control (needed for growth delay and synergy).
    growth : GrowthModel
    duration : float
        Simulated time [s] from t = 0 (the first treatment may be later).
    times : array, optional
        Output times [s] in [0, duration] (default: 241 points).
    target_volume : float, optional
        Volume [m³] for time-to-target and growth delay (default 4 × V0).
    synergy_time : float, optional
        Time [s] at which Bliss effects are evaluated (default: ``duration``).
    n_subjects, rate_cv, rng
        Inter-subject variability: each subject's growth rate is lognormal with mean r and coefficient of
        variation ``rate_cv``; volumes are subject means (``volume_sd`` their SD). ``rng`` is used only then.

    Examples
    --------
    >>> g = GrowthModel(kind="exponential", rate=2e-6, initial_volume=1e-7)
    >>> from ferrokit.response.arms import RadiationSpec
    >>> arms = [TherapyArm(name="control"),
    ...         TherapyArm(name="RT", radiation=RadiationSpec(times=[86400.0], dose_per_fraction=[8.0]))]
    >>> r = simulate_arms(arms, growth=g, duration=40 * 86400.0)
    >>> s = r.survival["RT"]["radiation"]; round(s, 4)    # exp(-0.3·8 - 0.03·64)
    0.0133
    >>> round(r.growth_delay["RT"] / 86400.0, 2)          # ln(1/S)/r in days
    25.0
    """
    arms = list(arms)
    if not arms or not all(isinstance(a, TherapyArm) for a in arms):
        raise FerroKitInputError("arms must be a non-empty list of TherapyArm")
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise FerroKitInputError(f"arm names must be unique, got {names}")
    if not isinstance(growth, GrowthModel):
        raise FerroKitInputError("growth must be a GrowthModel")
    t_end = check_positive("duration", duration, unit="s")
    if times is None:
        tt = np.linspace(0.0, t_end, 241)
    else:
        tt = np.asarray(times, dtype=float)
        if tt.ndim != 1 or tt.size < 2 or not np.all(np.isfinite(tt)) or np.any(np.diff(tt) <= 0):
            raise FerroKitInputError("times must be a strictly increasing 1D array of ≥ 2 finite values")
        if tt[0] < 0 or tt[-1] > t_end:
            raise FerroKitInputError(f"times must lie in [0, duration = {t_end:g} s]")
    target = 4.0 * growth.initial_volume if target_volume is None else check_positive("target_volume",
                                                                                        target_volume, unit="m³")
    t_syn = t_end if synergy_time is None else float(synergy_time)
    if not 0 < t_syn <= t_end:
        raise FerroKitInputError(f"synergy_time must lie in (0, duration = {t_end:g} s]")
    if isinstance(n_subjects, bool) or int(n_subjects) != n_subjects or n_subjects < 1:
        raise FerroKitInputError(f"n_subjects must be an integer ≥ 1, got {n_subjects!r}")
    if not (np.isfinite(rate_cv) and 0 <= rate_cv <= 2):
        raise FerroKitInputError(f"rate_cv must lie in [0, 2], got {rate_cv!r}")
    if n_subjects > 1 and rate_cv > 0:
        sigma = np.sqrt(np.log1p(rate_cv**2))
        rates = growth.rate * np.exp(sigma * as_rng(rng).standard_normal(int(n_subjects)) - sigma**2 / 2)
    else:
        rates = np.full(int(n_subjects), growth.rate)
    grid = np.union1d(tt, [t_syn])
    notes = [PHENOMENOLOGICAL]
    volume, volume_sd, survival, mods = {}, ({} if n_subjects > 1 else None), {}, {}
    for arm in arms:
        mods[arm.name] = arm.modalities
        per = session_survival(arm)
        events: list[tuple[float, float]] = []
        surv: dict[str, float] = {}
        for m, s in per.items():
            spec = getattr(arm, m)
            ts = [t for t in spec.times if t < t_end]
            if len(ts) < len(spec.times):
                notes.append(f"arm {arm.name!r}: {m} sessions after the end of the simulation were ignored")
            surv[m] = float(s ** len(ts))
            if s <= 0:
                raise FerroKitInputError(f"arm {arm.name!r}: {m} leaves no surviving cells (S = 0); lower the dose")
            events += [(t, float(np.log(s))) for t in ts]
        events.sort()
        kill_t = kill_k = None
        if arm.chemo is not None:
            kill_t = np.linspace(0.0, t_end, 4001)
            _, kill_k = chemo_kill_rate(arm.chemo, kill_t)
            surv["chemo"] = float(np.exp(-np.trapezoid(kill_k, kill_t)))
        survival[arm.name] = surv
        lv = np.array([_integrate(growth, r, growth.initial_volume, grid, events, kill_t, kill_k, t_end)
                       for r in rates])
        v = np.exp(lv)
        volume[arm.name] = v.mean(axis=0)
        if volume_sd is not None:
            volume_sd[arm.name] = v.std(axis=0, ddof=1) if v.shape[0] > 1 else np.zeros(grid.size)
    keep = np.isin(grid, tt)
    i_syn = int(np.nonzero(grid == t_syn)[0][0])
    control = next((a.name for a in arms if not a.modalities), None)
    ttt = {n: _first_crossing(grid, volume[n], target) for n in names}
    for n in names:
        if ttt[n] is None:
            notes.append(f"arm {n!r} did not reach the target volume within the simulation")
    delay = {n: (None if control is None or ttt[n] is None or ttt[control] is None else ttt[n] - ttt[control])
             for n in names}
    if control is None:
        notes.append("no control arm (an arm without modalities): no growth delay or synergy")
    synergy = _synergy_table(arms, volume, control, i_syn, growth, notes)
    return ResponseResult(times=tt, arm_names=tuple(names), modalities=mods,
                          volume={n: v[keep] for n, v in volume.items()},
                          volume_sd=None if volume_sd is None else {n: v[keep] for n, v in volume_sd.items()},
                          survival=survival, target_volume=target, time_to_target=ttt, growth_delay=delay,
                          control_arm=control, synergy_time=t_syn, synergy=tuple(synergy), growth=growth,
                          n_subjects=int(n_subjects), notes=tuple(dict.fromkeys(notes)))


def _synergy_table(arms: list[TherapyArm], volume: dict[str, np.ndarray], control: str | None, i: int,
                   growth: GrowthModel, notes: list[str]) -> list[dict[str, Any]]:
    if control is None:
        return []
    v_ctrl = volume[control][i]
    effect = {a.name: float(np.clip(1.0 - volume[a.name][i] / v_ctrl, 0.0, 1.0)) for a in arms}
    monos = [a for a in arms if len(a.modalities) == 1]
    rows = []
    for combo in (a for a in arms if len(a.modalities) >= 2):
        partners = []
        for m in combo.modalities:
            cands = [a for a in monos if a.modalities == (m,)]
            same = [a for a in cands if getattr(a, m) == getattr(combo, m)]
            if same:
                partners.append(same[0])
            elif cands:
                partners.append(cands[0])
                notes.append(f"arm {combo.name!r}: its {m} differs from monotherapy arm {cands[0].name!r}; the "
                             "Bliss excess includes that difference (e.g. a sensitiser)")
            else:
                partners = []
                notes.append(f"arm {combo.name!r}: no {m} monotherapy arm, no Bliss comparison")
                break
        if not partners:
            continue
        b = bliss_synergy([effect[p.name] for p in partners], effect[combo.name])
        rows.append({"combination": combo.name, "monotherapies": [p.name for p in partners], **b.to_dict()})
    if rows and growth.kind == "logistic":
        notes.append("logistic growth is nonlinear in ln V: part of any Bliss excess comes from the growth law, "
                     "not from an interaction of the therapies")
    return rows
