"""Parameters of the whole-body nanoparticle PBPK model (mouse and human sets shipped as package data).

The tables ``_data/mouse_pbpk.csv`` and ``_data/human_pbpk.csv`` hold one row per (organ, quantity) in lab
units with its source and status (see ``_data/SOURCES.md``); they are converted to SI here, once.

Structure (Lin, Monteiro-Riviere & Riviere, Nanotoxicology 2016 10:162, doi:10.3109/17435390.2015.1027314
[seen-abstract]; tumour compartment as in Cheng et al., ACS Nano 2020 14:3075, doi:10.1021/acsnano.9b08142
[seen-abstract]; parameter values read in the CC0 code UFPBPK/Nano-AI-PBPK-G2 ``PBPK/NanoPBPK.R`` [seen-code]):
plasma (arterial + venous) and eight organs, each with capillary blood, tissue and phagocyte (RES)
sub-compartments.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range

ORGANS: tuple[str, ...] = ("lung", "brain", "kidney", "liver", "spleen", "muscle", "rest", "tumour")
"""Organ order used everywhere in :mod:`ferrokit.pk` (the lung receives the whole cardiac output)."""

SYSTEMIC: tuple[str, ...] = tuple(o for o in ORGANS if o not in ("lung", "rest"))
"""Organs with their own blood-flow fraction (the rest of body takes the remainder)."""

_HOUR = 3600.0
_L = 1e-3  # m³ per litre
_RHO = 1000.0  # kg/m³: tissue density assumed 1 kg/L, as in the source model (volume fraction = mass fraction)

# lab unit in the CSV -> factor to SI (body weight in kg, so L/h/kg^0.75 -> m³/s/kg^0.75)
_UNIT_FACTORS = {"1": 1.0, "": 1.0, "kg": 1.0, "h": _HOUR, "1/h": 1.0 / _HOUR, "L/h/kg^0.75": _L / _HOUR}


@dataclass(frozen=True)
class OrganParameters:
    """One organ: volume, blood flow, membrane permeability and phagocytic (RES) uptake.

    Attributes
    ----------
    name : str
    volume_fraction : float — organ mass / body weight [1] (ignored for ``rest``, which takes the remainder)
    blood_flow_fraction : float — organ blood flow / cardiac output [1] (lung: 1; rest: the remainder)
    capillary_blood_fraction : float — capillary blood volume / organ volume [1]
    partition_coefficient : float — tissue:blood partition coefficient P [1]
    permeability_coefficient : float — PA_C with PA = PA_C·Q [1]
    uptake_max : float — maximum phagocytic uptake rate constant K_max [1/s]
    uptake_t50 : float — time to half-maximum uptake rate K_50 [s]
    uptake_hill : float — Hill coefficient n [1]
    release_rate : float — phagocyte release rate constant [1/s]
    uptake_from : str — ``"tissue"`` or ``"blood"`` (liver Kupffer cells take up from sinusoidal blood)
    uptake_capacity : float — phagocytic capacity [kg per kg organ]; ``inf`` = not capacity limited
    """

    name: str
    volume_fraction: float
    blood_flow_fraction: float
    capillary_blood_fraction: float
    partition_coefficient: float
    permeability_coefficient: float
    uptake_max: float
    uptake_t50: float
    uptake_hill: float
    release_rate: float
    uptake_from: str = "tissue"
    uptake_capacity: float = math.inf

    def uptake_rate(self, t: float) -> float:
        """Hill-type time-dependent uptake rate constant K(t) = K_max tⁿ/(K_50ⁿ + tⁿ) [1/s] at time t [s]."""
        if self.uptake_max == 0.0 or t <= 0.0:
            return 0.0
        x = (t / self.uptake_t50) ** self.uptake_hill if self.uptake_t50 > 0 else math.inf
        return self.uptake_max * (1.0 if math.isinf(x) else x / (1.0 + x))


@dataclass(frozen=True)
class TumourTargeting:
    r"""Ligand–receptor binding in the tumour tissue (active targeting), on top of passive EPR.

    Free particles in the tumour interstitium (concentration :math:`C_f` [kg/m³]) bind receptors of density
    :math:`R` [mol/m³] with second-order rate constant :math:`k_{on}` [m³ mol⁻¹ s⁻¹] and unbind with
    :math:`k_{off}` [1/s]; the bound amount :math:`B` [kg] obeys

    .. math:: \frac{dB}{dt} = k_{on}\,C_f\,\Big(R - \frac{B}{V_t M}\Big) V_t - k_{off} B

    with :math:`V_t` the tumour tissue volume and :math:`M = m_p N_A` the dosed mass per mole of particles
    (``particle_mass`` m_p per particle, one receptor per particle). Typical antibody/peptide values: k_on
    10⁴–10⁶ M⁻¹ s⁻¹ (= 10–10³ m³ mol⁻¹ s⁻¹), k_off 10⁻⁵–10⁻² s⁻¹, R 10⁻⁴–10⁻² mol/m³ (0.1–10 µM); these are
    illustrative ranges for the user to replace, not fitted values.
    """

    kon: float
    koff: float
    receptor_density: float
    particle_mass: float

    def __post_init__(self) -> None:
        check_positive("kon", self.kon, unit="m³/(mol s)")
        check_nonnegative("koff", self.koff, unit="1/s")
        check_positive("receptor_density", self.receptor_density, unit="mol/m³")
        check_range("particle_mass", self.particle_mass, 1e-30, 1e-9, unit="kg", low_inclusive=False)

    def to_dict(self) -> dict[str, Any]:
        return {"kon": {"value": self.kon, "unit": "m3/(mol s)"}, "koff": {"value": self.koff, "unit": "1/s"},
                "receptor_density": {"value": self.receptor_density, "unit": "mol/m3"},
                "particle_mass": {"value": self.particle_mass, "unit": "kg"}}


@dataclass(frozen=True)
class PBPKParameters:
    """A complete parameter set of the membrane-limited nanoparticle PBPK model (SI units).

    Build with :func:`mouse_parameters` or :func:`human_parameters` and change with :meth:`with_organ`,
    :meth:`replace` or :meth:`with_targeting`.

    Attributes
    ----------
    species : str
    body_weight : float — [kg]
    cardiac_output_coefficient : float — Q_C = coeff·BW^0.75 [m³ s⁻¹ kg⁻⁰·⁷⁵]
    plasma_volume_fraction, blood_volume_fraction : float — [L/kg = 1 at 1 kg/L]
    arterial_plasma_fraction : float — share of plasma in the arterial pool [1]
    biliary_clearance_coefficient, urinary_clearance_coefficient : float — CL = coeff·BW^0.75 [m³ s⁻¹ kg⁻⁰·⁷⁵]
    organs : tuple of OrganParameters — in :data:`ORGANS` order
    targeting : TumourTargeting or None — active targeting in the tumour (None: passive EPR only)
    sources : mapping "organ.quantity" -> (source, status)
    """

    species: str
    body_weight: float
    cardiac_output_coefficient: float
    plasma_volume_fraction: float
    blood_volume_fraction: float
    arterial_plasma_fraction: float
    biliary_clearance_coefficient: float
    urinary_clearance_coefficient: float
    organs: tuple[OrganParameters, ...]
    targeting: TumourTargeting | None = None
    sources: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)

    def __post_init__(self) -> None:
        if tuple(o.name for o in self.organs) != ORGANS:
            raise FerroKitInputError(f"organs must be {', '.join(ORGANS)} in this order")
        check_range("body_weight", self.body_weight, 1e-3, 500.0, unit="kg")
        check_positive("cardiac_output_coefficient", self.cardiac_output_coefficient)
        check_range("plasma_volume_fraction", self.plasma_volume_fraction, 0.0, 0.2, low_inclusive=False)
        check_range("arterial_plasma_fraction", self.arterial_plasma_fraction, 0.0, 1.0,
                    low_inclusive=False, high_inclusive=False)
        check_nonnegative("biliary_clearance_coefficient", self.biliary_clearance_coefficient)
        check_nonnegative("urinary_clearance_coefficient", self.urinary_clearance_coefficient)
        for o in self.organs:
            n = o.name
            check_range(f"{n}.capillary_blood_fraction", o.capillary_blood_fraction, 0.0, 1.0,
                        low_inclusive=False, high_inclusive=False)
            check_positive(f"{n}.partition_coefficient", o.partition_coefficient)
            check_nonnegative(f"{n}.permeability_coefficient", o.permeability_coefficient)
            check_nonnegative(f"{n}.uptake_max", o.uptake_max, unit="1/s")
            check_nonnegative(f"{n}.uptake_t50", o.uptake_t50, unit="s")
            check_range(f"{n}.uptake_hill", o.uptake_hill, 0.0, 20.0)
            check_nonnegative(f"{n}.release_rate", o.release_rate, unit="1/s")
            if o.uptake_from not in ("tissue", "blood"):
                raise FerroKitInputError(f"{n}.uptake_from must be 'tissue' or 'blood', got {o.uptake_from!r}")
            if not (o.uptake_capacity > 0):
                raise FerroKitInputError(f"{n}.uptake_capacity must be > 0 kg/kg (inf: unlimited)")
            if n != "rest":
                check_range(f"{n}.volume_fraction", o.volume_fraction, 0.0, 1.0, low_inclusive=False)
            if n in SYSTEMIC:
                check_range(f"{n}.blood_flow_fraction", o.blood_flow_fraction, 0.0, 1.0, low_inclusive=False)
        if self.rest_volume_fraction <= 0:
            raise FerroKitInputError(f"organ volume fractions plus plasma add up to more than the body weight "
                                     f"(rest of body = {self.rest_volume_fraction:g})")
        if self.rest_flow_fraction <= 0:
            raise FerroKitInputError(f"organ blood-flow fractions add up to more than the cardiac output "
                                     f"(rest of body = {self.rest_flow_fraction:g})")

    # ---- derived physiology -------------------------------------------------------------------------------
    def organ(self, name: str) -> OrganParameters:
        """The parameters of organ ``name`` (one of :data:`ORGANS`)."""
        for o in self.organs:
            if o.name == name:
                return o
        raise FerroKitInputError(f"organ must be one of {', '.join(ORGANS)}; got {name!r}")

    @property
    def rest_volume_fraction(self) -> float:
        """Rest of body = 1 − Σ organ fractions − plasma fraction (as in the source model)."""
        return 1.0 - sum(o.volume_fraction for o in self.organs if o.name != "rest") - self.plasma_volume_fraction

    @property
    def rest_flow_fraction(self) -> float:
        """Rest of body blood flow = 1 − Σ systemic organ flow fractions."""
        return 1.0 - sum(self.organ(n).blood_flow_fraction for n in SYSTEMIC)

    @property
    def cardiac_output(self) -> float:
        """Q_C = coeff · BW^0.75 [m³/s]."""
        return self.cardiac_output_coefficient * self.body_weight**0.75

    def organ_volume(self, name: str) -> float:
        """Organ volume [m³] (density 1 kg/L: equal to its mass in kg × 10⁻³)."""
        frac = self.rest_volume_fraction if name == "rest" else self.organ(name).volume_fraction
        return frac * self.body_weight / _RHO

    def organ_mass(self, name: str) -> float:
        """Organ mass [kg]."""
        return self.organ_volume(name) * _RHO

    def organ_flow(self, name: str) -> float:
        """Organ blood flow [m³/s]: lung = cardiac output, rest = remainder."""
        if name == "lung":
            return self.cardiac_output
        frac = self.rest_flow_fraction if name == "rest" else self.organ(name).blood_flow_fraction
        return frac * self.cardiac_output

    @property
    def plasma_volume(self) -> float:
        """Plasma volume [m³]."""
        return self.plasma_volume_fraction * self.body_weight / _RHO

    # ---- modification -------------------------------------------------------------------------------------
    def with_organ(self, name: str, **changes: float | str) -> PBPKParameters:
        """A copy with the named fields of organ ``name`` replaced (SI units)."""
        old = self.organ(name)
        allowed = {f.name for f in dataclasses.fields(OrganParameters)} - {"name"}
        bad = set(changes) - allowed
        if bad:
            raise FerroKitInputError(f"unknown organ parameter(s) {', '.join(sorted(bad))}; "
                                     f"allowed: {', '.join(sorted(allowed))}")
        new = dataclasses.replace(old, **changes)
        return dataclasses.replace(self, organs=tuple(new if o.name == name else o for o in self.organs))

    def replace(self, **changes: Any) -> PBPKParameters:
        """A copy with whole-body fields replaced (``body_weight``, ``targeting``, …)."""
        return dataclasses.replace(self, **changes)

    def with_targeting(self, targeting: TumourTargeting | None) -> PBPKParameters:
        """A copy with active tumour targeting (or None for passive EPR only)."""
        return dataclasses.replace(self, targeting=targeting)

    def to_dict(self) -> dict[str, Any]:
        """SI values with unit names."""
        organs = {}
        for o in self.organs:
            organs[o.name] = {
                "volume": {"value": self.organ_volume(o.name), "unit": "m3"},
                "blood_flow": {"value": self.organ_flow(o.name), "unit": "m3/s"},
                "capillary_blood_fraction": o.capillary_blood_fraction,
                "partition_coefficient": o.partition_coefficient,
                "permeability_coefficient": o.permeability_coefficient,
                "uptake_max": {"value": o.uptake_max, "unit": "1/s"},
                "uptake_t50": {"value": o.uptake_t50, "unit": "s"},
                "uptake_hill": o.uptake_hill,
                "release_rate": {"value": o.release_rate, "unit": "1/s"},
                "uptake_from": o.uptake_from,
                "uptake_capacity": {"value": o.uptake_capacity if math.isfinite(o.uptake_capacity) else None,
                                    "unit": "kg/kg"},
            }
        return {
            "species": self.species,
            "body_weight": {"value": self.body_weight, "unit": "kg"},
            "cardiac_output": {"value": self.cardiac_output, "unit": "m3/s"},
            "plasma_volume": {"value": self.plasma_volume, "unit": "m3"},
            "organs": organs,
            "targeting": None if self.targeting is None else self.targeting.to_dict(),
            "sources": {k: {"source": s, "status": st} for k, (s, st) in self.sources.items()},
        }


_ORGAN_FIELDS = ("volume_fraction", "blood_flow_fraction", "capillary_blood_fraction", "partition_coefficient",
                 "permeability_coefficient", "uptake_max", "uptake_t50", "uptake_hill", "release_rate",
                 "uptake_from", "uptake_capacity")
_BODY_FIELDS = ("body_weight", "cardiac_output_coefficient", "plasma_volume_fraction", "blood_volume_fraction",
                "arterial_plasma_fraction", "biliary_clearance_coefficient", "urinary_clearance_coefficient")


def parameters_from_table(text: str, *, species: str) -> PBPKParameters:
    """Build :class:`PBPKParameters` from CSV text with columns organ, quantity, value, unit, source, status.

    Values are in the units named in the ``unit`` column (1, kg, h, 1/h, L/h/kg^0.75) and converted to SI.
    """
    rows = list(csv.DictReader(io.StringIO(text)))
    need = {"organ", "quantity", "value", "unit", "source", "status"}
    if not rows or not need <= set(rows[0]):
        raise FerroKitInputError(f"PBPK parameter table needs the columns {', '.join(sorted(need))}")
    body: dict[str, float] = {}
    organs: dict[str, dict[str, Any]] = {o: {} for o in ORGANS}
    sources: dict[str, tuple[str, str]] = {}
    for i, r in enumerate(rows, start=2):
        organ, qty, unit = r["organ"].strip(), r["quantity"].strip(), r["unit"].strip()
        sources[f"{organ}.{qty}"] = (r["source"].strip(), r["status"].strip())
        if qty == "uptake_from":
            organs[organ][qty] = r["value"].strip()
            continue
        if unit not in _UNIT_FACTORS:
            raise FerroKitInputError(f"line {i}: unknown unit {unit!r}; allowed: {', '.join(_UNIT_FACTORS)}")
        try:
            value = float(r["value"]) * _UNIT_FACTORS[unit]
        except ValueError:
            raise FerroKitInputError(f"line {i}: value {r['value']!r} is not a number") from None
        if organ == "body":
            if qty not in _BODY_FIELDS:
                raise FerroKitInputError(f"line {i}: unknown body quantity {qty!r}")
            body[qty] = value
        elif organ in organs and qty in _ORGAN_FIELDS:
            organs[organ][qty] = value
        else:
            raise FerroKitInputError(f"line {i}: unknown organ/quantity {organ!r}/{qty!r}")
    missing = [q for q in _BODY_FIELDS if q not in body]
    if missing:
        raise FerroKitInputError(f"PBPK parameter table lacks body quantities: {', '.join(missing)}")
    built = []
    for name in ORGANS:
        d = organs[name]
        d.setdefault("volume_fraction", 0.0 if name == "rest" else math.nan)
        d.setdefault("blood_flow_fraction", 1.0 if name == "lung" else 0.0 if name == "rest" else math.nan)
        lacking = [f for f in _ORGAN_FIELDS if f not in d and f not in ("uptake_capacity", "uptake_from")]
        if lacking or any(isinstance(v, float) and math.isnan(v) for v in d.values()):
            raise FerroKitInputError(f"PBPK parameter table lacks {name} quantities: {', '.join(lacking) or 'values'}")
        built.append(OrganParameters(name=name, **d))
    return PBPKParameters(species=species, organs=tuple(built), sources=MappingProxyType(sources), **body)


@cache
def _table(name: str) -> str:
    return resources.files("ferrokit.pk").joinpath(f"_data/{name}").read_text("utf-8")


def mouse_parameters() -> PBPKParameters:
    """The mouse parameter set (20 g mouse; Lin-lab nanoparticle PBPK values, tumour as in Cheng et al. 2020).

    Every value with its source and status is in ``result.sources`` and ``_data/mouse_pbpk.csv``.

    >>> p = mouse_parameters()
    >>> round(p.cardiac_output * 3600e3, 3)  # L/h: 16.5 × 0.02^0.75
    0.878
    >>> p.organ("liver").uptake_from
    'blood'
    """
    return parameters_from_table(_table("mouse_pbpk.csv"), species="mouse")


_ALLOMETRIC_SOURCE = ("{old} scaled allometrically from the {ref:g} kg reference by (BW/BW_ref)^{exp:+g} "
                      "(physiological-time scaling of rate constants, Dedrick 1973 / Boxenbaum 1982 [unverified "
                      "citation]; not validated for nanoparticles)")


def scale_rates_allometrically(params: PBPKParameters, reference_body_weight: float) -> PBPKParameters:
    r"""Scale the phagocytic rate constants of ``params`` from a species of ``reference_body_weight`` [kg].

    Uptake and release rates :math:`\propto BW^{-1/4}`, uptake half-time :math:`\propto BW^{1/4}`
    ("physiological time", with which cardiac output ∝ BW^0.75 and volumes ∝ BW are already consistent);
    partition and PA_C are dimensionless and the clearances already scale as BW^0.75. Consequence (tested): a
    parameter set whose volume and flow fractions are those of the reference gives the same %ID curves on the
    time axis stretched by :math:`(BW/BW_{ref})^{1/4}`. Status of the scaled values: ``assumed``.

    >>> p = scale_rates_allometrically(mouse_parameters().replace(body_weight=70.0), 0.02)
    >>> round(p.organ("liver").uptake_max * 3600, 4)   # 0.3 /h × (3500)^-0.25
    0.039
    """
    ref = check_range("reference_body_weight", reference_body_weight, 1e-3, 500.0, unit="kg")
    f = (params.body_weight / ref) ** 0.25
    organs = tuple(dataclasses.replace(o, uptake_max=o.uptake_max / f, release_rate=o.release_rate / f,
                                       uptake_t50=o.uptake_t50 * f) for o in params.organs)
    src = dict(params.sources)
    for o in params.organs:
        for q, e in (("uptake_max", -0.25), ("release_rate", -0.25), ("uptake_t50", 0.25)):
            old = src.get(f"{o.name}.{q}", ("", ""))[0]
            src[f"{o.name}.{q}"] = (_ALLOMETRIC_SOURCE.format(old=old or "value", ref=ref, exp=e), "assumed")
    return dataclasses.replace(params, organs=organs, sources=MappingProxyType(src))


def human_parameters(rate_scaling: str = "none") -> PBPKParameters:
    """The human parameter set: reference 70 kg physiology; nanoparticle-specific values from the mouse.

    The nanoparticle-specific values (permeability, partition, phagocytic kinetics, clearances) are marked
    ``unverified``: no human calibration of this model exists. Use it for scenario exploration, not prediction.
    ``rate_scaling="allometric"`` scales the phagocytic uptake/release rates and half-times from the 20 g mouse
    by (70/0.02)^∓1/4 (:func:`scale_rates_allometrically`; a factor 7.7 slower); ``"none"`` (default) reuses
    the mouse values unchanged, as in earlier versions.
    """
    if rate_scaling not in ("none", "allometric"):
        raise FerroKitInputError(f"rate_scaling must be 'none' or 'allometric', got {rate_scaling!r}")
    p = parameters_from_table(_table("human_pbpk.csv"), species="human")
    if rate_scaling == "allometric":
        p = scale_rates_allometrically(p, mouse_parameters().body_weight)
    return p


def species_parameters(species: str) -> PBPKParameters:
    """``mouse_parameters()`` or ``human_parameters()`` by name."""
    if species == "mouse":
        return mouse_parameters()
    if species == "human":
        return human_parameters()
    raise FerroKitInputError(f"species must be one of mouse, human; got {species!r}")
