"""Water viscosity (IAPWS 2008) and density (Kell 1975) against published reference values."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.magnetism import water_density, water_viscosity
from ferrokit.magnetism.viscosity import _viscosity_from_density

# IAPWS R12-08 (2008), Table 4: check values of the correlation at given (T, ρ), μ̄2 = 1, in µPa s.
# The release prints them with 6 decimals; we reproduce them to < 1e-7 relative (rounding of the table).
R12_08_TABLE4 = [
    (298.15, 998.0, 889.735100),
    (298.15, 1200.0, 1437.649467),
    (373.15, 1000.0, 307.883622),
    (433.15, 1.0, 14.538324),
    (433.15, 1000.0, 217.685358),
    (873.15, 1.0, 32.619287),
    (873.15, 100.0, 35.802262),
    (873.15, 600.0, 77.430195),
]


@pytest.mark.parametrize(("t", "rho", "mu_upas"), R12_08_TABLE4)
def test_iapws_check_values(t, rho, mu_upas):
    assert _viscosity_from_density(rho, t) * 1e6 == pytest.approx(mu_upas, rel=1e-7)


@pytest.mark.parametrize(
    ("celsius", "mpas"),
    # IAPWS-2008 values of liquid water at 0.1 MPa (Huber et al. 2009; the task's reference values):
    # tolerance 0.5 % as asked; the implementation agrees to ~1e-5.
    [(20.0, 1.0016), (25.0, 0.8900), (37.0, 0.6913)],
)
def test_viscosity_at_one_atmosphere(celsius, mpas):
    assert water_viscosity(273.15 + celsius) * 1e3 == pytest.approx(mpas, rel=5e-3)
    assert water_viscosity(273.15 + celsius) * 1e3 == pytest.approx(mpas, rel=1e-4)


def test_kell_density_reference_values():
    # Kell 1975 tables: 999.84 (0 °C), 998.20 (20 °C), 997.05 (25 °C), 958.37 (100 °C) kg/m³ (±0.01–0.02)
    got = water_density(np.array([273.15, 293.15, 298.15, 373.15]))
    assert got == pytest.approx([999.84, 998.20, 997.05, 958.36], abs=0.02)


def test_vectorised_and_monotonic():
    t = np.linspace(273.15, 373.15, 21)
    eta = water_viscosity(t)
    assert eta.shape == t.shape and np.all(np.diff(eta) < 0)


@pytest.mark.parametrize("t", [272.0, 374.0, float("nan")])
def test_outside_liquid_range_raises(t):
    with pytest.raises(FerroKitInputError, match="temperature"):
        water_viscosity(t)
