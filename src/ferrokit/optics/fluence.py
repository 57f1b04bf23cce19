"""Light fluence by the diffusion approximation: 1D semi-infinite (analytic) and 3D finite volumes.

Steady-state diffusion equation (e.g. Wang & Wu, *Biomedical Optics*, Wiley 2012, ch. 5; textbook):

.. math:: \\nabla\\cdot(D\\nabla\\Phi) - \\mu_a\\Phi = -S,\\qquad D = \\frac{1}{3(\\mu_a + \\mu_s')},
          \\qquad \\mu_{eff} = \\sqrt{3\\mu_a(\\mu_a + \\mu_s')} = \\sqrt{\\mu_a/D}

with Φ the fluence rate [W m⁻²] (or, for a pulse, the fluence [J m⁻²]: the equation is linear and
time-free, so every result scales with the source), S the isotropic source [W m⁻³].

Boundary (partial-current / Robin) condition at a surface with outward normal n̂:

.. math:: \\Phi + 2AD\\,\\hat n\\cdot\\nabla\\Phi = 0,\\qquad A = \\frac{1 + r_i}{1 - r_i},\\quad
          r_i \\approx -1.440\\,n^{-2} + 0.710\\,n^{-1} + 0.668 + 0.0636\\,n

(n = n_tissue/n_outside; Groenhuis et al., Appl. Opt. 22 (1983) 2456, as used by Haskell et al.,
J. Opt. Soc. Am. A 11 (1994) 2727; seen-secondary. A ≈ 1 for n = 1, A ≈ 3.25 for n = 1.4).
Equivalently Φ = 0 on an extrapolated boundary at 2AD outside the surface.

Collimated broad-beam illumination (irradiance E₀, specular reflection R_sp = ((n−1)/(n+1))² removed) is
treated in the similarity (reduced-scattering, isotropic) picture: the unscattered beam
E(z) = E₀ e^{−μ_t' z}, μ_t' = μ_a + μ_s', feeds the diffuse field with S = μ_s' E(z), and the total fluence
is Φ = E + Φ_d. Validity: μ_s' ≫ μ_a (required here: μ_s' > 2μ_a), depths beyond ~1/μ_t'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ferrokit._shared.validation import FerroKitInputError, check_choice, check_nonnegative, check_positive, check_range
from ferrokit.optics._kernels import dot
from ferrokit.optics.photoacoustic_source import gruneisen_water, initial_pressure

__all__ = [
    "FACES",
    "FluenceResult",
    "boundary_factor",
    "collimated_source",
    "diffusion_coefficient",
    "effective_attenuation",
    "fluence_1d",
    "gruneisen_water",
    "initial_pressure",
    "point_source_fluence",
    "solve_fluence",
    "specular_reflectance",
]

FACES = ("x-", "x+", "y-", "y+", "z-", "z+")
#: Grids up to this many cells are solved by sparse LU, larger ones by preconditioned conjugate gradients.
DIRECT_MAX_CELLS = 8_000


def _coef(name: str, value) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise FerroKitInputError(f"{name} must be numeric (1/m)") from None
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise FerroKitInputError(f"{name} must be finite and non-empty (1/m)")
    return a


def _check_diffusive(mu_a: np.ndarray, mu_s: np.ndarray) -> None:
    if np.any(mu_a < 0):
        raise FerroKitInputError("mu_a must be ≥ 0 (1/m)")
    if np.any(mu_s <= 0):
        raise FerroKitInputError("mu_s_prime must be > 0 (1/m)")
    if np.any(mu_s <= 2.0 * mu_a):
        raise FerroKitInputError("the diffusion approximation needs mu_s_prime ≫ mu_a (here: mu_s_prime > 2 mu_a); "
                                 "use a transport (Monte Carlo) model for such strongly absorbing media")


def _out(x):
    return float(x) if np.ndim(x) == 0 else x


def diffusion_coefficient(mu_a, mu_s_prime):
    """Optical diffusion coefficient D = 1/(3(μ_a + μ_s')) [m].

    >>> round(diffusion_coefficient(10.0, 1000.0) * 1e3, 4)   # mm
    0.33
    """
    a, s = _coef("mu_a", mu_a), _coef("mu_s_prime", mu_s_prime)
    if np.any(a < 0) or np.any(s <= 0):
        raise FerroKitInputError("mu_a must be ≥ 0 and mu_s_prime > 0 (1/m)")
    return _out(1.0 / (3.0 * (a + s)))


def effective_attenuation(mu_a, mu_s_prime):
    """Effective attenuation coefficient μ_eff = √(3 μ_a (μ_a + μ_s')) [m⁻¹].

    >>> round(effective_attenuation(10.0, 1000.0), 1)   # 0.1 /cm, 10 /cm -> 1.74 /cm
    174.1
    """
    a, s = _coef("mu_a", mu_a), _coef("mu_s_prime", mu_s_prime)
    if np.any(a < 0) or np.any(s <= 0):
        raise FerroKitInputError("mu_a must be ≥ 0 and mu_s_prime > 0 (1/m)")
    return _out(np.sqrt(3.0 * a * (a + s)))


def boundary_factor(relative_index: float) -> float:
    """Internal-reflection parameter A of the Robin boundary (Groenhuis polynomial for r_i; module notes).

    >>> round(boundary_factor(1.4), 2)
    3.25
    """
    n = check_range("relative_index", relative_index, 1.0, 2.0)
    r = -1.440 / n**2 + 0.710 / n + 0.668 + 0.0636 * n
    r = min(max(r, 0.0), 0.99)
    return (1.0 + r) / (1.0 - r)


def specular_reflectance(relative_index: float) -> float:
    """Normal-incidence Fresnel reflectance ((n − 1)/(n + 1))².

    >>> round(specular_reflectance(1.4), 4)
    0.0278
    """
    n = check_range("relative_index", relative_index, 1.0, 4.0)
    return ((n - 1.0) / (n + 1.0)) ** 2


def point_source_fluence(r, *, power: float, mu_a: float, mu_s_prime: float):
    """Fluence rate [W/m²] of an isotropic point source of ``power`` [W] in an infinite medium.

    .. math:: \\Phi(r) = \\frac{P}{4\\pi D r}\\,e^{-\\mu_{eff} r}

    Parameters
    ----------
    r : float or array_like
        Distance from the source [m] (> 0).
    """
    rr = _coef("r", r)
    if np.any(rr <= 0):
        raise FerroKitInputError("r must be > 0 (m)")
    p = check_nonnegative("power", power, unit="W")
    a, s = np.asarray(float(mu_a)), np.asarray(float(mu_s_prime))
    _check_diffusive(a, s)
    d = 1.0 / (3.0 * (a + s))
    mu_eff = math.sqrt(float(a) / float(d))
    return _out(p / (4.0 * math.pi * d * rr) * np.exp(-mu_eff * rr))


def fluence_1d(depth, *, mu_a: float, mu_s_prime: float, irradiance: float = 1.0, relative_index: float = 1.4,
               include_specular: bool = True):
    """Fluence (rate) Φ(z) in a semi-infinite medium under a broad collimated beam (diffusion theory).

    With μ_t' = μ_a + μ_s', E₀' = (1 − R_sp) E₀ and the diffuse part solving D Φ_d'' − μ_a Φ_d = −μ_s' E₀' e^{−μ_t' z}
    with Φ_d(0) − 2AD Φ_d'(0) = 0 and Φ_d → 0 at depth:

    .. math:: \\Phi(z) = E_0'\\left[(1 + \\alpha) e^{-\\mu_t' z} + \\beta e^{-\\mu_{eff} z}\\right],\\quad
              \\alpha = -\\frac{3\\mu_s'}{\\mu_t' - 3\\mu_a}\\ (<0),\\quad
              \\beta = -\\alpha\\,\\frac{1 + 2AD\\mu_t'}{1 + 2AD\\mu_{eff}}.

    Deep in the medium Φ ≈ E₀' β e^{−μ_eff z} (the Φ₀ k e^{−μ_eff z} form of SCIENCE.md §4, k = β).

    Parameters
    ----------
    depth : float or array_like
        z ≥ 0 [m].
    mu_a, mu_s_prime : float
        [m⁻¹], μ_s' > 2 μ_a.
    irradiance : float
        E₀ [W/m²] (or radiant exposure [J/m²] for a pulse); ≥ 0.
    relative_index : float
        n_tissue/n_outside (1–2) for A and R_sp.
    include_specular : bool
        Remove the Fresnel specular reflection from the incident beam.

    Returns
    -------
    float or ndarray
        Φ [W/m²] (or [J/m²]).

    Examples
    --------
    >>> phi = fluence_1d([0.0, 0.01], mu_a=10.0, mu_s_prime=1000.0, irradiance=1.0)
    >>> [round(float(v), 2) for v in phi]   # surface build-up to ~5 E0 (n = 1.4); e^{-1.74} per cm at depth
    [4.86, 1.2]
    """
    z = _coef("depth", depth)
    if np.any(z < 0):
        raise FerroKitInputError("depth must be ≥ 0 (m)")
    a = check_nonnegative("mu_a", mu_a, unit="1/m")
    s = check_positive("mu_s_prime", mu_s_prime, unit="1/m")
    _check_diffusive(np.asarray(a), np.asarray(s))
    e0 = check_nonnegative("irradiance", irradiance, unit="W/m2")
    big_a = boundary_factor(relative_index)
    if include_specular:
        e0 *= 1.0 - specular_reflectance(relative_index)
    mt = a + s
    d = 1.0 / (3.0 * mt)
    me = math.sqrt(a / d)
    alpha = -3.0 * s / (mt - 3.0 * a)
    beta = -alpha * (1.0 + 2.0 * big_a * d * mt) / (1.0 + 2.0 * big_a * d * me)
    return _out(e0 * ((1.0 + alpha) * np.exp(-mt * z) + beta * np.exp(-me * z)))


def _field(name: str, value, shape) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(shape, float(arr))
    if arr.shape != tuple(shape):
        raise FerroKitInputError(f"{name} must be a scalar or of shape {tuple(shape)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise FerroKitInputError(f"{name} contains non-finite values")
    return arr


def collimated_source(mu_a, mu_s_prime, spacing, *, irradiance=1.0, relative_index: float = 1.4,
                      include_specular: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Cell-averaged source S [W/m³] and unscattered fluence E [W/m²] of a collimated beam entering at z = 0.

    The beam travels along +z (the last axis) from the z− face; E(x, y, z) = E₀(x, y)(1 − R_sp)
    exp(−∫₀ᶻ μ_t' dz'), averaged exactly over each cell, and S = μ_s' E (module notes).

    Parameters
    ----------
    mu_a, mu_s_prime : ndarray (nx, ny, nz)
        [m⁻¹].
    spacing : (3,) floats
        [m].
    irradiance : float or ndarray (nx, ny)
        E₀ [W/m²] per surface pixel (a beam profile), ≥ 0.
    """
    a = _coef("mu_a", mu_a)
    if a.ndim != 3:
        raise FerroKitInputError(f"mu_a must be a 3-D array (nx, ny, nz), got shape {a.shape}")
    s = _field("mu_s_prime", mu_s_prime, a.shape)
    h = _spacing(spacing)
    e0 = _field("irradiance", irradiance, a.shape[:2])
    if np.any(e0 < 0):
        raise FerroKitInputError("irradiance must be ≥ 0 (W/m2)")
    if include_specular:
        e0 = e0 * (1.0 - specular_reflectance(relative_index))
    mt = a + s
    tau_cell = mt * h[2]
    tau_top = np.cumsum(tau_cell, axis=2) - tau_cell
    # exact cell average of e^{-tau}: e^{-tau_top} (1 - e^{-dtau}) / dtau
    frac = np.where(tau_cell > 1e-12, -np.expm1(-tau_cell) / np.maximum(tau_cell, 1e-300), 1.0)
    e_avg = e0[:, :, None] * np.exp(-tau_top) * frac
    return s * e_avg, e_avg


def _spacing(spacing) -> tuple[float, float, float]:
    sp_ = np.atleast_1d(np.asarray(spacing, dtype=float))
    if sp_.size != 3:
        raise FerroKitInputError(f"spacing needs 3 values (x, y, z) in m, got {sp_.size}")
    return tuple(check_positive("spacing", v, unit="m") for v in sp_)


@dataclass(frozen=True, eq=False)
class FluenceResult:
    """3D diffusion fluence on a voxel grid (SI).

    ``fluence`` is the total Φ [W/m² or J/m²] (diffuse + unscattered collimated part), ``diffuse`` the solution
    of the diffusion equation, ``absorbed`` = μ_a Φ [W/m³ or J/m³].
    """

    fluence: np.ndarray = field(repr=False)
    diffuse: np.ndarray = field(repr=False)
    absorbed: np.ndarray = field(repr=False)
    spacing: tuple[float, float, float]
    boundary: tuple[str, ...]
    boundary_factor: float
    solver: str
    iterations: int

    def to_dict(self) -> dict:
        return {"shape": list(self.fluence.shape), "spacing": {"value": list(self.spacing), "unit": "m"},
                "boundary": dict(zip(FACES, self.boundary, strict=True)), "boundary_factor": self.boundary_factor,
                "solver": self.solver, "iterations": self.iterations,
                "max_fluence": {"value": float(self.fluence.max()), "unit": "W/m2"},
                "total_absorbed_power": {"value": float(self.absorbed.sum() * np.prod(self.spacing)), "unit": "W"}}

    def plot(self, ax=None, *, axis: int = 1, index: int | None = None):
        """Show a slice of log10 Φ (default: the central x–z plane)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4))
        idx = self.fluence.shape[axis] // 2 if index is None else index
        sl = np.take(self.fluence, idx, axis=axis)
        im = ax.imshow(np.log10(np.maximum(sl.T, 1e-30)), origin="upper", aspect="auto")
        ax.set_title("log10 fluence")
        plt.colorbar(im, ax=ax)
        return ax


def _assemble(mu_a: np.ndarray, dcoef: np.ndarray, h, kinds, big_a: float) -> sp.csr_matrix:
    shape = mu_a.shape
    n = mu_a.size
    diag = mu_a.astype(float).copy()
    offsets, bands = [], []
    strides = (shape[1] * shape[2], shape[2], 1)
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        d1, d2 = dcoef[tuple(lo)], dcoef[tuple(hi)]
        g = 2.0 * d1 * d2 / (d1 + d2) / h[axis] ** 2
        diag[tuple(lo)] += g
        diag[tuple(hi)] += g
        if shape[axis] > 1:
            band = np.zeros(shape)
            band[tuple(lo)] = -g
            flat = band.ravel()[: n - strides[axis]]
            offsets += [strides[axis], -strides[axis]]
            bands += [flat, flat]
        for side in (0, 1):
            if kinds[2 * axis + side] != "robin":
                continue
            idx = [slice(None)] * 3
            idx[axis] = slice(0, 1) if side == 0 else slice(-1, None)
            d_b = dcoef[tuple(idx)]
            # flux Φ_b/(2A) through the face, with Φ_b from the half-cell gradient: J = Φ_i/(h/(2D) + 2A)
            diag[tuple(idx)] += 1.0 / (h[axis] * (h[axis] / (2.0 * d_b) + 2.0 * big_a))
    return sp.diags([diag.ravel(), *bands], [0, *offsets], shape=(n, n), format="csr")


def _pcg_jacobi(mat: sp.csr_matrix, b: np.ndarray, rtol: float, maxiter: int) -> tuple[np.ndarray, int]:
    """Conjugate gradients with a diagonal preconditioner; stops at ‖r‖ ≤ rtol ‖b‖."""
    inv_d = 1.0 / mat.diagonal()
    x = np.zeros_like(b)
    r = b.copy()
    target = rtol * np.sqrt(dot(b, b))
    if target == 0.0:
        return x, 0
    z = inv_d * r
    p = z.copy()
    rz = dot(r, z)
    for it in range(1, maxiter + 1):
        ap = mat @ p
        alpha = rz / dot(p, ap)
        x += alpha * p
        r -= alpha * ap
        if np.sqrt(dot(r, r)) <= target:
            return x, it
        z = inv_d * r
        rz_new = dot(r, z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    raise RuntimeError(f"conjugate gradients did not converge in {maxiter} iterations")


def solve_fluence(mu_a, mu_s_prime, spacing, *, source=None, irradiance=None, relative_index: float = 1.4,
                  boundary: str | Sequence[str] = "robin", include_specular: bool = True, solver: str = "auto",
                  rtol: float = 1e-10) -> FluenceResult:
    """Solve the 3D diffusion equation on a voxel grid by cell-centred finite volumes.

    Fluxes between cells use the harmonic mean of D (exact for piecewise-constant D); a Robin face adds the
    conductance 1/(h (h/(2D) + 2A)) per unit area (half-cell gradient in series with the partial-current
    condition Φ = 2AD ∂Φ/∂n); a ``zero_flux`` face (symmetry plane or a laterally infinite slab) adds none.
    The matrix is symmetric positive definite; it is solved by sparse LU up to 8 000 cells and by conjugate
    gradients with a Jacobi preconditioner above (``solver`` = "direct" / "cg" forces one).

    Parameters
    ----------
    mu_a, mu_s_prime : ndarray (nx, ny, nz) or float
        [m⁻¹]; heterogeneous maps allowed; μ_s' > 2 μ_a everywhere. z (last axis) is depth.
    spacing : (3,) floats
        Voxel size [m].
    source : ndarray, optional
        Isotropic source S [W/m³] (e.g. an interstitial fibre); added to any beam source.
    irradiance : float or ndarray (nx, ny), optional
        Collimated beam on the z− face (see :func:`collimated_source`) [W/m² or J/m²].
    relative_index : float
        n_tissue/n_outside for A (and the specular loss of the beam).
    boundary : str or six str
        "robin" or "zero_flux" for every face, or one per face (x−, x+, y−, y+, z−, z+).
    """
    h = _spacing(spacing)
    a = _coef("mu_a", mu_a)
    shape = a.shape if a.ndim == 3 else None
    if shape is None:
        for v in (mu_s_prime, source):
            if v is not None and np.ndim(v) == 3:
                shape = np.shape(v)
                break
    if shape is None:
        raise FerroKitInputError("mu_a, mu_s_prime or source must be a 3-D array to define the grid")
    a = _field("mu_a", a, shape)
    s = _field("mu_s_prime", mu_s_prime, shape)
    _check_diffusive(a, s)
    kinds = (boundary,) * 6 if isinstance(boundary, str) else tuple(boundary)
    if len(kinds) != 6:
        raise FerroKitInputError("boundary must be one kind or six (x-, x+, y-, y+, z-, z+)")
    for k in kinds:
        check_choice("boundary", k, ("robin", "zero_flux"))
    if source is None and irradiance is None:
        raise FerroKitInputError("give a source (W/m3) and/or an irradiance (W/m2) for the beam")
    rhs = np.zeros(shape)
    collimated = np.zeros(shape)
    if source is not None:
        q = _field("source", source, shape)
        if np.any(q < 0):
            raise FerroKitInputError("source must be ≥ 0 (W/m3)")
        rhs += q
    if irradiance is not None:
        q, collimated = collimated_source(a, s, h, irradiance=irradiance, relative_index=relative_index,
                                          include_specular=include_specular)
        rhs += q
    if not np.any(a > 0) and all(k == "zero_flux" for k in kinds):
        raise FerroKitInputError("no absorption and no Robin face: the problem is singular")
    big_a = boundary_factor(relative_index)
    dcoef = 1.0 / (3.0 * (a + s))
    mat = _assemble(a, dcoef, h, kinds, big_a)
    n = a.size
    check_choice("solver", solver, ("auto", "direct", "cg"))
    kind = ("direct" if n <= DIRECT_MAX_CELLS else "cg") if solver == "auto" else solver
    iters = 0
    if kind == "direct":
        phi = spla.splu(mat.tocsc()).solve(rhs.ravel())
    else:
        check_positive("rtol", rtol)
        phi, iters = _pcg_jacobi(mat, rhs.ravel(), rtol, maxiter=50 * n)
    diffuse = phi.reshape(shape)
    total = diffuse + collimated
    return FluenceResult(fluence=total, diffuse=diffuse, absorbed=a * total, spacing=h, boundary=kinds,
                         boundary_factor=big_a, solver=kind, iterations=iters)
