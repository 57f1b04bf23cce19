"""Inner-sphere r1 of ultrasmall iron-oxide cores: surface Fe³⁺ (S = 5/2), Solomon–Bloembergen–Morgan (SBM).

**An approximate, adjustable surface term**, not a first-principles prediction. Water coordinated to Fe³⁺ at the
particle surface exchanges with bulk water; each surface Fe is treated as an isolated S = 5/2 ion relaxing its
bound water protons by the dipolar SBM mechanism. This ignores the exchange coupling of surface spins to the
ferrimagnetic core (which changes their electron relaxation) and the scalar (contact) term; its parameters are
not known for any particle and are exposed as inputs with literature-order defaults (:class:`InnerSphereParameters`).

Equations (SI; standard SBM forms as summarised in reviews of paramagnetic contrast agents, e.g. Caravan, Chem.
Soc. Rev. 35 (2006) 512, doi:10.1039/b510982p, and Lauffer, Chem. Rev. 87 (1987) 901 — forms [S], recalled from
secondary sources, the papers were not re-read here):

.. math::

    r_1^{IS} = x_s \\frac{q}{[\\mathrm{H_2O}]} \\frac{1}{T_{1m} + \\tau_m}, \\qquad
    \\frac{1}{T_{1m}} = \\frac{2}{15}\\Big(\\frac{\\mu_0}{4\\pi}\\Big)^2
        \\frac{\\gamma_I^2 g^2 \\mu_B^2 S(S+1)}{r^6}
        \\Big[\\frac{3\\tau_{c1}}{1 + \\omega_I^2\\tau_{c1}^2} + \\frac{7\\tau_{c2}}{1 + \\omega_S^2\\tau_{c2}^2}\\Big],

    \\frac{1}{\\tau_{ci}} = \\frac{1}{\\tau_R} + \\frac{1}{\\tau_m} + \\frac{1}{T_{ie}}, \\qquad
    \\frac{1}{T_{1e}} = 2C\\Big[\\frac{1}{1 + \\omega_S^2\\tau_v^2} + \\frac{4}{1 + 4\\omega_S^2\\tau_v^2}\\Big],\\
    \\frac{1}{T_{2e}} = C\\Big[3 + \\frac{5}{1 + \\omega_S^2\\tau_v^2} + \\frac{2}{1 + 4\\omega_S^2\\tau_v^2}\\Big],\\
    C = \\frac{\\Delta^2\\tau_v}{50}\\,[4S(S+1) - 3]

(Bloembergen–Morgan electron relaxation by a transient zero-field splitting Δ² with correlation time τ_v).
r1 is per mM of **all** Fe (s⁻¹ per mol m⁻³): x_s is the fraction of Fe in the surface layer and [H₂O] =
55.5 mol L⁻¹ = 5.55×10⁴ mol m⁻³. ω_I = γ_I B0, ω_S = γ_e B0.

Surface fraction: Fe in a shell of one Fe–O layer of thickness δ on a sphere of diameter d,
x_s = 1 − (1 − 2δ/d)³ (≈ 6δ/d for d ≫ δ; 1 when d ≤ 2δ). Default δ = a/(2√3) = 0.242 nm, the spacing of the
Fe-containing (111) planes of the spinel lattice (a = 0.8396 nm for magnetite [S]); 0.2–0.3 nm is the
plausible range of "one Fe–O layer".

Rotational correlation time: by default the Stokes–Einstein–Debye time of the particle (rank-2),
τ_R = 4πηr_h³/(3k_BT), with r_h the hydrodynamic radius (rotation of the whole particle carries the Fe–H
vector; local libration of the bound water is ignored).

Parameter defaults and their status (none verified in an original paper for iron-oxide surfaces):

===================== ============== ========================================================================
parameter             default        basis / status
===================== ============== ========================================================================
q                     1              one exchangeable water (or OH) per surface Fe [U, assumption]
r_feh                 2.7e-10 m      Fe(III)–water-proton distance, typical of Fe(III) aqua/chelates [U]
tau_m                 1e-7 s         water residence time on surface Fe [U, order of Fe(III) chelates]
delta2                1e20 s⁻²       transient ZFS squared, order of Fe(III) chelates [U]
tau_v                 1e-11 s        ZFS correlation time, order of metal chelates (Gd: ~10 ps) [U]
layer_thickness       2.42e-10 m     (111) Fe-plane spacing of magnetite, a/(2√3) [computed from a [S]]
===================== ============== ========================================================================

Because every default is unverified, no pass/fail test depends on the absolute value of r1_IS; the tests check
the structure (limits, field dependence, 1/d scaling) by hand calculation.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ferrokit._shared.validation import FerroKitInputError, check_finite, check_positive, check_range
from ferrokit.constants import GAMMA_PROTON, K_B, MU_0, MU_B
from ferrokit.magnetism import water_viscosity
from ferrokit.mri.outer_sphere import GAMMA_ELECTRON

__all__ = [
    "FE3_SPIN",
    "MAGNETITE_LAYER",
    "WATER_MOLARITY",
    "InnerSphereParameters",
    "InnerSphereRate",
    "electron_relaxation_rates",
    "inner_sphere_r1",
    "rotational_correlation_time",
    "sbm_t1m",
    "surface_fraction",
]

#: Spin of high-spin Fe³⁺.
FE3_SPIN = 2.5
#: Electron g factor used for Fe³⁺ (free-electron value; high-spin d⁵ has g ≈ 2).
G_FE3 = 2.0
#: Water concentration [mol m⁻³] (55.5 mol/L) used in the q/[H₂O] factor, as in the contrast-agent literature.
WATER_MOLARITY = 55.5e3
#: Spacing of the Fe-containing (111) planes of magnetite, a/(2√3) with a = 0.8396 nm [m].
MAGNETITE_LAYER = 0.8396e-9 / (2.0 * math.sqrt(3.0))


@dataclass(frozen=True)
class InnerSphereParameters:
    """Adjustable parameters of the surface Fe³⁺ inner-sphere term (SI). Defaults: see the module table (all [U]).

    ``tau_r=None`` → the Stokes–Einstein–Debye rotation time of the particle (:func:`rotational_correlation_time`).
    """

    q: float = 1.0
    r_feh: float = 2.7e-10
    tau_m: float = 1e-7
    delta2: float = 1e20
    tau_v: float = 1e-11
    tau_r: float | None = None
    layer_thickness: float = MAGNETITE_LAYER
    spin: float = FE3_SPIN

    def __post_init__(self) -> None:
        check_range("q", self.q, 0.0, 6.0)
        check_range("r_feh", self.r_feh, 1.5e-10, 5e-10, unit="m")
        check_range("tau_m", self.tau_m, 1e-12, 1e-2, unit="s")
        check_range("delta2", self.delta2, 0.0, 1e24, unit="s-2")
        check_range("tau_v", self.tau_v, 1e-15, 1e-8, unit="s")
        if self.tau_r is not None:
            check_range("tau_r", self.tau_r, 1e-13, 1e-3, unit="s")
        check_range("layer_thickness", self.layer_thickness, 1e-11, 1e-9, unit="m")
        check_range("spin", self.spin, 0.5, 3.5)

    def to_dict(self) -> dict[str, Any]:
        units = {"q": "1", "r_feh": "m", "tau_m": "s", "delta2": "s-2", "tau_v": "s", "tau_r": "s",
                 "layer_thickness": "m", "spin": "1"}
        return {k: {"value": v, "unit": units[k]} for k, v in asdict(self).items()}


@dataclass(frozen=True)
class InnerSphereRate:
    """Result of :func:`inner_sphere_r1` (SI).

    r1 [s⁻¹ per mol m⁻³ of all Fe = mM⁻¹ s⁻¹]; r1_surface the same per mM of surface Fe; surface_fraction x_s;
    t1m, tau_m, tau_r, t1e, t2e, tau_c1, tau_c2 [s]; field [T]; parameters the inputs used.
    """

    r1: float
    r1_surface: float
    surface_fraction: float
    t1m: float
    tau_m: float
    tau_r: float
    t1e: float
    t2e: float
    tau_c1: float
    tau_c2: float
    field: float
    parameters: InnerSphereParameters

    def to_dict(self) -> dict[str, Any]:
        rel = "s-1 per mol/m3 Fe (= mM-1 s-1)"
        out: dict[str, Any] = {"r1": {"value": self.r1, "unit": rel},
                               "r1_surface": {"value": self.r1_surface, "unit": "s-1 per mol/m3 surface Fe"},
                               "surface_fraction": {"value": self.surface_fraction, "unit": "1"},
                               "field": {"value": self.field, "unit": "T"}}
        for k in ("t1m", "tau_m", "tau_r", "t1e", "t2e", "tau_c1", "tau_c2"):
            out[k] = {"value": getattr(self, k), "unit": "s"}
        out["parameters"] = self.parameters.to_dict()
        out["model"] = "inner-sphere surface Fe3+ (SBM, dipolar), approximate adjustable surface term"
        return out


def surface_fraction(diameter: float, layer_thickness: float = MAGNETITE_LAYER) -> float:
    """Fraction of the Fe of a sphere of diameter d lying in the outer layer of thickness δ: 1 − (1 − 2δ/d)³.

    >>> round(surface_fraction(3e-9, 0.25e-9), 4)
    0.4213
    >>> surface_fraction(0.4e-9, 0.25e-9)
    1.0
    """
    d = check_positive("diameter", diameter, unit="m")
    t = check_positive("layer_thickness", layer_thickness, unit="m")
    if d <= 2.0 * t:
        return 1.0
    return 1.0 - (1.0 - 2.0 * t / d) ** 3


def rotational_correlation_time(hydrodynamic_diameter: float, temperature: float) -> float:
    """Rank-2 Stokes–Einstein–Debye rotational correlation time τ_R = 4πη r_h³/(3 k_B T) in water [s].

    >>> round(rotational_correlation_time(5e-9, 310.15) * 1e9, 2)
    10.57
    """
    dh = check_positive("hydrodynamic_diameter", hydrodynamic_diameter, unit="m")
    t = check_range("temperature", temperature, 273.15, 373.15, unit="K")
    eta = float(water_viscosity(t))
    return 4.0 * math.pi * eta * (0.5 * dh) ** 3 / (3.0 * K_B * t)


def electron_relaxation_rates(field: float, delta2: float, tau_v: float, spin: float = FE3_SPIN) -> tuple[float, float]:
    """Bloembergen–Morgan electron relaxation rates (1/T1e, 1/T2e) [s⁻¹] at B0 (see module equations).

    At B0 = 0 both equal 10 C = (Δ²τ_v/5)[4S(S+1) − 3]:

    >>> r1e, r2e = electron_relaxation_rates(0.0, 1e20, 1e-11)
    >>> round(r1e / 1e9, 3), round(r2e / 1e9, 3)
    (6.4, 6.4)
    """
    b0 = check_range("field", field, 0.0, 30.0, unit="T")
    c = delta2 * tau_v / 50.0 * (4.0 * spin * (spin + 1.0) - 3.0)
    x2 = (GAMMA_ELECTRON * b0 * tau_v) ** 2
    return (2.0 * c * (1.0 / (1.0 + x2) + 4.0 / (1.0 + 4.0 * x2)),
            c * (3.0 + 5.0 / (1.0 + x2) + 2.0 / (1.0 + 4.0 * x2)))


def sbm_t1m(field: float, r_feh: float, tau_c1: float, tau_c2: float, spin: float = FE3_SPIN,
            g: float = G_FE3) -> float:
    """Dipolar SBM longitudinal relaxation time T1m [s] of a proton at r_feh from an electron spin S.

    ``tau_c1``/``tau_c2`` are the correlation times (1/τ_R + 1/τ_m + 1/T_{1e,2e})⁻¹; see the module equations.
    """
    b0 = check_range("field", field, 0.0, 30.0, unit="T")
    k = 2.0 / 15.0 * (MU_0 / (4.0 * math.pi)) ** 2 * GAMMA_PROTON**2 * (g * MU_B) ** 2 * spin * (spin + 1.0)
    k /= check_positive("r_feh", r_feh, unit="m") ** 6
    wi = GAMMA_PROTON * b0
    ws = GAMMA_ELECTRON * b0
    rate = k * (3.0 * tau_c1 / (1.0 + (wi * tau_c1) ** 2) + 7.0 * tau_c2 / (1.0 + (ws * tau_c2) ** 2))
    return 1.0 / rate


def inner_sphere_r1(diameter: float, *, field: float, temperature: float = 310.15,
                    hydrodynamic_diameter: float | None = None,
                    parameters: InnerSphereParameters | None = None) -> InnerSphereRate:
    """Approximate inner-sphere r1 [mM⁻¹ s⁻¹ per mM of all Fe] of surface Fe³⁺ of a core of diameter d.

    Parameters
    ----------
    diameter : float
        Core diameter d [m] (sets the surface fraction x_s).
    field : float
        B0 [T], 0–30.
    temperature : float
        [K] (water viscosity for τ_R).
    hydrodynamic_diameter : float, optional
        For τ_R when ``parameters.tau_r`` is None; default: the core diameter.
    parameters : InnerSphereParameters, optional
        q, r_FeH, τ_m, Δ², τ_v, τ_R, layer thickness (defaults [U], see the module table).

    Examples
    --------
    Default parameters, 3 nm core with a 5 nm hydrodynamic diameter at 3 T and 37 °C:

    >>> out = inner_sphere_r1(3e-9, field=3.0, hydrodynamic_diameter=5e-9)
    >>> round(out.surface_fraction, 3), round(out.r1, 2)
    (0.411, 4.41)
    """
    p = parameters if parameters is not None else InnerSphereParameters()
    if not isinstance(p, InnerSphereParameters):
        raise FerroKitInputError(f"parameters must be InnerSphereParameters, got {type(p).__name__}")
    d = check_positive("diameter", diameter, unit="m")
    b0 = check_range("field", field, 0.0, 30.0, unit="T")
    t = check_finite("temperature", temperature)
    xs = surface_fraction(d, p.layer_thickness)
    if p.tau_r is not None:
        tau_r = p.tau_r
    else:
        dh = d if hydrodynamic_diameter is None else check_positive("hydrodynamic_diameter", hydrodynamic_diameter,
                                                                    unit="m")
        tau_r = rotational_correlation_time(dh, t)
    r1e, r2e = electron_relaxation_rates(b0, p.delta2, p.tau_v, p.spin)
    tau_c1 = 1.0 / (1.0 / tau_r + 1.0 / p.tau_m + r1e)
    tau_c2 = 1.0 / (1.0 / tau_r + 1.0 / p.tau_m + r2e)
    t1m = sbm_t1m(b0, p.r_feh, tau_c1, tau_c2, p.spin)
    r1_surface = p.q / WATER_MOLARITY / (t1m + p.tau_m)
    return InnerSphereRate(r1=xs * r1_surface, r1_surface=r1_surface, surface_fraction=xs, t1m=t1m, tau_m=p.tau_m,
                           tau_r=tau_r, t1e=1.0 / r1e if r1e > 0 else math.inf,
                           t2e=1.0 / r2e if r2e > 0 else math.inf, tau_c1=tau_c1, tau_c2=tau_c2, field=b0,
                           parameters=p)
