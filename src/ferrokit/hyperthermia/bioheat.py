"""3D Pennes bioheat solver on a voxel grid: finite volumes, implicit time stepping, steady state.

Model (Pennes, J Appl Physiol 1948 1:93, doi 10.1152/jappl.1948.1.2.93) [V]:

.. math:: \\rho c\\,\\partial_t T = \\nabla\\cdot(k\\nabla T) + \\omega_b\\rho_b c_b\\,(T_a - T) + Q_{met} + Q,

with heterogeneous ρ, c, k, perfusion rate ω_b [s⁻¹] (blood volume per tissue volume per second), blood
ρ_b c_b, arterial temperature T_a, metabolic heat Q_met and the particle heat source Q [W m⁻³].

Discretisation (cell-centred finite volumes on a uniform grid, spacing h_x, h_y, h_z): the flux between
neighbouring cells i, j along axis a is k_f (T_j − T_i)/h_a per unit area with the harmonic mean
k_f = 2 k_i k_j/(k_i + k_j) (exact for a piecewise-constant k across the face). Boundary faces use a ghost at
half a cell: Dirichlet T_b gives a conductance 2k_i/h_a, Robin (heat-transfer coefficient h to T_∞) the series
conductance 1/(h_a/(2k_i) + 1/h), adiabatic 0. Per unit volume this is

.. math:: C\\,\\dot T = -A T + b,\\qquad C = \\mathrm{diag}(\\rho c),

with A symmetric positive semi-definite (positive definite with perfusion or a non-adiabatic boundary).
Backward Euler: (C/Δt + A) Tⁿ⁺¹ = C Tⁿ/Δt + bⁿ⁺¹ (first order, L-stable); Crank–Nicolson:
(C/Δt + A/2) Tⁿ⁺¹ = (C/Δt − A/2) Tⁿ + (bⁿ + bⁿ⁺¹)/2 (second order, may ring for Δt far above the diffusion
time of a voxel). The matrix is assembled once and factorised once (``solver="direct"``: sparse LU) or
preconditioned once (``solver="pcg"``: conjugate gradients with an exact fast-sine/cosine-transform solve of
the same operator with constant (geometric-mean) coefficients; the preconditioned condition number is bounded
by the coefficient contrast, not by the grid, so large grids converge in a few iterations).

Temperature-dependent perfusion ω_b(T) is handled *explicitly in the perfusion*: the matrix keeps the baseline
ω_b⁰ and the difference (ω_b(Tⁿ) − ω_b⁰) ρ_b c_b (T_a − Tⁿ) enters as a known source of the step (first-order
lag of one time step; the matrix is never re-assembled).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ferrokit._shared.validation import FerroKitInputError, check_choice, check_positive
from ferrokit.constants import BODY_TEMPERATURE
from ferrokit.hyperthermia._linear import _Linear
from ferrokit.hyperthermia.tissues import BLOOD_DENSITY, BLOOD_HEAT_CAPACITY

Scheme = Literal["backward_euler", "crank_nicolson"]
FACES = ("x-", "x+", "y-", "y+", "z-", "z+")
#: Grids with at most this many cells use the sparse LU factorisation by default, larger ones PCG.
DIRECT_SOLVER_MAX_CELLS = 10_000


@dataclass(frozen=True)
class BoundaryCondition:
    """Thermal condition on one face of the grid box.

    Parameters
    ----------
    kind : {"dirichlet", "robin", "adiabatic"}
        Fixed temperature (body-temperature far field), convective exchange, or no flux (also a symmetry plane).
    temperature : float or ndarray
        T_b (Dirichlet) or T_∞ (Robin) [K]; a scalar, or an array with the shape of the face (the grid shape with
        that axis removed), e.g. an analytic far field.
    heat_transfer_coefficient : float
        h [W m⁻² K⁻¹] for Robin (> 0).
    """

    kind: Literal["dirichlet", "robin", "adiabatic"] = "dirichlet"
    temperature: float | np.ndarray = BODY_TEMPERATURE
    heat_transfer_coefficient: float | None = None

    def __post_init__(self) -> None:
        check_choice("boundary kind", self.kind, ("dirichlet", "robin", "adiabatic"))
        t = np.asarray(self.temperature, dtype=float)
        if not np.all(np.isfinite(t)) or np.any(t <= 0):
            raise FerroKitInputError("boundary temperature must be finite and > 0 K")
        if self.kind == "robin":
            check_positive("heat_transfer_coefficient", self.heat_transfer_coefficient
                           if self.heat_transfer_coefficient is not None else float("nan"), unit="W/(m2 K)")


def _field(name: str, value, shape: tuple[int, ...], *, positive: bool) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(shape, float(arr))
    if arr.shape != shape:
        raise FerroKitInputError(f"{name} must be a scalar or an array of shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise FerroKitInputError(f"{name} contains non-finite values")
    if positive and np.any(arr <= 0):
        raise FerroKitInputError(f"{name} must be > 0 everywhere")
    if not positive and np.any(arr < 0):
        raise FerroKitInputError(f"{name} must be ≥ 0 everywhere")
    return arr


@dataclass(frozen=True, eq=False)
class BioheatProblem:
    """Tissue fields and boundary conditions on a uniform voxel grid (all SI).

    Parameters
    ----------
    spacing : (3,) floats
        Voxel size h_x, h_y, h_z [m].
    density, heat_capacity, conductivity : float or (nx, ny, nz) arrays
        ρ [kg m⁻³], c [J kg⁻¹ K⁻¹], k [W m⁻¹ K⁻¹] (> 0).
    perfusion : float or array
        ω_b [s⁻¹] (≥ 0).
    metabolic_heat : float or array
        Q_met [W m⁻³] (≥ 0).
    shape : (3,) ints
        Grid shape; needed when every field is a scalar, else taken from the arrays.
    boundary : BoundaryCondition or six of them
        One condition for every face, or one per face in the order x−, x+, y−, y+, z−, z+.
    arterial_temperature : float
        T_a [K] (default 37 °C).
    blood_density, blood_heat_capacity : float
        ρ_b [kg m⁻³], c_b [J kg⁻¹ K⁻¹] (IT'IS v4.2 blood by default).
    perfusion_model : callable, optional
        ``perfusion_model(baseline_perfusion, temperature) -> perfusion`` (arrays, s⁻¹) for temperature-dependent
        perfusion, applied explicitly (see module notes).
    """

    spacing: tuple[float, float, float]
    density: np.ndarray | float
    heat_capacity: np.ndarray | float
    conductivity: np.ndarray | float
    perfusion: np.ndarray | float
    metabolic_heat: np.ndarray | float = 0.0
    shape: tuple[int, int, int] | None = None
    boundary: BoundaryCondition | Sequence[BoundaryCondition] = field(default_factory=BoundaryCondition)
    arterial_temperature: float = BODY_TEMPERATURE
    blood_density: float = BLOOD_DENSITY
    blood_heat_capacity: float = BLOOD_HEAT_CAPACITY
    perfusion_model: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    def __post_init__(self) -> None:
        sp_ = tuple(float(check_positive("spacing", s, unit="m")) for s in np.atleast_1d(self.spacing))
        if len(sp_) != 3:
            raise FerroKitInputError(f"spacing needs 3 values (x, y, z), got {len(sp_)}")
        shape = self.shape
        if shape is None:
            for v in (self.density, self.heat_capacity, self.conductivity, self.perfusion, self.metabolic_heat):
                if np.ndim(v) == 3:
                    shape = np.shape(v)
                    break
        if shape is None:
            raise FerroKitInputError("shape is required when every tissue field is a scalar")
        shape = tuple(int(n) for n in shape)
        if len(shape) != 3 or min(shape) < 1:
            raise FerroKitInputError(f"shape must be three positive integers, got {shape}")
        put = object.__setattr__
        put(self, "spacing", sp_)
        put(self, "shape", shape)
        put(self, "density", _field("density", self.density, shape, positive=True))
        put(self, "heat_capacity", _field("heat_capacity", self.heat_capacity, shape, positive=True))
        put(self, "conductivity", _field("conductivity", self.conductivity, shape, positive=True))
        put(self, "perfusion", _field("perfusion", self.perfusion, shape, positive=False))
        put(self, "metabolic_heat", _field("metabolic_heat", self.metabolic_heat, shape, positive=False))
        bc = self.boundary
        bcs = (bc,) * 6 if isinstance(bc, BoundaryCondition) else tuple(bc)
        if len(bcs) != 6 or not all(isinstance(b, BoundaryCondition) for b in bcs):
            raise FerroKitInputError("boundary must be one BoundaryCondition or six (x-, x+, y-, y+, z-, z+)")
        for i, b in enumerate(bcs):
            t = np.asarray(b.temperature, dtype=float)
            face_shape = tuple(n for a, n in enumerate(shape) if a != i // 2)
            if t.ndim and t.shape != face_shape:
                raise FerroKitInputError(f"boundary {FACES[i]} temperature must be a scalar or of shape "
                                         f"{face_shape}, got {t.shape}")
        put(self, "boundary", bcs)
        check_positive("arterial_temperature", self.arterial_temperature, unit="K")
        check_positive("blood_density", self.blood_density, unit="kg/m3")
        check_positive("blood_heat_capacity", self.blood_heat_capacity, unit="J/(kg K)")

    @property
    def voxel_volume(self) -> float:
        """Voxel volume [m³]."""
        return float(np.prod(self.spacing))

    @property
    def perfusion_coefficient(self) -> np.ndarray:
        """ω_b ρ_b c_b [W m⁻³ K⁻¹]."""
        return self.perfusion * self.blood_density * self.blood_heat_capacity

    @property
    def volumetric_heat_capacity(self) -> np.ndarray:
        """ρc [J m⁻³ K⁻¹]."""
        return self.density * self.heat_capacity


@dataclass(frozen=True, eq=False)
class Operator:
    """The assembled finite-volume operator: C dT/dt = −A T + b + Q (per unit volume)."""

    matrix: sp.csr_matrix          # A [W m⁻³ K⁻¹]
    constant: np.ndarray           # b = Σ g_b T_b + W T_a + Q_met [W m⁻³], flat
    boundary_conductance: np.ndarray  # Σ_b g_b per cell [W m⁻³ K⁻¹], flat
    boundary_source: np.ndarray    # Σ_b g_b T_b per cell [W m⁻³], flat
    face_kinds: tuple[str, ...]    # "dirichlet" / "neumann" per face for the preconditioner
    mean_conductivity: float       # representative k for the preconditioner
    diagonal: np.ndarray           # diag(A), grid shape
    face_conductance: tuple[np.ndarray, np.ndarray, np.ndarray]  # g = k_f/h² on interior faces, per axis


def _harmonic(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 2.0 * a * b / (a + b)


def assemble(problem: BioheatProblem) -> Operator:
    """Assemble the finite-volume operator of ``problem`` (see the module notes for the scheme)."""
    shape = problem.shape
    n = int(np.prod(shape))
    k = problem.conductivity
    w = problem.perfusion_coefficient
    diag = w.copy()
    offsets, bands = [], []
    strides = (shape[1] * shape[2], shape[2], 1)
    g_bnd = np.zeros(shape)
    s_bnd = np.zeros(shape)
    kinds = []
    faces = []
    for axis in range(3):
        h = problem.spacing[axis]
        sl_lo = [slice(None)] * 3
        sl_hi = [slice(None)] * 3
        sl_lo[axis] = slice(0, -1)
        sl_hi[axis] = slice(1, None)
        g = _harmonic(k[tuple(sl_lo)], k[tuple(sl_hi)]) / h**2
        faces.append(np.ascontiguousarray(g))
        diag[tuple(sl_lo)] += g
        diag[tuple(sl_hi)] += g
        if shape[axis] > 1:   # (axes of length 1 have no interior faces, and would repeat an offset)
            band = np.zeros(shape)
            band[tuple(sl_lo)] = -g          # coupling of cell i to i+1 along axis
            flat = band.ravel()[: n - strides[axis]]
            offsets += [strides[axis], -strides[axis]]
            bands += [flat, flat]
        for side in (0, 1):
            bc = problem.boundary[2 * axis + side]
            idx = [slice(None)] * 3
            idx[axis] = slice(0, 1) if side == 0 else slice(-1, None)
            k_b = k[tuple(idx)]
            if bc.kind == "adiabatic":
                gb = np.zeros_like(k_b)
            elif bc.kind == "dirichlet":
                gb = 2.0 * k_b / h**2
            else:
                gb = 1.0 / (h * (h / (2.0 * k_b) + 1.0 / bc.heat_transfer_coefficient))
            tb = np.expand_dims(np.asarray(bc.temperature, dtype=float), axis) if np.ndim(bc.temperature) \
                else float(bc.temperature)
            g_bnd[tuple(idx)] += gb
            s_bnd[tuple(idx)] += gb * tb
            kmean = float(np.mean(k_b))
            strong = bc.kind == "dirichlet" or (bc.kind == "robin" and float(np.mean(gb)) > kmean / h**2)
            kinds.append("dirichlet" if strong else "neumann")
    diag += g_bnd
    matrix = sp.diags([diag.ravel(), *bands], [0, *offsets], shape=(n, n), format="csr")
    constant = (s_bnd + w * problem.arterial_temperature + problem.metabolic_heat).ravel()
    kmin, kmax = float(k.min()), float(k.max())
    return Operator(matrix=matrix, constant=constant, boundary_conductance=g_bnd.ravel(),
                    boundary_source=s_bnd.ravel(), face_kinds=tuple(kinds), mean_conductivity=(kmin * kmax) ** 0.5,
                    diagonal=diag, face_conductance=tuple(faces))


def _choose_solver(solver: str, n: int) -> str:
    check_choice("solver", solver, ("auto", "direct", "pcg"))
    if solver == "auto":
        return "direct" if n <= DIRECT_SOLVER_MAX_CELLS else "pcg"
    return solver


def _geomean_range(x: np.ndarray) -> float:
    return float(np.sqrt(x.min() * x.max()))


class BioheatSolver:
    """Implicit time stepper for a :class:`BioheatProblem` with a fixed time step.

    The matrix is assembled and factorised (or its preconditioner built) once, in the constructor.

    Parameters
    ----------
    problem : BioheatProblem
    dt : float
        Time step [s] (> 0).
    scheme : {"backward_euler", "crank_nicolson"}
    solver : {"auto", "direct", "pcg"}
        ``auto``: sparse LU up to ``DIRECT_SOLVER_MAX_CELLS`` cells, PCG above.
    tolerance : float
        PCG stopping rule [K]: ‖r‖₂ ≤ tolerance · min(ρc/Δt) · √N, which bounds the RMS error of the step by
        ``tolerance`` because λ_min(M) ≥ min(ρc/Δt). Unused by the direct solver (exact to rounding).
    """

    def __init__(self, problem: BioheatProblem, *, dt: float, scheme: Scheme = "backward_euler",
                 solver: str = "auto", tolerance: float = 1e-9):
        self.problem = problem
        self.dt = check_positive("dt", dt, unit="s")
        self.scheme = check_choice("scheme", scheme, ("backward_euler", "crank_nicolson"))
        self.tolerance = check_positive("tolerance", tolerance, unit="K")
        self.op = assemble(problem)
        n = self.op.matrix.shape[0]
        self.solver = _choose_solver(solver, n)
        theta = 1.0 if scheme == "backward_euler" else 0.5
        self.theta = theta
        self.mass = (problem.volumetric_heat_capacity / self.dt).ravel()
        m = (sp.diags(self.mass) + theta * self.op.matrix).tocsr()
        w = problem.perfusion_coefficient
        c0 = _geomean_range(problem.volumetric_heat_capacity / self.dt + theta * w)
        stencil = (self.mass.reshape(problem.shape) + theta * self.op.diagonal,
                   *(theta * g for g in self.op.face_conductance)) if self.solver == "pcg" else None
        self.linear = _Linear(m, self.solver, problem.shape, problem.spacing, self.op.face_kinds, c0,
                              theta * self.op.mean_conductivity, stencil)
        self._abs_tol = self.tolerance * float(self.mass.min()) * np.sqrt(n)
        self.steps = 0
        self._last: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def iterations(self) -> int:
        """Total PCG iterations so far (0 for the direct solver)."""
        return self.linear.iterations

    def perfusion_correction(self, temperature: np.ndarray) -> np.ndarray:
        """Explicit source (ω_b(T) − ω_b⁰) ρ_b c_b (T_a − T) [W m⁻³] for temperature-dependent perfusion."""
        pr = self.problem
        if pr.perfusion_model is None:
            return np.zeros(pr.shape)
        return self._perfusion_correction(temperature)

    def _perfusion_correction(self, temperature: np.ndarray) -> np.ndarray:
        pr = self.problem
        w_now = np.asarray(pr.perfusion_model(pr.perfusion, temperature), dtype=float)
        return (w_now - pr.perfusion) * pr.blood_density * pr.blood_heat_capacity * (pr.arterial_temperature
                                                                                      - temperature)

    def step(self, temperature: np.ndarray, source: np.ndarray | float,
             source_previous: np.ndarray | float | None = None) -> np.ndarray:
        """Advance one time step.

        Parameters
        ----------
        temperature : ndarray
            Tⁿ [K], grid shape.
        source : ndarray or float
            Q at tⁿ⁺¹ [W m⁻³] (grid shape or scalar).
        source_previous : ndarray or float, optional
            Q at tⁿ (Crank–Nicolson only; defaults to ``source``).

        Returns
        -------
        ndarray
            Tⁿ⁺¹ [K].
        """
        shape = self.problem.shape
        t_old = np.asarray(temperature, dtype=float)
        if t_old.shape != shape:
            raise FerroKitInputError(f"temperature must have shape {shape}, got {t_old.shape}")
        t_flat = t_old.ravel()
        q_new = np.broadcast_to(np.asarray(source, dtype=float), shape).ravel()
        if self.scheme == "backward_euler":
            rhs = self.mass * t_flat + self.op.constant + q_new
        else:
            q_old = q_new if source_previous is None else np.broadcast_to(
                np.asarray(source_previous, dtype=float), shape).ravel()
            rhs = (self.mass * t_flat - 0.5 * (self.op.matrix @ t_flat) + self.op.constant
                   + 0.5 * (q_new + q_old))
        if self.problem.perfusion_model is not None:
            rhs += self._perfusion_correction(t_old).ravel()
        # initial guess: linear extrapolation when this step continues the previous one (same trajectory)
        x0 = t_flat
        if self._last is not None and temperature is self._last[1]:
            x0 = 2.0 * t_flat - self._last[0]
        t_new = self.linear.solve(rhs, x0, self._abs_tol).reshape(shape)
        self._last = (t_flat, t_new)
        self.steps += 1
        return t_new


def solve_steady(problem: BioheatProblem, source: np.ndarray | float = 0.0, *, solver: str = "auto",
                 rtol: float = 1e-12) -> np.ndarray:
    """Steady state A T = b + Q of the Pennes equation [K].

    Needs perfusion somewhere or a non-adiabatic boundary (else the problem is singular). The PCG stops at
    ‖r‖₂ ≤ rtol ‖b + Q‖₂.
    """
    op = assemble(problem)
    n = op.matrix.shape[0]
    kind = _choose_solver(solver, n)
    rhs = op.constant + np.broadcast_to(np.asarray(source, dtype=float), problem.shape).ravel()
    w = problem.perfusion_coefficient
    if not np.any(w > 0) and not np.any(op.boundary_conductance > 0):
        raise FerroKitInputError("the steady problem is singular (no perfusion and adiabatic on every face)")
    if kind == "direct":
        return spla.splu(op.matrix.tocsc()).solve(rhs).reshape(problem.shape)
    c0 = _geomean_range(w) if np.all(w > 0) else float(np.mean(w))
    lin = _Linear(op.matrix, "pcg", problem.shape, problem.spacing, op.face_kinds, c0, op.mean_conductivity,
                  (op.diagonal, *op.face_conductance))
    x0 = np.full(n, problem.arterial_temperature)
    return lin.solve(rhs, x0, rtol * float(np.linalg.norm(rhs))).reshape(problem.shape)


def energy_balance(problem: BioheatProblem, t_old: np.ndarray, t_new: np.ndarray, source, dt: float) -> dict:
    """Terms of the discrete energy balance of one backward-Euler step [W] (whole domain).

    ``storage`` = Σ ρc (Tⁿ⁺¹ − Tⁿ)/Δt V must equal ``source`` + ``metabolic`` + ``perfusion`` + ``boundary``
    (each evaluated at Tⁿ⁺¹; perfusion and boundary are negative when heat leaves); ``residual`` is the
    difference. Internal face fluxes cancel exactly in a finite-volume scheme.
    """
    op = assemble(problem)
    v = problem.voxel_volume
    tn = np.asarray(t_new, dtype=float).ravel()
    q = np.broadcast_to(np.asarray(source, dtype=float), problem.shape).ravel()
    storage = float(np.sum(problem.volumetric_heat_capacity.ravel() * (tn - np.ravel(t_old)) / dt) * v)
    src = float(np.sum(q) * v)
    met = float(np.sum(problem.metabolic_heat) * v)
    perf = float(np.sum(problem.perfusion_coefficient.ravel() * (problem.arterial_temperature - tn)) * v)
    bnd = float(np.sum(op.boundary_source - op.boundary_conductance * tn) * v)
    return {"storage": storage, "source": src, "metabolic": met, "perfusion": perf, "boundary": bnd,
            "residual": storage - (src + met + perf + bnd)}


def heated_sphere_temperature(r, *, power_density: float, radius: float, conductivity: float,
                              perfusion_coefficient: float, arterial_temperature: float = BODY_TEMPERATURE):
    """Exact steady temperature [K] around a uniformly heated sphere in infinite perfused tissue.

    With θ = T − T_a and m = √(ω_b ρ_b c_b / k):

    .. math::
        \\theta = \\frac{Q}{k m^2}\\Big[1 - (1 + mR)e^{-mR}\\frac{\\sinh mr}{mr}\\Big]\\ (r \\le R),\\qquad
        \\theta = \\frac{Q}{k m^2}\\,[mR\\cosh mR - \\sinh mR]\\,\\frac{e^{-mr}}{mr}\\ (r \\ge R);

    without perfusion θ = Q(3R² − r²)/(6k) inside and QR³/(3kr) outside (SCIENCE.md §3, derived and checked).

    Parameters
    ----------
    r : float or ndarray
        Distance from the centre [m].
    power_density : float
        Q [W m⁻³].
    radius : float
        R [m].
    conductivity : float
        k [W m⁻¹ K⁻¹].
    perfusion_coefficient : float
        ω_b ρ_b c_b [W m⁻³ K⁻¹] (0 allowed).

    Examples
    --------
    >>> t = heated_sphere_temperature(0.0, power_density=1e6, radius=5e-3, conductivity=0.5,
    ...                               perfusion_coefficient=3.8e4, arterial_temperature=0.0)
    >>> round(float(t), 3)
    10.544
    """
    q = float(power_density)
    big_r = check_positive("radius", radius, unit="m")
    k = check_positive("conductivity", conductivity, unit="W/(m K)")
    wc = float(perfusion_coefficient)
    if wc < 0:
        raise FerroKitInputError("perfusion_coefficient must be ≥ 0")
    r = np.abs(np.asarray(r, dtype=float))
    inside = r <= big_r
    if wc == 0:
        theta = np.where(inside, q * (3 * big_r**2 - r**2) / (6 * k), q * big_r**3 / (3 * k * np.maximum(r, 1e-300)))
        return theta + arterial_temperature
    m = np.sqrt(wc / k)
    scale = q / (k * m**2)
    mr = m * r
    sinhc = np.where(mr > 1e-8, np.sinh(np.minimum(mr, 700)) / np.maximum(mr, 1e-300), 1.0 + mr**2 / 6)
    mrr = m * big_r
    theta_in = scale * (1.0 - (1.0 + mrr) * np.exp(-mrr) * sinhc)
    theta_out = scale * (mrr * np.cosh(mrr) - np.sinh(mrr)) * np.exp(-mr) / np.maximum(mr, 1e-300)
    return np.where(inside, theta_in, theta_out) + arterial_temperature


def sphere_volume_fraction(shape, spacing, center, radius, *, subsamples: int = 8) -> np.ndarray:
    """Fraction of each voxel inside a sphere (supersampled on voxels the sphere surface crosses).

    Voxel (i, j, k) spans [i h_x, (i+1) h_x) × … with the grid origin at 0. A voxel wholly inside gets 1,
    wholly outside 0; the others ``subsamples``³ midpoint samples (error ~ 1/subsamples² of a voxel).
    """
    h = np.asarray(spacing, dtype=float)
    c = np.asarray(center, dtype=float)
    rad = check_positive("radius", radius, unit="m")
    axes = [(np.arange(n) + 0.5) * h[a] - c[a] for a, n in enumerate(shape)]
    d2 = axes[0][:, None, None] ** 2 + axes[1][None, :, None] ** 2 + axes[2][None, None, :] ** 2
    half_diag = 0.5 * float(np.linalg.norm(h))
    d = np.sqrt(d2)
    frac = (d <= rad - half_diag).astype(float)
    cut = np.argwhere((d > rad - half_diag) & (d < rad + half_diag))
    if cut.size:
        s = (np.arange(subsamples) + 0.5) / subsamples - 0.5
        off = np.stack(np.meshgrid(s, s, s, indexing="ij"), axis=-1).reshape(-1, 3) * h
        centres = np.stack([axes[a][cut[:, a]] for a in range(3)], axis=1)
        pts = centres[:, None, :] + off[None, :, :]
        frac[tuple(cut.T)] = np.mean(np.sum(pts**2, axis=2) <= rad**2, axis=1)
    return frac
