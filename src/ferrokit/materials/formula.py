"""Composition of iron-oxide spinels: parse a formula, balance charges, place cations on sites.

:func:`parse_formula` turns text such as ``"Fe3O4"``, ``"gamma-Fe2O3"``, ``"(Zn0.4Mn0.6)Fe2O4"`` or
``"Fe2.9Gd0.1O4"`` into a frozen :class:`Composition` holding the canonical formula, molar mass, iron and
metal mass fractions, Fe²⁺/Fe³⁺ content, the tetrahedral (A) and octahedral (B) site occupancies, the
lattice constant (Vegard's law) and the X-ray density.

Choices (see ``docs/materials.md``):

- ``Fe2O3`` without a prefix is taken as **maghemite** (γ-Fe2O3), the only Fe2O3 polymorph that is a
  spinel and the one meant in nanomedicine. Hematite (``alpha-Fe2O3``, ``hematite``) is a corundum-structure
  canted antiferromagnet and is **rejected** with a clear message, as are other non-spinel phases.
- Everything is computed on the spinel formula unit of **4 oxygens** (``Fe2O3`` → Fe8/3□1/3O4), while
  ``molar_mass`` and ``elements`` refer to the formula *as written*.
- Cation distribution rule: Zn²⁺ on A; Mn²⁺ 81 % on A (Hastings & Corliss, Phys Rev 1956 104:328,
  doi:10.1103/PhysRev.104.328, neutron diffraction on MnFe2O4: 0.81 ± 0.03), the rest on B; Co²⁺, Ni²⁺
  on B (inverse spinels); large rare-earth ions Gd³⁺, Eu³⁺ on B (octahedral: too large for tetrahedral
  coordination); Fe²⁺ on B (inverse magnetite); Fe³⁺ fills the remaining A sites, then B; cation
  vacancies (maghemite, oxidised magnetite) sit on B. The A-site Mn fraction measured in MnFe2O4 is applied
  unchanged in mixed ferrites (an assumption); Mn overflowing a full A sublattice goes to B.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import N_A
from ferrokit.materials._tables import DOPANT_END_MEMBER, END_MEMBERS, table_value

__all__ = ["MN_TETRAHEDRAL_FRACTION", "Composition", "parse_formula",
           "supported_elements"]

#: Standard atomic weights [kg/mol] (IUPAC/CIAAW abridged standard atomic weights, conventional values).
ATOMIC_MASS: Mapping[str, float] = MappingProxyType({
    "O": 15.999e-3, "Fe": 55.845e-3, "Zn": 65.38e-3, "Mn": 54.938e-3, "Co": 58.933e-3, "Ni": 58.693e-3,
    "Gd": 157.25e-3, "Eu": 151.96e-3,
})
#: Fixed valences of the dopant cations (Mn, Co taken as 2+, the rare earths as 3+).
DOPANT_VALENCE: Mapping[str, int] = MappingProxyType({"Zn": 2, "Mn": 2, "Co": 2, "Ni": 2, "Gd": 3, "Eu": 3})
#: Fraction of Mn²⁺ on tetrahedral sites, MnFe2O4 (Hastings & Corliss 1956, 0.81 ± 0.03) [seen-abstract].
MN_TETRAHEDRAL_FRACTION: float = 0.81

_ORDER = ("Zn", "Mn", "Co", "Ni", "Gd", "Eu", "Fe", "O")
_METALS = ("Zn", "Mn", "Co", "Ni", "Gd", "Eu", "Fe")
_B_SITE_DOPANTS = ("Co", "Ni", "Gd", "Eu")
_TOL = 1e-6
_RARE_EARTH_WARN = 0.2  # Gd/Eu per 4 O above which a warning is issued
_CHARGE_TOL = 2e-3  # per 4 O; tolerates rounded compositions such as Fe2.667O4
_ALL_SYMBOLS = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
    "Rb Sr Y "
    "Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W "
    "Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr".split()
)
_ALIASES = {
    "magnetite": "Fe3O4", "maghemite": "gamma-Fe2O3", "zincferrite": "ZnFe2O4", "manganeseferrite": "MnFe2O4",
    "cobaltferrite": "CoFe2O4", "nickelferrite": "NiFe2O4", "jacobsite": "MnFe2O4", "trevorite": "NiFe2O4",
    "franklinite": "ZnFe2O4",
}
_NON_SPINEL = {
    "hematite": "hematite (α-Fe2O3) is a corundum-structure canted antiferromagnet, not a spinel",
    "haematite": "hematite (α-Fe2O3) is a corundum-structure canted antiferromagnet, not a spinel",
    "wustite": "wüstite (FeO) has the rock-salt structure, not a spinel",
    "goethite": "goethite (α-FeOOH) is an oxyhydroxide, not a spinel",
}
_FERRITE_NAMES = {"Mn": "manganese ferrite", "Co": "cobalt ferrite", "Ni": "nickel ferrite",
                  "Zn": "zinc ferrite"}
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def supported_elements() -> tuple[str, ...]:
    """The element symbols :func:`parse_formula` accepts, in canonical order."""
    return _ORDER


@dataclass(frozen=True)
class Composition:
    """A parsed spinel iron oxide. Create it with :func:`parse_formula`.

    Mass quantities refer to the formula **as written**; ions, site occupancies, ``spinel_molar_mass`` and
    the density refer to the spinel formula unit with **4 oxygens** (8 such units per cubic cell).

    Attributes
    ----------
    text : str
        The text as given.
    formula : str
        Canonical formula (dopants Zn, Mn, Co, Ni, Gd, Eu, then Fe, then O; counts as written).
    name : str or None
        Common name ("magnetite", "maghemite", "cobalt ferrite", …) or None for mixed compositions.
    phase : str
        ``"spinel"`` or ``"maghemite"`` (the vacancy spinel Fe8/3□1/3O4).
    elements : Mapping[str, float]
        Atoms per formula unit as written, O included.
    molar_mass : float
        Molar mass of the formula as written [kg/mol].
    iron_mass_fraction, metal_mass_fraction : float
        Mass of Fe, and of all metals (Fe + dopants), per mass of oxide [1].
    dopants : Mapping[str, float]
        Non-Fe metals → atoms per 4 O (the substitution level x of Zn_xFe3−xO4).
    fe2_per_formula_unit, fe3_per_formula_unit : float
        Fe²⁺ and Fe³⁺ per 4 O, from charge balance with O²⁻.
    fe2_fraction : float
        Fe²⁺ / (Fe²⁺ + Fe³⁺).
    ions : Mapping[str, float]
        Ion label ("Fe3+", "Zn2+", "O2-", …) → count per 4 O.
    tetrahedral, octahedral : Mapping[str, float]
        A-site (1 per 4 O) and B-site (2 per 4 O) occupancies by ion label; ``"vacancy"`` on B if any.
    vacancies : float
        Cation vacancies per 4 O (1/3 for maghemite).
    formula_scale : float
        Factor from the written formula to the 4-O formula unit (4/3 for Fe2O3).
    spinel_molar_mass : float
        Molar mass of the 4-O formula unit [kg/mol].
    vegard_weights : Mapping[str, float]
        Mole fractions of the end members (magnetite, maghemite, MFe2O4) used for interpolation.
    lattice_constant : float
        Cubic lattice constant a [m] (Vegard's law over the end members).
    density : float
        X-ray density 8·M₄ₒ/(N_A a³) [kg/m³].
    """

    text: str
    formula: str
    name: str | None
    phase: str
    elements: Mapping[str, float]
    molar_mass: float
    iron_mass_fraction: float
    metal_mass_fraction: float
    dopants: Mapping[str, float]
    fe2_per_formula_unit: float
    fe3_per_formula_unit: float
    fe2_fraction: float
    ions: Mapping[str, float]
    tetrahedral: Mapping[str, float]
    octahedral: Mapping[str, float]
    vacancies: float
    formula_scale: float
    spinel_molar_mass: float
    vegard_weights: Mapping[str, float]
    lattice_constant: float
    density: float

    def __hash__(self) -> int:
        return hash((self.formula, self.phase))

    def to_dict(self) -> dict:
        """JSON-friendly dictionary (SI values; unit names in the keys' companion ``units`` entry)."""
        out: dict = {}
        for key in self.__dataclass_fields__:
            val = getattr(self, key)
            out[key] = dict(val) if isinstance(val, Mapping) else val
        out["units"] = {
            "molar_mass": "kg/mol", "spinel_molar_mass": "kg/mol", "lattice_constant": "m",
            "density": "kg/m3", "iron_mass_fraction": "1 (kg Fe per kg oxide)",
            "metal_mass_fraction": "1 (kg metal per kg oxide)",
            "dopants": "atoms per 4 O", "ions": "per 4 O", "tetrahedral": "per 4 O", "octahedral": "per 4 O",
        }
        return out


# ---------------------------------------------------------------- parsing

def _normalise(text: str) -> str:
    t = text.translate(_SUBSCRIPTS).replace("−", "-").replace("–", "-").replace("‐", "-")
    return re.sub(r"[\s·_]+", "", t)


def _tokenise(text: str, *, strict_case: bool) -> dict[str, float]:
    """Parse element counts with parentheses/brackets; raise FerroKitInputError on garbage."""
    pos = 0
    counts_stack: list[dict[str, float]] = [{}]
    closers: list[str] = []
    n = len(text)

    def read_number() -> float:
        nonlocal pos
        m = _NUMBER.match(text, pos)
        if not m:
            return 1.0
        pos = m.end()
        return float(m.group(0))

    while pos < n:
        ch = text[pos]
        if ch in "([":
            closers.append(")" if ch == "(" else "]")
            counts_stack.append({})
            pos += 1
        elif ch in ")]":
            if not closers or closers.pop() != ch:
                raise FerroKitInputError(f"formula {text!r}: unbalanced {ch!r} at position {pos + 1}")
            pos += 1
            mult = read_number()
            group = counts_stack.pop()
            for el, c in group.items():
                counts_stack[-1][el] = counts_stack[-1].get(el, 0.0) + c * mult
        elif ch.isalpha():
            if strict_case:
                m = re.compile(r"[A-Z][a-z]?").match(text, pos)
                if not m:
                    raise FerroKitInputError(f"formula {text!r}: element symbols start with a capital letter "
                                             f"(position {pos + 1})")
                sym = m.group(0)
                if sym not in ATOMIC_MASS:
                    if sym in _ALL_SYMBOLS:
                        raise FerroKitInputError(f"formula {text!r}: element {sym!r} is not supported; "
                                                 f"supported: {', '.join(_ORDER)}")
                    raise FerroKitInputError(f"formula {text!r}: unknown element {sym!r}")
            else:
                sym = next((s for s in sorted(ATOMIC_MASS, key=len, reverse=True)
                            if text[pos:pos + len(s)].lower() == s.lower()), None)
                if sym is None:
                    raise FerroKitInputError(
                        f"formula {text!r}: cannot read an element at position {pos + 1}")
            pos += len(sym)
            count = read_number()
            counts_stack[-1][sym] = counts_stack[-1].get(sym, 0.0) + count
        else:
            hint = " (negative counts are not allowed)" if ch == "-" else ""
            raise FerroKitInputError(
                f"formula {text!r}: unexpected character {ch!r} at position {pos + 1}{hint}")
    if closers:
        raise FerroKitInputError(f"formula {text!r}: missing closing {closers[-1]!r}")
    return counts_stack[0]


def _parse_elements(body: str, original: str) -> dict[str, float]:
    if re.search(r"[xδ]", body):  # no element symbol contains a lower-case x
        raise FerroKitInputError(
            f"formula {original!r} contains a composition variable (x, δ); "
            "write numbers, e.g. 'Zn0.2Fe2.8O4'")
    try:
        counts = _tokenise(body, strict_case=True)
    except FerroKitInputError as strict_error:
        try:
            counts = _tokenise(body, strict_case=False)
        except FerroKitInputError:
            raise strict_error from None
    return {el: c for el, c in counts.items() if c > 0.0}


def _fmt(v: float) -> str:
    if abs(v - 1.0) < 1e-9:
        return ""
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return s


def parse_formula(text: str) -> Composition:
    """Parse a spinel iron-oxide formula or common name into a :class:`Composition`.

    Parameters
    ----------
    text : str
        A formula (``"Fe3O4"``, ``"Zn0.4Mn0.6Fe2O4"``, ``"(Zn0.4Mn0.6)Fe2O4"``, ``"Fe1Fe2O4"``,
        ``"Gd0.05Fe2.95O4"``, ``"gamma-Fe2O3"``, ``"γ-Fe2O3"``) or a name (``"magnetite"``,
        ``"maghemite"``, ``"cobalt ferrite"``). Case and whitespace are free where unambiguous
        (``"fe3o4"``); subscript digits are accepted.

    Returns
    -------
    Composition

    Raises
    ------
    FerroKitInputError
        Unknown or unsupported element, no oxygen or no iron, a composition variable (x) left in,
        garbage or negative numbers, a charge that cannot balance with Fe²⁺/Fe³⁺, more than 3 or fewer
        than 8/3 cations per 4 O, an impossible site occupancy (e.g. more than 1 Zn per 4 O), or a
        non-spinel phase (hematite).

    Notes
    -----
    Charge balance: with fixed dopant valences (Zn, Mn, Co, Ni 2+; Gd, Eu 3+) the iron valence follows
    from :math:`\\sum_i z_i n_i = 8` per 4 O²⁻: :math:`n_{3+} = Q - 2 n_{Fe}`,
    :math:`n_{2+} = 3 n_{Fe} - Q`, with :math:`Q = 8 - \\sum_{dopants} z_i n_i`. Site rule: see the module
    docstring. Lattice constant by Vegard's law, :math:`a = \\sum_e w_e a_e` over end members with mole
    fractions :math:`w_{MFe_2O_4} = x_M`, :math:`w_{Fe_3O_4} = n_{Fe^{2+}}`, :math:`w_{γ} = 3 n_{vac}`
    (these add to 1 by charge balance; Gd/Eu are assumed not to change *a* — their solubility is low).
    Density: :math:`ρ = 8 M_{4O}/(N_A a^3)`.

    Examples
    --------
    >>> c = parse_formula("Fe3O4")
    >>> round(c.molar_mass * 1e3, 2), round(c.iron_mass_fraction, 3), round(c.density)
    (231.53, 0.724, 5197)
    >>> parse_formula("(Zn0.4Mn0.6)Fe2O4").formula
    'Zn0.4Mn0.6Fe2O4'
    >>> dict(parse_formula("Fe3O4").tetrahedral)
    {'Fe3+': 1.0}
    """
    if not isinstance(text, str):
        raise FerroKitInputError(f"formula must be a string such as 'Fe3O4', got {text!r}")
    compact = _normalise(text)
    if not compact:
        raise FerroKitInputError("formula is empty; expected e.g. 'Fe3O4' or 'Zn0.4Mn0.6Fe2O4'")
    low = compact.lower()
    if low in _NON_SPINEL:
        raise FerroKitInputError(
            f"formula {text!r}: {_NON_SPINEL[low]}; FerroKit models spinel ferrites only")
    body = _ALIASES.get(low, compact)
    want_maghemite = False
    m = re.match(r"^(gamma|γ|alpha|α|beta|β|epsilon|ε)-?", body, re.IGNORECASE)
    if m:
        prefix = m.group(1).lower()
        body = body[m.end():]
        if prefix in ("alpha", "α"):
            raise FerroKitInputError(f"formula {text!r}: {_NON_SPINEL['hematite']}; FerroKit models spinel "
                                     "ferrites only (use 'gamma-Fe2O3' for maghemite)")
        if prefix not in ("gamma", "γ"):
            raise FerroKitInputError(f"formula {text!r}: the {prefix}-Fe2O3 polymorph is not a spinel; "
                                     "FerroKit models spinel ferrites only")
        want_maghemite = True

    counts = _parse_elements(body, text)
    if "O" not in counts:
        raise FerroKitInputError(f"formula {text!r} has no oxygen; expected a spinel oxide such as 'Fe3O4'")
    if "Fe" not in counts:
        raise FerroKitInputError(f"formula {text!r} contains no iron; FerroKit models iron-based spinels")
    elements = {el: counts[el] for el in _ORDER if el in counts}
    return _build(text, elements, want_maghemite)


def _build(text: str, elements: dict[str, float], want_maghemite: bool) -> Composition:
    scale = 4.0 / elements["O"]
    per4 = {el: c * scale for el, c in elements.items() if el != "O"}
    n_cat = sum(per4.values())
    if n_cat > 3.0 + _CHARGE_TOL:
        raise FerroKitInputError(
            f"formula {text!r}: {n_cat:.4g} cations per 4 O; a spinel has at most 3 (AB2O4)")
    if n_cat < 8.0 / 3.0 - _CHARGE_TOL:
        raise FerroKitInputError(
            f"formula {text!r}: {n_cat:.4g} cations per 4 O; a spinel has at least 8/3 (maghemite Fe8/3O4)")
    vac = max(0.0, 3.0 - n_cat)
    if vac < _CHARGE_TOL:
        vac = 0.0
    n_fe = per4["Fe"]
    dop = {el: c for el, c in per4.items() if el != "Fe"}
    zn = dop.get("Zn", 0.0)
    if zn > 1.0 + _TOL:
        raise FerroKitInputError(
            f"formula {text!r}: {zn:.4g} Zn per 4 O, but Zn²⁺ occupies tetrahedral sites and there is only "
            "1 such site per 4 O (0 ≤ x ≤ 1 in ZnxFe3−xO4)")
    rare_earth = dop.get("Gd", 0.0) + dop.get("Eu", 0.0)
    if rare_earth > _RARE_EARTH_WARN:
        warnings.warn(
            f"formula {text!r}: {rare_earth:.3g} Gd/Eu per 4 O exceeds the few-percent substitution usually "
            "reported in spinel ferrites; a second phase is likely and the model is extrapolated",
            UserWarning, stacklevel=3)
    q = 8.0 - sum(DOPANT_VALENCE[el] * c for el, c in dop.items())
    fe3 = q - 2.0 * n_fe
    fe2 = 3.0 * n_fe - q
    if fe3 < -_CHARGE_TOL or fe2 < -_CHARGE_TOL:
        need = q / n_fe
        raise FerroKitInputError(
            f"formula {text!r}: charges cannot balance: iron would need a mean valence of {need:.3g}, "
            "outside 2–3 (Fe²⁺/Fe³⁺) for 4 O²⁻")
    fe3 = min(max(fe3, 0.0), n_fe)
    fe2 = n_fe - fe3
    if fe2 < _CHARGE_TOL:
        fe2, fe3 = 0.0, n_fe

    # --- site occupancy: A (1 per 4 O), B (2 - vacancies per 4 O)
    tet: dict[str, float] = {}
    octa: dict[str, float] = {}
    zn = dop.get("Zn", 0.0)
    if zn > 0:
        tet["Zn2+"] = zn
    mn = dop.get("Mn", 0.0)
    if mn > 0:
        mn_a = min(MN_TETRAHEDRAL_FRACTION * mn, max(0.0, 1.0 - zn))
        if mn_a > 0:
            tet["Mn2+"] = mn_a
        if mn - mn_a > 0:
            octa["Mn2+"] = mn - mn_a
    for el in _B_SITE_DOPANTS:
        if el in dop:
            octa[f"{el}{DOPANT_VALENCE[el]}+"] = dop[el]
    if fe2 > 0:
        octa["Fe2+"] = fe2
    a_free = 1.0 - sum(tet.values())
    fe3_a = min(fe3, a_free)
    if a_free - fe3_a > _CHARGE_TOL:
        raise FerroKitInputError(
            f"formula {text!r}: impossible site occupancy: {a_free - fe3_a:.3g} tetrahedral sites per 4 O "
            "remain empty (not enough Zn²⁺, Mn²⁺ or Fe³⁺ for the A sublattice)")
    if fe3_a > 0:
        tet["Fe3+"] = fe3_a
    if fe3 - fe3_a > _TOL:
        octa["Fe3+"] = fe3 - fe3_a
    b_total = sum(octa.values())
    if b_total > 2.0 - vac + _CHARGE_TOL:
        raise FerroKitInputError(
            f"formula {text!r}: impossible site occupancy: {b_total:.4g} octahedral cations per 4 O, "
            f"but only {2.0 - vac:.4g} B sites are available")
    if vac > 0:
        octa["vacancy"] = vac

    tet = {k: round(v, 12) for k, v in tet.items()}
    octa = {k: round(v, 12) for k, v in octa.items()}
    ions: dict[str, float] = {}
    for site in (tet, octa):
        for k, v in site.items():
            if k != "vacancy":
                ions[k] = ions.get(k, 0.0) + v
    ions["O2-"] = 4.0

    # --- names and phase
    only_fe = not dop
    phase = "maghemite" if (only_fe and vac >= 1.0 / 3.0 - 5e-3) else "spinel"
    if want_maghemite and phase != "maghemite":
        raise FerroKitInputError(
            f"formula {text!r}: 'gamma-' denotes maghemite, Fe2O3 (= Fe8/3O4); "
            "this composition is not maghemite")
    name: str | None = None
    if only_fe and phase == "maghemite":
        name = "maghemite"
    elif only_fe and abs(fe2 - 1.0) < 1e-3:
        name = "magnetite"
    elif len(dop) == 1 and abs(next(iter(dop.values())) - 1.0) < 1e-3 and next(iter(dop)) in _FERRITE_NAMES:
        name = _FERRITE_NAMES[next(iter(dop))]

    # --- masses
    molar = sum(ATOMIC_MASS[el] * c for el, c in elements.items())
    fe_mass = ATOMIC_MASS["Fe"] * elements["Fe"]
    metal_mass = sum(ATOMIC_MASS[el] * c for el, c in elements.items() if el in _METALS)
    m4 = molar * scale

    # --- Vegard weights and lattice constant
    weights = {e: 0.0 for e in END_MEMBERS}
    weights["magnetite"] = fe2
    weights["maghemite"] = 3.0 * vac
    for el, em in DOPANT_END_MEMBER.items():
        weights[em] = dop.get(el, 0.0)
    total_w = sum(weights.values())
    weights = {k: v / total_w for k, v in weights.items() if v > 0}
    a = sum(w * table_value(e, "lattice_constant") for e, w in weights.items())
    density = 8.0 * m4 / (N_A * a**3)

    canonical = "".join(f"{el}{_fmt(elements[el])}" for el in _ORDER if el in elements)
    return Composition(
        text=text, formula=canonical, name=name, phase=phase,
        elements=MappingProxyType(dict(elements)), molar_mass=molar,
        iron_mass_fraction=fe_mass / molar, metal_mass_fraction=metal_mass / molar,
        dopants=MappingProxyType({el: dop[el] for el in _ORDER if el in dop}),
        fe2_per_formula_unit=fe2, fe3_per_formula_unit=fe3, fe2_fraction=fe2 / n_fe,
        ions=MappingProxyType(ions), tetrahedral=MappingProxyType(tet), octahedral=MappingProxyType(octa),
        vacancies=vac, formula_scale=scale, spinel_molar_mass=m4,
        vegard_weights=MappingProxyType(weights), lattice_constant=a, density=density,
    )


def as_composition(composition: Composition | str, name: str = "composition") -> Composition:
    """Return ``composition`` unchanged, or parse it when it is a string."""
    if isinstance(composition, Composition):
        return composition
    if isinstance(composition, str):
        return parse_formula(composition)
    raise FerroKitInputError(
        f"{name} must be a Composition or a formula string, got {type(composition).__name__}")


