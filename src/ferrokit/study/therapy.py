"""Therapy stages of the study: hyperthermia plan, CDT, tumour response arms and the tumour–immune model."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ferrokit._shared.schema import validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import BODY_TEMPERATURE, ZERO_CELSIUS
from ferrokit.materials import Particle, iron_molar_concentration
from ferrokit.study.config import StudyConfig
from ferrokit.study.stages import DAY, HOUR, KeyNumber, StageResult, _k

__all__ = ["cdt_stage", "hyperthermia_stage", "plan_config", "response_stage"]


def _c(t_kelvin: float) -> float:
    return t_kelvin - ZERO_CELSIUS


def plan_config(cfg: StudyConfig, particle: Particle, iron: float):
    """The hyperthermia PlanConfig of the study: a tumour sphere in its host tissue with ``iron`` [kg Fe/m³]
    uniformly in the tumour, on a small cubic grid (side 6 tumour radii, Dirichlet 37 °C at the edges)."""
    from ferrokit.hyperthermia.plan import PlanConfig

    a = cfg.amf
    n = a.grid_cells
    r_t = (3 * cfg.tumour.volume / (4 * math.pi)) ** (1 / 3)
    h = 6 * r_t / n
    centre = [n * h / 2] * 3
    if a.slp is not None:
        heating: dict[str, Any] = {"slp": a.slp, "slp_amplitude": a.slp_amplitude}
    elif cfg.particle.agent is not None:
        heating = {"particle": {"agent": cfg.particle.agent}}
    else:
        heating = {"particle": {"particle": particle.model_dump(mode="json", exclude_none=True)}}
    fld: dict[str, Any] = {"frequency": a.frequency, "limit": a.limit}
    if a.amplitude is not None:
        fld["amplitude"] = a.amplitude
    else:
        fld["control"] = {"target_t90": a.control.target_t90, "healthy_max": a.control.healthy_max}
    data = {
        "grid": {"shape": [n, n, n], "spacing": h},
        "tissues": {"background": cfg.tumour.like,
                    "regions": [{"shape": "sphere", "center": centre, "radius": r_t, "tissue": "tumour"}],
                    "tumour": {"perfusion": list(cfg.tumour.perfusion), "like": cfg.tumour.like}},
        "particles": {"kind": "uniform", "concentration": iron},
        "heating": heating,
        "field": fld,
        "boundary": {"kind": "dirichlet", "temperature": BODY_TEMPERATURE},
        "duration": a.duration,
        "dt": a.dt,
        "outputs": {"nifti": False, "png": False},
    }
    return validate_model(PlanConfig, data, where="amf (hyperthermia plan)")


def hyperthermia_stage(cfg: StudyConfig, particle: Particle, iron: float, progress=None):
    from ferrokit.hyperthermia.plan import run_plan

    pc = plan_config(cfg, particle, iron)
    plan = run_plan(pc, progress=progress)
    s = plan.summary
    mid = plan.temperature_max.shape[2] // 2
    curves = {k: (v, u) for k, v, u in (
        ("time", plan.curves["time"], "s"), ("amplitude", plan.curves["amplitude"], "A/m"),
        ("tumour_t90", plan.curves["tumour_t90"], "K"), ("tumour_max", plan.curves["tumour_max"], "K"),
        ("tumour_mean", plan.curves["tumour_mean"], "K"), ("healthy_max", plan.curves["healthy_max"], "K"),
        ("tumour_cem43_t90", plan.curves["tumour_cem43_t90"], "s"))}
    t90 = s["tumour_t90_final"]["value"]
    cem = s["tumour_cem43_t90"]["value"]
    keys = (
        _k("tumour iron", iron, "kg Fe/m3", f"{iron:.3g} mg Fe/mL ({iron_molar_concentration(iron):.3g} mM), "
                                            f"{s['iron_mass']['value'] * 1e6:.3g} mg Fe in the tumour voxels"),
        _k("final amplitude", s["amplitude_final"]["value"], "A/m",
           f"{s['amplitude_final']['value'] / 1e3:.2f} kA/m at {cfg.amf.frequency / 1e3:g} kHz "
           f"(limit {s['max_amplitude_allowed']['value'] / 1e3:.2f} kA/m)"),
        _k("tumour T90 (end)", t90, "K", f"{_c(t90):.2f} °C"),
        _k("tumour max temperature", s["tumour_max_temperature"]["value"], "K",
           f"{_c(s['tumour_max_temperature']['value']):.2f} °C"),
        _k("healthy max temperature", s["healthy_max_temperature"]["value"], "K",
           f"{_c(s['healthy_max_temperature']['value']):.2f} °C"),
        _k("tumour CEM43 T90", cem, "s", f"{cem / 60:.3g} min"),
    )
    assumptions = (
        f"geometry: a {cfg.tumour.volume * 1e9:g} mm³ tumour sphere in {cfg.tumour.like} on a {pc.grid.shape[0]}³ "
        f"grid of {pc.grid.spacing * 1e3:.2f} mm voxels, 37 °C at the grid edges",
        "iron: the PK tumour concentration at the session time, uniform in the tumour, none in healthy tissue",
        f"heating: {s['slp_source']}",
        "no perfusion change with temperature; steady unheated start",
    ) + (() if cfg.amf.control is None else (
        f"field controlled to tumour T90 {_c(cfg.amf.control.target_t90):g} °C within the H·f limit "
        f"{cfg.amf.limit}",))
    return plan, StageResult(
        "hyperthermia", "Magnetic hyperthermia plan and thermal dose", keys, tables={"hyperthermia": curves},
        arrays={"temperature_max_slice": (plan.temperature_max[:, :, mid], "K", ("hx", "hy")),
                "cem43_slice": (plan.cem43[:, :, mid], "s", ("hx", "hy"))},
        details={"summary": s}, assumptions=assumptions,
        sources=("ferrokit.hyperthermia.plan.run_plan: Pennes bioheat, CEM43 (Sapareto & Dewey 1984), "
                 "tissue properties from the IT'IS-type table (docs/bioheat.md)",),
    )


def cdt_stage(cfg: StudyConfig, particle: Particle, iron: float, temperature: float):
    from ferrokit.chemistry import simulate_cdt

    c = cfg.cdt
    initial = {"H2O2": c.h2o2, "GSH": c.gsh, "O2": c.o2}
    if c.glucose > 0:
        initial["glucose"] = c.glucose
    fe = float(iron_molar_concentration(iron))
    runs = {}
    for label, temp in (("37C", BODY_TEMPERATURE), ("hyperthermia", temperature)):
        runs[label] = simulate_cdt(particle=particle, iron_concentration=fe, ph=c.ph, temperature=temp,
                                   initial=initial, duration=c.duration, n_times=101)
    a, b = runs["37C"], runs["hyperthermia"]
    table = {"time": (a.times, "s"),
             "cumulative_oh_37C": (a.cumulative_hydroxyl, "mol/m3"),
             "cumulative_oh_hyperthermia": (b.cumulative_hydroxyl, "mol/m3"),
             "h2o2_37C": (a.concentrations["H2O2"], "mol/m3"),
             "h2o2_hyperthermia": (b.concentrations["H2O2"], "mol/m3")}
    if a.ferroptosis_index is not None:
        table["ferroptosis_index_37C"] = (a.ferroptosis_index, "1")
        table["ferroptosis_index_hyperthermia"] = (b.ferroptosis_index, "1")
    gain = b.total_hydroxyl / a.total_hydroxyl if a.total_hydroxyl > 0 else math.nan
    keys = (
        _k("tumour iron", fe, "mol/m3", f"{fe:.3g} mM Fe"),
        _k("tumour temperature (T90)", temperature, "K", f"{_c(temperature):.2f} °C"),
        _k("cumulative ·OH at 37 °C", a.total_hydroxyl, "mol/m3", f"{a.total_hydroxyl * 1e3:.3g} µM in "
                                                                   f"{c.duration / 60:g} min"),
        _k("cumulative ·OH at T90", b.total_hydroxyl, "mol/m3", f"{b.total_hydroxyl * 1e3:.3g} µM"),
        _k("thermal enhancement", gain, "1", f"× {gain:.3g}"),
        _k("ferroptosis index at T90 (end)", None if b.ferroptosis_index is None else b.ferroptosis_index[-1], "1",
           "n/a" if b.ferroptosis_index is None else f"{b.ferroptosis_index[-1]:.3g}"),
    )
    return runs, StageResult(
        "cdt", "Chemodynamic therapy (Fenton chemistry)", keys, tables={"cdt": table},
        details={"37C": {k: v for k, v in a.to_dict().items() if k in ("conditions", "summary", "reaction_sets")},
                 "hyperthermia": {k: v for k, v in b.to_dict().items()
                                  if k in ("conditions", "summary", "reaction_sets")}},
        assumptions=(*dict.fromkeys(a.notes + b.notes),
            f"closed well-mixed tumour volume at pH {c.ph:g}, H2O2 {c.h2o2 * 1e3:g} µM, GSH {c.gsh:g} mM, "
            f"O2 {c.o2 * 1e3:g} µM for {c.duration / 60:g} min",
            "the tumour holds T90 of the plan for the whole CDT period (hyperthermia run)",
        ),
        sources=("ferrokit.chemistry.simulate_cdt: network and rate constants in "
                 "src/ferrokit/chemistry/_data/SOURCES.md (docs/chemistry.md)",),
    )


def response_stage(cfg: StudyConfig, particle: Particle, cem43: float, t90: float, cdt_runs, rng, *,
                   ptt_cem43: float | None = None):
    from ferrokit.response import (
        GrowthModel,
        ImmuneEffects,
        ImmuneParameters,
        RosSpec,
        Schedule,
        TherapyArm,
        ThermalSpec,
        simulate_arms,
        simulate_immune,
    )

    r = cfg.response
    t_s = cfg.amf.time
    growth = GrowthModel(kind=r.growth.kind, rate=r.growth.rate, capacity=r.growth.capacity,
                         initial_volume=cfg.tumour.volume)
    oh37 = cdt_runs["37C"].total_hydroxyl
    oh_t = cdt_runs["hyperthermia"].total_hydroxyl
    arms = []
    for a in r.arms:
        thermal = ThermalSpec(times=[t_s], cem43=cem43, d0=r.heat_d0, dq=r.heat_dq) if a.hyperthermia else None
        if a.ptt:
            if ptt_cem43 is None:
                raise FerroKitInputError(f"response arm {a.name!r} has ptt but the study ran no photothermal session")
            thermal = ThermalSpec(times=[cfg.optics.ptt.time], cem43=ptt_cem43, d0=r.heat_d0, dq=r.heat_dq)
        ros = RosSpec(times=[t_s], dose=oh_t if a.hyperthermia else oh37, d10=r.ros_d10) if a.cdt else None
        arms.append(TherapyArm(name=a.name, thermal=thermal, ros=ros, radiation=a.radiation, chemo=a.chemo))
    res = simulate_arms(arms, growth=growth, duration=r.duration, rng=rng)
    vol = {"time": (res.times, "s"), **{f"volume_{n}": (v, "m3") for n, v in res.volume.items()}}
    keys: list[KeyNumber] = []
    for n in res.arm_names:
        gd = res.growth_delay[n]
        keys.append(_k(f"{n}: final volume", res.volume[n][-1], "m3",
                       f"{res.volume[n][-1] * 1e9:.4g} mm³" + ("" if gd is None or n == res.control_arm
                                                               else f", growth delay {gd / DAY:.3g} d")))
    for row in res.synergy:
        keys.append(KeyNumber(f"Bliss {row['combination']}", float(row["bliss_excess"]), "1",
                              _bliss_text(row)))
    tables = {"response": vol}
    immune_out: dict[str, Any] = {}
    assumptions = [*res.notes,
        f"arms start from the tumour volume {cfg.tumour.volume * 1e9:g} mm³ at injection (t = 0); "
        f"treatment at {t_s / HOUR:g} h",
        f"thermal kill from the plan's tumour CEM43 T90 ({cem43 / 60:.3g} min), multi-target d0 "
        f"{r.heat_d0 / 60:g} min, dq {r.heat_dq / 60:g} min",
        *(() if ptt_cem43 is None else (
            f"PTT arms: thermal kill from the photothermal session's tumour CEM43 T90 ({ptt_cem43 / 60:.3g} min) at "
            f"{cfg.optics.ptt.time / HOUR:g} h, same multi-target model; PTT gives no immune-model input",)),
        f"ROS kill from cumulative ·OH (37 °C: {oh37 * 1e3:.3g} µM; with hyperthermia: {oh_t * 1e3:.3g} µM), "
        f"D10 {r.ros_d10:g} mM (assumed)",
    ]
    if r.immune is not None:
        im = r.immune
        params = ImmuneParameters.de_pillis_mouse(im.variation)
        has_mn = "Mn" in particle.composition
        fi = cdt_runs["hyperthermia"].ferroptosis_index
        fi37 = cdt_runs["37C"].ferroptosis_index
        h_level = float(np.clip((t90 - BODY_TEMPERATURE) / (im.nk_heat_full - BODY_TEMPERATURE), 0, 1))
        cells = {}
        outcomes = {}
        for a in r.arms:
            treated = a.hyperthermia or a.cdt
            fidx = 0.0
            if a.cdt:
                src = fi if a.hyperthermia else fi37
                fidx = 0.0 if src is None else float(min(1.0, src[-1]))
            oh = (oh_t if a.hyperthermia else oh37) if a.cdt else 0.0

            def pulse(level: float, length: float = im.effect_window):
                return Schedule.pulse(t_s, length, level) if level > 0 else 0.0

            eff = ImmuneEffects(
                ferroptosis_rate=pulse(im.ferroptosis_rate_max * fidx),
                repolarisation=pulse(im.repolarisation_max * (1 - math.exp(-oh / r.ros_d10))),
                sting=pulse(im.sting_level if (has_mn and treated) else 0.0),
                pdl1_blockade=pulse(a.pdl1_blockade, max(im.duration - t_s, 1.0)),
                nk_heat=pulse(h_level if a.hyperthermia else 0.0),
            )
            ir = simulate_immune(duration=im.duration, initial_tumour=im.initial_tumour, params=params, effects=eff,
                                 n_times=241)
            cells[f"tumour_cells_{a.name}"] = (ir.tumour, "cells")
            cells[f"cd8_cells_{a.name}"] = (ir.cd8, "cells")
            outcomes[a.name] = ir.outcome
            immune_out[a.name] = {"outcome": ir.outcome, "effects": eff.model_dump(mode="json"),
                                  "final_tumour_cells": float(ir.tumour[-1])}
            times_im = ir.times
        tables["immune"] = {"time": (times_im, "s"), **cells}
        for n, o in outcomes.items():
            keys.append(KeyNumber(f"immune model: {n}", o, "", f"{o}, {immune_out[n]['final_tumour_cells']:.3g} "
                                                                  "tumour cells at the end"))
        assumptions += [
            "tumour–immune model (de Pillis et al. 2005 core + assumed macrophage and nanoparticle terms): trends, "
            "not predictions of cell numbers",
            f"immune inputs (assumed mappings, each a pulse of {im.effect_window / DAY:g} d from the treatment): "
            f"NK activation H = clip((T90 − 37 °C)/({_c(im.nk_heat_full):g} − 37 °C), 0, 1) = {h_level:.3g}; "
            f"ferroptotic kill {im.ferroptosis_rate_max * DAY:g}/d × min(1, ferroptosis index); M2→M1 "
            f"{im.repolarisation_max * DAY:g}/d × (1 − exp(−·OH/D10)); STING {im.sting_level:g} for Mn-containing "
            f"particles ({'yes' if has_mn else 'no Mn'}); anti-PD-L1 level per arm from treatment to the end",
            f"immune model starts from {im.initial_tumour:.3g} tumour cells ({im.variation} parameter set), "
            "independent of the volume model",
        ]
    return res, StageResult(
        "response", "Tumour and immune response", tuple(keys), tables=tables,
        details={"arms": [a.model_dump(mode="json") for a in arms], "synergy": list(res.synergy),
                 "survival": res.survival, "immune": immune_out,
                 "growth_delay": {"value": res.growth_delay, "unit": "s"}},
        assumptions=tuple(dict.fromkeys(assumptions)),
        sources=("ferrokit.response.simulate_arms (docs/response.md): growth laws, CEM43 multi-target survival "
                 "(Livingston et al. 1979 CHO values), ROS D10 (assumed), Bliss independence",
                 "ferrokit.response.simulate_immune: de Pillis, Radunskaya & Wiseman, Cancer Res 2005 "
                 "(doi:10.1158/0008-5472.CAN-05-0564) [seen-secondary]; den Breems & Eftimie 2016 [seen-abstract]"),
    )


def _bliss_text(row: dict[str, Any]) -> str:
    parts = []
    for key, label in (("observed", "observed effect"), ("expected", "Bliss expected"),
                       ("bliss_excess", "excess")):
        if isinstance(row.get(key), (int, float)):
            parts.append(f"{label} {row[key]:.3g}")
    if row.get("verdict"):
        parts.append(str(row["verdict"]))
    return ", ".join(parts) + f" (vs {' + '.join(row.get('monotherapies', []))})"
