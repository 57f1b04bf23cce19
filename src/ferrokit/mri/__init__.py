"""ferrokit.mri: MRI relaxivity theory (this layer), see docs/mri.md.

Relaxivity prediction: :func:`predict_relaxivity` (r1, r2, r2* of a :class:`~ferrokit.materials.Particle` at a
field, temperature and echo spacing, with the regime and models used); the closed forms of the regimes
(:func:`r2_motional_averaging`, :func:`r2star_static_dephasing`, :func:`r2_echo_limited`); outer-sphere
dispersion (:func:`outer_sphere_rates`, Roch–Muller–Gillis 1999); an approximate inner-sphere surface Fe³⁺ r1 term for
ultrasmall cores (:func:`inner_sphere_r1`, SBM); water self-diffusion
(:func:`diffusion_coefficient`). All SI.
"""

from ferrokit.mri.diffusion import DIFFUSION_TEMPERATURE_RANGE, diffusion_coefficient
from ferrokit.mri.inner_sphere import InnerSphereParameters, InnerSphereRate, inner_sphere_r1, surface_fraction
from ferrokit.mri.outer_sphere import (
    GAMMA_ELECTRON,
    OuterSphereRates,
    ayant_spectral_density,
    freed_spectral_density,
    outer_sphere_rates,
)
from ferrokit.mri.relaxivity import (
    SDR_COEFFICIENT,
    RelaxivityPrediction,
    diffusion_time,
    equatorial_frequency_shift,
    equivalent_impermeable_sphere,
    predict_relaxivity,
    r2_echo_limited,
    r2_motional_averaging,
    r2star_static_dephasing,
    reference_relaxivities,
    rms_frequency_shift,
)

__all__ = [
    "DIFFUSION_TEMPERATURE_RANGE",
    "GAMMA_ELECTRON",
    "SDR_COEFFICIENT",
    "InnerSphereParameters",
    "InnerSphereRate",
    "OuterSphereRates",
    "RelaxivityPrediction",
    "ayant_spectral_density",
    "diffusion_coefficient",
    "diffusion_time",
    "equatorial_frequency_shift",
    "equivalent_impermeable_sphere",
    "freed_spectral_density",
    "inner_sphere_r1",
    "outer_sphere_rates",
    "predict_relaxivity",
    "r2_echo_limited",
    "r2_motional_averaging",
    "r2star_static_dephasing",
    "reference_relaxivities",
    "rms_frequency_shift",
    "surface_fraction",
]
