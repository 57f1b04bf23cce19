"""Bulk magnetic properties of spinel ferrites: Ms(T), Curie temperature, cubic K1(T), anisotropy barrier.

Model chain (each step documented in its function and in ``docs/materials.md``):

1. **Néel two-sublattice moment** per 4-O formula unit, :math:`n = M_B\\cos α - M_A`, from the cation
   distribution of :func:`ferrokit.materials.parse_formula` and spin-only ionic moments (Néel, Ann Phys
   (Paris) 1948 12:137, doi:10.1051/anphys/194812030137).
2. **Yafet–Kittel canting** of the B sublattice when the A sublattice is diluted (Zn): see
   :func:`yafet_kittel_cosine` (Yafet & Kittel, Phys Rev 1952 87:290, doi:10.1103/PhysRev.87.290).
3. **End-member correction**: tabulated Ms(0 K) of each end member over its spin-only Néel value
   (orbital moments, partial inversion), averaged with the Vegard weights.
4. **Temperature**: Kuz'min's form :math:`m(τ) = [1 - sτ^{3/2} - (1-s)τ^{5/2}]^{1/3}` (Phys Rev Lett 2005
   94:107204, doi:10.1103/PhysRevLett.94.107204), with *s* fitted per end member to the tabulated Ms(0 K)
   and Ms(300 K) and the Curie temperature diluted by non-magnetic ions (mean-field
   :math:`T_C ∝ \\sqrt{n_A n_B}`).

Tabulated values and their status are in ``_data/bulk_properties.csv`` and ``_data/SOURCES.md``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from types import MappingProxyType

from ferrokit._shared.validation import FerroKitInputError, check_finite, check_nonnegative
from ferrokit.constants import MU_B, N_A
from ferrokit.materials._tables import END_MEMBERS, table_value
from ferrokit.materials.formula import Composition, as_composition, parse_formula

__all__ = [
    "IONIC_MOMENTS",
    "YAFET_KITTEL_RATIO",
    "BulkMagneticProperties",
    "anisotropy_barrier_density",
    "anisotropy_constant",
    "bulk_magnetic_properties",
    "curie_temperature",
    "net_moment_per_formula_unit",
    "reduced_magnetization",
    "saturation_magnetization",
    "saturation_magnetization_volume",
    "yafet_kittel_cosine",
    "zinc_canting_factor",
]

#: Spin-only ionic moments 2S [μ_B] (Hund's rules): Fe³⁺ d⁵, Fe²⁺ d⁶, Mn²⁺ d⁵, Co²⁺ d⁷, Ni²⁺ d⁸, Zn²⁺ d¹⁰,
#: Gd³⁺ f⁷, Eu³⁺ (J = 0 ground state, no moment at low T).
IONIC_MOMENTS: Mapping[str, float] = MappingProxyType({
    "Fe3+": 5.0, "Fe2+": 4.0, "Mn2+": 5.0, "Co2+": 3.0, "Ni2+": 2.0, "Zn2+": 0.0, "Gd3+": 7.0, "Eu3+": 0.0,
})
#: Ions whose moment is counted in the collinear sublattice sum. Gd³⁺ 4f moments couple only weakly to the
#: 3d sublattices (4f–3d exchange ≪ 3d–3d) and are taken as disordered above a few tens of K: counted 0.
_ORDERED = {"Fe3+", "Fe2+", "Mn2+", "Co2+", "Ni2+"}

#: Effective exchange ratio κ of the mean-field Yafet–Kittel condition cos α = min(1, κ M_A/M_B).
#: Calibrated (not fitted to a single data set) so that the Ms(0 K) maximum of ZnxFe3−xO4 lies at x ≈ 0.35,
#: between the maxima reported by Petrova, Kotsikau & Pankov (J Magn Magn Mater 2015 378:429) for sol-gel
#: ZnxFe3−xO4 nanoparticles: x = 0.18 at 300 K, x = 0.45 at 5 K [seen-abstract].
YAFET_KITTEL_RATIO: float = 2.9

_END_FORMULA = {"magnetite": "Fe3O4", "maghemite": "gamma-Fe2O3", "MnFe2O4": "MnFe2O4",
                "CoFe2O4": "CoFe2O4", "NiFe2O4": "NiFe2O4", "ZnFe2O4": "ZnFe2O4"}
_ROOM = 300.0
_P = 2.5  # Kuz'min exponent p = 5/2
_CALLEN_EXPONENT = 10.0  # l(l+1)/2 with l = 4 for cubic K1 (Callen & Callen 1966)
_MU_B_MOLAR = MU_B * N_A  # A m² per mol of μ_B


# ---------------------------------------------------------------- moments

def _sublattice_moments(comp: Composition) -> tuple[float, float]:
    m_a = sum(IONIC_MOMENTS[i] * n for i, n in comp.tetrahedral.items() if i in _ORDERED)
    m_b = sum(IONIC_MOMENTS[i] * n for i, n in comp.octahedral.items() if i in _ORDERED)
    return m_a, m_b


def yafet_kittel_cosine(composition: Composition | str) -> float:
    """Cosine of the Yafet–Kittel canting angle of the B-sublattice spins [1].

    .. math:: \\cos α_{YK} = \\min\\left(1, κ \\frac{M_A}{M_B}\\right)

    In the molecular-field treatment of Yafet & Kittel (Phys Rev 1952 87:290, doi:10.1103/PhysRev.87.290)
    the B spins cant when the B–B antiferromagnetic field outweighs the A–B field that holds them
    antiparallel to A; the A–B field on a B spin scales with the A-sublattice moment :math:`M_A` and the
    B–B field with :math:`M_B` (moments per 4 O). :math:`κ` = :data:`YAFET_KITTEL_RATIO` lumps the exchange
    constants and coordination numbers; it is calibrated, see its docstring.

    Validity: collinear for all undiluted end members (largest need is κ ≥ 2 for MnFe2O4); canting appears
    only with a diluted A sublattice (Zn). Bulk, 0 K; surface canting in nanoparticles is separate
    (:func:`ferrokit.materials.dead_layer_magnetization`).

    >>> yafet_kittel_cosine("Fe3O4")
    1.0
    >>> round(yafet_kittel_cosine("Zn0.6Fe2.4O4"), 3)
    0.604
    """
    m_a, m_b = _sublattice_moments(as_composition(composition))
    if m_b <= 0:
        return 1.0
    return min(1.0, YAFET_KITTEL_RATIO * m_a / m_b)


def net_moment_per_formula_unit(composition: Composition | str, *, canting: bool = True) -> float:
    """Spin-only Néel moment per 4-O formula unit [μ_B] at 0 K.

    .. math:: n_B = \\left| M_B \\cos α_{YK} - M_A \\right|,\\quad M_X = \\sum_{i∈X} n_i μ_i

    with the site occupancies :math:`n_i` of the composition and the spin-only moments :data:`IONIC_MOMENTS`
    (Néel 1948, doi:10.1051/anphys/194812030137). ``canting=False`` gives the collinear Néel value.

    >>> net_moment_per_formula_unit("Fe3O4"), net_moment_per_formula_unit("NiFe2O4")
    (4.0, 2.0)
    >>> net_moment_per_formula_unit("ZnFe2O4")
    0.0
    """
    comp = as_composition(composition)
    m_a, m_b = _sublattice_moments(comp)
    cos_a = yafet_kittel_cosine(comp) if canting else 1.0
    return abs(m_b * cos_a - m_a)


def zinc_canting_factor(x: float) -> float:
    """Yafet–Kittel canting cosine of ZnxFe3−xO4 [1] (1 = collinear), for 0 ≤ x ≤ 1.

    Zn²⁺ replaces A-site Fe³⁺ and Fe²⁺ on B turns into Fe³⁺: :math:`M_A = 5(1-x)`, :math:`M_B = 9 + x`, so
    :math:`\\cos α = \\min(1, 5κ(1-x)/(9+x))`; canting starts at :math:`x_c = (5κ-9)/(5κ+1) ≈ 0.355`. The
    net moment rises as :math:`4 + 6x` below :math:`x_c` and falls as :math:`5(κ-1)(1-x)` above it.

    >>> zinc_canting_factor(0.2)
    1.0
    >>> round(zinc_canting_factor(0.5), 3)
    0.763
    """
    x = check_finite("x", x)
    if not 0.0 <= x <= 1.0:
        raise FerroKitInputError(f"x must lie in [0, 1] (Zn per formula unit of ZnxFe3−xO4), got {x:g}")
    m_a, m_b = 5.0 * (1.0 - x), 9.0 + x
    return min(1.0, YAFET_KITTEL_RATIO * m_a / m_b)


# ---------------------------------------------------------------- temperature dependence

def reduced_magnetization(temperature: float, curie_temperature: float, s: float) -> float:
    """Kuz'min's reduced spontaneous magnetisation :math:`m = M_s(T)/M_s(0)` [1].

    .. math:: m(τ) = \\left[1 - sτ^{3/2} - (1-s)τ^{5/2}\\right]^{1/3},\\quad τ = T/T_C

    Bloch's :math:`T^{3/2}` law at low T and the mean-field-like critical exponent 1/3 near :math:`T_C`
    (Kuz'min, Phys Rev Lett 2005 94:107204, doi:10.1103/PhysRevLett.94.107204). Monotonic for
    0 < s < 5/2. Returns 0 at and above :math:`T_C`.

    >>> reduced_magnetization(0.0, 858.0, 0.7)
    1.0
    >>> reduced_magnetization(858.0, 858.0, 0.7)
    0.0
    """
    t = check_nonnegative("temperature", temperature, unit="K")
    tc = check_nonnegative("curie_temperature", curie_temperature, unit="K")
    if not 0.0 < s < 2.5:
        raise FerroKitInputError(f"s must lie in (0, 2.5) for a monotonic m(T), got {s:g}")
    if tc == 0.0 or t >= tc:
        return 0.0
    tau = t / tc
    val = 1.0 - s * tau**1.5 - (1.0 - s) * tau**_P
    return max(val, 0.0) ** (1.0 / 3.0)


def _fit_s(m300: float, tc: float) -> float:
    tau = _ROOM / tc
    return (1.0 - tau**_P - m300**3) / (tau**1.5 - tau**_P)


@dataclass(frozen=True)
class _EndMember:
    ms0: float  # A m²/kg oxide, 0 K
    tc: float
    s: float
    k1_0: float | None  # J/m³ extrapolated to 0 K by Callen–Callen; None if not magnetic
    moment_ratio: float | None  # tabulated Ms(0) / spin-only Néel Ms(0)


@cache
def _end_member(name: str) -> _EndMember:
    ms0 = table_value(name, "ms_0K")
    ms300 = table_value(name, "ms_300K")
    tc = table_value(name, "curie_temperature")
    k1 = table_value(name, "k1_300K")
    if tc is None:  # not ferrimagnetic (ZnFe2O4)
        return _EndMember(0.0, 0.0, _end_member("magnetite").s, None, None)
    if ms0 is None:  # maghemite: only Ms(300 K) tabulated; use magnetite's curve shape
        s = _end_member("magnetite").s
        ms0 = ms300 / reduced_magnetization(_ROOM, tc, s)
    else:
        s = _fit_s(ms300 / ms0, tc)
    comp = parse_formula(_END_FORMULA[name])
    neel = net_moment_per_formula_unit(comp) * _MU_B_MOLAR / comp.spinel_molar_mass
    m300 = reduced_magnetization(_ROOM, tc, s)
    k1_0 = None if k1 is None else k1 / m300**_CALLEN_EXPONENT
    return _EndMember(ms0, tc, s, k1_0, ms0 / neel)


def _magnetic_weights(comp: Composition) -> dict[str, float]:
    w = {e: v for e, v in comp.vegard_weights.items() if _end_member(e).moment_ratio is not None}
    total = sum(w.values())
    return {e: v / total for e, v in w.items()} if total > 0 else {}


def _dilution(comp: Composition) -> float:
    """Fraction-of-magnetic-sites factor sqrt((1 - f_A)(1 - f_B)) for the mean-field Curie temperature."""
    f_a = sum(n for i, n in comp.tetrahedral.items() if i not in _ORDERED)
    f_b = sum(n for i, n in comp.octahedral.items() if i not in _ORDERED and i != "vacancy") / 2.0
    return math.sqrt(max(0.0, 1.0 - f_a) * max(0.0, 1.0 - f_b))


def curie_temperature(composition: Composition | str) -> float:
    """Curie temperature of the ferrimagnetic order [K]; 0.0 when there is none (bulk ZnFe2O4).

    .. math:: T_C = \\left(\\sum_e w_e T_{C,e}\\right) \\sqrt{(1-f_A)(1-f_B)}

    :math:`w_e`: Vegard weights of the magnetic end members (renormalised, ZnFe2O4 excluded);
    :math:`f_A, f_B`: fractions of A and B sites held by ions without an ordered moment (Zn²⁺, Gd³⁺,
    Eu³⁺). The square root is the Néel mean-field result :math:`T_C ∝ \\sqrt{C_A C_B}\\,|n_{AB}|` with the
    Curie constants proportional to the number of magnetic ions on each sublattice [model; not validated
    against measured Tc series].

    >>> curie_temperature("Fe3O4")
    858.0
    >>> round(curie_temperature("Zn0.4Mn0.6Fe2O4"))
    444
    """
    comp = as_composition(composition)
    w = _magnetic_weights(comp)
    if not w:
        return 0.0
    return sum(v * _end_member(e).tc for e, v in w.items()) * _dilution(comp)


def _check_temperature(temperature: float) -> float:
    return check_nonnegative("temperature", temperature, unit="K")


def saturation_magnetization(composition: Composition | str, temperature: float = 300.0) -> float:
    """Bulk saturation magnetisation per kg of **oxide** [A m²/kg = emu/g].

    .. math:: M_s(T) = r\\,\\frac{n_B N_A μ_B}{M_{4O}}\\, m\\!\\left(\\frac{T}{T_C}; s\\right)

    :math:`n_B`: canted Néel moment (:func:`net_moment_per_formula_unit`); :math:`M_{4O}`: molar mass of the
    4-O formula unit; :math:`r = \\sum_e w_e\\, M_{s,e}^{tab}(0)/M_{s,e}^{Néel}(0)` the end-member correction
    (exact for each end member); :math:`m`: :func:`reduced_magnetization` with :math:`s = \\sum_e w_e s_e`
    and :math:`T_C` from :func:`curie_temperature`.

    Validity: bulk, equilibrium cation distribution of the site rule; end members reproduce their tabulated
    Ms(0 K) and Ms(300 K) exactly. Mixed ferrites are a model (see ``docs/materials.md``). Nanoparticles:
    apply :func:`ferrokit.materials.dead_layer_magnetization`.

    Parameters
    ----------
    composition : Composition or str
    temperature : float
        Temperature [K], ≥ 0.

    Examples
    --------
    >>> round(saturation_magnetization("Fe3O4", 300.0), 1), round(saturation_magnetization("Fe3O4", 0.0), 1)
    (92.0, 98.0)
    >>> saturation_magnetization("ZnFe2O4", 300.0)
    0.0
    """
    comp = as_composition(composition)
    t = _check_temperature(temperature)
    w = _magnetic_weights(comp)
    if not w:
        return 0.0
    n_b = net_moment_per_formula_unit(comp)
    r = sum(v * _end_member(e).moment_ratio for e, v in w.items())
    s = sum(v * _end_member(e).s for e, v in w.items())
    ms0 = r * n_b * _MU_B_MOLAR / comp.spinel_molar_mass
    return ms0 * reduced_magnetization(t, curie_temperature(comp), s)


def saturation_magnetization_volume(composition: Composition | str, temperature: float = 300.0) -> float:
    """Bulk saturation magnetisation per volume [A/m]: :math:`M_s^{vol} = M_s^{mass}\\,ρ` (X-ray density).

    >>> round(saturation_magnetization_volume("Fe3O4", 300.0) / 1e3)
    478
    """
    comp = as_composition(composition)
    return saturation_magnetization(comp, temperature) * comp.density


def anisotropy_constant(composition: Composition | str, temperature: float = 300.0) -> float:
    """First cubic magnetocrystalline anisotropy constant K1 [J/m³], signed.

    .. math:: K_1(T) = \\left(\\sum_e w_e K_{1,e}(0)\\right) m(T)^{10},\\quad
              K_{1,e}(0) = K_{1,e}(300\\,K)/m_e(300\\,K)^{10}

    Callen–Callen scaling :math:`K_1 ∝ m^{l(l+1)/2}`, l = 4 (Callen & Callen, J Phys Chem Solids 1966
    27:1271, doi:10.1016/0022-3697(66)90012-6), with a linear (single-ion additive) mixture of end members
    weighted by the Vegard weights (ZnFe2O4 excluded). End members reproduce their tabulated K1(300 K).

    Validity: not below ≈130 K for Fe²⁺-containing spinels (magnetite's isotropic point and Verwey
    transition; a warning is issued); K1 of CoFe2O4 depends strongly on inversion and processing.

    >>> anisotropy_constant("Fe3O4")
    -11000.0
    >>> anisotropy_constant("CoFe2O4") > 0
    True
    """
    comp = as_composition(composition)
    t = _check_temperature(temperature)
    if t < 130.0 and comp.fe2_per_formula_unit > 0:
        warnings.warn(f"K1 of Fe²⁺-containing spinels below ~130 K (here {t:g} K) is outside the model: "
                      "magnetite changes the sign of K1 near 130 K and has its Verwey transition near 120 K",
                      UserWarning, stacklevel=2)
    w = {e: v for e, v in _magnetic_weights(comp).items() if _end_member(e).k1_0 is not None}
    if not w:
        return 0.0
    total = sum(w.values())
    k1_0 = sum(v * _end_member(e).k1_0 for e, v in w.items()) / total
    s = sum(v * _end_member(e).s for e, v in w.items()) / total
    m = reduced_magnetization(t, curie_temperature(comp), s)
    return k1_0 * m**_CALLEN_EXPONENT


def anisotropy_barrier_density(composition: Composition | str, temperature: float = 300.0) -> float:
    """Energy barrier per unit volume between easy directions from cubic anisotropy [J/m³].

    .. math:: \\frac{ΔE}{V} = \\begin{cases}
              K_1/4 & K_1 > 0 \\ (\\text{easy } ⟨100⟩, \\text{ saddle } ⟨110⟩)\\\\
              |K_1|/12 & K_1 < 0 \\ (\\text{easy } ⟨111⟩, \\text{ saddle } ⟨110⟩) \\end{cases}

    From :math:`E/V = K_1(α_1^2α_2^2 + α_2^2α_3^2 + α_3^2α_1^2)`, which is 0, K1/4 and K1/3 along ⟨100⟩,
    ⟨110⟩ and ⟨111⟩ (e.g. Cullity & Graham, Introduction to Magnetic Materials, 2nd ed. 2009, ch. 7,
    doi:10.1002/9780470386323); :math:`K_2` neglected.

    >>> round(anisotropy_barrier_density("Fe3O4"), 1)
    916.7
    """
    k1 = anisotropy_constant(composition, temperature)
    return k1 / 4.0 if k1 > 0 else abs(k1) / 12.0


@dataclass(frozen=True)
class BulkMagneticProperties:
    """Bulk magnetic properties of one composition at one temperature (SI), with the model used."""

    formula: str
    temperature: float
    saturation_magnetization: float
    saturation_magnetization_volume: float
    moment_per_formula_unit: float
    canting_cosine: float
    curie_temperature: float
    anisotropy_constant: float
    anisotropy_barrier_density: float
    model: str

    def to_dict(self) -> dict:
        """JSON-friendly dictionary with a ``units`` entry."""
        out = asdict(self)
        out["units"] = {
            "temperature": "K", "saturation_magnetization": "A m2/kg (per kg oxide)",
            "saturation_magnetization_volume": "A/m", "moment_per_formula_unit": "Bohr magneton per 4 O",
            "canting_cosine": "1", "curie_temperature": "K", "anisotropy_constant": "J/m3",
            "anisotropy_barrier_density": "J/m3",
        }
        return out


def bulk_magnetic_properties(composition: Composition | str, temperature: float = 300.0
                             ) -> BulkMagneticProperties:
    """All bulk magnetic properties of ``composition`` at ``temperature`` [K] as one frozen result.

    >>> p = bulk_magnetic_properties("Fe3O4")
    >>> p.moment_per_formula_unit, round(p.saturation_magnetization, 1)
    (4.0, 92.0)
    """
    comp = as_composition(composition)
    t = _check_temperature(temperature)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k1 = anisotropy_constant(comp, t)
        barrier = anisotropy_barrier_density(comp, t)
    if t < 130.0 and comp.fe2_per_formula_unit > 0:
        warnings.warn("K1 below ~130 K is outside the model for Fe²⁺-containing spinels", UserWarning,
                      stacklevel=2)
    return BulkMagneticProperties(
        formula=comp.formula, temperature=t,
        saturation_magnetization=saturation_magnetization(comp, t),
        saturation_magnetization_volume=saturation_magnetization_volume(comp, t),
        moment_per_formula_unit=net_moment_per_formula_unit(comp),
        canting_cosine=yafet_kittel_cosine(comp), curie_temperature=curie_temperature(comp),
        anisotropy_constant=k1, anisotropy_barrier_density=barrier,
        model="Neel two-sublattice + Yafet-Kittel canting + Kuz'min m(T) + Callen-Callen K1(T); bulk",
    )


def end_members() -> tuple[str, ...]:
    """Names of the tabulated end members."""
    return END_MEMBERS
