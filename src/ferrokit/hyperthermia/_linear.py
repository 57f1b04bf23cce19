"""Linear solvers behind :mod:`ferrokit.hyperthermia.bioheat`: sparse LU, or preconditioned conjugate gradients.

The implicit Pennes step and the steady state need M x = b for a fixed symmetric positive-definite M (finite
volume, 7-point stencil). Small grids use a sparse LU factorised once; large grids use PCG preconditioned by the
exact inverse of c0 + k̄(−Δ_h) (uniform conductivity k̄, the problem's boundary types), applied with fast
sine/cosine transforms: the discrete Laplacian with Dirichlet/Neumann ends is diagonal in the DST/DCT bases.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft
import scipy.sparse.linalg as spla

from ferrokit._shared.numba import HAVE_NUMBA
from ferrokit._shared.validation import FerroKitInputError


def _axis_transform(kind_lo: str, kind_hi: str) -> tuple[str, int]:
    """(family, DCT/DST type) whose basis diagonalises the 1D cell-centred Laplacian with these end conditions."""
    return {("dirichlet", "dirichlet"): ("dst", 2), ("neumann", "neumann"): ("dct", 2),
            ("dirichlet", "neumann"): ("dst", 4), ("neumann", "dirichlet"): ("dct", 4)}[(kind_lo, kind_hi)]


def _axis_eigenvalues(n: int, h: float, family: str, kind: int) -> np.ndarray:
    if kind == 2:
        j = np.arange(1, n + 1) if family == "dst" else np.arange(n)
        theta = np.pi * j / n
    else:
        theta = np.pi * (np.arange(n) + 0.5) / n
    return (2.0 - 2.0 * np.cos(theta)) / h**2


class _SpectralPreconditioner:
    """Exact inverse of c0 + k̄ (−Δ_h) with the boundary types of the problem, by fast sine/cosine transforms.

    The transforms run in single precision (twice as fast; the preconditioner only steers the search
    directions, while residuals and the stopping rule stay in double precision).
    """

    def __init__(self, shape, spacing, face_kinds, c0: float, kbar: float, workers: int | None = None):
        self.shape = shape
        self.plan = [_axis_transform(face_kinds[2 * a], face_kinds[2 * a + 1]) for a in range(3)]
        lam = [_axis_eigenvalues(shape[a], spacing[a], *self.plan[a]) for a in range(3)]
        denom = c0 + kbar * (lam[0][:, None, None] + lam[1][None, :, None] + lam[2][None, None, :])
        if np.any(denom <= 0):
            raise FerroKitInputError("the steady problem is singular (no perfusion and adiabatic on every face)")
        self.inv = (1.0 / denom).astype(np.float32)
        self.workers = workers
        self.uniform = len(set(self.plan)) == 1

    def __call__(self, r: np.ndarray) -> np.ndarray:
        x = r.reshape(self.shape).astype(np.float32)
        w = self.workers
        if self.uniform:
            fam, typ = self.plan[0]
            fwd, inv = (sfft.dstn, sfft.idstn) if fam == "dst" else (sfft.dctn, sfft.idctn)
            x = inv(fwd(x, type=typ, norm="ortho", workers=w, overwrite_x=True) * self.inv, type=typ, norm="ortho",
                    workers=w, overwrite_x=True)
            return x.ravel().astype(np.float64)
        for a, (fam, typ) in enumerate(self.plan):
            f = sfft.dst if fam == "dst" else sfft.dct
            x = f(x, type=typ, axis=a, norm="ortho", workers=w, overwrite_x=True)
        x *= self.inv
        for a, (fam, typ) in enumerate(self.plan):
            f = sfft.idst if fam == "dst" else sfft.idct
            x = f(x, type=typ, axis=a, norm="ortho", workers=w, overwrite_x=True)
        return x.ravel().astype(np.float64)


def _pcg(matrix, b, x0, precond, abs_tol: float, maxiter: int) -> tuple[np.ndarray, int, float]:
    x = x0.copy()
    r = b - matrix @ x
    rnorm = float(np.linalg.norm(r))
    if rnorm <= abs_tol:
        return x, 0, rnorm
    z = precond(r)
    p = z.copy()
    rz = float(r @ z)
    for it in range(1, maxiter + 1):
        ap = matrix @ p
        alpha = rz / float(p @ ap)
        x += alpha * p
        r -= alpha * ap
        rnorm = float(np.linalg.norm(r))
        if rnorm <= abs_tol:
            return x, it, rnorm
        z = precond(r)
        rz_new = float(r @ z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    raise RuntimeError(f"PCG did not converge in {maxiter} iterations (residual {rnorm:.3e}, target {abs_tol:.3e})")


def _pcg_stencil(stencil, b, x0, precond, abs_tol: float, maxiter: int) -> tuple[np.ndarray, int, float]:
    """The same PCG with the numba 7-point stencil product and fused vector updates."""
    from ferrokit.hyperthermia import _kernels as kn

    diag, gx, gy, gz = stencil
    shape = diag.shape
    x = x0.copy()
    ap = np.empty(shape)
    kn.stencil_matvec(diag, gx, gy, gz, x.reshape(shape), ap)
    r = b - ap.ravel()
    ap = ap.ravel()
    rnorm = float(np.sqrt(kn.dot(r, r)))
    if rnorm <= abs_tol:
        return x, 0, rnorm
    z = precond(r)
    p = z.copy()
    rz = kn.dot(r, z)
    for it in range(1, maxiter + 1):
        kn.stencil_matvec(diag, gx, gy, gz, p.reshape(shape), ap.reshape(shape))
        alpha = rz / kn.dot(p, ap)
        rnorm = float(np.sqrt(kn.update_xr(x, r, p, ap, alpha)))
        if rnorm <= abs_tol:
            return x, it, rnorm
        z = precond(r)
        rz_new = kn.dot(r, z)
        kn.update_p(p, z, rz_new / rz)
        rz = rz_new
    raise RuntimeError(f"PCG did not converge in {maxiter} iterations (residual {rnorm:.3e}, target {abs_tol:.3e})")


class _Linear:
    """Solve M x = b for a fixed SPD matrix: sparse LU once, or PCG with a spectral preconditioner.

    ``stencil`` = (diag, g_x, g_y, g_z) of M on the grid enables the numba kernels (when numba is installed).
    """

    def __init__(self, matrix, solver: str, shape, spacing, face_kinds, c0: float, kbar: float, stencil=None):
        self.matrix = matrix
        self.solver = solver
        self.iterations = 0
        self.stencil = stencil if HAVE_NUMBA else None
        if solver == "direct":
            self.lu = spla.splu(matrix.tocsc())
        else:
            self.precond = _SpectralPreconditioner(shape, spacing, face_kinds, c0, kbar)

    def solve(self, b: np.ndarray, x0: np.ndarray, abs_tol: float) -> np.ndarray:
        if self.solver == "direct":
            return self.lu.solve(b)
        if self.stencil is not None:
            x, it, _ = _pcg_stencil(self.stencil, b, x0, self.precond, abs_tol, maxiter=2000)
        else:
            x, it, _ = _pcg(self.matrix, b, x0, self.precond, abs_tol, maxiter=2000)
        self.iterations += it
        return x
