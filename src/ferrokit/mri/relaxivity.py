"""Relaxivity prediction: r1, r2 and r2* of a particle from its size, magnetisation, coating and clustering.

Closed forms (module level, SI, rates in s⁻¹ at volume fraction ``f``; with ``f`` the oxide volume fraction per
mol m⁻³ of Fe they are relaxivities in s⁻¹ per mM Fe). Two frequency-shift conventions are kept apart:

* ``delta_omega`` — the **equatorial** shift at the particle surface, Δω = γ μ0 M/3 (SCIENCE.md §2);
* ``delta_omega_rms`` — the **rms** surface shift of Gillis, Moiny & Brooks 2002, Δω_r = (2/√5) Δω
  (:func:`rms_frequency_shift`).

Regimes (τ_D = R²/D, R the radius water cannot enter):

* motional averaging (MAR), Δω τ_D < 1: R2 = R2* = (16/45) f τ_D Δω² (Gillis & Koenig, MRM 1987 5:323;
  Brooks, Moiny & Gillis, MRM 2001 45:1014 [S]); re-derived here as the high-field limit of the outer-sphere
  Curie term (:mod:`ferrokit.mri.outer_sphere`);
* static dephasing (SDR), Δω τ_D ≫ 1: R2* = 2π/(3√3) f Δω (Yablonskiy & Haacke, MRM 1994 32:749,
  doi:10.1002/mrm.1910320610 [V abstract; coefficient checked by integration in the tests]);
* echo-limited (partial refocusing) spin-echo R2 for strongly magnetised spheres, Δω_r τ_CP > 1:
  R2 = (1.8 f/τ_D) x^{1/3} (1.52 + f x)^{5/3}, x = Δω_r τ_CP (Gillis, Moiny & Brooks, MRM 2002 47:257,
  doi:10.1002/mrm.10059; definitions of τ_CP and Δω_r read [V], **the equation itself not read: [U]**).
  :func:`predict_relaxivity` never lets it exceed R2*, and no pass/fail test depends on its values.

Impermeable coatings and clusters enter through an equivalent sphere: outside an impermeable shell of radius R
around a magnetic unit of radius a and magnetisation M, the field is that of a sphere of radius R with
magnetisation M (a/R)³ at volume fraction f (R/a)³ (:func:`equivalent_impermeable_sphere`); in MAR this gives
r2(coated) = r2(bare) a/R. Clusters are the magnetic unit of radius a = d_agg/2 with M = φ M_core and
f = f_core/φ (Vuong et al., Adv. Healthc. Mater. 1 (2012) 502, doi:10.1002/adhm.201200078 [V abstract]).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from dataclasses import field as dc_field
from importlib import resources
from typing import Any

import numpy as np

from ferrokit._shared.validation import (
    FerroKitInputError,
    check_choice,
    check_finite,
    check_positive,
    check_range,
    check_values,
    scalar_or_array,
)
from ferrokit.constants import GAMMA_PROTON, K_B, MU_0
from ferrokit.magnetism import langevin, lognormal_nodes, neel_time
from ferrokit.materials import Particle, oxide_volume_fraction
from ferrokit.mri.diffusion import diffusion_coefficient
from ferrokit.mri.inner_sphere import InnerSphereParameters, inner_sphere_r1
from ferrokit.mri.outer_sphere import OuterSphereRates, outer_sphere_rates

__all__ = [
    "DEFAULT_TAU0",
    "FIELD_RANGE",
    "MEDIA",
    "SDR_COEFFICIENT",
    "RelaxivityPrediction",
    "diffusion_time",
    "equatorial_frequency_shift",
    "equivalent_impermeable_sphere",
    "predict_relaxivity",
    "r2_echo_limited",
    "r2_motional_averaging",
    "r2star_static_dephasing",
    "reference_relaxivities",
    "rms_frequency_shift",
]

#: Static-dephasing coefficient 2π/(3√3) ≈ 1.2092 of R2* = c f Δω (Yablonskiy & Haacke 1994).
SDR_COEFFICIENT = 2.0 * math.pi / (3.0 * math.sqrt(3.0))


def _fraction(volume_fraction) -> np.ndarray:
    f = check_values("volume_fraction", volume_fraction, sign="nonnegative")
    if np.any(f >= 1):
        raise FerroKitInputError("volume_fraction must lie in [0, 1)")
    return f


def equatorial_frequency_shift(magnetization):
    """Equatorial angular frequency shift at the surface of a sphere, Δω = γ μ0 M/3 [rad s⁻¹].

    Parameters
    ----------
    magnetization : float or array_like
        Magnetisation of the sphere M [A m⁻¹] (Ms L(x) for a superparamagnet in B0), ≥ 0.

    Examples
    --------
    Bulk magnetite, 4.8e5 A/m:

    >>> round(equatorial_frequency_shift(4.8e5) / 1e7, 4)
    5.3789
    """
    m = check_values("magnetization", magnetization, sign="nonnegative", unit="A/m")
    return scalar_or_array(GAMMA_PROTON * MU_0 * m / 3.0)


def rms_frequency_shift(delta_omega):
    """The rms surface shift Δω_r = (2/√5) Δω of Gillis, Moiny & Brooks (2002) from the equatorial Δω [rad s⁻¹].

    (The angular average of (3cos²θ − 1)² is 4/5.)

    >>> round(rms_frequency_shift(1.0), 6)
    0.894427
    """
    dw = check_values("delta_omega", delta_omega, sign="nonnegative", unit="rad/s")
    return scalar_or_array(2.0 / math.sqrt(5.0) * dw)


def diffusion_time(radius, diffusion):
    """Translational diffusion time τ_D = R²/D [s] for radius R [m] and diffusion coefficient D [m² s⁻¹]."""
    r = check_values("radius", radius, unit="m")
    d = check_values("diffusion", diffusion, unit="m2/s")
    return scalar_or_array(r * r / d)


def r2_motional_averaging(volume_fraction, radius, delta_omega, diffusion):
    """Motional-averaging (outer-sphere, secular) transverse rate R2 = R2* [s⁻¹].

    .. math:: R_2 = \\frac{16}{45} f \\tau_D \\Delta\\omega^2, \\quad \\tau_D = R^2/D,\\
              \\Delta\\omega = \\gamma\\mu_0 M/3

    Valid for Δω τ_D < 1 and echo half-spacings τ_CP ≫ τ_D (Gillis & Koenig 1987; Brooks, Moiny & Gillis,
    MRM 2001 45:1014 [S]; re-derived as the high-field limit of :func:`~ferrokit.mri.outer_sphere.outer_sphere_rates`).

    Parameters
    ----------
    volume_fraction : float or array_like
        Volume fraction f of the impermeable magnetised spheres, in [0, 1).
    radius : float or array_like
        Sphere radius R [m].
    delta_omega : float or array_like
        Equatorial surface shift Δω [rad s⁻¹].
    diffusion : float or array_like
        Water diffusion coefficient D [m² s⁻¹].

    Examples
    --------
    Bulk magnetite at 37 °C (Ms 4.763e5 A/m, f = 1.485e-5 per mM Fe, D = 3.037e-9 m²/s), 8 nm core:

    >>> dw = equatorial_frequency_shift(4.7627e5)
    >>> round(r2_motional_averaging(1.4851e-5, 4e-9, dw, 3.0377e-9), 1)
    79.2
    """
    f = _fraction(volume_fraction)
    tau = diffusion_time(radius, diffusion)
    dw = check_values("delta_omega", delta_omega, sign="nonnegative", unit="rad/s")
    return scalar_or_array(16.0 / 45.0 * f * tau * dw * dw)


def r2star_static_dephasing(volume_fraction, delta_omega):
    """Static-dephasing R2* [s⁻¹] of randomly placed magnetised spheres (Yablonskiy & Haacke 1994).

    .. math:: R_2^* = \\frac{2\\pi}{3\\sqrt3} f \\Delta\\omega \\approx 1.2092\\, f\\, \\Delta\\omega

    Valid for Δω τ_D ≫ 1 (diffusion negligible during dephasing) and f ≪ 1; size-independent.

    >>> round(r2star_static_dephasing(1.4851e-5, equatorial_frequency_shift(4.7627e5)), 0)
    958.0
    """
    f = _fraction(volume_fraction)
    dw = check_values("delta_omega", delta_omega, sign="nonnegative", unit="rad/s")
    return scalar_or_array(SDR_COEFFICIENT * f * dw)


def r2_echo_limited(volume_fraction, radius, delta_omega, diffusion, echo_spacing):
    """Echo-limited (partial-refocusing) CPMG R2 [s⁻¹] of strongly magnetised spheres — equation [U].

    .. math:: R_2 = \\frac{1.8 f}{\\tau_D} x^{1/3} (1.52 + f x)^{5/3}, \\quad
              x = \\Delta\\omega_r \\tau_{CP},\\ \\Delta\\omega_r = \\frac{2}{\\sqrt5}\\Delta\\omega,\\
              \\tau_{CP} = \\frac{\\text{echo spacing}}{2}

    Gillis, Moiny & Brooks, MRM 2002 47:257, doi:10.1002/mrm.10059. Read [V]: the model (inner region where
    refocusing fails, outer region where it works), the definitions of τ_CP (half the interval between 180°
    pulses) and Δω_r (rms surface shift) and its domain Δω_r τ_CP > 1. **Not read: the equation and its
    constants 1.8 and 1.52** (as transcribed in SCIENCE.md §2); treat values as unverified. A search of the
    stored literature (2026-11: the Wiley abstract and full-text pages of doi:10.1002/mrm.10059, secondary
    sources citing it) reached only the abstract and introduction, not the model section, so the equation could
    not be confirmed. (The citation "MRM 48:1034, doi:10.1002/mrm.10300" found in project notes does not match
    this title: the publisher's page gives MRM 47:257–263, 2002, doi:10.1002/mrm.10059.)

    Parameters
    ----------
    volume_fraction, radius, delta_omega, diffusion
        As in :func:`r2_motional_averaging` (Δω equatorial; converted to Δω_r here).
    echo_spacing : float or array_like
        CPMG inter-echo time 2τ_CP [s] (TE for a Hahn echo).
    """
    f = _fraction(volume_fraction)
    tau = diffusion_time(radius, diffusion)
    dwr = 2.0 / math.sqrt(5.0) * check_values("delta_omega", delta_omega, sign="nonnegative", unit="rad/s")
    x = dwr * 0.5 * check_values("echo_spacing", echo_spacing, unit="s")
    return scalar_or_array(1.8 * f / tau * np.cbrt(x) * (1.52 + f * x) ** (5.0 / 3.0))


def equivalent_impermeable_sphere(volume_fraction: float, radius: float, delta_omega: float,
                                  impermeable_radius: float) -> tuple[float, float, float]:
    """The sphere water sees around a magnetic sphere inside an impermeable shell.

    Outside radius R ≥ a the dipole field of a sphere of radius a and magnetisation M equals that of a sphere of
    radius R with magnetisation M (a/R)³; at fixed magnetic volume fraction f the equivalent spheres fill
    f (R/a)³ [computed, SCIENCE.md §2].

    Returns
    -------
    (f_R, R, Δω_R) : tuple of float
        Volume fraction, radius [m] and equatorial shift [rad s⁻¹] of the equivalent sphere.

    Examples
    --------
    In motional averaging the coated r2 is the bare r2 times a/R:

    >>> f, R, dw = equivalent_impermeable_sphere(1e-5, 5e-9, 5e7, 10e-9)
    >>> bare = r2_motional_averaging(1e-5, 5e-9, 5e7, 3e-9)
    >>> round(r2_motional_averaging(f, R, dw, 3e-9) / bare, 6)
    0.5
    """
    f = float(_fraction(volume_fraction))
    a = check_positive("radius", radius, unit="m")
    dw = float(check_values("delta_omega", delta_omega, sign="nonnegative", unit="rad/s"))
    r = check_positive("impermeable_radius", impermeable_radius, unit="m")
    if r < a * (1 - 1e-12):
        raise FerroKitInputError(f"impermeable_radius must be ≥ radius ({a:g} m), got {r:g} m")
    s = r / a
    f_r = f * s**3
    if f_r >= 1:
        raise FerroKitInputError(f"the impermeable spheres would fill the volume (f·(R/a)³ = {f_r:g} ≥ 1)")
    return f_r, r, dw / s**3


# ---------------------------------------------------------------------------------------------------------------
# Prediction for a Particle
# ---------------------------------------------------------------------------------------------------------------

#: Media accepted by :func:`predict_relaxivity` (saline is treated as water: D within ~1–2 %).
MEDIA = ("water", "saline")
#: Field range [T] accepted by :func:`predict_relaxivity`.
FIELD_RANGE = (1e-4, 30.0)
#: Default Néel attempt time τ0 [s] (same default as ferrokit.magnetism.predict_magnetic_properties).
DEFAULT_TAU0 = 1e-9
#: Gauss–Hermite nodes used for a lognormal core-size distribution (volume-weighted, i.e. iron-weighted).
SIZE_NODES = 15
_ULTRASMALL = 5e-9


@dataclass(frozen=True)
class RelaxivityPrediction:
    """Predicted relaxivities of a particle (per mM Fe) with the regime and models used.

    Attributes
    ----------
    r1, r2, r2star : float
        Relaxivities [s⁻¹ per mol m⁻³ Fe], numerically mM⁻¹ s⁻¹.
    r2_r1 : float
        r2/r1.
    regime, regime_r2star : str
        Regime that produced r2 (spin echo) and r2*.
    delta_omega : float
        Equatorial surface shift of the (equivalent impermeable) sphere, γ μ0 M_eff/3 [rad s⁻¹], M_eff including
        L(x) at B0, cluster packing and coating dilution.
    tau_d : float
        R²/D [s] with R the impermeable radius.
    delta_omega_tau_d : float
        Δω τ_D, the regime parameter.
    impermeable_radius : float
        R [m].
    ms_volume : float
        Ms of the core material at the temperature [A m⁻¹] (before L(x)).
    field, temperature, echo_spacing, diffusion : float
        Conditions [T, K, s (None: long-echo limit), m² s⁻¹].
    models : dict
        Quantity → model name.
    notes : tuple of str
        Assumptions, validity warnings, the source of Ms.
    """

    r1: float
    r2: float
    r2star: float
    r2_r1: float
    regime: str
    regime_r2star: str
    delta_omega: float
    tau_d: float
    delta_omega_tau_d: float
    impermeable_radius: float
    ms_volume: float
    field: float
    temperature: float
    echo_spacing: float | None
    diffusion: float
    models: dict[str, str] = dc_field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """SI values with their units, the regime, the models and the notes."""
        rel = "s-1 per mol/m3 Fe (= mM-1 s-1)"
        return {
            "r1": {"value": self.r1, "unit": rel},
            "r2": {"value": self.r2, "unit": rel},
            "r2star": {"value": self.r2star, "unit": rel},
            "r2_r1": {"value": self.r2_r1, "unit": "1"},
            "regime": self.regime,
            "regime_r2star": self.regime_r2star,
            "delta_omega": {"value": self.delta_omega, "unit": "rad/s"},
            "tau_d": {"value": self.tau_d, "unit": "s"},
            "delta_omega_tau_d": {"value": self.delta_omega_tau_d, "unit": "1"},
            "impermeable_radius": {"value": self.impermeable_radius, "unit": "m"},
            "ms_volume": {"value": self.ms_volume, "unit": "A/m"},
            "field": {"value": self.field, "unit": "T"},
            "temperature": {"value": self.temperature, "unit": "K"},
            "echo_spacing": {"value": self.echo_spacing, "unit": "s"},
            "diffusion": {"value": self.diffusion, "unit": "m2/s"},
            "models": dict(self.models),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Node:
    r1: float
    r2: float
    r2star: float
    regime: str
    regime_r2star: str
    delta_omega: float
    tau_d: float
    radius: float
    outer: OuterSphereRates


def _node(*, d_core: float, ms: float, f_oxide: float, particle: Particle, shell: float, b0: float, t: float,
          diff: float, echo_spacing: float | None, k_eff: float) -> _Node:
    v_core = math.pi / 6.0 * d_core**3
    m_core = ms * v_core
    x_core = m_core * b0 / (K_B * t)
    lv = float(langevin(x_core))
    if particle.cluster is None:
        a, phi = 0.5 * d_core, 1.0
        tau_n = float(neel_time(anisotropy=k_eff, volume=v_core, temperature=t, tau0=DEFAULT_TAU0))
    else:
        phi = particle.cluster.packing_fraction
        a = 0.5 * d_core * (particle.cluster.cores / phi) ** (1.0 / 3.0)
        tau_n = math.inf  # cluster: Curie term only (see predict_relaxivity notes)
    f_a = f_oxide / phi
    v_a = 4.0 * math.pi / 3.0 * a**3
    m_sat = phi * ms * v_a
    dw_a = float(equatorial_frequency_shift(phi * ms * lv))
    f_r, r_imp, dw = equivalent_impermeable_sphere(f_a, a, dw_a, a + shell)
    outer = outer_sphere_rates(moment=m_sat, distance=r_imp, number_density=f_a / v_a, diffusion=diff, field=b0,
                               temperature=t, tau_neel=tau_n,
                               langevin_argument=None if particle.cluster is None else x_core)
    tau_d = r_imp**2 / diff
    x = dw * tau_d
    if x < 1.0:
        r2s, reg_s = outer.r2, "motional averaging"
    else:
        sdr = float(r2star_static_dephasing(f_r, dw))
        if sdr < outer.r2:
            r2s, reg_s = sdr, "static dephasing"
        else:
            r2s, reg_s = outer.r2, "MAR-SDR crossover (motional-averaging formula beyond its range)"
    if x < 1.0:
        r2, reg = outer.r2, "motional averaging"
    elif echo_spacing is None:
        r2, reg = r2s, reg_s + " (long-echo limit)"
    else:
        el = float(r2_echo_limited(f_r, r_imp, dw, diff, echo_spacing))
        r2, reg = (el, "echo-limited") if el < r2s else (r2s, reg_s + " (echo-limited bound above r2*)")
    return _Node(outer.r1, r2, r2s, reg, reg_s, dw, tau_d, r_imp, outer)


def predict_relaxivity(particle: Particle, *, field: float, temperature: float = 310.15,
                       echo_spacing: float | None = None, medium: str = "water",
                       concentration_basis: str = "iron", inner_sphere: bool | str = "auto",
                       inner_sphere_parameters: InnerSphereParameters | None = None) -> RelaxivityPrediction:
    """Predict r1, r2 and r2* [mM⁻¹ s⁻¹ = s⁻¹ per mol m⁻³ Fe] of a particle at field B0.

    Steps (each reported in ``models``/``notes``):

    1. D(T) of water (:func:`~ferrokit.mri.diffusion.diffusion_coefficient`); Ms(T) of the core from the particle
       (measured or bulk model with dead layer); f = oxide volume fraction per mM Fe
       (:func:`ferrokit.materials.oxide_volume_fraction`).
    2. The magnetic unit: the core (radius d/2, magnetisation Ms L(x), x = μ_core B0/k_BT) or, for a cluster,
       the aggregate (radius d_agg/2, magnetisation φ Ms L(x_core), volume fraction f/φ); then the equivalent
       sphere at the impermeable radius (:func:`equivalent_impermeable_sphere`).
    3. r1 and the motional-averaging r2: outer-sphere theory (:func:`~ferrokit.mri.outer_sphere.outer_sphere_rates`;
       Curie + Néel terms for single cores with an Arrhenius Néel time, Curie only for clusters). At high field
       its r2 is (16/45) f τ_D Δω² plus the non-secular term (3/4 of that times J_A(ω_I)).
    4. Regime from Δω τ_D: < 1 motional averaging (r2 = r2*); otherwise r2* = min(outer-sphere r2, SDR) and
       r2 = r2* for ``echo_spacing=None`` (long-echo limit: refocusing ineffective) or
       min(echo-limited [U], r2*) for a CPMG echo spacing.
    5. A lognormal core size (``core_sigma`` > 0) is integrated with volume-weighted (= iron-weighted) nodes;
       Δω, τ_D and the regime are reported for the volume-weighted median core.
    6. Inner-sphere surface term (ultrasmall cores): r1 += x_s q/[H₂O]/(T1m + τm) from surface Fe³⁺
       (:func:`~ferrokit.mri.inner_sphere.inner_sphere_r1`, SBM; an approximate term with unverified, adjustable
       parameters), per size node, with τ_R of the particle's hydrodynamic diameter. Added when
       ``inner_sphere=True``, or with ``"auto"`` when the equivalent core diameter is below 5 nm and no
       impermeable coating hides the surface. r2 and r2* are not changed by it (its r2 share is of the order of
       its r1 share, small next to the outer-sphere r2 only for larger cores; not modelled).

    Parameters
    ----------
    particle : Particle
        The particle (composition, core size and spread, coating with ``permeable``/``thickness``, cluster, Ms).
    field : float
        B0 [T], in [1e-4, 30].
    temperature : float
        [K], 273.15–373.15 (water diffusion model range). Default 37 °C.
    echo_spacing : float, optional
        CPMG inter-echo time 2τ_CP [s] (TE for a single spin echo); ``None`` → long-echo limit.
    medium : {"water", "saline"}
        Only water-like media (saline: D within 1–2 % of water).
    concentration_basis : {"iron", "metal"}
        Relaxivity per mM Fe (default) or per mM of all metal ions (Fe + dopants), as some papers on doped
        ferrites report it; identical for iron oxides.
    inner_sphere : {"auto", True, False}
        Add the surface Fe³⁺ inner-sphere r1 term: ``"auto"`` (default) only for cores < 5 nm without an
        impermeable coating; ``True`` always; ``False`` never.
    inner_sphere_parameters : InnerSphereParameters, optional
        Its parameters (q, r_FeH, τ_m, Δ², τ_v, τ_R, layer thickness); defaults are unverified literature orders.

    Returns
    -------
    RelaxivityPrediction

    Examples
    --------
    >>> from ferrokit.materials import Particle
    >>> p = Particle(composition="Fe3O4", core_diameter=8e-9, dead_layer=0.0)
    >>> out = predict_relaxivity(p, field=3.0)
    >>> out.regime
    'motional averaging'
    >>> round(out.r2), round(out.r1, 1)
    (89, 23.4)
    """
    b0 = check_range("field", field, *FIELD_RANGE, unit="T")
    t = check_finite("temperature", temperature)
    diff = diffusion_coefficient(t)
    if echo_spacing is not None:
        echo_spacing = check_range("echo_spacing", echo_spacing, 1e-6, 10.0, unit="s")
    check_choice("medium", medium, MEDIA)
    check_choice("concentration_basis", concentration_basis, ("iron", "metal"))
    if not isinstance(particle, Particle):
        raise FerroKitInputError(f"particle must be a ferrokit.materials.Particle, got {type(particle).__name__}")
    if inner_sphere not in ("auto", True, False):
        raise FerroKitInputError(f"inner_sphere must be 'auto', True or False, got {inner_sphere!r}")
    if inner_sphere_parameters is not None and not isinstance(inner_sphere_parameters, InnerSphereParameters):
        raise FerroKitInputError("inner_sphere_parameters must be ferrokit.mri.InnerSphereParameters, got "
                                 f"{type(inner_sphere_parameters).__name__}")

    ms_mass, ms_source = particle.saturation_magnetization(t)
    ms = ms_mass * particle.composition_info.density
    if ms <= 0:
        raise FerroKitInputError(f"{particle.composition}: Ms is 0 at {t:g} K; no magnetic relaxivity")
    comp = particle.composition_info
    f_oxide = float(oxide_volume_fraction(1.0, comp))
    if concentration_basis == "metal":
        n_metal = sum(v for k, v in comp.elements.items() if k != "O")
        f_oxide *= comp.elements.get("Fe", 0.0) / n_metal
    a_unit = 0.5 * particle.aggregate_diameter
    shell = particle.impermeable_radius - a_unit
    k_eff, k_source = particle.effective_anisotropy(t)

    d_eq = particle.equivalent_diameter
    nodes_d, weights = lognormal_nodes(d_eq, particle.core_sigma, SIZE_NODES if particle.core_sigma > 0 else 1,
                                       weighting="volume")
    kw = dict(ms=ms, f_oxide=f_oxide, particle=particle, shell=shell, b0=b0, t=t, diff=diff,
              echo_spacing=echo_spacing, k_eff=k_eff)
    nodes = [_node(d_core=float(d), **kw) for d in nodes_d]
    w = np.asarray(weights, dtype=float)
    r1 = float(np.dot(w, [n.r1 for n in nodes]))
    r2 = float(np.dot(w, [n.r2 for n in nodes]))
    r2s = float(np.dot(w, [n.r2star for n in nodes]))
    rep = nodes[0] if len(nodes) == 1 else _node(d_core=d_eq * math.exp(3.0 * particle.core_sigma**2), **kw)
    r1_outer = r1
    hidden = particle.coating is not None and not particle.coating.permeable
    use_is = inner_sphere is True or (inner_sphere == "auto" and d_eq < _ULTRASMALL and not hidden)
    r1_is = 0.0
    if use_is:
        d_h = particle.hydrodynamic_diameter_value
        is_nodes = [inner_sphere_r1(float(d), field=b0, temperature=t, hydrodynamic_diameter=max(d_h, float(d)),
                                    parameters=inner_sphere_parameters) for d in nodes_d]
        r1_is = float(np.dot(w, [n.r1 for n in is_nodes]))
        if concentration_basis == "metal":
            r1_is *= f_oxide / float(oxide_volume_fraction(1.0, comp))
        r1 += r1_is
        isr = is_nodes[0] if len(is_nodes) == 1 else inner_sphere_r1(
            d_eq, field=b0, temperature=t, hydrodynamic_diameter=max(d_h, d_eq), parameters=inner_sphere_parameters)

    notes = [f"Ms {ms:.4g} A/m at {t:g} K: {ms_source}",
             f"Langevin x = {rep.outer.langevin_argument:.3g}, L(x) = {rep.outer.langevin_value:.4f} at {b0:g} T",
             f"Δω·τ_D = {rep.delta_omega * rep.tau_d:.3g} (MAR below 1)"]
    notes.append(f"relaxivities per mM {'Fe' if concentration_basis == 'iron' else 'metal (Fe + dopants)'}")
    if medium == "saline":
        notes.append("saline treated as water (D within ~1-2 %)")
    if particle.coating is not None and particle.coating.permeable:
        notes.append(f"{particle.coating.material} coating treated as water-permeable: it does not enter R")
    if particle.cluster is not None:
        notes.append("cluster: aggregate model (Vuong 2012), Curie outer-sphere term only (no Néel terms)")
    if len(nodes) > 1:
        regs = sorted({n.regime for n in nodes})
        notes.append(f"lognormal σ = {particle.core_sigma:g}: {len(nodes)} volume-weighted nodes; r2 regimes "
                     + "; ".join(regs))
    if rep.delta_omega * rep.tau_d >= 1.0 and echo_spacing is None:
        notes.append("no echo spacing given: spin-echo r2 in the long-echo limit equals r2*")
    if echo_spacing is not None and rep.delta_omega * rep.tau_d < 1.0 and 0.5 * echo_spacing < 10 * rep.tau_d:
        notes.append("echo half-spacing not ≫ τ_D: the MAR r2 overestimates the CPMG rate")
    if rep.regime == "echo-limited":
        notes.append("echo-limited r2 uses the Gillis-Moiny-Brooks 2002 equation as transcribed [unverified]")
        if rms_frequency_shift(rep.delta_omega) * 0.5 * echo_spacing < 1.0:
            notes.append("Δω_r·τ_CP < 1: outside the stated domain of the echo-limited model")
    if use_is:
        notes.append(f"r1 includes an APPROXIMATE inner-sphere surface Fe3+ term (SBM, adjustable unverified "
                     f"parameters): {r1_is:.3g} of r1 {r1:.3g} (outer sphere {r1_outer:.3g}); surface Fe fraction "
                     f"{isr.surface_fraction:.3g}, T1m {isr.t1m:.3g} s, tau_m {isr.tau_m:.3g} s, "
                     f"tau_R {isr.tau_r:.3g} s, T1e {isr.t1e:.3g} s")
        if hidden:
            notes.append("inner-sphere term forced on although the impermeable coating should keep water off the "
                         "surface Fe")
    elif particle.equivalent_diameter < _ULTRASMALL:
        notes.append("core < 5 nm: the inner-sphere (surface Fe3+) r1 term is "
                     + ("off (inner_sphere=False)" if inner_sphere is False
                        else "off: the impermeable coating keeps water off the surface")
                     + "; r1 is then likely underestimated")
    models = {
        "r1": "outer-sphere, Roch-Muller-Gillis 1999 isotropic-moment limit (Curie"
              + (" term only)" if particle.cluster is not None else " + Neel terms)")
              + (" + inner-sphere surface Fe3+ term (SBM, approximate, adjustable)" if use_is else ""),
        "r2": {"motional averaging": "outer-sphere (MAR), Roch-Muller-Gillis 1999"}.get(
            rep.regime, rep.regime + ": " + ("Gillis-Moiny-Brooks 2002 [U]" if rep.regime == "echo-limited"
                                            else "min(outer-sphere, Yablonskiy-Haacke 1994 SDR)")),
        "r2star": {"motional averaging": "outer-sphere (MAR), R2* = R2"}.get(
            rep.regime_r2star, "min(outer-sphere, Yablonskiy-Haacke 1994 SDR)"),
        "diffusion": "water, Speedy-Angell fit (Holz, Heil & Sacco 2000)",
        "magnetization": ms_source,
        "neel_time": ("n/a (cluster)" if particle.cluster is not None
                      else f"Arrhenius, tau0 = {DEFAULT_TAU0:g} s, K_eff {k_source}"),
        "concentration_basis": concentration_basis,
        "geometry": "equivalent impermeable sphere" + (" of the aggregate (Vuong 2012)" if particle.cluster else ""),
    }
    return RelaxivityPrediction(
        r1=r1, r2=r2, r2star=r2s, r2_r1=r2 / r1 if r1 > 0 else math.inf, regime=rep.regime,
        regime_r2star=rep.regime_r2star, delta_omega=rep.delta_omega, tau_d=rep.tau_d,
        delta_omega_tau_d=rep.delta_omega * rep.tau_d, impermeable_radius=rep.radius, ms_volume=ms, field=b0,
        temperature=t, echo_spacing=echo_spacing, diffusion=diff, models=models, notes=tuple(notes))


def reference_relaxivities() -> list[dict[str, str]]:
    """The shipped relaxivity reference measurements (``mri/_data/relaxivity_reference.csv``) as rows of text.

    Columns and sources: ``mri/_data/SOURCES.md``. Values are kept as text (empty where not reported).

    >>> rows = reference_relaxivities()
    >>> rows[0]["r1_mM-1s-1"], rows[0]["field_T"]
    ('19.9', '1.5')
    """
    text = resources.files("ferrokit.mri").joinpath("_data/relaxivity_reference.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
