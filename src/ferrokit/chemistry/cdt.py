"""Chemodynamic therapy (CDT): Fenton/Haber–Weiss chemistry with iron-oxide particles, GOx, GSH, ferroptosis.

:func:`simulate_cdt` runs the shipped network (or the user's) for one set of tumour conditions and returns
the concentrations of every species, the ·OH production rate and cumulative ·OH dose, and a ferroptosis
index. What enters, and how sure we are of it, is in ``_data/SOURCES.md`` and docs/chemistry.md.

Model choices (documented, each can be changed by the caller):

* **Fe(III) speciation.** The homogeneous Fe(III) route (hydrolysis H1–H3, hydroperoxo complexes E1/E2 and
  their decay R1/R2; De Laat & Gallard, ES&T 1999 33:2726) holds below pH ≈ 3–4. With ``network=None`` it
  is included for pH ≤ 4 only; above, Fe(III) precipitates/adsorbs, ``Fe3+`` stands for all dissolved
  Fe(III), and the particle surface (Lin & Gurol, ES&T 1998 32:1417) carries H2O2 decomposition.
* **Surface reactions** scale with the particle surface area per volume
  (:func:`surface_area_concentration`); with dissolution on, that area shrinks as :math:`(x/x_0)^{2/3}`.
* **Dissolution** (optional, off by default: no general rate exists; iron oxides dissolve over hours to days
  only at lysosomal pH 4.5–5): first-order release :math:`k_d [\\mathrm{Fe(s)}]`, a fraction
  :math:`f_2` (default: the Fe²⁺ fraction of the composition, 1/3 for Fe3O4) as Fe²⁺, the rest as Fe³⁺.
* **Fe³⁺ + GSH → Fe²⁺ + GS·**: no rate constant was found (source table row G3); it is an input
  (``fe3_gsh_rate``, default 0 = off).
* **Ferroptosis index** (phenomenological): lipid hydroperoxide LOOH from ·OH initiation (F1) and Fe²⁺-driven
  autocatalytic propagation (F2) against GPX4 repair using GSH (F3); index = [LOOH]/threshold. Every
  parameter is an assumed default (``lipid``, ``gpx4``, ``ferroptosis_threshold`` and the F-rows).
* The cell is a closed, well-mixed volume (no GSH resynthesis, no SOD/catalase enzymes, no O2 supply unless
  ``oxygen_supply_rate`` > 0: then :math:`d[O_2]/dt \\mathrel{+}= k_{O_2}([O_2]_0 - [O_2])`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_nonnegative, check_positive, check_range
from ferrokit.chemistry.network import DEFAULT_SETS, Reaction, ReactionNetwork, load_network
from ferrokit.chemistry.system import HYDROXYL, assemble
from ferrokit.constants import BODY_TEMPERATURE
from ferrokit.materials.conversions import oxide_volume_fraction
from ferrokit.materials.particle import Particle

__all__ = [
    "DEFAULT_FERROPTOSIS_THRESHOLD",
    "DEFAULT_GPX4",
    "DEFAULT_LIPID",
    "GOX_MOLAR_MASS",
    "CDTResult",
    "gox_molar_concentration",
    "simulate_cdt",
    "surface_area_concentration",
    "surface_to_volume_ratio",
]

#: Molar mass of glucose oxidase (A. niger homodimer) [kg/mol]: 160 kDa (purification paper, abstract via
#: scilit.net; 150–180 kDa in reviews). Used to turn µg/mL into mol/m³.
GOX_MOLAR_MASS = 160.0
#: Oxidisable lipid pool [mol/m³] (assumed: 1 mM polyunsaturated lipid equivalents).
DEFAULT_LIPID = 1.0
#: GPX4 concentration [mol/m³] (assumed: 1 µM).
DEFAULT_GPX4 = 1e-3
#: LOOH level taken as the ferroptosis threshold [mol/m³] (assumed: 10 µM, 1 % of the lipid pool).
DEFAULT_FERROPTOSIS_THRESHOLD = 1e-2
#: pH above which the homogeneous Fe(III) set is left out of the default network.
HOMOGENEOUS_FE3_MAX_PH = 4.0

_SHAPE_SV = {"sphere": 6.0, "cube": 6.0, "octahedron": 3.0 * math.sqrt(6.0)}


def gox_molar_concentration(mass_concentration: float) -> float:
    """GOx molar concentration [mol/m³] from a mass concentration [kg/m³ = mg/mL] (160 kDa).

    >>> round(gox_molar_concentration(10e-3) * 1e6, 2)   # 10 µg/mL → 62.5 nM = 6.25e-5 mol/m³
    62.5
    """
    return check_nonnegative("gox mass concentration", mass_concentration, unit="kg/m3") / GOX_MOLAR_MASS


def surface_to_volume_ratio(particle: Particle) -> float:
    """Mean surface per volume of the cores [m⁻¹] for the lognormal number distribution.

    .. math:: S/V = \\frac{s\\,\\langle d^2\\rangle}{\\langle d^3\\rangle} = \\frac{s}{d_0} e^{-5σ^2/2}

    with :math:`s` = 6 for spheres (d = diameter) and cubes (d = edge), :math:`3\\sqrt6` for regular octahedra
    (d = edge), and :math:`\\langle d^n\\rangle = d_0^n e^{n^2σ^2/2}`. For clusters the core surfaces are counted
    (an upper bound for dense aggregates); coatings are taken as permeable to H2O2.

    >>> p = Particle(composition="Fe3O4", core_diameter=10e-9)
    >>> f"{surface_to_volume_ratio(p):.3g}"
    '6e+08'
    """
    return _SHAPE_SV[particle.shape] / particle.core_diameter * math.exp(-2.5 * particle.core_sigma**2)


def surface_area_concentration(particle: Particle, iron_concentration: float) -> float:
    """Particle surface area per volume of medium [m² m⁻³] at an Fe concentration [mol/m³ = mM].

    :math:`a = φ\\,S/V` with :math:`φ` from :func:`ferrokit.materials.oxide_volume_fraction` and :math:`S/V`
    from :func:`surface_to_volume_ratio`.

    >>> p = Particle(composition="Fe3O4", core_diameter=10e-9)
    >>> round(surface_area_concentration(p, 0.5))   # 0.5 mM Fe as 10 nm magnetite: ~4.5 m² per litre
    4455
    """
    if not isinstance(particle, Particle):
        raise FerroKitInputError(f"particle must be a ferrokit.materials.Particle, got {type(particle).__name__}")
    c = check_range("iron_concentration", iron_concentration, 0.0, 1e4, unit="mol/m3")
    return float(oxide_volume_fraction(c, particle.composition_info)) * surface_to_volume_ratio(particle)


@dataclass(frozen=True)
class CDTResult:
    """Result of :func:`simulate_cdt` (SI: s, mol/m³, mol m⁻³ s⁻¹, K).

    Attributes
    ----------
    times : ndarray
        Output times [s].
    concentrations : Mapping[str, ndarray]
        Every dynamic species and catalyst [mol/m³] at ``times``.
    fixed_production : Mapping[str, ndarray]
        Net amount of each buffered/solvent species produced (H⁺, OH⁻, H2O) [mol/m³].
    hydroxyl_production_rate : ndarray
        Gross ·OH production rate [mol m⁻³ s⁻¹].
    cumulative_hydroxyl : ndarray
        Cumulative gross ·OH produced [mol/m³] (the ROS dose).
    ferroptosis_index : ndarray or None
        [LOOH]/threshold (≥ 1: ferroptosis likely; phenomenological) or None without the ferroptosis set.
    conditions : Mapping[str, Any]
        Temperature, pH, surface area, iron, enzyme and model inputs, in SI.
    rate_constants : Mapping[str, float]
        k of every reaction at the run temperature (SI).
    notes : tuple of str
    """

    times: np.ndarray
    concentrations: Mapping[str, np.ndarray]
    fixed_production: Mapping[str, np.ndarray]
    hydroxyl_production_rate: np.ndarray
    cumulative_hydroxyl: np.ndarray
    ferroptosis_index: np.ndarray | None
    conditions: Mapping[str, Any]
    rate_constants: Mapping[str, float]
    reaction_sets: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_hydroxyl(self) -> float:
        """Cumulative ·OH at the end [mol/m³]."""
        return float(self.cumulative_hydroxyl[-1])

    @property
    def ferroptosis_onset(self) -> float | None:
        """First output time [s] with a ferroptosis index ≥ 1, or None."""
        if self.ferroptosis_index is None:
            return None
        hit = np.nonzero(self.ferroptosis_index >= 1.0)[0]
        return float(self.times[hit[0]]) if hit.size else None

    def final(self, species: str) -> float:
        """Concentration of ``species`` at the end [mol/m³]."""
        if species not in self.concentrations:
            raise FerroKitInputError(f"no species {species!r}; have {', '.join(self.concentrations)}")
        return float(self.concentrations[species][-1])

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dict with SI values and their units."""
        conc = "mol/m3"
        out: dict[str, Any] = {
            "model": "ferrokit.chemistry CDT reaction network",
            "conditions": {k: ({"value": v[0], "unit": v[1]} if isinstance(v, tuple) else v)
                           for k, v in self.conditions.items()},
            "reaction_sets": list(self.reaction_sets),
            "summary": {
                "total_hydroxyl": {"value": self.total_hydroxyl, "unit": conc},
                "peak_hydroxyl_production_rate": {"value": float(np.max(self.hydroxyl_production_rate)),
                                                  "unit": "mol/(m3 s)"},
                "final": {name: {"value": float(v[-1]), "unit": conc} for name, v in self.concentrations.items()},
                "net_proton_production": {"value": float(self.fixed_production["H+"][-1]), "unit": conc}
                if "H+" in self.fixed_production else None,
                "ferroptosis_index_final": None if self.ferroptosis_index is None
                else float(self.ferroptosis_index[-1]),
                "ferroptosis_onset": {"value": self.ferroptosis_onset, "unit": "s"},
            },
            "times": {"value": self.times.tolist(), "unit": "s"},
            "concentrations": {"unit": conc, **{k: v.tolist() for k, v in self.concentrations.items()}},
            "fixed_production": {"unit": conc, **{k: v.tolist() for k, v in self.fixed_production.items()}},
            "hydroxyl_production_rate": {"value": self.hydroxyl_production_rate.tolist(), "unit": "mol/(m3 s)"},
            "cumulative_hydroxyl": {"value": self.cumulative_hydroxyl.tolist(), "unit": conc},
            "ferroptosis_index": None if self.ferroptosis_index is None
            else {"value": self.ferroptosis_index.tolist(), "unit": "1"},
            "rate_constants_SI": dict(self.rate_constants),
            "notes": list(self.notes),
        }
        return out

    def plot(self, species: tuple[str, ...] | None = None, ax=None):
        """Concentrations (log scale, mM) and cumulative ·OH against time; returns the figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
        else:
            fig, ax2 = ax.figure, None
        names = species or tuple(n for n in ("H2O2", "Fe2+", "Fe3+", "GSH", "glucose", "O2", "LOOH")
                                 if n in self.concentrations)
        t = self.times / 60.0
        for n in names:
            v = np.clip(self.concentrations[n], 1e-12, None)
            ax.semilogy(t, v, label=n)
        ax.set_xlabel("time (min)")
        ax.set_ylabel("concentration (mM)")
        ax.legend(fontsize=8)
        ax.set_title(f"CDT at pH {self.conditions['ph']:g}, "
                     f"{self.conditions['temperature'][0] - 273.15:.3g} °C")
        if ax2 is not None:
            ax2.plot(t, self.cumulative_hydroxyl * 1e3, color="C3", label="cumulative ·OH")
            ax2.set_xlabel("time (min)")
            ax2.set_ylabel("cumulative ·OH (µM)")
            if self.ferroptosis_index is not None:
                ax3 = ax2.twinx()
                ax3.plot(t, self.ferroptosis_index, color="C4", ls="--", label="ferroptosis index")
                ax3.set_ylabel("ferroptosis index [LOOH]/threshold")
            ax2.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        return fig


def _default_network(ph: float, include) -> tuple[ReactionNetwork, list[str]]:
    notes = []
    if include is None:
        sets = list(DEFAULT_SETS)
        if ph > HOMOGENEOUS_FE3_MAX_PH:
            sets.remove("fe3_homogeneous")
            notes.append(f"pH {ph:g} > {HOMOGENEOUS_FE3_MAX_PH:g}: homogeneous Fe(III) hydrolysis/complex set "
                         "left out (valid pH 1-3.5); Fe3+ stands for all dissolved Fe(III)")
        include = sets
    return load_network(include=include), notes


def simulate_cdt(
    *,
    particle: Particle | None = None,
    iron_concentration: float,
    ph: float = 6.5,
    temperature: float = BODY_TEMPERATURE,
    initial: Mapping[str, float] | None = None,
    duration: float,
    network: ReactionNetwork | None = None,
    include: list[str] | None = None,
    gox: float = 0.0,
    fe3_gsh_rate: float = 0.0,
    dissolution_rate: float = 0.0,
    dissolution_fe2_fraction: float | None = None,
    dissolved_iron: str = "Fe2+",
    lipid: float = DEFAULT_LIPID,
    gpx4: float = DEFAULT_GPX4,
    ferroptosis_threshold: float = DEFAULT_FERROPTOSIS_THRESHOLD,
    oxygen_supply_rate: float = 0.0,
    rate_overrides: Mapping[str, float] | None = None,
    n_times: int = 201,
    method: str = "Radau",
    rtol: float = 1e-7,
    atol: float = 1e-14,
) -> CDTResult:
    """Simulate CDT chemistry in a closed, well-mixed volume.

    Parameters
    ----------
    particle : Particle, optional
        The iron-oxide particle: its surface area per volume drives the surface reactions. Without a
        particle, ``iron_concentration`` is dissolved iron (species ``dissolved_iron``: homogeneous Fenton).
    iron_concentration : float
        Fe concentration [mol/m³ = mM], 0 – 10⁴.
    ph : float
        Buffered pH (H⁺ held at 10⁻ᵖᴴ M), 1 – 9.
    temperature : float
        [K], 273.15 – 373.15 (Arrhenius factors from each reaction's E_a; no E_a: held at the reference value).
    initial : mapping
        Initial concentrations [mol/m³] by species name (``H2O2``, ``GSH``, ``glucose``, ``O2``, ``Fe2+`` …).
    duration : float
        [s], > 0.
    network : ReactionNetwork, optional
        Default: the shipped network with the sets suited to ``ph`` (see module notes), or ``include``.
    gox : float
        Glucose oxidase [mol/m³] (see :func:`gox_molar_concentration`).
    fe3_gsh_rate : float
        Rate constant of Fe³⁺ + GSH → Fe²⁺ + GS· + H⁺ [m³ mol⁻¹ s⁻¹] (no literature value; 0 = off).
    dissolution_rate : float
        First-order particle dissolution rate [s⁻¹] (0 = off); needs a particle.
    dissolution_fe2_fraction : float, optional
        Fraction released as Fe²⁺ (default: Fe²⁺/Fe of the composition).
    lipid, gpx4, ferroptosis_threshold : float
        Lipid pool, GPX4 concentration and LOOH threshold [mol/m³] (assumed defaults).
    oxygen_supply_rate : float
        Relaxation rate of O2 back to its initial value [s⁻¹] (0 = closed system).
    rate_overrides : mapping, optional
        Reaction id → k at its reference temperature, SI.
    n_times : int
        Number of output times (evenly spaced).
    method, rtol, atol
        Stiff solver (Radau, BDF, LSODA) and tolerances (atol in mol/m³).

    Returns
    -------
    CDTResult

    Examples
    --------
    >>> res = simulate_cdt(iron_concentration=0.1, ph=3.0, temperature=298.15, initial={"H2O2": 1.0},
    ...                    duration=60.0, include=["fenton"], n_times=3)
    >>> res.final("Fe2+") < 0.1
    True
    """
    iron = check_range("iron_concentration", iron_concentration, 0.0, 1e4, unit="mol/m3")
    ph = check_range("ph", ph, 1.0, 9.0)
    temperature = check_range("temperature", temperature, 273.15, 373.15, unit="K")
    duration = check_range("duration", duration, 0.0, 1e7, unit="s", low_inclusive=False)
    for name, value in (("gox", gox), ("fe3_gsh_rate", fe3_gsh_rate), ("dissolution_rate", dissolution_rate),
                        ("lipid", lipid), ("gpx4", gpx4), ("oxygen_supply_rate", oxygen_supply_rate)):
        check_nonnegative(name, value)
    check_positive("ferroptosis_threshold", ferroptosis_threshold, unit="mol/m3")
    if not isinstance(n_times, int) or not 2 <= n_times <= 100_000:
        raise FerroKitInputError(f"n_times must be an integer in [2, 100000], got {n_times!r}")
    if dissolved_iron not in ("Fe2+", "Fe3+"):
        raise FerroKitInputError(f"dissolved_iron must be Fe2+ or Fe3+, got {dissolved_iron!r}")
    if particle is not None and not isinstance(particle, Particle):
        raise FerroKitInputError(f"particle must be a ferrokit.materials.Particle, got {type(particle).__name__}")
    if dissolution_rate > 0 and particle is None:
        raise FerroKitInputError("dissolution_rate needs a particle (the dissolving iron)")
    notes: list[str] = []
    if network is None:
        network, extra = _default_network(ph, include)
        notes += extra
    elif include is not None:
        raise FerroKitInputError("give either network or include, not both")
    if rate_overrides:
        network = network.with_rate_constants(rate_overrides)
    species = set(network.species_in_use())
    added: list[Reaction] = []
    if fe3_gsh_rate > 0:
        if not {"Fe3+", "GSH"} <= species:
            raise FerroKitInputError("fe3_gsh_rate needs Fe3+ and GSH in the network")
        added.append(Reaction("G3", "Fe3+ + GSH -> Fe2+ + GS* + H+", (("Fe3+", 1.0), ("GSH", 1.0)),
                              (("Fe2+", 1.0), ("GS*", 1.0), ("H+", 1.0)), "mass_action", fe3_gsh_rate,
                              set="gsh", source="no rate constant located (source table row G3)",
                              status="input", k_text=f"{fe3_gsh_rate:g} m3 mol-1 s-1"))
    surface = 0.0
    carrier_initial = 0.0
    if particle is not None:
        surface = surface_area_concentration(particle, iron)
        if dissolution_rate > 0:
            f2 = particle.composition_info.fe2_fraction if dissolution_fe2_fraction is None else \
                check_range("dissolution_fe2_fraction", dissolution_fe2_fraction, 0.0, 1.0)
            added += [Reaction("D1", "Fe(s) -> Fe2+", (("Fe(s)", 1.0),), (("Fe2+", 1.0),), "mass_action",
                               dissolution_rate * f2, set="dissolution", source="input", status="input"),
                      Reaction("D2", "Fe(s) -> Fe3+", (("Fe(s)", 1.0),), (("Fe3+", 1.0),), "mass_action",
                               dissolution_rate * (1 - f2), set="dissolution", source="input", status="input")]
            carrier_initial = iron
            notes.append(f"dissolution on: {dissolution_rate:g} s-1, Fe2+ fraction {f2:.3g}; surface area shrinks "
                         "as (Fe(s)/Fe(s)0)^(2/3)")
    if oxygen_supply_rate > 0:
        o2_0 = float((initial or {}).get("O2", 0.0))
        notes.append(f"O2 supply: relaxation {oxygen_supply_rate:g} s-1 towards {o2_0:g} mol/m3")
    if added:
        network = network.with_reactions(*added)
    if "O2" not in network.species_in_use() and oxygen_supply_rate > 0:
        raise FerroKitInputError("oxygen_supply_rate needs O2 in the network")
    system = assemble(network, temperature=temperature, ph=ph, surface_area=surface, carrier="Fe(s)",
                      carrier_initial=carrier_initial)
    init = dict(initial or {})
    for name, value in init.items():
        if not isinstance(name, str):
            raise FerroKitInputError(f"initial: species names must be strings, got {name!r}")
        check_nonnegative(f"initial[{name}]", value, unit="mol/m3")
    if particle is None:
        init[dissolved_iron] = init.get(dissolved_iron, 0.0) + iron
    elif dissolution_rate > 0:
        init["Fe(s)"] = iron
    defaults = {"LH": lipid, "GPX4": gpx4, "GOx": gox}
    for name, value in defaults.items():
        if name in system.index and name not in init:
            init[name] = value
    if gox > 0 and "GOx" not in system.index:
        raise FerroKitInputError("gox > 0 needs the gox reaction set in the network")
    unknown = [n for n in init if n not in system.index and n not in network.species]
    if unknown:
        raise FerroKitInputError(f"initial: unknown species {', '.join(unknown)}; the network has "
                                 f"{', '.join(system.state_names[:system.n_species])}")
    y0 = system.initial_state(init)
    if oxygen_supply_rate > 0:
        system = _with_oxygen_supply(system, oxygen_supply_rate, float(y0[system.index["O2"]]))
    times = np.linspace(0.0, duration, n_times)
    sol = system.solve(y0, times, method=method, rtol=rtol, atol=atol)
    y = sol.y
    names = system.state_names
    conc = {n: y[i].copy() for i, n in enumerate(names[:system.n_species])}
    fixed = {n[4:]: y[i].copy() for i, n in enumerate(names) if n.startswith("net:")}
    if f"cum:{HYDROXYL}" in system.index:
        cum = y[system.index[f"cum:{HYDROXYL}"]].copy()
        row = system.stoichiometry[system.index[f"cum:{HYDROXYL}"]]
        prod = np.array([row @ system.rates(y[:, i]) for i in range(y.shape[1])])
    else:
        cum = np.zeros_like(times)
        prod = np.zeros_like(times)
    index = conc["LOOH"] / ferroptosis_threshold if "LOOH" in conc else None
    conditions = {
        "temperature": (temperature, "K"), "ph": ph, "duration": (duration, "s"),
        "iron_concentration": (iron, "mol/m3"), "surface_area_concentration": (surface, "m2/m3"),
        "particle": None if particle is None else particle.model_dump(mode="json", exclude_none=True),
        "gox": (gox, "mol/m3"), "fe3_gsh_rate": (fe3_gsh_rate, "m3/(mol s)"),
        "dissolution_rate": (dissolution_rate, "1/s"), "lipid": (lipid, "mol/m3"), "gpx4": (gpx4, "mol/m3"),
        "ferroptosis_threshold": (ferroptosis_threshold, "mol/m3"),
        "oxygen_supply_rate": (oxygen_supply_rate, "1/s"),
        "initial": {k: {"value": float(v), "unit": "mol/m3"} for k, v in init.items()},
        "network": network.origin, "solver": {"method": method, "rtol": rtol, "atol": atol},
    }
    return CDTResult(
        times=times, concentrations=conc, fixed_production=fixed, hydroxyl_production_rate=prod,
        cumulative_hydroxyl=cum, ferroptosis_index=index, conditions=conditions,
        rate_constants={r.id: r.rate_constant(temperature) for r in network.reactions},
        reaction_sets=network.sets, notes=tuple(notes),
    )


def _with_oxygen_supply(system, rate: float, o2_0: float):
    """Wrap rhs/jacobian with d[O2]/dt += rate ([O2]0 − [O2]) (an open-system source, not a reaction)."""
    i = system.index["O2"]
    rhs, jac = system.rhs, system.jacobian

    def rhs2(t, y):
        d = rhs(t, y)
        d[i] += rate * (o2_0 - y[i])
        return d

    def jac2(t, y):
        j = jac(t, y)
        j[i, i] -= rate
        return j

    system.rhs, system.jacobian = rhs2, jac2
    return system
