"""Conversions between iron mass, oxide mass, iron molar concentration and volume fraction, and between
the mass bases on which a magnetisation is quoted (per kg oxide, per kg Fe, per kg metal, per kg particle).

All inputs and outputs are SI: kg, kg/m³ (= mg/mL), mol/m³ (= mM), A m²/kg. Scalars return floats, arrays
return arrays of the same shape.
"""

from __future__ import annotations

import numpy as np

from ferrokit._shared.validation import FerroKitInputError, check_choice, check_range
from ferrokit.materials.formula import ATOMIC_MASS, Composition, as_composition

__all__ = [
    "MAGNETIZATION_BASES",
    "convert_magnetization_basis",
    "iron_mass_concentration",
    "iron_mass_to_oxide_mass",
    "iron_molar_concentration",
    "oxide_mass_to_iron_mass",
    "oxide_volume_fraction",
]

#: Mass bases a magnetisation can be quoted on.
MAGNETIZATION_BASES: tuple[str, ...] = ("oxide", "iron", "metal", "particle")

_M_FE = ATOMIC_MASS["Fe"]


def _nonneg(name: str, value):
    """Validate a non-negative finite scalar or array; return float or float array."""
    if isinstance(value, bool):
        raise FerroKitInputError(f"{name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise FerroKitInputError(f"{name} must be finite (no NaN or inf)")
    if np.any(arr < 0):
        raise FerroKitInputError(f"{name} must be ≥ 0, got {float(arr.min()):g}")
    return float(arr) if arr.ndim == 0 else arr


def iron_mass_to_oxide_mass(iron_mass, composition: Composition | str):
    """Mass of oxide [kg] that contains ``iron_mass`` [kg] of Fe: :math:`m_{ox} = m_{Fe}/w_{Fe}`.

    >>> round(iron_mass_to_oxide_mass(0.724, "Fe3O4"), 2)
    1.0
    """
    m = _nonneg("iron_mass", iron_mass)
    return m / as_composition(composition).iron_mass_fraction


def oxide_mass_to_iron_mass(oxide_mass, composition: Composition | str):
    """Mass of Fe [kg] in ``oxide_mass`` [kg] of oxide: :math:`m_{Fe} = w_{Fe}\\,m_{ox}`.

    >>> round(oxide_mass_to_iron_mass(1.0, "Fe3O4"), 3)
    0.724
    """
    m = _nonneg("oxide_mass", oxide_mass)
    return m * as_composition(composition).iron_mass_fraction


def iron_molar_concentration(iron_mass_concentration):
    """Fe molar concentration [mol/m³ = mM] from Fe mass concentration [kg/m³ = mg/mL].

    :math:`c = ρ_{Fe}/M_{Fe}`.


    >>> round(iron_molar_concentration(1.0), 2)   # 1 mg Fe/mL
    17.91
    """
    return _nonneg("iron_mass_concentration", iron_mass_concentration) / _M_FE


def iron_mass_concentration(molar_concentration):
    """Fe mass concentration [kg/m³ = mg/mL] from Fe molar concentration [mol/m³ = mM].

    >>> round(iron_mass_concentration(1.0) * 1e3, 4)   # 1 mM Fe in mg/mL ×1000
    55.845
    """
    return _nonneg("molar_concentration", molar_concentration) * _M_FE


def oxide_volume_fraction(iron_molar_concentration, composition: Composition | str):
    """Volume fraction of oxide [1] at a given Fe molar concentration [mol/m³ = mM].

    .. math:: φ = \\frac{c_{Fe} M_{Fe}}{w_{Fe}\\,ρ_{ox}}

    with :math:`w_{Fe}` the Fe mass fraction and :math:`ρ_{ox}` the X-ray density of the oxide.

    >>> f"{oxide_volume_fraction(1.0, 'Fe3O4'):.3g}"
    '1.49e-05'
    >>> f"{oxide_volume_fraction(1.0, 'gamma-Fe2O3'):.3g}"
    '1.64e-05'
    """
    c = _nonneg("iron_molar_concentration", iron_molar_concentration)
    comp = as_composition(composition)
    return c * _M_FE / (comp.iron_mass_fraction * comp.density)


def _basis_factor(basis: str, comp: Composition, particle_mass_fraction: float | None) -> float:
    """Factor g with M_basis = M_oxide × g."""
    if basis == "oxide":
        return 1.0
    if basis == "iron":
        return 1.0 / comp.iron_mass_fraction
    if basis == "metal":
        return 1.0 / comp.metal_mass_fraction
    if particle_mass_fraction is None:
        raise FerroKitInputError(
            "particle_mass_fraction is required for the 'particle' basis: the mass of magnetic core per "
            "mass of coated particle, in (0, 1] (e.g. from TGA)")
    return particle_mass_fraction


def convert_magnetization_basis(value, from_basis: str, to_basis: str, composition: Composition | str,
                                particle_mass_fraction: float | None = None):
    """Convert a mass magnetisation [A m²/kg = emu/g] between mass bases.

    Parameters
    ----------
    value : float or array
        Magnetisation on ``from_basis`` [A m²/kg].
    from_basis, to_basis : {"oxide", "iron", "metal", "particle"}
        Per kg of oxide, per kg of Fe, per kg of all metals (Fe + dopants), or per kg of coated particle.
    composition : Composition or str
        The magnetic core.
    particle_mass_fraction : float, optional
        Mass of magnetic core per mass of coated particle, in (0, 1]; required when either basis is
        ``"particle"``.

    Notes
    -----
    With :math:`w_{Fe}`, :math:`w_{metal}` the Fe and metal mass fractions of the oxide and :math:`p` the
    core mass fraction of the particle: :math:`M_{Fe} = M_{ox}/w_{Fe}`, :math:`M_{metal} = M_{ox}/w_{metal}`,
    :math:`M_{particle} = p\\,M_{ox}`.

    Examples
    --------
    >>> round(convert_magnetization_basis(92.0, "oxide", "iron", "Fe3O4"), 1)
    127.1
    >>> convert_magnetization_basis(50.0, "oxide", "particle", "Fe3O4", particle_mass_fraction=0.5)
    25.0
    """
    check_choice("from_basis", from_basis, MAGNETIZATION_BASES)
    check_choice("to_basis", to_basis, MAGNETIZATION_BASES)
    if particle_mass_fraction is not None:
        particle_mass_fraction = check_range("particle_mass_fraction", particle_mass_fraction, 0.0, 1.0,
                                             low_inclusive=False)
    v = np.asarray(value, dtype=float) if not isinstance(value, bool) else None
    if v is None or not np.all(np.isfinite(v)):
        raise FerroKitInputError(f"value must be a finite magnetisation in A m2/kg, got {value!r}")
    comp = as_composition(composition)
    g_from = _basis_factor(from_basis, comp, particle_mass_fraction)
    g_to = _basis_factor(to_basis, comp, particle_mass_fraction)
    out = v * (g_to / g_from)
    return float(out) if out.ndim == 0 else out

