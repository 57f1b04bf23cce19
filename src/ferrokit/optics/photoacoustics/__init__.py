"""Photoacoustic imaging: k-space acoustic forward model, sensors, reconstruction and spectral unmixing.

The source term :math:`p_0 = \\Gamma \\mu_a \\Phi` is :func:`ferrokit.optics.initial_pressure`; see
docs/photoacoustics.md for the solver, its validation and the benchmark against k-Wave.
"""

from ferrokit.optics.photoacoustics.analytic import band_limited_ball, gaussian_pulse, nwave_ball
from ferrokit.optics.photoacoustics.config import PAConfig, PAResult, run_pa
from ferrokit.optics.photoacoustics.grid import (
    AcousticGrid,
    Medium,
    make_grid,
    pml_profile,
    smooth_initial_pressure,
    time_step,
)
from ferrokit.optics.photoacoustics.reconstruction import (
    delay_and_sum,
    time_reversal,
    ubp_filter,
    universal_back_projection,
)
from ferrokit.optics.photoacoustics.sensors import (
    SensorArray,
    add_noise,
    apply_bandwidth,
    linear_array,
    point_sensors,
    ring_array,
    sensor_matrix,
)
from ferrokit.optics.photoacoustics.solver import KSpaceSolver, SimulationResult, simulate
from ferrokit.optics.photoacoustics.unmixing import (
    KNOWN_COMPONENTS,
    UnmixingResult,
    depth_fluence,
    endmember_matrix,
    linear_unmix,
    oxygen_saturation,
)

__all__ = [
    "KNOWN_COMPONENTS", "AcousticGrid", "KSpaceSolver", "Medium", "PAConfig", "PAResult", "SensorArray",
    "SimulationResult", "UnmixingResult", "add_noise", "apply_bandwidth", "band_limited_ball", "delay_and_sum",
    "depth_fluence", "endmember_matrix", "gaussian_pulse", "linear_array", "linear_unmix", "make_grid", "nwave_ball",
    "oxygen_saturation", "pml_profile", "point_sensors", "ring_array", "run_pa", "sensor_matrix", "simulate",
    "smooth_initial_pressure", "time_reversal", "time_step", "ubp_filter", "universal_back_projection",
]
