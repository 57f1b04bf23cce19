"""Hyperthermia treatment plan: the runner (tissues → source → bioheat → dose).

A plan says where the tissues are (a voxel grid with spheres/boxes, or a label map), where the particles are
(a depot model, a uniform tumour load, or a concentration array), how they heat (a constant SLP or a particle
through :func:`ferrokit.hyperthermia.slp.predict_slp`), the field (fixed amplitude, or a control target within
an H·f limit), the boundary and the duration. :func:`run_plan` returns temperature and dose maps, time curves
and a summary. Files (label maps, concentration images) are read by :mod:`ferrokit.io.plan_files` and passed
here as arrays: this module never touches the file system. The plan file schema (:class:`PlanConfig` and
its sections) is in :mod:`ferrokit.hyperthermia.plan_schema` and re-exported here.

The heat source is Q = SLP(H, f) × c_Fe, with c_Fe the local iron concentration [kg Fe m⁻³] and SLP per kg Fe.
The start is the unheated steady state (metabolic heat, perfusion and boundaries in balance).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import BODY_TEMPERATURE
from ferrokit.hyperthermia.bioheat import (
    BioheatProblem,
    BioheatSolver,
    BoundaryCondition,
    solve_steady,
    sphere_volume_fraction,
)
from ferrokit.hyperthermia.control import (
    AmplitudeMap,
    PIController,
    eddy_current_power,
    max_amplitude,
    power_cap,
    steady_reachability,
)
from ferrokit.hyperthermia.dose import DoseAccumulator, get_arrhenius_parameters, percentile_temperature
from ferrokit.hyperthermia.plan_schema import (
    BoundarySpec,
    ControlSpec,
    DoseSpec,
    EddySpec,
    FieldAmplitude,
    FieldSpec,
    Frequency,
    GridSpec,
    HeatingSpec,
    HfLimit,
    LabelMapSpec,
    Mass,
    MassConcentration,
    OutputSpec,
    ParticleRef,
    ParticlesSpec,
    Perfusion,
    PlanConfig,
    Region,
    SpecificPower,
    Time,
    TissuesSpec,
    TumourSpec,
    Vec3,
    Volume,
)
from ferrokit.hyperthermia.tissues import TissueProperties, get_tissue, tumour_properties
from ferrokit.materials.particle import Particle

__all__ = [
    "BoundarySpec",
    "ControlSpec",
    "DoseSpec",
    "EddySpec",
    "FieldAmplitude",
    "FieldSpec",
    "Frequency",
    "GridSpec",
    "HeatingSpec",
    "HfLimit",
    "LabelMapSpec",
    "Mass",
    "MassConcentration",
    "OutputSpec",
    "ParticleRef",
    "ParticlesSpec",
    "Perfusion",
    "PlanConfig",
    "PlanResult",
    "Region",
    "SpecificPower",
    "Time",
    "TissuesSpec",
    "TumourSpec",
    "Vec3",
    "Volume",
    "Volume3D",
    "build_concentration",
    "build_tissue_map",
    "linear_perfusion_increase",
    "run_plan",
    "slp_function",
]

_CAP_TOLERANCE = 1e-6  # K: round-off allowance when reporting whether the healthy cap was respected


@dataclass(frozen=True)
class Volume3D:
    """An array with its voxel spacing [m] and, optionally, the image it came from (geometry for output)."""

    data: np.ndarray
    spacing: tuple[float, float, float]
    geometry: Any = None


# ----------------------------------------------------------------------------------------------- building

def _tissue(name: str, tumour: TumourSpec | None) -> TissueProperties:
    if name.strip().lower() in ("tumour", "tumor"):
        if tumour is None:
            raise FerroKitInputError("tissues.tumour.perfusion is required when a tumour is present (no default)")
        kind, val = tumour.perfusion
        host = get_tissue(tumour.like)
        rate = val if kind == "rate" else val * 1e-6 * host.density / 60.0
        return tumour_properties(perfusion=rate, like=tumour.like)
    return get_tissue(name)


def _centres(shape, spacing):
    return [(np.arange(n) + 0.5) * h for n, h in zip(shape, spacing, strict=True)]


def build_tissue_map(config: PlanConfig, shape, spacing, label_map: np.ndarray | None = None
                     ) -> tuple[np.ndarray, list[TissueProperties]]:
    """Integer tissue index per voxel and the tissue list (index → properties)."""
    ts = config.tissues
    names = [ts.background]
    index = np.zeros(shape, dtype=np.int32)
    if label_map is not None:
        lm = np.asarray(label_map)
        if lm.shape != tuple(shape):
            raise FerroKitInputError(f"label map shape {lm.shape} does not match the grid {tuple(shape)}")
        for lab, name in sorted(ts.label_map.labels.items()):
            names.append(name)
            index[lm == lab] = len(names) - 1
    ax = _centres(shape, spacing)
    for reg in ts.regions:
        if reg.shape == "sphere":
            inside = sphere_volume_fraction(shape, spacing, reg.center, reg.radius, subsamples=1) > 0.5
        else:
            masks = [(a >= lo) & (a <= hi) for a, lo, hi in zip(ax, reg.corner_min, reg.corner_max, strict=True)]
            inside = masks[0][:, None, None] & masks[1][None, :, None] & masks[2][None, None, :]
        if not inside.any():
            raise FerroKitInputError(f"region {reg.shape} of {reg.tissue!r} covers no voxel of the grid")
        names.append(reg.tissue)
        index[inside] = len(names) - 1
    tissues = [_tissue(n, ts.tumour) for n in names]
    return index, tissues


def build_concentration(spec: ParticlesSpec, shape, spacing, tumour_mask: np.ndarray,
                        array: np.ndarray | None = None) -> np.ndarray:
    """Iron concentration [kg Fe m⁻³] per voxel.

    ``depot``: a sphere of the injected volume at ``center`` holding ``iron_mass`` (volume-fraction weighted),
    optionally spread by a Gaussian of standard deviation ``spread`` (mass conserved; mass leaving the grid is
    put back by renormalisation). ``uniform``: ``concentration`` in every tumour voxel. ``array``: given.
    """
    voxel = float(np.prod(spacing))
    if spec.kind == "uniform":
        if not tumour_mask.any():
            raise FerroKitInputError("particles of kind 'uniform' need a tumour region")
        return np.where(tumour_mask, spec.concentration, 0.0)
    if spec.kind == "array":
        c = np.asarray(array, dtype=float)
        if c.shape != tuple(shape):
            raise FerroKitInputError(f"concentration array shape {c.shape} does not match the grid {tuple(shape)}")
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise FerroKitInputError("concentration must be finite and ≥ 0 everywhere")
        return c
    radius = (3.0 * spec.volume / (4.0 * math.pi)) ** (1.0 / 3.0)
    frac = sphere_volume_fraction(shape, spacing, spec.center, radius)
    if frac.sum() <= 0:
        raise FerroKitInputError("the particle depot lies outside the grid")
    c = frac
    if spec.spread > 0:
        from scipy.ndimage import gaussian_filter

        c = gaussian_filter(frac, sigma=[spec.spread / h for h in spacing], mode="constant", truncate=4.0)
    return c * (spec.iron_mass / (c.sum() * voxel))


def slp_function(heating: HeatingSpec, frequency: float, temperature: float = BODY_TEMPERATURE
                 ) -> tuple[Callable[[float], float], str]:
    """SLP [W kg⁻¹ Fe] as a function of amplitude at ``frequency``, and a description of where it comes from.

    A constant ``slp`` measured at ``slp_amplitude`` H_ref is scaled as SLP(H) = SLP_ref (H/H_ref)² (linear
    response, valid while M is linear in H); without ``slp_amplitude`` it holds at every amplitude, which only
    a fixed-amplitude plan can use.
    """
    if heating.slp is not None:
        s = float(heating.slp)
        if heating.slp_amplitude is None:
            return (lambda h: s if h > 0 else 0.0), f"constant SLP {s:g} W/kg Fe"
        href = float(heating.slp_amplitude)
        return (lambda h: s * (h / href) ** 2), f"SLP {s:g} W/kg Fe at {href:g} A/m, scaled ∝ H²"
    from ferrokit.hyperthermia.slp import predict_slp  # lazy: only plans with a particle need the model

    ref = heating.particle
    if ref.agent is not None:
        from ferrokit.materials.library import get_agent

        particle = get_agent(ref.agent).particle
        label = f"agent {ref.agent}"
    else:
        from ferrokit._shared.schema import validate_model

        particle = validate_model(Particle, ref.particle, where="heating.particle")
        label = "particle from plan"

    def slp(h: float) -> float:
        if h <= 0:
            return 0.0
        return float(predict_slp(particle, frequency=frequency, amplitude=h, temperature=temperature,
                                 model=ref.model).slp)

    return slp, f"predict_slp ({label}, model {ref.model})"


def linear_perfusion_increase(factor: float, t_start: float, t_end: float) -> Callable:
    """ω_b(T) = ω_b⁰ [1 + (factor − 1) clip((T − t_start)/(t_end − t_start), 0, 1)] (a modelling choice [U])."""
    def model(w0, t):
        return w0 * (1.0 + (factor - 1.0) * np.clip((t - t_start) / (t_end - t_start), 0.0, 1.0))
    return model


# ------------------------------------------------------------------------------------------------- result

@dataclass(frozen=True, eq=False)
class PlanResult:
    """Maps (grid shape, SI), time curves and the summary of a plan run."""

    spacing: tuple[float, float, float]
    tissue_index: np.ndarray
    tissue_names: tuple[str, ...]
    tumour_mask: np.ndarray
    concentration: np.ndarray
    temperature_final: np.ndarray
    temperature_max: np.ndarray
    cem43: np.ndarray
    damage: np.ndarray | None
    curves: dict[str, np.ndarray]
    summary: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)
    geometry: Any = None

    def to_dict(self) -> dict[str, Any]:
        units = {"time": "s", "amplitude": "A/m", "power_fraction": "1", "tumour_t90": "K", "tumour_max": "K",
                 "tumour_mean": "K", "healthy_max": "K", "tumour_cem43_t90": "s"}
        return {"summary": self.summary,
                "curves": {k: {"values": v.tolist(), "unit": units.get(k, "")} for k, v in self.curves.items()},
                "config": self.config}


def run_plan(config: PlanConfig, *, arrays: dict[str, Volume3D] | None = None,
             progress: Callable[[int, int], None] | None = None) -> PlanResult:
    """Run a plan. ``arrays`` holds the files the plan references (see :meth:`PlanConfig.referenced_files`)."""
    arrays = arrays or {}
    need = config.referenced_files()
    for role in need:
        if role not in arrays:
            raise FerroKitInputError(f"plan needs the {role} file {need[role]!r} loaded")
    geo = arrays.get("image") or arrays.get("label_map")
    if config.grid is not None:
        shape, spacing, geometry = config.grid.shape, config.grid.spacing3(), None
    else:
        shape, spacing, geometry = geo.data.shape[:3], geo.spacing, geo.geometry
    for role, vol in arrays.items():
        if tuple(vol.data.shape[:3]) != tuple(shape) or not np.allclose(vol.spacing, spacing, rtol=1e-5):
            raise FerroKitInputError(f"the {role} array ({vol.data.shape}, spacing {vol.spacing} m) does not match "
                                     f"the plan grid ({tuple(shape)}, spacing {tuple(spacing)} m)")
    lm = arrays["label_map"].data if "label_map" in arrays else None
    index, tissues = build_tissue_map(config, shape, spacing, lm)
    names = tuple(t.name for t in tissues)
    tumour = np.isin(index, [i for i, t in enumerate(tissues) if t.name == "tumour"])
    healthy = ~tumour
    conc = build_concentration(config.particles, shape, spacing, tumour,
                               arrays["concentration"].data if "concentration" in arrays else None)

    def prop(attr):
        return np.array([getattr(t, attr) for t in tissues])[index]

    rho = prop("density")
    model = None
    if config.tissues.perfusion_increase is not None:
        lo, hi = config.tissues.perfusion_increase_range
        if hi <= lo:
            raise FerroKitInputError("tissues.perfusion_increase_range must be increasing")
        model = linear_perfusion_increase(config.tissues.perfusion_increase, lo, hi)
    b = config.boundary
    bc = BoundaryCondition(b.kind, b.temperature, b.heat_transfer_coefficient)
    problem = BioheatProblem(spacing=spacing, density=rho, heat_capacity=prop("heat_capacity"),
                             conductivity=prop("conductivity"), perfusion=prop("perfusion"),
                             metabolic_heat=prop("metabolic_heat") * rho, boundary=bc,
                             arterial_temperature=config.arterial_temperature, perfusion_model=model)

    f = config.field
    slp_of_h, slp_source = slp_function(config.heating, f.frequency)
    h_max = max_amplitude(f.frequency, f.limit)
    from ferrokit.hyperthermia.safety import field_limit_checks

    baseline = solve_steady(problem, 0.0, solver=config.solver)
    reach = None
    if f.control is not None:
        if config.heating.slp is not None and config.heating.slp_amplitude is None:
            raise FerroKitInputError("field control with a constant slp needs heating.slp_amplitude (the field of "
                                     "the SLP measurement) to scale SLP with amplitude")
        amp_map = AmplitudeMap(slp_of_h, h_max)
        full = solve_steady(problem, amp_map.slp_max * conc, solver=config.solver)
        reach = steady_reachability(baseline, full, tumour, healthy, target=f.control.target_t90,
                                    healthy_limit=f.control.healthy_max)
        if reach.t90_gain <= 0:
            raise FerroKitInputError("the particles do not heat the tumour (no iron in or near it)")
        u_ff = reach.power_fraction_allowed if reach.power_fraction_needed is None else min(
            reach.power_fraction_needed, reach.power_fraction_allowed)
        ctrl = PIController(target=f.control.target_t90, healthy_limit=f.control.healthy_max, kp=f.control.kp,
                            integral_time=f.control.integral_time, gain=reach.t90_gain,
                            healthy_gain=max(reach.healthy_gain, 1e-6), feedforward=u_ff)
    else:
        fixed_slp = float(slp_of_h(f.amplitude))

    n_steps = math.ceil(config.duration / config.dt - 1e-9)
    dt = config.duration / n_steps
    solver = BioheatSolver(problem, dt=dt, scheme=config.scheme, solver=config.solver)
    arr = get_arrhenius_parameters(config.dose.arrhenius) if config.dose.arrhenius else None
    dose = DoseAccumulator(baseline, arrhenius=arr, floor=config.dose.cem43_floor)
    temp = baseline
    has_healthy = bool(healthy.any())
    has_tumour = bool(tumour.any())
    curves = {k: np.zeros(n_steps + 1) for k in ("time", "amplitude", "power_fraction", "tumour_t90", "tumour_max",
                                                 "tumour_mean", "healthy_max", "tumour_cem43_t90")}

    def record(i, t, amp, u):
        curves["time"][i] = t
        curves["amplitude"][i] = amp
        curves["power_fraction"][i] = u
        if has_tumour:
            curves["tumour_t90"][i] = percentile_temperature(temp[tumour])
            curves["tumour_max"][i] = float(temp[tumour].max())
            curves["tumour_mean"][i] = float(temp[tumour].mean())
            curves["tumour_cem43_t90"][i] = percentile_temperature(dose.cem43[tumour])
        curves["healthy_max"][i] = float(temp[healthy].max()) if has_healthy else math.nan

    record(0, 0.0, 0.0, 0.0)
    q_prev = np.zeros(shape)
    capped = f.control is not None and f.control.healthy_max is not None and has_healthy
    cap_steps = 0
    if capped:
        # one-step rise at full power: the implicit step is affine in the source (see control.power_cap)
        response = solver.step(baseline, amp_map.slp_max * conc, 0.0) - solver.step(baseline, 0.0, 0.0)
        # voxels whose one-step rise at full power is below 1e-6 of the largest cannot be pushed over the cap by
        # more than that: the cap is checked on the others only (far fewer than the grid)
        watch = np.flatnonzero(healthy.ravel() & (response.ravel() > 1e-6 * float(response.max())))
        response_watch = response.ravel()[watch]
    for i in range(1, n_steps + 1):
        if f.control is not None:
            if not has_tumour:
                raise FerroKitInputError("field control needs a tumour region")
            u = ctrl.update(curves["tumour_t90"][i - 1], curves["healthy_max"][i - 1] if has_healthy else None, dt)
        if capped:
            # step with the PI's power, then, if a healthy voxel would pass the cap, take back the excess along the
            # (linear) one-step response: T(u_cap) = T(u) − (u − u_cap) R, no second solve
            q = u * amp_map.slp_max * conc
            temp = solver.step(temp, q, q_prev)
            free_watch = temp.ravel()[watch] - u * response_watch
            u_cap = power_cap(free_watch, response_watch, f.control.healthy_max)
            if u_cap < u:
                temp -= (u - u_cap) * response  # in place: the solver warm-starts from its own last result
                u = u_cap
                q = u * amp_map.slp_max * conc
                ctrl.apply_limit(u)
                cap_steps += 1
            amp = amp_map.amplitude(u)
        else:
            if f.control is not None:
                amp = amp_map.amplitude(u)
                q = amp_map.slp_at(amp) * conc
            else:
                amp, u = f.amplitude, math.nan
                q = fixed_slp * conc
            temp = solver.step(temp, q, q_prev)
        q_prev = q
        dose.update(temp, dt)
        record(i, i * dt, amp, u)
        if progress is not None:
            progress(i, n_steps)

    summary: dict[str, Any] = {
        "grid": {"shape": list(shape), "spacing": {"value": list(spacing), "unit": "m"}},
        "tissues": sorted(set(names)),
        "iron_mass": {"value": float(conc.sum() * np.prod(spacing)), "unit": "kg"},
        "slp_source": slp_source,
        "frequency": {"value": f.frequency, "unit": "Hz"},
        "max_amplitude_allowed": {"value": h_max, "unit": "A/m"},
        "amplitude_final": {"value": float(curves["amplitude"][-1]), "unit": "A/m"},
        "steps": n_steps, "dt": {"value": dt, "unit": "s"}, "scheme": config.scheme, "solver": solver.solver,
        "solver_iterations": solver.iterations,
        "healthy_max_temperature": {"value": float(dose.max_temperature[healthy].max()) if has_healthy else None,
                                    "unit": "K"},
        "cem43_floor": {"value": config.dose.cem43_floor, "unit": "K"},
    }
    if has_tumour:
        summary.update({
            "tumour_volume": {"value": float(tumour.sum() * np.prod(spacing)), "unit": "m3"},
            "tumour_t90_final": {"value": float(curves["tumour_t90"][-1]), "unit": "K"},
            "tumour_max_temperature": {"value": float(dose.max_temperature[tumour].max()), "unit": "K"},
            "tumour_cem43_t90": {"value": percentile_temperature(dose.cem43[tumour]), "unit": "s"},
            "tumour_cem43_median": {"value": float(np.median(dose.cem43[tumour])), "unit": "s"},
        })
        if arr is not None:
            summary["tumour_damage_fraction_omega_ge_1"] = float(np.mean(dose.damage[tumour] >= 1.0))
    if f.control is not None:
        summary["control"] = {"target_t90": {"value": f.control.target_t90, "unit": "K"},
                              "healthy_limit": {"value": f.control.healthy_max, "unit": "K"},
                              "steady_state": reach.to_dict(),
                              "reached_in_run": bool(curves["tumour_t90"].max() >= f.control.target_t90 - 0.05),
                              "healthy_limit_respected": None if f.control.healthy_max is None or not has_healthy
                              else bool(curves["healthy_max"].max() <= f.control.healthy_max + _CAP_TOLERANCE),
                              "healthy_cap_active_steps": cap_steps}
    if f.eddy_current is not None and curves["amplitude"].max() > 0:
        eddy = eddy_current_power(f.frequency, float(curves["amplitude"].max()),
                                  conductivity=f.eddy_current.conductivity, radius=f.eddy_current.body_radius)
        summary["eddy_current"] = {"surface_power_density": {"value": eddy["surface"], "unit": "W/m3"},
                                   "mean_power_density": {"value": eddy["mean"], "unit": "W/m3"},
                                   "at_amplitude": {"value": float(curves["amplitude"].max()), "unit": "A/m"},
                                   "note": "cylinder estimate σ(π μ0 f H R)²/2 at the largest amplitude used; "
                                           "reported only, not added to the heat source"}
    if curves["amplitude"].max() > 0:
        summary["field_limit_checks"] = [c.to_dict() for c in
                                         field_limit_checks(f.frequency, float(curves["amplitude"].max()))]
    return PlanResult(spacing=tuple(spacing), tissue_index=index, tissue_names=names, tumour_mask=tumour,
                      concentration=conc, temperature_final=temp, temperature_max=dose.max_temperature.copy(),
                      cem43=dose.cem43.copy(), damage=None if dose.damage is None else dose.damage.copy(),
                      curves=curves, summary=summary, config=config.model_dump(mode="json"), geometry=geometry)
