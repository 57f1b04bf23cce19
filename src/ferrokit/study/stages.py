"""The study's stages, each a thin composition of domain public APIs (no physics is re-implemented here).

Every stage returns a :class:`StageResult`: key numbers with units, labelled tables (column → values, unit),
arrays (images, maps), the domain result's ``to_dict()`` and the assumptions and parameter sources it used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrokit.constants import BODY_TEMPERATURE
from ferrokit.materials import Particle, iron_molar_concentration
from ferrokit.study.config import StudyConfig

__all__ = ["KeyNumber", "StageResult"]

DAY = 86400.0
HOUR = 3600.0


@dataclass(frozen=True)
class KeyNumber:
    """One headline number of a stage: SI ``value`` with ``unit`` and a display value in lab units."""

    label: str
    value: float | str | None
    unit: str
    display: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "unit": self.unit, "display": self.display}


@dataclass(frozen=True, eq=False)
class StageResult:
    """Outputs of one study stage.

    ``tables``: table name → column name → (1D array, unit); ``arrays``: name → (array, unit, dimension names).
    """

    name: str
    title: str
    key_numbers: tuple[KeyNumber, ...]
    tables: dict[str, dict[str, tuple[np.ndarray, str]]] = field(default_factory=dict)
    arrays: dict[str, tuple[np.ndarray, str, tuple[str, ...]]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def number(self, label: str) -> float:
        """The SI value of the key number called ``label``."""
        for k in self.key_numbers:
            if k.label == label:
                return k.value  # type: ignore[return-value]
        raise KeyError(label)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "key_numbers": [k.to_dict() for k in self.key_numbers],
                "assumptions": list(self.assumptions), "sources": list(self.sources)}


def _k(label: str, value: float | None, unit: str, fmt: str = "") -> KeyNumber:
    return KeyNumber(label, None if value is None else float(value), unit, fmt)


# ---------------------------------------------------------------------------------------------- particle

def particle_stage(cfg: StudyConfig, particle: Particle) -> StageResult:
    from ferrokit.hyperthermia import predict_slp
    from ferrokit.magnetism import predict_magnetic_properties
    from ferrokit.mri import predict_relaxivity

    t = BODY_TEMPERATURE
    mag = predict_magnetic_properties(particle, temperature=t)
    seq = cfg.imaging.sequence
    rel = predict_relaxivity(particle, field=cfg.imaging.field, temperature=t,
                             echo_spacing=seq.te if seq.kind == "spin_echo" else None)
    h_ref = cfg.amf.amplitude if cfg.amf.amplitude is not None else _h_reference(cfg)
    slp = predict_slp(particle, frequency=cfg.amf.frequency, amplitude=h_ref, temperature=t)
    keys = (
        KeyNumber("composition", particle.composition, ""),
        _k("core diameter", particle.core_diameter, "m", f"{particle.core_diameter * 1e9:.1f} nm"),
        _k("hydrodynamic diameter", particle.hydrodynamic_diameter_value, "m",
           f"{particle.hydrodynamic_diameter_value * 1e9:.1f} nm"),
        _k("Ms (per kg oxide)", mag["ms_mass"], "A m2/kg", f"{mag['ms_mass']:.1f} emu/g oxide"),
        _k("Néel time", mag["tau_neel"], "s", f"{mag['tau_neel']:.3g} s"),
        _k("Brown time", mag["tau_brown"], "s", f"{mag['tau_brown']:.3g} s"),
        _k("r1", rel.r1, "mM-1 s-1", f"{rel.r1:.2f} mM⁻¹s⁻¹ at {cfg.imaging.field:g} T"),
        _k("r2", rel.r2, "mM-1 s-1", f"{rel.r2:.1f} mM⁻¹s⁻¹ ({rel.regime})"),
        _k("r2*", rel.r2star, "mM-1 s-1", f"{rel.r2star:.1f} mM⁻¹s⁻¹"),
        _k("SLP", slp.slp, "W/kg Fe", f"{slp.slp / 1e3:.0f} W/g Fe at {cfg.amf.frequency / 1e3:g} kHz, "
                                      f"{h_ref / 1e3:.1f} kA/m ({slp.model})"),
    )
    notes = tuple(mag.notes) + tuple(rel.notes) + tuple(slp.notes)
    return StageResult(
        "particle", "Particle properties", keys,
        details={"magnetism": mag.to_dict(), "relaxivity": rel.to_dict(), "slp": slp.to_dict()},
        assumptions=(*notes, "properties predicted at 37 °C in water (no protein corona or cell uptake)"),
        sources=("ferrokit.magnetism.predict_magnetic_properties (docs/magnetism.md)",
                 "ferrokit.mri.predict_relaxivity (docs/mri.md): " + ", ".join(f"{k}: {v}" for k, v in
                                                                               rel.models.items()),
                 "ferrokit.hyperthermia.predict_slp (docs/hyperthermia.md)"),
    )


def _h_reference(cfg: StudyConfig) -> float:
    from ferrokit.hyperthermia.control import max_amplitude

    return float(max_amplitude(cfg.amf.frequency, cfg.amf.limit))


# ---------------------------------------------------------------------------------------------------- PK

def pk_parameters(cfg: StudyConfig):
    """The species' PBPK parameters with the study's tumour (volume, perfusion, retention)."""
    from ferrokit.hyperthermia.tissues import get_tissue
    from ferrokit.pk import species_parameters

    params = species_parameters(cfg.species)
    tum = cfg.tumour
    density = get_tissue(tum.like).density
    mass = tum.volume * density
    kind, val = tum.perfusion
    flow = val * 1e-6 / 60.0 * mass if kind == "flow" else val * tum.volume  # m³/s
    changes: dict[str, float] = {"volume_fraction": mass / params.body_weight,
                                 "blood_flow_fraction": flow / params.cardiac_output}
    if tum.partition_coefficient is not None:
        changes["partition_coefficient"] = tum.partition_coefficient
    if tum.permeability_coefficient is not None:
        changes["permeability_coefficient"] = tum.permeability_coefficient
    return params.with_organ("tumour", **changes), flow


def pk_times(cfg: StudyConfig) -> np.ndarray:
    end = cfg.pk_end
    events = cfg.event_times
    return np.unique(np.concatenate([[0.0], np.geomspace(min(36.0, end / 100), end, 80),
                                     np.linspace(0.0, end, 121), events]))


PK_ORGANS = ("plasma", "tumour", "liver", "spleen", "muscle", "kidney", "lung")


def pk_stage(cfg: StudyConfig):
    from ferrokit.pk import Dosing, simulate_pbpk

    params, flow = pk_parameters(cfg)
    dosing = Dosing.per_body_weight(cfg.dose.amount, params, route=cfg.dose.route,
                                    infusion_time=cfg.dose.infusion_time)
    t = pk_times(cfg)
    res = simulate_pbpk(params, dosing, duration=cfg.pk_end, times=t)
    i_amf = int(np.searchsorted(res.times, cfg.amf.time))
    c_t = res.concentration("tumour")
    peak = int(np.argmax(res.percent_injected_dose("tumour")))
    table = {"time": (res.times, "s")}
    for organ in PK_ORGANS:
        table[f"concentration_{organ}"] = (np.asarray(res.concentration(organ)), "kg Fe/m3")
    for organ in PK_ORGANS:
        table[f"percent_id_{organ}"] = (np.asarray(res.percent_injected_dose(organ)), "%ID")
    keys = (
        _k("dose", dosing.dose, "kg Fe", f"{dosing.dose * 1e6:.3g} mg Fe ({cfg.dose.amount * 1e6:g} mg/kg, "
                                         f"{cfg.dose.route})"),
        _k("tumour blood flow", flow, "m3/s", f"{flow * 6e7:.3g} mL/min"),
        _k("tumour peak", res.percent_injected_dose("tumour")[peak], "%ID",
           f"{res.percent_injected_dose('tumour')[peak]:.3g} %ID at {res.times[peak] / HOUR:.3g} h"),
        _k("tumour iron at AMF session", c_t[i_amf], "kg Fe/m3",
           f"{c_t[i_amf]:.3g} mg Fe/mL ({iron_molar_concentration(c_t[i_amf]):.3g} mM) at "
           f"{cfg.amf.time / HOUR:g} h"),
        _k("liver %ID at end", res.percent_injected_dose("liver")[-1], "%ID",
           f"{res.percent_injected_dose('liver')[-1]:.3g} %ID at {res.times[-1] / HOUR:g} h"),
        _k("mass balance error", res.mass_balance_error, "1", f"{res.mass_balance_error:.1e}"),
    )
    assumptions = (
        f"{cfg.species} PBPK parameter set (nanoparticle values calibrated for PEG-gold in mice; "
        "docs/pk.md); the particle's own size/coating does not change them",
        f"tumour: volume {cfg.tumour.volume * 1e9:g} mm³ (density of {cfg.tumour.like}), blood flow from the "
        "given perfusion; other tumour PK parameters from the parameter set"
        + ("" if cfg.tumour.partition_coefficient is None else
           f"; partition coefficient {cfg.tumour.partition_coefficient:g}")
        + ("" if cfg.tumour.permeability_coefficient is None else
           f"; PA_C {cfg.tumour.permeability_coefficient:g}"),
        "concentration = organ iron mass / organ volume (kg Fe/m³ = mg Fe/mL), iron in intact particles",
    )
    return res, StageResult(
        "pk", "Biodistribution (PBPK)", keys, tables={"pk": table},
        details={"dosing": dosing.to_dict(), "parameters": params.to_dict()}, assumptions=assumptions,
        sources=("ferrokit.pk.simulate_pbpk: Lin et al., Nanotoxicology 2016 (doi:10.3109/17435390.2015.1027314) "
                 "[seen-abstract]; Cheng et al., ACS Nano 2020 (doi:10.1021/acsnano.9b08142) [seen-abstract]; "
                 "values from UFPBPK/Nano-AI-PBPK-G2 [seen-code]",),
    ), i_amf


def at_time(res, organ: str, t: float) -> float:
    """PK concentration [kg Fe/m³] of ``organ`` at time ``t`` (an output time of the PK grid)."""
    i = int(np.searchsorted(res.times, t))
    return float(res.concentration(organ)[i])


# ------------------------------------------------------------------------------------------------ MRI

def phantom_labels(cfg: StudyConfig) -> tuple[np.ndarray, float]:
    """2D phantom: 0 air, 1 muscle (body), 2 liver (ellipse), 3 tumour (disc of the tumour's radius)."""
    n = cfg.imaging.matrix
    h = cfg.imaging.field_of_view / n
    x = (np.arange(n) + 0.5) * h - cfg.imaging.field_of_view / 2
    xx, yy = np.meshgrid(x, x, indexing="xy")
    fov = cfg.imaging.field_of_view
    lab = np.zeros((n, n), dtype=np.int32)
    lab[(xx / (0.45 * fov)) ** 2 + (yy / (0.35 * fov)) ** 2 <= 1] = 1
    lab[((xx + 0.18 * fov) / (0.17 * fov)) ** 2 + ((yy + 0.05 * fov) / (0.22 * fov)) ** 2 <= 1] = 2
    r_t = (3 * cfg.tumour.volume / (4 * math.pi)) ** (1 / 3)
    r_t = min(max(r_t, 1.5 * h), 0.12 * fov)
    lab[(xx - 0.2 * fov) ** 2 + (yy - 0.05 * fov) ** 2 <= r_t**2] = 3
    return lab, h


def mri_stage(cfg: StudyConfig, pk_res, particle_stage_result: StageResult, rng) -> StageResult:
    from ferrokit.mri.images import synthetic_image
    from ferrokit.mri.signals import SequenceParams, cnr, relaxation_rates, sequence_signal

    im = cfg.imaging
    s = im.sequence
    seq = SequenceParams(s.kind, te=s.te, tr=s.tr, flip_angle=s.flip_angle)
    r1 = particle_stage_result.number("r1")
    r2 = particle_stage_result.number("r2" if s.kind == "spin_echo" else "r2*")
    tissues = {name: (1.0 / v.t1, 1.0 / v.t2, v.pd) for name, v in im.tissues.items()}
    times = np.asarray(im.times, dtype=float)
    cols: dict[str, tuple[np.ndarray, str]] = {"time": (times, "s")}
    sig = {}
    for organ in ("tumour", "liver", "muscle"):
        c_kg = np.array([at_time(pk_res, organ, t) for t in times])
        c_mm = np.asarray(iron_molar_concentration(c_kg), dtype=float)
        a, b, pd = tissues[organ]
        rr1, rr2 = relaxation_rates(a, b, c_mm, r1=r1, r2=r2)
        sig[organ] = np.asarray(sequence_signal(seq, pd, rr1, rr2), dtype=float)
        pre = float(sequence_signal(seq, pd, a, b))
        cols[f"iron_{organ}"] = (c_mm, "mM Fe")
        cols[f"delta_r2_{organ}"] = (np.asarray(rr2) - b, "1/s")
        cols[f"delta_r1_{organ}"] = (np.asarray(rr1) - a, "1/s")
        cols[f"signal_{organ}"] = (sig[organ], "PD units")
        cols[f"signal_change_{organ}"] = (sig[organ] / pre - 1.0, "1")
    noise = im.noise_sigma if im.noise_sigma > 0 else 1.0
    cols["cnr_tumour_muscle"] = (np.asarray(cnr(sig["tumour"], sig["muscle"], noise), dtype=float), "1")
    labels, h = phantom_labels(cfg)
    label_ids = {"muscle": 1, "liver": 2, "tumour": 3}
    tp = {label_ids[n]: v for n, v in tissues.items()}
    images = []
    for k in range(-1, len(times)):
        conc = np.zeros(labels.shape)
        if k >= 0:
            for organ, lab in label_ids.items():
                conc[labels == lab] = cols[f"iron_{organ}"][0][k]
        images.append(synthetic_image(conc, labels, tp, r1=r1, r2=r2, sequence=seq, noise_sigma=im.noise_sigma,
                                      rng=rng))
    img = np.stack(images)
    it = int(np.argmax(np.abs(cols["signal_change_tumour"][0])))
    keys = (
        _k("relaxivity used", r2, "mM-1 s-1", f"r2{'' if s.kind == 'spin_echo' else '*'} {r2:.1f}, r1 {r1:.2f} "
                                               "mM⁻¹s⁻¹ (particle stage)"),
        _k("max tumour ΔR2", cols["delta_r2_tumour"][0][it], "1/s",
           f"{cols['delta_r2_tumour'][0][it]:.3g} s⁻¹ at {times[it] / HOUR:g} h"),
        _k("max tumour signal change", cols["signal_change_tumour"][0][it], "1",
           f"{100 * cols['signal_change_tumour'][0][it]:+.1f} % at {times[it] / HOUR:g} h"),
        _k("max liver ΔR2", float(np.max(cols["delta_r2_liver"][0])), "1/s",
           f"{np.max(cols['delta_r2_liver'][0]):.3g} s⁻¹"),
        _k("tumour–muscle CNR", float(cols["cnr_tumour_muscle"][0][it]), "1",
           f"{cols['cnr_tumour_muscle'][0][it]:.3g} (σ = {im.noise_sigma:g} PD)"),
    )
    return StageResult(
        "mri", "MRI contrast over time", keys, tables={"mri": cols},
        arrays={"mri_images": (img, "PD units", ("image_time", "y", "x")),
                "phantom_labels": (labels, "label", ("y", "x"))},
        details={"sequence": seq.to_dict(), "field": {"value": im.field, "unit": "T"},
                 "image_times": {"value": [0.0, *times.tolist()], "unit": "s", "note": "first image: pre-contrast"},
                 "pixel_spacing": {"value": h, "unit": "m"}, "labels": {"0": "air", **{str(v): k for k, v in
                                                                                       label_ids.items()}}},
        assumptions=(
            "fast exchange, R_i = R_i0 + r_i C, with r_i predicted for particles in water (no compartmentalisation "
            "in cells, which lowers r1 and can change r2)",
            "tissue relaxation times and proton densities: "
            + "; ".join(f"{n} T1 {v.t1 * 1e3:g} ms, T2 {v.t2 * 1e3:g} ms, PD {v.pd:g}" for n, v in im.tissues.items())
            + " (illustrative, assumed; replace with measured values)",
            "phantom: one 2D slice with uniform iron per tissue (organ mean concentrations from the PK)",
            f"Rician noise σ = {im.noise_sigma:g} (PD units), seed {cfg.seed}",
        ),
        sources=("ferrokit.mri.signals (Haacke et al. 1999 textbook forms) [seen-secondary]",
                 "ferrokit.mri.images.synthetic_image (Gudbjartsson & Patz, MRM 1995) [seen-secondary]"),
    )
