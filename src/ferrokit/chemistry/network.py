"""Reaction networks: species, reactions with rate laws, read from a table (CSV or YAML) with units.

A network is a list of :class:`Reaction` rows over named :class:`Species`. Each row has a stoichiometric
equation (``"Fe2+ + H2O2 -> Fe3+ + OH* + OH-"``, ``<=>`` for an equilibrium), a rate law and a rate constant
with its unit and (optionally) an Arrhenius activation energy. Rate constants are converted to SI on reading
(concentrations in mol m⁻³, which is mM; times in s) and the unit is checked against the reaction order.

Rate laws
---------
``mass_action``
    :math:`r = k \\prod_i c_i^{n_i}` with :math:`n_i` the stoichiometric coefficients unless ``order[X]=n``
    overrides one (e.g. ``order[H+]=0`` for a proton consumed but absent from the measured rate law).
``equilibrium``
    ``A + B <=> C + D`` with equilibrium constant :math:`K` (unit from the concentrations, M^Δn). Equilibria
    are represented as **fast forward/back pairs** (not algebraic constraints): the back reaction gets the
    pseudo-first-order rate :math:`λ` (``relaxation=…`` per row, default :data:`EQUILIBRIUM_RELAXATION`) and
    the forward one :math:`K λ`, so the pair relaxes on a time scale :math:`1/λ` ≪ every other process in the
    shipped network (the slowest consumer of the complexes, R1, has 2.7×10⁻³ s⁻¹). This keeps the engine
    generic (any stoichiometry, a user's own equilibria), keeps the Jacobian analytic and conserves every
    moiety exactly through the stoichiometry; the stiff solver absorbs the fast time scale.
``surface``
    :math:`r = k_s\\, a(t) \\prod_i c_i^{n_i}`, with :math:`a` the particle surface area per volume
    [m² m⁻³] and :math:`k_s` in m s⁻¹ for first order (Lin & Gurol, ES&T 1998 32:1417; Kwan & Voelker,
    ES&T 2003 37:1150: rates ∝ surface area × [H2O2]).
``michaelis_menten``, ``saturation_product``
    :math:`r = k_{cat} [E] \\prod_i c_i/(K_i + c_i)` with ``enzyme=NAME`` and ``Km[X]=value unit`` for each
    substrate (one substrate for ``michaelis_menten``).
``ping_pong``
    two-substrate ping-pong bi-bi: :math:`r = k_{cat}[E]\\,AB/(K_B A + K_A B + AB)` (Gibson, Swoboda &
    Massey, J Biol Chem 1964 239:3927 for glucose oxidase).

Species roles: ``dynamic`` (integrated), ``fixed`` (H⁺ and OH⁻: held by the buffer at 10⁻ᵖᴴ and K_w/[H⁺]),
``solvent`` (H2O: activity 1) and ``catalyst`` (enzymes: constant concentration). The net production of
fixed and solvent species is still integrated, so that element and charge balances close.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import R_GAS, ZERO_CELSIUS

__all__ = [
    "DEFAULT_SETS",
    "EQUILIBRIUM_RELAXATION",
    "RATE_LAWS",
    "Reaction",
    "ReactionNetwork",
    "Species",
    "arrhenius_factor",
    "load_network",
    "parse_rate_unit",
]

#: Relaxation rate λ [s⁻¹] given to the back reaction of an equilibrium pair unless a row sets ``relaxation``.
EQUILIBRIUM_RELAXATION = 1.0e4

#: The reaction sets of the shipped network that :func:`load_network` includes by default (``ferryl`` is
#: optional).
DEFAULT_SETS: tuple[str, ...] = ("fenton", "fe3_homogeneous", "surface", "gox", "gsh", "ferroptosis")

RATE_LAWS: tuple[str, ...] = ("mass_action", "equilibrium", "surface", "michaelis_menten", "saturation_product",
                              "ping_pong")
_ENZYME_LAWS = ("michaelis_menten", "saturation_product", "ping_pong")
_ROLES = ("dynamic", "fixed", "solvent", "catalyst")
_REQUIRED = ("id", "equation", "rate_law", "k", "k_unit")


@dataclass(frozen=True)
class Species:
    """A chemical species: ``formula`` (element → count, or None when unknown), ``charge``, ``role``."""

    name: str
    formula: Mapping[str, float] | None = None
    charge: float | None = None
    role: str = "dynamic"
    description: str = ""


@dataclass(frozen=True)
class Reaction:
    """One reaction row, with its rate constant in SI at the reference temperature.

    ``k`` is the forward rate constant (mass action, surface), the equilibrium constant K (equilibrium) or
    k_cat (enzymes), in SI units (mol m⁻³ for concentrations, s, m). ``ea`` is the activation energy
    [J mol⁻¹] or None (then k is held at its reference value at every temperature).
    """

    id: str
    equation: str
    reactants: tuple[tuple[str, float], ...]
    products: tuple[tuple[str, float], ...]
    rate_law: str
    k: float
    t_ref: float = ZERO_CELSIUS + 25.0
    ea: float | None = None
    orders: Mapping[str, float] = field(default_factory=dict)
    enzyme: str | None = None
    km: Mapping[str, float] = field(default_factory=dict)
    relaxation: float = EQUILIBRIUM_RELAXATION
    set: str = "custom"
    k_text: str = ""
    branch_of: str | None = None
    fraction: float | None = None
    source: str = ""
    status: str = ""
    notes: str = ""

    def rate_constant(self, temperature: float) -> float:
        """k (SI) at ``temperature`` [K]: :math:`k(T) = k_{ref}\\exp[-E_a/R\\,(1/T - 1/T_{ref})]`."""
        if self.ea is None or self.rate_law == "equilibrium":
            return self.k
        return self.k * arrhenius_factor(self.ea, self.t_ref, temperature)

    def reactant_orders(self) -> dict[str, float]:
        """Order of the rate law in each reactant (stoichiometric unless overridden)."""
        out: dict[str, float] = {}
        for name, nu in self.reactants:
            out[name] = out.get(name, 0.0) + nu
        out.update(self.orders)
        return out


def arrhenius_factor(ea: float, t_from: float, t_to: float) -> float:
    """k(t_to)/k(t_from) for activation energy ``ea`` [J mol⁻¹]: :math:`\\exp[E_a/R\\,(1/T_1 - 1/T_2)]`.

    >>> round(arrhenius_factor(35.4e3, 310.15, 316.15), 3)   # R3, 37 → 43 °C (SCIENCE.md: × 1.30)
    1.298
    """
    return math.exp(ea / R_GAS * (1.0 / t_from - 1.0 / t_to))


# ---- units of rate constants ----------------------------------------------------------------------------
# token → (factor to SI, exponents of (mol, m, s))
_UNIT_TOKENS: dict[str, tuple[float, tuple[int, int, int]]] = {
    "M": (1e3, (1, -3, 0)), "mM": (1.0, (1, -3, 0)), "uM": (1e-3, (1, -3, 0)), "nM": (1e-6, (1, -3, 0)),
    "mol": (1.0, (1, 0, 0)), "mmol": (1e-3, (1, 0, 0)), "m": (1.0, (0, 1, 0)), "cm": (1e-2, (0, 1, 0)),
    "nm": (1e-9, (0, 1, 0)), "L": (1e-3, (0, 3, 0)), "l": (1e-3, (0, 3, 0)), "mL": (1e-6, (0, 3, 0)),
    "s": (1.0, (0, 0, 1)), "min": (60.0, (0, 0, 1)), "h": (3600.0, (0, 0, 1)),
}
_TOKEN = re.compile(r"^([A-Za-zµμ]+)\^?([-+]?\d+)?$")


def parse_rate_unit(text: str) -> tuple[float, tuple[int, int, int]]:
    """Factor to SI and (mol, m, s) exponents of a unit such as ``"M-1 s-1"``, ``"m s-1"`` or ``"1"``.

    >>> parse_rate_unit("M-1 s-1")
    (0.001, (-1, 3, -1))
    """
    t = str(text).strip().replace("µ", "u").replace("μ", "u").replace("*", " ").replace("·", " ")
    t = t.replace("^", "")
    if t in ("", "1", "dimensionless", "-"):
        return 1.0, (0, 0, 0)
    factor, dims = 1.0, [0, 0, 0]
    parts = t.replace("/", " / ").split()
    sign = 1
    for part in parts:
        if part == "/":
            sign = -1
            continue
        m = _TOKEN.match(part)
        if not m or m.group(1).replace("µ", "u") not in _UNIT_TOKENS:
            allowed = ", ".join(_UNIT_TOKENS)
            raise FerroKitInputError(f"unknown unit {part!r} in {text!r}; use tokens {allowed} with powers, "
                                     "e.g. 'M-1 s-1'")
        f, d = _UNIT_TOKENS[m.group(1)]
        p = sign * int(m.group(2) or 1)
        factor *= f**p
        for i in range(3):
            dims[i] += d[i] * p
    return factor, (dims[0], dims[1], dims[2])


def _expected_dims(rate_law: str, order: float, delta_n: float) -> tuple[float, float, float]:
    if rate_law == "mass_action":
        return (1 - order, -3 * (1 - order), -1)
    if rate_law == "surface":
        return (1 - order, -2 + 3 * order, -1)
    if rate_law == "equilibrium":
        return (delta_n, -3 * delta_n, 0)
    return (0, 0, -1)  # k_cat


def _dims_text(d: Iterable[float]) -> str:
    mol, m, s = d
    conc = mol  # written as M^mol (m exponent −3 mol) plus leftover length
    extra_m = m + 3 * mol
    parts = []
    if conc:
        parts.append(f"M{conc:+g}".replace("+", "") if conc != 1 else "M")
    if extra_m:
        parts.append(f"m{extra_m:+g}".replace("+", "") if extra_m != 1 else "m")
    if s:
        parts.append(f"s{s:+g}".replace("+", "") if s != 1 else "s")
    return " ".join(parts) or "1"


# ---- equations ------------------------------------------------------------------------------------------
_COEF = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*(?=[A-Za-z(])(.*)$")


def _side(text: str, where: str) -> tuple[tuple[str, float], ...]:
    terms: dict[str, float] = {}
    for raw in re.split(r"\s\+\s", f" {text.strip()} "):
        term = raw.strip()
        if not term:
            raise FerroKitInputError(f"{where}: empty term in {text!r} (write 'A + B', with spaces around +)")
        m = _COEF.match(term)
        coef, name = (float(m.group(1)), m.group(2).strip()) if m else (1.0, term)
        if not name or coef <= 0:
            raise FerroKitInputError(f"{where}: cannot read the term {term!r}")
        terms[name] = terms.get(name, 0.0) + coef
    return tuple(terms.items())


def parse_equation(equation: str, where: str = "equation") -> tuple[tuple, tuple, bool]:
    """Split ``"A + 2 B -> C"`` (or ``<=>``) into reactant and product (name, coefficient) tuples."""
    text = str(equation).strip()
    reversible = "<=>" in text
    arrow = "<=>" if reversible else "->"
    if text.count(arrow) != 1:
        raise FerroKitInputError(f"{where}: expected one '->' or '<=>' in {equation!r}")
    left, right = text.split(arrow)
    return _side(left, where), _side(right, where), reversible


# ---- params column --------------------------------------------------------------------------------------
def _parse_params(text: Any, where: str) -> dict[str, str]:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return {}
    if isinstance(text, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in text.items()}
    out: dict[str, str] = {}
    for item in str(text).split(";"):
        if not item.strip():
            continue
        if "=" not in item:
            raise FerroKitInputError(f"{where}: params item {item.strip()!r} is not KEY=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _float(text: Any, where: str) -> float:
    try:
        x = float(str(text).strip())
    except ValueError:
        raise FerroKitInputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(x):
        raise FerroKitInputError(f"{where}: {text!r} is not finite")
    return x


def _quantity(text: str, where: str) -> tuple[float, tuple[int, int, int]]:
    m = re.match(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*)$", text)
    if not m:
        raise FerroKitInputError(f"{where}: cannot read {text!r}; expected a number and a unit, e.g. '25 mM'")
    value = _float(m.group(1), where)
    f, d = parse_rate_unit(m.group(2))
    return value * f, d


def make_reaction(row: Mapping[str, Any], species: Mapping[str, Species], where: str) -> Reaction:
    """Build a :class:`Reaction` from one table row (strings with units), checking units against the order."""
    missing = [c for c in _REQUIRED if c not in row or row[c] is None]
    if missing:
        raise FerroKitInputError(f"{where}: missing column(s) {', '.join(missing)}")
    rid = str(row["id"]).strip()
    if not rid:
        raise FerroKitInputError(f"{where}: empty id")
    where = f"{where} ({rid})"
    law = str(row["rate_law"]).strip()
    if law not in RATE_LAWS:
        raise FerroKitInputError(f"{where}: rate_law must be one of {', '.join(RATE_LAWS)}; got {law!r}")
    reactants, products, reversible = parse_equation(str(row["equation"]), where)
    if reversible != (law == "equilibrium"):
        raise FerroKitInputError(f"{where}: use '<=>' exactly for rate_law 'equilibrium'")
    params = _parse_params(row.get("params"), where)
    orders: dict[str, float] = {}
    km: dict[str, float] = {}
    enzyme = params.pop("enzyme", None)
    relaxation = _float(params.pop("relaxation", EQUILIBRIUM_RELAXATION), f"{where}: relaxation")
    branch_of = params.pop("branch_of", None)
    fraction = params.pop("fraction", None)
    names = {n for n, _ in reactants}
    for key, value in params.items():
        m = re.match(r"^(order|Km)\[(.+)\]$", key)
        if not m:
            raise FerroKitInputError(f"{where}: unknown params key {key!r}; allowed: order[X], Km[X], enzyme, "
                                     "relaxation, branch_of, fraction")
        target = m.group(2).strip()
        if target not in names:
            raise FerroKitInputError(f"{where}: {key} names {target!r}, which is not a reactant")
        if m.group(1) == "order":
            orders[target] = _float(value, f"{where}: {key}")
        else:
            kv, kd = _quantity(value, f"{where}: {key}")
            if kd != (1, -3, 0) or kv <= 0:
                raise FerroKitInputError(f"{where}: {key} must be a positive concentration, e.g. '25 mM'")
            km[target] = kv
    k_text = str(row["k"]).strip()
    if branch_of:
        k_si = math.nan
        frac = _float(fraction, f"{where}: fraction") if fraction is not None else math.nan
        if not 0.0 < frac < 1.0:
            raise FerroKitInputError(f"{where}: a branch needs fraction in (0, 1), got {fraction!r}")
    else:
        frac = None
        k_val = _float(k_text, f"{where}: k")
        if k_val < 0 or (law != "mass_action" and k_val == 0):
            raise FerroKitInputError(f"{where}: k must be > 0, got {k_val:g}")
        factor, dims = parse_rate_unit(str(row["k_unit"]))
        tmp = Reaction(rid, "", reactants, products, law, 0.0, orders=orders)
        solvents = {n for n, s in species.items() if s.role == "solvent"}
        order = sum(o for n, o in tmp.reactant_orders().items() if n not in solvents)
        dn = (sum(nu for n, nu in products if n not in solvents) - sum(nu for n, nu in reactants
                                                                         if n not in solvents))
        expected = _expected_dims(law, order, dn)
        if any(abs(a - b) > 1e-9 for a, b in zip(dims, expected, strict=True)):
            raise FerroKitInputError(f"{where}: k_unit {row['k_unit']!r} does not fit a {law} rate law of order "
                                     f"{order:g}; expected {_dims_text(expected)}")
        k_si = k_val * factor
    if law in _ENZYME_LAWS:
        if not enzyme:
            raise FerroKitInputError(f"{where}: rate_law {law} needs enzyme=NAME in params")
        subs = [n for n, _ in reactants if species.get(n, Species(n)).role not in ("solvent",)]
        lacking = [n for n in subs if n not in km]
        if lacking:
            raise FerroKitInputError(f"{where}: missing Km[{lacking[0]}] for rate_law {law}")
        need = {"michaelis_menten": 1, "ping_pong": 2}.get(law)
        if need is not None and len(subs) != need:
            raise FerroKitInputError(f"{where}: {law} needs exactly {need} substrate(s), got {len(subs)}")
    elif enzyme or km:
        raise FerroKitInputError(f"{where}: enzyme/Km only apply to enzyme rate laws")
    t_ref_text = row.get("T_ref_C")
    t_ref = ZERO_CELSIUS + (25.0 if t_ref_text in (None, "") else _float(t_ref_text, f"{where}: T_ref_C"))
    ea_text = row.get("Ea_kJ_per_mol")
    ea = None if ea_text in (None, "") else 1e3 * _float(ea_text, f"{where}: Ea_kJ_per_mol")
    if ea is not None and not 0.0 <= ea <= 300e3:
        raise FerroKitInputError(f"{where}: Ea_kJ_per_mol must lie in [0, 300], got {ea / 1e3:g}")
    if relaxation <= 0:
        raise FerroKitInputError(f"{where}: relaxation must be > 0 s-1")
    return Reaction(
        id=rid, equation=str(row["equation"]).strip(), reactants=reactants, products=products, rate_law=law,
        k=k_si, t_ref=t_ref, ea=ea, orders=orders, enzyme=enzyme, km=km, relaxation=relaxation,
        set=str(row.get("set") or "custom").strip(), k_text=f"{k_text} {row['k_unit']}".strip(),
        branch_of=branch_of, fraction=frac, source=str(row.get("source") or ""), status=str(row.get("status") or ""),
        notes=str(row.get("notes") or ""),
    )


def _formula(text: str) -> dict[str, float] | None:
    t = (text or "").strip()
    if not t:
        return None
    parts = re.findall(r"([A-Z][a-z]?)(\d*\.?\d*)", t)
    if "".join(a + b for a, b in parts) != t:
        raise FerroKitInputError(f"cannot read the formula {text!r} (write e.g. C10H17N3O6S)")
    out: dict[str, float] = {}
    for el, n in parts:
        out[el] = out.get(el, 0.0) + (float(n) if n else 1.0)
    return out


def _read_species_rows(rows: Iterable[Mapping[str, Any]], where: str) -> dict[str, Species]:
    out: dict[str, Species] = {}
    for i, row in enumerate(rows, start=2):
        name = str(row.get("name") or "").strip()
        if not name:
            raise FerroKitInputError(f"{where}: species row {i}: empty name")
        role = str(row.get("role") or "dynamic").strip()
        if role not in _ROLES:
            raise FerroKitInputError(f"{where}: species {name}: role must be one of {', '.join(_ROLES)}")
        charge = row.get("charge")
        out[name] = Species(name, _formula(str(row.get("formula") or "")),
                            None if charge in (None, "") else _float(charge, f"{where}: {name} charge"), role,
                            str(row.get("description") or ""))
    return out


@dataclass(frozen=True)
class ReactionNetwork:
    """Species and reactions. Build it with :func:`load_network`; it is immutable (methods return copies)."""

    species: Mapping[str, Species]
    reactions: tuple[Reaction, ...]
    origin: str = ""

    @property
    def sets(self) -> tuple[str, ...]:
        """The reaction sets present, in order of appearance."""
        return tuple(dict.fromkeys(r.set for r in self.reactions))

    def reaction(self, rid: str) -> Reaction:
        """The reaction with id ``rid``."""
        for r in self.reactions:
            if r.id == rid:
                return r
        raise FerroKitInputError(f"no reaction {rid!r} in the network; ids: {', '.join(r.id for r in self.reactions)}")

    def species_in_use(self) -> list[str]:
        """Names of every species in an equation or used as an enzyme, in order of first appearance."""
        names: dict[str, None] = {}
        for r in self.reactions:
            for n, _ in (*r.reactants, *r.products):
                names[n] = None
            if r.enzyme:
                names[r.enzyme] = None
        return list(names)

    def species_info(self, name: str) -> Species:
        """The species record (a default dynamic species with unknown formula for names not declared)."""
        return self.species.get(name, Species(name))

    def with_reactions(self, *reactions: Reaction) -> ReactionNetwork:
        """A copy with ``reactions`` appended (ids must be new)."""
        ids = {r.id for r in self.reactions}
        for r in reactions:
            if r.id in ids:
                raise FerroKitInputError(f"reaction id {r.id!r} already exists in the network")
            ids.add(r.id)
        return replace(self, reactions=self.reactions + tuple(reactions))

    def with_rate_constants(self, overrides: Mapping[str, float]) -> ReactionNetwork:
        """A copy with the reference-temperature k (SI) of the named reactions replaced."""
        known = {r.id for r in self.reactions}
        for rid, value in overrides.items():
            if rid not in known:
                raise FerroKitInputError(f"rate override names {rid!r}, not in the network")
            if not (math.isfinite(value) and value >= 0):
                raise FerroKitInputError(f"rate override {rid} must be finite and ≥ 0, got {value!r}")
        return replace(self, reactions=tuple(replace(r, k=float(overrides[r.id])) if r.id in overrides else r
                                             for r in self.reactions))

    def balance(self, reaction: Reaction) -> dict[str, float] | None:
        """Element and charge imbalance (products − reactants) of ``reaction``; None when a formula is unknown."""
        total: dict[str, float] = {}
        for sign, side in ((-1.0, reaction.reactants), (1.0, reaction.products)):
            for name, nu in side:
                sp = self.species_info(name)
                if sp.formula is None or sp.charge is None:
                    return None
                for el, n in sp.formula.items():
                    total[el] = total.get(el, 0.0) + sign * nu * n
                total["charge"] = total.get("charge", 0.0) + sign * nu * sp.charge
        return {k: v for k, v in total.items() if abs(v) > 1e-12}

    def table(self) -> list[dict[str, Any]]:
        """One dict per reaction (id, set, equation, rate law, k as given, Ea, source, status) for reports."""
        return [{"id": r.id, "set": r.set, "equation": r.equation, "rate_law": r.rate_law, "k": r.k_text,
                 "k_si": r.k, "Ea_kJ_per_mol": None if r.ea is None else r.ea / 1e3,
                 "T_ref": r.t_ref, "source": r.source, "status": r.status} for r in self.reactions]


def _resolve_branches(reactions: list[Reaction]) -> list[Reaction]:
    by_id = {r.id: r for r in reactions}
    out = list(reactions)
    for i, r in enumerate(out):
        if r.branch_of is None:
            continue
        parent = by_id.get(r.branch_of)
        if parent is None:
            raise FerroKitInputError(f"reaction {r.id} is a branch of {r.branch_of}, which is not included")
        j = next(n for n, x in enumerate(out) if x.id == parent.id)
        out[i] = replace(r, k=r.fraction * parent.k, ea=r.ea if r.ea is not None else parent.ea,
                         t_ref=parent.t_ref)
        out[j] = replace(out[j], k=out[j].k * (1.0 - r.fraction))
    return out


def _shipped_text(name: str) -> str:
    return resources.files("ferrokit.chemistry").joinpath("_data", name).read_text(encoding="utf-8")


def shipped_species() -> dict[str, Species]:
    """The species table shipped with FerroKit (formulas, charges, roles)."""
    return _read_species_rows(csv.DictReader(io.StringIO(_shipped_text("cdt_species.csv"))), "cdt_species.csv")


def load_network(path: str | Path | None = None, *, include: Iterable[str] | None = None) -> ReactionNetwork:
    """Read a reaction network from a CSV or YAML file, or the shipped CDT network when ``path`` is None.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with columns ``id, equation, rate_law, k, k_unit`` and optional ``set, T_ref_C,
        Ea_kJ_per_mol, params, source, status, notes``; or a YAML file with ``reactions:`` (a list of the
        same keys) and optional ``species:`` (``name, formula, charge, role``). Species not declared take
        their record from the shipped species table, else are dynamic with unknown formula.
    include : iterable of str, optional
        Reaction sets to keep. Default: :data:`DEFAULT_SETS` for the shipped network (the ``ferryl`` set is
        optional), every set for a user file.

    Returns
    -------
    ReactionNetwork

    Examples
    --------
    >>> net = load_network(include=["fenton"])
    >>> net.reaction("R3").k   # 63 M⁻¹ s⁻¹ in m³ mol⁻¹ s⁻¹
    0.063
    """
    species = shipped_species()
    if path is None:
        text, where, kind = _shipped_text("cdt_network.csv"), "cdt_network.csv", "csv"
    else:
        p = Path(path)
        if not p.is_file():
            raise FerroKitInputError(f"network file not found: {p}")
        where = p.name
        kind = "yaml" if p.suffix.lower() in (".yaml", ".yml") else "csv"
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise FerroKitInputError(f"{where}: not a UTF-8 text file") from None
    rows: list[Mapping[str, Any]]
    if kind == "yaml":
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise FerroKitInputError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("reactions"), list):
            raise FerroKitInputError(f"{where}: expected a mapping with a 'reactions:' list")
        unknown = set(doc) - {"reactions", "species"}
        if unknown:
            raise FerroKitInputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: reactions, "
                                     "species")
        if doc.get("species") is not None:
            if not isinstance(doc["species"], list) or not all(isinstance(s, dict) for s in doc["species"]):
                raise FerroKitInputError(f"{where}: 'species:' must be a list of mappings")
            species.update(_read_species_rows(doc["species"], where))
        rows = []
        for i, r in enumerate(doc["reactions"]):
            if not isinstance(r, dict):
                raise FerroKitInputError(f"{where}: reactions[{i}] is not a mapping")
            rows.append({k: (None if v is None else v) for k, v in r.items()})
        labels = [f"{where}: reactions[{i}]" for i in range(len(rows))]
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise FerroKitInputError(f"{where}: missing column(s) {', '.join(missing)}; required: "
                                     f"{', '.join(_REQUIRED)}")
        rows = list(reader)
        labels = [f"{where}: line {i}" for i in range(2, len(rows) + 2)]
    if not rows:
        raise FerroKitInputError(f"{where}: no reactions")
    reactions = [make_reaction(r, species, lab) for r, lab in zip(rows, labels, strict=True)]
    ids = [r.id for r in reactions]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise FerroKitInputError(f"{where}: duplicate reaction id(s) {', '.join(sorted(dup))}")
    available = tuple(dict.fromkeys(r.set for r in reactions))
    if include is None:
        chosen = set(DEFAULT_SETS) if path is None else set(available)
    else:
        chosen = {include} if isinstance(include, str) else set(include)
        bad = chosen - set(available)
        if bad:
            raise FerroKitInputError(f"include: unknown reaction set(s) {', '.join(sorted(bad))}; available: "
                                     f"{', '.join(available)}")
    reactions = _resolve_branches([r for r in reactions if r.set in chosen])
    if not reactions:
        raise FerroKitInputError(f"{where}: no reactions left after include={sorted(chosen)}")
    for r in reactions:
        if r.enzyme and species.get(r.enzyme, Species(r.enzyme)).role != "catalyst":
            species[r.enzyme] = Species(r.enzyme, role="catalyst", description="enzyme (declared by a reaction)")
    return ReactionNetwork(species=species, reactions=tuple(reactions), origin=str(path or "shipped"))
