"""Monte Carlo relaxation rates of a :class:`~ferrokit.materials.Particle` suspension at an iron concentration.

The particle becomes an impermeable magnetised sphere:

* radius R = ``particle.impermeable_radius`` (aggregate radius, plus an impermeable coating);
* the spheres are assumed fully magnetised (Ms L(x) ≈ Ms at clinical fields, x = μ B0/k_BT ≫ 1 for cores
  above a few nm at 1.5–7 T), so B0 only fixes the direction: Ms = ``particle.saturation_magnetization_volume(T)``;
* clusters (Vuong et al., Adv Healthc Mater 2012 1:502 [V abstract]): Ms_agg = φ_intra Ms, f_agg = f/φ_intra;
* an impermeable shell of radius R around a magnetic sphere of radius a acts outside as a sphere of radius R
  with magnetisation Ms (a/R)³ (and its volume fraction is f (R/a)³) [computed, SCIENCE.md §2];
* Δω = γ μ0 Ms_eff / 3; D = water self-diffusion at T (:func:`ferrokit.mri.diffusion_coefficient`);
* f_oxide from the Fe concentration (:func:`ferrokit.materials.oxide_volume_fraction`).

Physical concentrations are dilute (f ~ 10⁻⁵ per mM Fe) and 1/R2 is then ~10⁶–10⁸ diffusion steps: the walk is
run at a larger *simulation* volume fraction and the rate scaled by f/f_sim. This is the dilute limit, where
both closed forms and the echo-limited regime are linear in f; it needs f_sim ≲ 0.01 and, for CPMG, many echoes
per decay time (R2(f_sim) × echo spacing ≲ 0.1), which the automatic choice enforces. In motional averaging the
non-overlapping spheres at f_sim lower R2 by c f_sim (c ≈ −4, ≈ −4 % at the default f_sim = 0.01) and the
periodic box by ≈ 0.7 %; both are reported (``motional_averaging_terms_at_f_sim``), not removed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ferrokit._shared.rng import RngLike
from ferrokit._shared.validation import FerroKitInputError, check_positive
from ferrokit.constants import GAMMA_PROTON, MU_0
from ferrokit.materials.conversions import oxide_volume_fraction
from ferrokit.materials.particle import Particle
from ferrokit.mri.diffusion import diffusion_coefficient
from ferrokit.mri.montecarlo.simulator import MAX_STEPS, MonteCarloResult, simulate_relaxation, theory_rates

#: Largest automatic simulation volume fraction (dilute limit).
AUTO_MAX_FRACTION = 0.01


@dataclass(frozen=True, eq=False)
class ParticleSimulation:
    """A particle's simulated rate at a concentration: the walk at f_sim, scaled to the physical f."""

    particle: Particle
    concentration: float  # mol Fe / m³ (= mM)
    temperature: float  # K
    radius: float  # m
    delta_omega: float  # rad/s
    diffusion: float  # m²/s
    volume_fraction: float  # physical sphere volume fraction
    simulation: MonteCarloResult  # the walk at simulation_volume_fraction

    @property
    def simulation_volume_fraction(self) -> float:
        return float(self.simulation.parameters["volume_fraction"]["value"])

    @property
    def scale(self) -> float:
        """f / f_sim."""
        return self.volume_fraction / self.simulation_volume_fraction

    @property
    def rate(self) -> float:
        """R2 or R2* at the physical concentration [s⁻¹]."""
        return self.simulation.rate * self.scale

    @property
    def rate_stderr(self) -> float:
        return self.simulation.rate_stderr * self.scale

    @property
    def relaxivity(self) -> float:
        """r2 or r2* [s⁻¹ per mol Fe m⁻³ = s⁻¹ mM⁻¹]."""
        return self.rate / self.concentration

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON summary: SI values with unit names."""
        th = theory_rates(radius=self.radius, volume_fraction=self.volume_fraction, delta_omega=self.delta_omega,
                          diffusion=self.diffusion)
        name = self.simulation.rate_name
        return {
            "particle": self.particle.model_dump(exclude_none=True),
            "concentration": {"value": self.concentration, "unit": "mol/m3 (mM Fe)"},
            "temperature": {"value": self.temperature, "unit": "K"},
            "impermeable_radius": {"value": self.radius, "unit": "m"},
            "delta_omega": {"value": self.delta_omega, "unit": "rad/s"},
            "diffusion": {"value": self.diffusion, "unit": "m2/s"},
            "volume_fraction": {"value": self.volume_fraction, "unit": "1"},
            "simulation_volume_fraction": {"value": self.simulation_volume_fraction, "unit": "1"},
            "rate_name": name,
            "rate": {"value": self.rate, "stderr": self.rate_stderr, "unit": "1/s"},
            "relaxivity": {"value": self.relaxivity, "stderr": self.rate_stderr / self.concentration,
                           "unit": "1/(s mM)"},
            "theory_at_concentration": {
                "r2_motional_averaging": {"value": th["r2_motional_averaging"], "unit": "1/s"},
                "r2star_static_dephasing": {"value": th["r2star_static_dephasing"], "unit": "1/s"},
                "delta_omega_tau_d": {"value": th["delta_omega_tau_d"], "unit": "1"},
            },
            "motional_averaging_terms_at_f_sim": {
                "box_bias": self.simulation.convergence["mar_box_bias"],
                "volume_fraction_term": self.simulation.convergence["mar_volume_fraction_term"],
                "unit": "1", "note": "relative terms of the simulated rate at f_sim; they apply for Δω τ_D ≪ 1"},
            "assumptions": [
                "spheres fully magnetised (Ms at the temperature; B0 only sets the axis)",
                "rate linear in volume fraction (dilute limit): simulated at f_sim, scaled by f/f_sim",
                "in motional averaging the scaled rate keeps the O(f_sim) term of non-overlapping spheres and the "
                "periodic-box bias of the simulation (motional_averaging_terms_at_f_sim)",
            ],
            "simulation": self.simulation.to_dict(),
        }

    def plot(self, ax=None):
        """Signal decays of the simulation (at f_sim)."""
        return self.simulation.plot(ax=ax)


def particle_sphere(particle: Particle, temperature: float) -> tuple[float, float, float]:
    """(R [m], Δω [rad/s], volume-fraction factor f_sphere/f_oxide) of the particle as an impermeable sphere."""
    radius = particle.impermeable_radius
    core_radius = 0.5 * particle.aggregate_diameter
    phi = particle.magnetic_volume_fraction_in_aggregate
    ms = particle.saturation_magnetization_volume(temperature) * phi * (core_radius / radius) ** 3
    return radius, GAMMA_PROTON * MU_0 * ms / 3.0, (radius / core_radius) ** 3 / phi


def simulate_particle(particle: Particle, *, concentration: float, temperature: float, sequence: str = "fid",
                      echo_spacing: float | None = None, duration: float | None = None,
                      simulation_volume_fraction: float | None = None, n_protons: int = 10_000,
                      n_configurations: int = 4, n_spheres: int = 2000, rng: RngLike = None,
                      progress: Callable[[int, int], None] | None = None, dt: float | None = None,
                      step_fraction: float = 0.2, n_samples: int = 200,
                      fit_start: float | None = None) -> ParticleSimulation:
    """Simulate R2/R2* of ``particle`` at Fe ``concentration`` [mol/m³ = mM] and ``temperature`` [K].

    ``simulation_volume_fraction`` (default automatic: min(0.01, f·0.1/(R2_est·echo spacing)) but ≥ f) and
    ``duration`` (default 3/R2_est at f_sim, R2_est = min(MAR, SDR) closed forms) set the walk; ``dt``,
    ``step_fraction``, ``n_samples`` and ``fit_start`` go to :func:`simulate_relaxation`.
    Returns the scaled rate and relaxivity (see module docstring).
    """
    c = check_positive("concentration", concentration, unit="mol/m3")
    t = check_positive("temperature", temperature, unit="K")
    radius, dw, factor = particle_sphere(particle, t)
    d = float(diffusion_coefficient(t))
    f = float(oxide_volume_fraction(c, particle.composition)) * factor
    if f > AUTO_MAX_FRACTION * 30:
        raise FerroKitInputError(f"concentration {c:g} mM gives a sphere volume fraction {f:.3g} > 0.3: too dense")

    def estimate(frac: float) -> float:
        th = theory_rates(radius=radius, volume_fraction=frac, delta_omega=dw, diffusion=d)
        return min(th["r2_motional_averaging"], th["r2star_static_dephasing"])

    if simulation_volume_fraction is None:
        f_sim = max(f, AUTO_MAX_FRACTION)
        if echo_spacing is not None and sequence != "fid":
            f_sim = min(f_sim, max(f, 0.1 * f / (estimate(f) * echo_spacing)))
    else:
        f_sim = check_positive("simulation_volume_fraction", simulation_volume_fraction)
    if duration is None:
        duration = 3.0 / estimate(f_sim)
        if echo_spacing is not None and sequence != "fid":
            duration = max(duration, 4 * echo_spacing)
    if echo_spacing is not None and sequence != "fid" and math.isfinite(d) and d > 0:
        dt_est = min(0.1 / dw, (step_fraction * radius) ** 2 / (2 * d)) if dt is None else dt
        if duration / dt_est > MAX_STEPS:
            tau_d = radius**2 / d
            raise FerroKitInputError(
                f"echo spacing {echo_spacing * 1e3:g} ms needs {duration / dt_est:.2g} time steps of {dt_est:.2g} s "
                f"(limit {MAX_STEPS:.0e}); it is {echo_spacing / tau_d:.3g} × the diffusion time τ_D = "
                f"{tau_d:.3g} s" + (", so the echoes do not refocus (R2 = R2*): use the FID" if
                                    echo_spacing > 100 * tau_d else "") + ", or set the duration and "
                "simulation volume fraction yourself")
    res = simulate_relaxation(radius=radius, volume_fraction=f_sim, delta_omega=dw, diffusion=d, duration=duration,
                              sequence=sequence, echo_spacing=echo_spacing, n_protons=n_protons,
                              n_configurations=n_configurations, n_spheres=n_spheres, rng=rng, progress=progress,
                              dt=dt, step_fraction=step_fraction, n_samples=n_samples, fit_start=fit_start)
    if not math.isfinite(res.rate):
        raise FerroKitInputError("the simulated decay could not be fitted")
    return ParticleSimulation(particle=particle, concentration=c, temperature=t, radius=radius, delta_omega=dw,
                              diffusion=d, volume_fraction=f, simulation=res)
