"""Heating-curve (calorimetry) analysis: SLP and ILP of a magnetic sample from T(t) under an AC field.

Three estimates of the heating rate at field-on, side by side (details in
:mod:`ferrokit.hyperthermia.calorimetry_methods` and docs/calorimetry.md):

- ``initial_slope``: polynomial fit over [0, w] after field-on, w chosen by a bias–variance criterion;
- ``box_lucas``: T = T0 + ΔT∞ (1 − e^{−(t−t0)/τ}), initial slope ΔT∞/τ;
- ``loss_corrected``: the energy balance C dT/dt = P − L (T − T_amb) fitted to interval slopes of the
  heating and field-off parts (Wildeboer et al., J. Phys. D 47 (2014) 495003, doi:10.1088/0022-3727/47/49/495003
  [U details]).

Then SLP = C (dT/dt)/m_Fe [W/kg Fe] and, with the field, ILP = SLP/(H² f) [H m²/kg; 1 nH m²/kg = 1e-9]
(Kallumadil et al., JMMM 321 (2009) 1509 [S]). Uncertainties are propagated by linearisation:
(σ_SLP/SLP)² = (σ_rate/rate)² + (σ_C/C)² + (σ_m/m)²; the 95 % interval is ±1.96 σ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ferrokit._shared.jsonutil import jsonable
from ferrokit._shared.validation import FerroKitInputError, check_array, check_nonnegative, check_positive
from ferrokit.hyperthermia.calorimetry_methods import (
    box_lucas_curve,
    box_lucas_fit,
    energy_balance_fit,
    initial_slope_windows,
    noise_level,
)

__all__ = ["METHODS", "CalorimetryResult", "MethodResult", "analyze_heating_curve", "split_phases"]

#: Method names, in report order.
METHODS: tuple[str, ...] = ("initial_slope", "box_lucas", "loss_corrected")
_Z95 = 1.959963984540054
_REFERENCES = {
    "initial_slope": "initial slope at field-on; window chosen by FerroKit's bias–variance criterion",
    "box_lucas": "Box–Lucas exponential approach T0 + ΔT∞(1 − e^{−t/τ}); initial slope ΔT∞/τ",
    "loss_corrected": "Wildeboer et al., J. Phys. D: Appl. Phys. 47 (2014) 495003, "
                      "doi:10.1088/0022-3727/47/49/495003 (corrected slope method; details unverified)",
}
MIN_POINTS = 12


@dataclass(frozen=True)
class MethodResult:
    """One method's heating rate at field-on and the SLP/ILP derived from it (SI).

    ``heating_rate`` [K/s] = P/C; ``slp`` [W/kg Fe]; ``ilp`` [H m²/kg] or None without a field;
    ``budget``: relative standard uncertainty contributions (fit, heat capacity, iron mass).
    """

    name: str
    heating_rate: float
    heating_rate_stderr: float
    slp: float
    slp_stderr: float
    ilp: float | None
    ilp_stderr: float | None
    budget: dict
    details: dict = field(default_factory=dict)

    @property
    def slp_ci95(self) -> tuple[float, float]:
        return (self.slp - _Z95 * self.slp_stderr, self.slp + _Z95 * self.slp_stderr)

    def to_dict(self) -> dict:
        lo, hi = self.slp_ci95
        out = {
            "method": self.name, "reference": _REFERENCES[self.name],
            "heating_rate": {"value": self.heating_rate, "stderr": self.heating_rate_stderr, "unit": "K/s"},
            "slp": {"value": self.slp, "stderr": self.slp_stderr, "ci95": [lo, hi], "unit": "W/kg",
                    "basis": "per kg Fe"},
            "ilp": None if self.ilp is None else {
                "value": self.ilp, "stderr": self.ilp_stderr,
                "ci95": [self.ilp - _Z95 * self.ilp_stderr, self.ilp + _Z95 * self.ilp_stderr],
                "unit": "H m2/kg", "value_nH_m2_per_kg": self.ilp * 1e9},
            "relative_uncertainty_budget": self.budget,
        }
        out.update({k: jsonable(v) for k, v in self.details.items()})
        return out


@dataclass(frozen=True, eq=False)
class CalorimetryResult:
    """All methods side by side, with the data and what is needed to draw the figure."""

    methods: dict
    heat_capacity: float
    heat_capacity_uncertainty: float
    iron_mass: float
    iron_mass_uncertainty: float
    field_amplitude: float | None
    frequency: float | None
    t_on: float
    t_off: float
    ambient: float | None
    noise: float
    window_table: tuple
    time: np.ndarray = field(repr=False)
    temperature: np.ndarray = field(repr=False)
    field_on: np.ndarray = field(repr=False)
    field_source: str = "column"
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        q = {"value": None, "unit": None}
        return {
            "methods": {k: m.to_dict() for k, m in self.methods.items()},
            "heat_capacity": {"value": self.heat_capacity, "stderr": self.heat_capacity_uncertainty, "unit": "J/K"},
            "iron_mass": {"value": self.iron_mass, "stderr": self.iron_mass_uncertainty, "unit": "kg"},
            "field": None if self.field_amplitude is None else {
                "amplitude": {"value": self.field_amplitude, "unit": "A/m"},
                "frequency": {"value": self.frequency, "unit": "Hz"},
                "h_times_f": {"value": self.field_amplitude * self.frequency, "unit": "A/(m s)"}},
            "field_on_time": {"value": self.t_on, "unit": "s"},
            "field_off_time": {"value": jsonable(self.t_off), "unit": "s"},
            "field_phases_from": self.field_source,
            "ambient": q | {"value": self.ambient, "unit": "K"} if self.ambient is not None else None,
            "noise_std": {"value": self.noise, "unit": "K"},
            "initial_slope_window_sensitivity": {
                "columns": ["window_s", "n_points", "slope_K_per_s", "slope_stderr_K_per_s", "slp_W_per_kg",
                            "mse_estimate_K2_per_s2"],
                "rows": [[w, n, b, e, self.heat_capacity * b / self.iron_mass, mse]
                         for w, n, b, e, mse in self.window_table]},
            "notes": list(self.notes),
        }

    def plot(self, ax=None):
        """T(t) with each method's fit and the windows/intervals used (matplotlib, imported lazily)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, (ax, ax_s) = plt.subplots(1, 2, figsize=(11.0, 4.2), gridspec_kw={"width_ratios": [3, 2]})
        else:
            ax_s = None
        t, y = self.time, self.temperature - 273.15
        ax.plot(t, y, ".", ms=2.5, color="0.45", label="data")
        if np.any(self.field_on):
            ax.axvspan(self.t_on, self.t_off if math.isfinite(self.t_off) else t[-1], color="gold", alpha=0.15,
                       label="field on")
        heat_end = self.t_off if math.isfinite(self.t_off) else t[-1]
        m = self.methods
        ini = m["initial_slope"]
        w = ini.details["window"]["value"]
        t0 = ini.details["intercept"]["value"]
        ss = np.linspace(0.0, w, 50)
        ax.plot(self.t_on + ss, t0 - 273.15 + ini.heating_rate * ss, "-", lw=2,
                label=f"initial slope ({w:.0f} s window): {ini.slp / 1e3:.3g} W/g")
        ax.axvline(self.t_on + w, color="C0", ls=":", lw=1)
        bl = m["box_lucas"]
        sb = np.linspace(0.0, heat_end - self.t_on, 200)
        curve = box_lucas_curve(sb, bl.details["t0"]["value"], bl.heating_rate, bl.details["k"]["value"])
        ax.plot(self.t_on + sb, curve - 273.15, "--", lw=1.5, label=f"Box–Lucas: {bl.slp / 1e3:.3g} W/g")
        lc = m["loss_corrected"]
        ints = lc.details["intervals"]
        tm = np.array([r[0] for r in ints])
        ym = np.array([r[1] for r in ints]) - 273.15
        ax.plot(tm, ym, "s", ms=4, mfc="none", color="C3", label=f"loss-corrected intervals: {lc.slp / 1e3:.3g} W/g")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("temperature (°C)")
        ax.legend(fontsize=7, loc="best")
        if ax_s is not None:
            slopes = np.array([r[2] for r in ints])
            phase = [r[3] for r in ints]
            for label, color in (("heating", "C3"), ("cooling", "C0"), ("baseline", "C2")):
                sel = [i for i, p in enumerate(phase) if p == label]
                if sel:
                    ax_s.plot(ym[sel], slopes[sel] * 60, "o", color=color, ms=4, label=label)
            lam = lc.details["loss_rate"]["value"]
            amb = lc.details["ambient"]["value"]
            if amb is not None and math.isfinite(lam):
                tt = np.linspace(min(ym.min(), amb - 273.15), ym.max(), 20)
                ax_s.plot(tt, (lc.heating_rate - lam * (tt + 273.15 - amb)) * 60, "-", color="C3", lw=1)
                ax_s.plot(tt, (-lam * (tt + 273.15 - amb)) * 60, "-", color="C0", lw=1)
            ax_s.axhline(0, color="0.7", lw=0.5)
            ax_s.set_xlabel("interval mean temperature (°C)")
            ax_s.set_ylabel("dT/dt (K/min)")
            ax_s.set_title("loss-corrected: dT/dt = P/C − (L/C)(T − T_amb)", fontsize=8)
            ax_s.legend(fontsize=7)
        ax.figure.tight_layout()
        return ax


def _switch_on_index(t: np.ndarray, y: np.ndarray, i_max: int) -> int:
    """Change point of a flat baseline followed by heating, on samples ``[0, i_max]``.

    Least squares over the switch-on time t_on of the continuous model
    y = a (t < t_on), y = a + b (t − t_on) + c (t − t_on)² (t ≥ t_on); t_on = t[0] means no baseline.
    """
    n = i_max + 1
    if n < 8:
        return 0
    tt, yy = t[:n], y[:n]
    candidates = np.unique(np.linspace(0, n - 5, min(n - 4, 400)).astype(int))
    best, best_i = math.inf, 0
    for i in candidates:
        u = np.maximum(tt - tt[i], 0.0)
        basis = np.column_stack([np.ones(n), u, u * u])
        coef, *_ = np.linalg.lstsq(basis, yy, rcond=None)
        sse = float(np.sum((basis @ coef - yy) ** 2))
        if sse < best:
            best, best_i = sse, int(i)
    return best_i


def split_phases(time, temperature, field_on=None) -> tuple[np.ndarray, str]:
    """Field-on mask; without one, it is inferred: on from a fitted switch-on time to the temperature maximum.

    The switch-on is the change point of a flat baseline followed by a continuous quadratic rise
    (least squares over the switch-on time); with no baseline it is the first sample.

    Returns ``(mask, source)`` with ``source`` "column" or a description of the inference.
    """
    t = np.asarray(time, dtype=float)
    y = np.asarray(temperature, dtype=float)
    if field_on is not None:
        on = np.asarray(field_on, dtype=bool)
        if on.shape != t.shape:
            raise FerroKitInputError(f"field_on has {on.size} values but time has {t.size}")
        return on, "column"
    k = max(1, y.size // 50)
    smooth = np.convolve(y, np.ones(2 * k + 1) / (2 * k + 1), mode="same")
    smooth[:k], smooth[-k:] = y[:k], y[-k:]
    i_max = int(np.argmax(smooth))
    i_on = _switch_on_index(t, y, i_max)
    on = np.zeros(t.size, dtype=bool)
    on[i_on:i_max + 1] = True
    if i_max == t.size - 1:
        on[i_on:] = True
    return on, (f"inferred (no field column): on from t = {t[i_on]:.4g} s (change-point fit) to the temperature "
                "maximum")


def analyze_heating_curve(time, temperature, *, iron_mass: float, heat_capacity: float, field_on=None,
                          iron_mass_uncertainty: float = 0.0, heat_capacity_uncertainty: float = 0.0,
                          ambient: float | None = None, field_amplitude: float | None = None,
                          frequency: float | None = None, field_relative_uncertainty: float = 0.0,
                          transient: float | None = None, degree: int = 1,
                          interval_points: int | None = None) -> CalorimetryResult:
    """SLP (and ILP) of a sample from its heating curve by three methods.

    .. math:: \\mathrm{SLP} = \\frac{C}{m_{Fe}} \\left.\\frac{dT}{dt}\\right|_{on},\\qquad
              \\mathrm{ILP} = \\frac{\\mathrm{SLP}}{H^2 f}

    Parameters
    ----------
    time : array
        Times [s], strictly increasing.
    temperature : array
        Sample temperature [K].
    iron_mass : float
        Iron mass in the sample [kg].
    heat_capacity : float
        Total heat capacity C = Σ m_i c_i [J/K] (see :func:`ferrokit.hyperthermia.heat_capacity.total_heat_capacity`).
    field_on : array of bool, optional
        Field on/off per sample; default: on from the first sample to the temperature maximum.
    iron_mass_uncertainty, heat_capacity_uncertainty : float
        Standard uncertainties [kg], [J/K].
    ambient : float, optional
        Bath temperature [K]; default: fitted from field-off data, else the baseline mean, else the
        temperature at field-on.
    field_amplitude, frequency : float, optional
        Field amplitude H [A/m] and frequency f [Hz]; both or neither. Give them for ILP.
    field_relative_uncertainty : float
        Relative standard uncertainty of H; enters the ILP as 2 σ_H/H (ILP ∝ H⁻²).
    transient : float, optional
        Seconds after each switch left out of the loss-corrected fit (probe lag, mixing); default
        max(3 samples, 5 % of the heating time).
    degree : int
        Polynomial degree of the initial-slope fit (1 or 2).
    interval_points : int, optional
        Points per interval in the loss-corrected fit.

    Returns
    -------
    CalorimetryResult

    Raises
    ------
    FerroKitInputError
        Too few points, non-monotonic time, non-finite values, non-positive masses/heat capacity, a field
        given without frequency, or a curve without a heating phase.

    Examples
    --------
    >>> from ferrokit.hyperthermia.calorimetry_synthetic import synthetic_heating_curve
    >>> t, T, on = synthetic_heating_curve(slp=300e3, iron_mass=1e-6, heat_capacity=4.2, loss_coefficient=2e-3,
    ...     ambient=298.15, duration_on=300, duration_off=300, noise=0.01, sample_interval=1.0, rng=1)
    >>> r = analyze_heating_curve(t, T, field_on=on, iron_mass=1e-6, heat_capacity=4.2)
    >>> abs(r.methods["loss_corrected"].slp / 300e3 - 1) < 0.03
    True
    """
    t = check_array("time", time, min_size=1)
    y = check_array("temperature", temperature, min_size=1)
    if t.size != y.size:
        raise FerroKitInputError(f"time has {t.size} values but temperature has {y.size}")
    if t.size < MIN_POINTS:
        raise FerroKitInputError(f"the heating curve has {t.size} points; at least {MIN_POINTS} are needed")
    if np.any(np.diff(t) <= 0):
        i = int(np.flatnonzero(np.diff(t) <= 0)[0])
        raise FerroKitInputError(f"time must increase strictly; sample {i + 2} ({t[i + 1]:g} s) is not after "
                                 f"sample {i + 1} ({t[i]:g} s)")
    if np.any(y <= 0):
        raise FerroKitInputError("temperature must be > 0 K")
    m = check_positive("iron_mass", iron_mass, unit="kg")
    dm = check_nonnegative("iron_mass_uncertainty", iron_mass_uncertainty, unit="kg")
    c = check_positive("heat_capacity", heat_capacity, unit="J/K")
    dc = check_nonnegative("heat_capacity_uncertainty", heat_capacity_uncertainty, unit="J/K")
    if (field_amplitude is None) != (frequency is None):
        raise FerroKitInputError("give both field_amplitude and frequency (for ILP), or neither")
    if field_amplitude is not None:
        field_amplitude = check_positive("field_amplitude", field_amplitude, unit="A/m")
        frequency = check_positive("frequency", frequency, unit="Hz")
    u_h = check_nonnegative("field_relative_uncertainty", field_relative_uncertainty)
    if ambient is not None:
        ambient = check_positive("ambient", ambient, unit="K")
    on, source = split_phases(t, y, field_on)
    idx = np.flatnonzero(on)
    if idx.size == 0:
        raise FerroKitInputError("no heating phase: the field is off on every row")
    i_on = int(idx[0])
    i_off = i_on
    while i_off < on.size and on[i_off]:
        i_off += 1
    notes = []
    if np.any(on[i_off:]):
        notes.append("the field is switched on more than once; only the first on-period is analysed")
        on = on.copy()
        on[i_off:] = False
    t_on = float(t[i_on])
    t_off = float(t[i_off]) if i_off < t.size else math.inf
    s = t[i_on:i_off] - t_on
    yh = y[i_on:i_off]
    if s.size < MIN_POINTS:
        raise FerroKitInputError(f"no heating phase to analyse: {s.size} point(s) with the field on; at least "
                                 f"{MIN_POINTS} needed")
    sigma = noise_level(yh)
    # a heating phase must show a rise: linear-fit slope at least 3 standard errors above 0
    sc = s - s.mean()
    slope_all = float(sc @ (yh - yh.mean()) / (sc @ sc))
    res = yh - yh.mean() - slope_all * sc
    se_all = math.sqrt(float(res @ res) / max(s.size - 2, 1) / float(sc @ sc))
    if not slope_all > 3 * se_all:
        raise FerroKitInputError(
            f"no heating phase: the temperature does not rise while the field is on (mean slope "
            f"{slope_all * 60:.3g} ± {se_all * 60:.2g} K/min)")
    if ambient is None and i_on >= 3:
        base_amb = float(np.mean(y[:i_on]))
    else:
        base_amb = ambient
    dt_med = float(np.median(np.diff(t)))
    if transient is None:
        transient = max(3 * dt_med, 0.05 * float(s[-1]))
    transient = check_nonnegative("transient", transient, unit="s")
    if transient >= 0.5 * float(s[-1]):
        raise FerroKitInputError(f"transient {transient:g} s must be shorter than half the heating time "
                                 f"({s[-1]:g} s)")

    # (a) initial slope with an objective window
    ini = initial_slope_windows(s, yh, degree=degree, sigma=sigma)
    n_w = ini["n_points"]
    intercept = float(np.polyfit(s[:n_w], yh[:n_w], degree)[-1])
    # (b) Box–Lucas
    bl = box_lucas_fit(s, yh)
    # (c) loss-corrected energy balance
    amb_for_fit = ambient if ambient is not None else (base_amb if base_amb is not None else float(yh[0]))
    eb = energy_balance_fit(t, y, on, ambient=amb_for_fit, transient=transient, interval_points=interval_points)
    if not eb["uses_cooling"] and ambient is None:
        notes.append("loss-corrected: no field-off data; the bath temperature was taken as "
                     + ("the baseline mean" if base_amb is not None else "the temperature at field-on"))

    def make(name, rate, rate_se, details):
        rel_fit = abs(rate_se / rate) if rate != 0 else math.inf
        rel_c, rel_m = dc / c, dm / m
        rel = math.sqrt(rel_fit ** 2 + rel_c ** 2 + rel_m ** 2)
        slp = c * rate / m
        ilp = ilp_se = None
        if field_amplitude is not None:
            ilp = slp / (field_amplitude ** 2 * frequency)
            ilp_se = abs(ilp) * math.sqrt(rel ** 2 + (2 * u_h) ** 2)
        budget = {"fit": rel_fit, "heat_capacity": rel_c, "iron_mass": rel_m, "total": rel}
        if field_amplitude is not None:
            budget["ilp_field_amplitude"] = 2 * u_h
        return MethodResult(name=name, heating_rate=float(rate), heating_rate_stderr=float(rate_se), slp=float(slp),
                            slp_stderr=float(abs(slp) * rel), ilp=ilp, ilp_stderr=ilp_se, budget=budget,
                            details=details)

    methods = {
        "initial_slope": make("initial_slope", ini["slope"], ini["stderr"], {
            "window": {"value": ini["window"], "unit": "s"}, "n_points": ini["n_points"],
            "polynomial_degree": degree, "intercept": {"value": intercept, "unit": "K"},
            "window_criterion": "min over windows of max((b_d − b_{d+1})² − (σ²_{d+1} − σ²_d), 0) + σ²_d"}),
        "box_lucas": make("box_lucas", bl["slope"], bl["stderr"], {
            "t0": {"value": bl["t0"], "unit": "K"}, "k": {"value": bl["k"], "stderr": bl["k_stderr"], "unit": "1/s"},
            "tau": {"value": bl["tau"], "unit": "s"}, "delta_t_inf": {"value": bl["delta_t_inf"], "unit": "K"},
            "residual_std": {"value": bl["residual_std"], "unit": "K"}, "n_points": bl["n_points"]}),
        "loss_corrected": make("loss_corrected", eb["rate"], eb["stderr"], {
            "loss_rate": {"value": eb["loss_rate"], "stderr": eb["loss_rate_stderr"], "unit": "1/s",
                          "meaning": "L/C"},
            "loss_coefficient": {"value": eb["loss_rate"] * c, "unit": "W/K", "meaning": "L"},
            "ambient": {"value": eb["ambient"], "unit": "K",
                        "source": "fitted (a_c/λ)" if eb["uses_cooling"] else "given or assumed"},
            "uses_field_off_data": eb["uses_cooling"], "transient_excluded": {"value": transient, "unit": "s"},
            "interval_points": eb["interval_points"],
            "intervals": [list(r) for r in eb["intervals"]],
            "residual_std": {"value": eb["residual_std"], "unit": "K/s"}}),
    }
    if source != "column":
        notes.append(f"field on/off {source}; give a field column for an unambiguous analysis")
    if eb["loss_rate"] < -2 * eb["loss_rate_stderr"]:
        notes.append(f"loss-corrected: fitted loss rate L/C = {eb['loss_rate']:.3g} 1/s is negative (unphysical): "
                     "check the field on/off phases and the probe")
    if ini["window"] >= 0.95 * float(s[-1]):
        notes.append("initial slope: the chosen window is the whole heating phase (no detectable curvature)")
    amb_out = eb["ambient"] if eb["uses_cooling"] else amb_for_fit
    return CalorimetryResult(
        methods=methods, heat_capacity=c, heat_capacity_uncertainty=dc, iron_mass=m, iron_mass_uncertainty=dm,
        field_amplitude=field_amplitude, frequency=frequency, t_on=t_on, t_off=t_off,
        ambient=None if amb_out is None or not math.isfinite(amb_out) else float(amb_out), noise=sigma,
        window_table=ini["table"], time=t, temperature=y, field_on=on, field_source=source, notes=tuple(notes))


