"""Monte Carlo simulation of proton transverse relaxation (FID, Hahn echo, CPMG) around magnetised,
water-impermeable spheres in a periodic box; see docs/mri_montecarlo.md.

Public API: :func:`simulate_relaxation` (sphere radius, volume fraction, Δω, D → :class:`MonteCarloResult`),
:func:`simulate_particle` (a :class:`~ferrokit.materials.Particle` at an Fe concentration →
:class:`ParticleSimulation`), :func:`fit_decay`, :func:`theory_rates`, and the geometry helpers
:func:`random_sphere_packing` and :func:`sphere_field`.
"""

from ferrokit.mri.montecarlo.geometry import SpherePacking, random_sphere_packing, sphere_field
from ferrokit.mri.montecarlo.particle import ParticleSimulation, particle_sphere, simulate_particle
from ferrokit.mri.montecarlo.simulator import (
    SEQUENCES,
    DecayFit,
    MonteCarloResult,
    fit_decay,
    simulate_relaxation,
    theory_rates,
)

__all__ = [
    "SEQUENCES",
    "DecayFit",
    "MonteCarloResult",
    "ParticleSimulation",
    "SpherePacking",
    "fit_decay",
    "particle_sphere",
    "random_sphere_packing",
    "simulate_particle",
    "simulate_relaxation",
    "sphere_field",
    "theory_rates",
]
