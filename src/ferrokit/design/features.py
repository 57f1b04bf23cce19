"""Descriptors of a design table: plain descriptors and physics features computed by FerroKit.

Every feature is a function of the row's own inputs (composition, size, shape flag, coating, measured Ms,
field and frequency / B0). Nothing depends on the paper (DOI), on other rows or on the target, so permuting
DOIs leaves the matrix unchanged (tested).

Plain descriptors (``baseline``)
    dopant fractions per 4 O (Zn, Mn, Co, Ni, Gd+Eu), Fe²⁺ fraction, cation vacancies (maghemite),
    cation-mean Pauling electronegativity and atomic mass, log10 core size, shape flag, log10 Ms, coating
    logP, coating H-bond acceptors, a "has shell" flag; SAR: log10 H, log10 f, log10 concentration,
    coercivity, Mr/Ms; r1/r2: B0.

Physics features (``hybrid`` adds them)
    bulk K1 and Curie temperature of the composition (:mod:`ferrokit.materials`); SAR: Rosensweig LRT SLP
    and the regime-selected SLP (:func:`ferrokit.hyperthermia.predict_slp`), Langevin parameter ξ, Néel,
    Brown and effective relaxation times and 2πfτ (:mod:`ferrokit.magnetism`); r1/r2: outer-sphere r1, r2,
    r2* (:func:`ferrokit.mri.relaxivity.predict_relaxivity`), the closed forms r2(MAR) and r2*(SDR)
    (:func:`~ferrokit.mri.relaxivity.r2_motional_averaging`, :func:`~ferrokit.mri.relaxivity.r2star_static_dephasing`)
    and Δω τ_D. Assumptions for every row (the tables do not report them): lognormal σ = 0.2, measured Ms on
    the oxide basis, no coating thickness (hydrodynamic size = core), water at 300 K; echo spacing None
    (long-echo limit).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_choice
from ferrokit.constants import K_B
from ferrokit.design.datasets import TARGETS, DesignTable
from ferrokit.hyperthermia import predict_slp
from ferrokit.magnetism import langevin
from ferrokit.materials import (
    MeasuredMs,
    Particle,
    anisotropy_constant,
    curie_temperature,
    oxide_volume_fraction,
    parse_formula,
)
from ferrokit.mri import (
    diffusion_coefficient,
    equatorial_frequency_shift,
    predict_relaxivity,
    r2_motional_averaging,
    r2star_static_dephasing,
)

__all__ = ["FEATURE_SETS", "PHYSICS_ASSUMPTIONS", "FeatureMatrix", "compute_features"]

#: Feature sets: plain descriptors only, or plain + physics (the hybrid model).
FEATURE_SETS: tuple[str, ...] = ("baseline", "hybrid")

#: Values assumed for every row when computing physics features (not reported in the tables).
PHYSICS_ASSUMPTIONS: Mapping[str, object] = {
    "core_sigma": 0.2, "ms_basis": "oxide", "temperature_K": 300.0, "coating_thickness": None,
    "echo_spacing": None, "tau0_s": 1e-9,
}

# Pauling electronegativities of the cations. Fe, Zn, Mn, Co, Ni: consistent with the DiTox table's
# per-material mean electronegativity (e.g. Fe3O4 (3·1.83 + 4·3.44)/7 = 2.75, ZnO 2.545, MnO 2.495,
# NiO 2.675, Co3O4 2.771) [verified against DiTox]; Gd, Eu 1.20 [from memory, unverified].
_ELECTRONEGATIVITY = {"Fe": 1.83, "Zn": 1.65, "Mn": 1.55, "Co": 1.88, "Ni": 1.91, "Gd": 1.20, "Eu": 1.20}
_ATOMIC_MASS = {"Fe": 55.845, "Zn": 65.38, "Mn": 54.938, "Co": 58.933, "Ni": 58.693, "Gd": 157.25, "Eu": 151.96}
_TEMPERATURE = 300.0
_SIGMA = 0.2


@dataclass(frozen=True)
class FeatureMatrix:
    """Feature matrix of a table: ``values`` (rows × features), ``names``, and notes on missing physics."""

    values: np.ndarray
    names: tuple[str, ...]
    feature_set: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"names": list(self.names), "shape": list(self.values.shape), "feature_set": self.feature_set,
                "notes": list(self.notes)}


def _log10(x: np.ndarray) -> np.ndarray:
    # log10 of positive values; ±inf (e.g. a blocked particle's Néel time) is clipped to ±300 so that the
    # tree models see a finite "very large" value; non-positive values are missing (NaN)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.log10(np.where(x > 0, x, np.nan))
    return np.clip(out, -300.0, 300.0)


def _composition_block(formulas: tuple[str, ...]) -> tuple[np.ndarray, list[str], dict[str, tuple[float, float]]]:
    cache: dict[str, np.ndarray] = {}
    bulk: dict[str, tuple[float, float]] = {}
    for f in set(formulas):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = parse_formula(f)
            k1 = anisotropy_constant(c, _TEMPERATURE)
            tc = curie_temperature(c)
        metals = {el: n for el, n in c.elements.items() if el != "O"}
        total = sum(metals.values())
        chi = sum(n * _ELECTRONEGATIVITY[el] for el, n in metals.items()) / total
        mass = sum(n * _ATOMIC_MASS[el] for el, n in metals.items()) / total
        d = c.dopants
        cache[f] = np.array([d.get("Zn", 0.0), d.get("Mn", 0.0), d.get("Co", 0.0), d.get("Ni", 0.0),
                             d.get("Gd", 0.0) + d.get("Eu", 0.0), c.fe2_fraction, c.vacancies, chi, mass])
        bulk[f] = (abs(k1), tc)
    names = ["x_Zn", "x_Mn", "x_Co", "x_Ni", "x_RE", "fe2_fraction", "vacancies", "cation_electronegativity",
             "cation_atomic_mass"]
    return np.array([cache[f] for f in formulas]), names, bulk


def _plain(table: DesignTable) -> tuple[np.ndarray, list[str]]:
    comp, names, _ = _composition_block(table.text["composition"])
    n = table.numeric
    cols = [comp]
    extra = {
        "log10_core_size_nm": _log10(n["core_size"] * 1e9),
        "shape_flag": n["shape_flag"],
        "log10_ms": _log10(n["ms"]),
        "coating_logp": n["coating_logp"],
        "coating_h_acceptors": n["coating_h_acceptors"],
        "has_shell": np.array([1.0 if s else 0.0 for s in table.text["shell"]]),
    }
    if table.target == "sar":
        with np.errstate(divide="ignore", invalid="ignore"):
            mr = np.where(n["ms"] > 0, n["remanence"] / n["ms"], np.nan)
        extra |= {"log10_field_amplitude": _log10(n["field_amplitude"]), "log10_frequency": _log10(n["frequency"]),
                  "log10_concentration": _log10(n["concentration"]), "coercivity": n["coercivity"],
                  "remanence_ratio": mr}
    else:
        extra |= {"field_strength": n["field_strength"]}
    cols.append(np.column_stack(list(extra.values())))
    return np.column_stack(cols), names + list(extra)


def _particle(formula: str, d: float, ms: float) -> Particle:
    return Particle(composition=formula, core_diameter=d, core_sigma=_SIGMA,
                    ms=MeasuredMs(value=ms, basis="oxide", temperature=_TEMPERATURE))


def _physics_sar(table: DesignTable, bulk: dict[str, tuple[float, float]]) -> tuple[np.ndarray, list[str], int]:
    n = table.numeric
    out = np.full((len(table), 9), np.nan)
    failed = 0
    for i, f in enumerate(table.text["composition"]):
        try:
            p = _particle(f, float(n["core_size"][i]), float(n["ms"][i]))
            kw = {"frequency": float(n["frequency"][i]), "amplitude": float(n["field_amplitude"][i]),
                  "temperature": _TEMPERATURE}
            lrt = predict_slp(p, model="lrt", **kw)
            auto = predict_slp(p, model="auto", **kw)
        except (FerroKitInputError, ValueError):
            failed += 1
            continue
        wt = 2 * math.pi * kw["frequency"] * lrt.tau_eff
        out[i] = [lrt.slp, auto.slp, lrt.xi, lrt.tau_neel, lrt.tau_brown, wt, 1.0 if auto.model != "lrt" else 0.0,
                  *bulk[f]]
    logs = [0, 1, 2, 3, 4, 5, 7]
    out[:, logs] = _log10(out[:, logs])
    names = ["log10_slp_lrt", "log10_slp_auto", "log10_xi", "log10_tau_neel", "log10_tau_brown",
             "log10_omega_tau", "sw_regime", "log10_k1_bulk", "curie_temperature"]
    return out, names, failed


def _physics_relaxivity(table: DesignTable, bulk: dict[str, tuple[float, float]]
                        ) -> tuple[np.ndarray, list[str], int]:
    n = table.numeric
    out = np.full((len(table), 8), np.nan)
    failed = 0
    kb_t = K_B * _TEMPERATURE
    diff = float(diffusion_coefficient(_TEMPERATURE))
    for i, f in enumerate(table.text["composition"]):
        d, ms, b0 = float(n["core_size"][i]), float(n["ms"][i]), float(n["field_strength"][i])
        try:
            p = _particle(f, d, ms)
            rel = predict_relaxivity(p, field=b0, temperature=_TEMPERATURE)
            comp = parse_formula(f)
            frac = oxide_volume_fraction(1.0, comp)  # per mol/m3 (= mM) Fe
            ms_vol = ms * comp.density
            x = ms_vol * math.pi * d**3 / 6 * b0 / kb_t
            dw = equatorial_frequency_shift(ms_vol * float(langevin(x)))
            mar = r2_motional_averaging(frac, d / 2, dw, diff)
            sdr = r2star_static_dephasing(frac, dw)
        except (FerroKitInputError, ValueError):
            failed += 1
            continue
        out[i] = [rel.r1, rel.r2, rel.r2star, rel.delta_omega_tau_d, mar, sdr, *bulk[f]]
    logs = [0, 1, 2, 3, 4, 5, 6]
    out[:, logs] = _log10(out[:, logs])
    names = ["log10_r1_outer_sphere", "log10_r2_model", "log10_r2star_model", "log10_dw_tau_d", "log10_r2_mar",
             "log10_r2star_sdr", "log10_k1_bulk", "curie_temperature"]
    return out, names, failed


def compute_features(table: DesignTable, feature_set: str = "hybrid") -> FeatureMatrix:
    """Feature matrix of ``table`` for ``feature_set`` ("baseline": plain descriptors; "hybrid": + physics).

    Physics features that a FerroKit model cannot compute for a row (input outside its domain) are NaN
    (the gradient-boosting model handles missing values); their count is in ``notes``.

    Examples
    --------
    >>> from ferrokit.design.datasets import load_dimag
    >>> t = load_dimag("sar").subset(range(5))
    >>> fm = compute_features(t, "hybrid")
    >>> fm.values.shape[0], "log10_slp_lrt" in fm.names
    (5, True)
    """
    check_choice("feature_set", feature_set, FEATURE_SETS)
    check_choice("target", table.target, TARGETS)
    if len(table) == 0:
        raise FerroKitInputError("the table has no valid rows to compute features for")
    plain, names = _plain(table)
    notes: list[str] = []
    if feature_set == "baseline":
        return FeatureMatrix(plain, tuple(names), feature_set)
    _, _, bulk = _composition_block(table.text["composition"])
    with warnings.catch_warnings():  # the rare-earth substitution warning is per formula, not per row
        warnings.simplefilter("ignore", UserWarning)
        if table.target == "sar":
            phys, pnames, failed = _physics_sar(table, bulk)
        else:
            phys, pnames, failed = _physics_relaxivity(table, bulk)
    if failed:
        notes.append(f"physics features not computable for {failed} of {len(table)} rows (left missing)")
    return FeatureMatrix(np.column_stack([plain, phys]), tuple(names + pnames), feature_set, tuple(notes))
