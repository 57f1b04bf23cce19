"""Gaussian process on the physics residual of log10(target), and the tuned gradient-boosting regressor.

GP with a physics prior mean
    The prior mean of log10(y) is a calibrated physics prediction, :math:`m(x) = a\\,\\log_{10} y_{phys}(x) + b`
    (:math:`y_{phys}`: the Rosensweig LRT SLP for SAR, the motional-averaging r2 for r2, the outer-sphere r1
    for r1, all computed by FerroKit in :mod:`ferrokit.design.features`); :math:`a, b` are least-squares fits
    on the *training* rows only (a calibrated scale: the physics is right up to a factor and a slope). A
    zero-mean GP with kernel :math:`c\\,\\mathrm{RBF}_{ARD}(\\ell) + \\sigma_n^2\\delta` models the residual on a
    compact standardised descriptor set (:data:`GP_FEATURES`); hyperparameters by maximum marginal likelihood
    (Rasmussen & Williams 2006, *Gaussian Processes for Machine Learning*, MIT Press, ch. 2 and 5
    [unverified: textbook, from memory]). Predictive interval in log10:
    :math:`\\mu \\pm z_{1-\\alpha/2}\\,\\sigma` with
    :math:`\\sigma^2` the latent variance plus the fitted noise :math:`\\sigma_n^2`. The noise is fitted as
    independent per row, but rows of one paper share an offset, so this Gaussian interval under-covers new
    papers (DiMag grouped CV: 77–82 % for 90 % nominal); trained models therefore use the normalised
    conformal interval :math:`\\mu \\pm s\\,\\sigma`, ``s`` the conformal quantile of grouped out-of-fold
    :math:`|r|/\\sigma` (grouped CV coverage 89–90 %). Rows where the physics cannot be computed use the
    training median of the physics feature.

Tuned gradient boosting
    ``max_depth=None`` picks the tree depth from (1, 2, 3) by an inner 3-fold cross-validation grouped by
    paper on the rows it is fitted on (nested inside any outer CV, so the outer test papers never inform the
    choice), with the one-standard-error rule: the shallowest depth whose inner MSE (mean over folds) is within
    one standard error of the best (Hastie, Tibshirani & Friedman 2009, *The Elements of Statistical
    Learning*, 2nd ed., Springer, §7.10 [unverified: textbook, from memory]). Depth 1 is an additive model;
    with ~30 papers the inner estimates are noisy and the rule guards against picking a deeper model by chance.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ferrokit._shared.validation import FerroKitInputError

__all__ = ["DEPTH_GRID", "GP_FEATURES", "PHYSICS_MEAN", "GPResidualModel", "TunedBoosting", "norm_z"]

#: Candidate tree depths of the tuned gradient-boosting model; stages scale as 2, 4/3, 1 × ``n_estimators``.
DEPTH_GRID: tuple[int, ...] = (1, 2, 3)
_STAGES = {1: 2.0, 2: 4.0 / 3.0, 3: 1.0}

#: Physics feature used as the GP prior mean, per target.
PHYSICS_MEAN: dict[str, str] = {"sar": "log10_slp_lrt", "r1": "log10_r1_outer_sphere", "r2": "log10_r2_mar"}

#: Compact descriptor set of the GP residual model, per target.
GP_FEATURES: dict[str, tuple[str, ...]] = {
    "sar": ("x_Zn", "x_Mn", "x_Co", "x_Ni", "log10_core_size_nm", "log10_ms", "log10_field_amplitude",
            "log10_frequency", "log10_concentration"),
    "r1": ("x_Zn", "x_Mn", "x_Co", "x_Ni", "log10_core_size_nm", "log10_ms", "field_strength", "coating_logp",
           "has_shell"),
    "r2": ("x_Zn", "x_Mn", "x_Co", "x_Ni", "log10_core_size_nm", "log10_ms", "field_strength", "coating_logp",
           "has_shell"),
}


def norm_z(alpha: float) -> float:
    """Two-sided standard-normal quantile :math:`z_{1-\\alpha/2}`.

    >>> round(norm_z(0.1), 4)
    1.6449
    """
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2))


def _inner_folds(groups: np.ndarray, n_splits: int, seed: int) -> np.ndarray | None:
    from ferrokit.design.models import grouped_folds

    if len(set(np.asarray(groups).astype(str))) < n_splits:
        return None
    return grouped_folds(groups, n_splits, seed)


class TunedBoosting:
    """Gradient boosting on log10(target); tree depth fixed or chosen by inner paper-grouped CV."""

    def __init__(self, n_estimators: int, seed: int, max_depth: int | None = None, inner_splits: int = 3):
        if max_depth is not None and max_depth not in DEPTH_GRID:
            raise FerroKitInputError(f"max_depth must be one of {DEPTH_GRID} or None (tuned), got {max_depth}")
        self.n_estimators, self.seed, self.max_depth, self.inner_splits = n_estimators, seed, max_depth, inner_splits
        self.depth_: int | None = None
        self.inner_mse_: dict[int, float] = {}
        self.model_ = None

    def _gb(self, depth: int):
        from sklearn.ensemble import GradientBoostingRegressor

        return GradientBoostingRegressor(n_estimators=max(10, round(self.n_estimators * _STAGES[depth])),
                                         max_depth=depth, learning_rate=0.05, subsample=0.8, min_samples_leaf=5,
                                         random_state=self.seed)

    def fit(self, x: np.ndarray, y: np.ndarray, groups=None) -> TunedBoosting:
        depth = self.max_depth
        folds = None if groups is None or depth is not None else _inner_folds(groups, self.inner_splits, self.seed)
        if depth is None and folds is not None:
            per_fold = {}
            for d in DEPTH_GRID:
                per_fold[d] = np.array([float(np.mean((self._gb(d).fit(x[folds != k], y[folds != k])
                                                       .predict(x[folds == k]) - y[folds == k]) ** 2))
                                        for k in range(self.inner_splits)])
                self.inner_mse_[d] = float(np.mean(per_fold[d]))
            best = min(self.inner_mse_, key=self.inner_mse_.get)
            se = float(np.std(per_fold[best], ddof=1) / math.sqrt(self.inner_splits))
            # one-standard-error rule: the shallowest depth within one SE of the best inner MSE
            depth = min(d for d in DEPTH_GRID if self.inner_mse_[d] <= self.inner_mse_[best] + se)
        self.depth_ = depth or 1  # too few papers to tune: the additive model
        self.model_ = self._gb(self.depth_).fit(x, y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict(x)


class GPResidualModel:
    """GP regression of log10(y) − (a·physics + b) on standardised descriptors (see the module docstring)."""

    def __init__(self, feature_names, target: str, seed: int = 0):
        names = list(feature_names)
        need = (PHYSICS_MEAN[target], *GP_FEATURES[target])
        missing = [n for n in need if n not in names]
        if missing:
            raise FerroKitInputError(f"the GP model needs the hybrid features; missing {', '.join(missing)}")
        self.phys_col = names.index(PHYSICS_MEAN[target])
        self.cols = [names.index(n) for n in GP_FEATURES[target]]
        self.target, self.seed = target, seed

    def _design(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        phys = np.where(np.isfinite(x[:, self.phys_col]), x[:, self.phys_col], self.phys_median_)
        z = x[:, self.cols]
        z = np.where(np.isfinite(z), z, self.median_)
        return phys, (z - self.mean_) / self.scale_

    def fit(self, x: np.ndarray, y: np.ndarray, groups=None) -> GPResidualModel:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, WhiteKernel
        from sklearn.gaussian_process.kernels import ConstantKernel as C

        x = np.asarray(x, dtype=float)
        ph = x[:, self.phys_col]
        self.phys_median_ = float(np.nanmedian(ph)) if np.isfinite(ph).any() else 0.0
        z = x[:, self.cols]
        with warnings.catch_warnings():  # a descriptor missing in every row (e.g. no coating column): 0
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(z, axis=0)
        self.median_ = np.where(np.isfinite(med), med, 0.0)
        z = np.where(np.isfinite(z), z, self.median_)
        self.mean_ = z.mean(axis=0)
        self.scale_ = np.where(z.std(axis=0) > 0, z.std(axis=0), 1.0)
        phys, zs = self._design(x)
        a_mat = np.column_stack([phys, np.ones_like(phys)])
        (self.a_, self.b_), *_ = np.linalg.lstsq(a_mat, y, rcond=None)
        resid = y - (self.a_ * phys + self.b_)
        kernel = (C(0.3, (1e-2, 10.0)) * RBF(np.full(zs.shape[1], 3.0), (0.3, 100.0))
                  + WhiteKernel(0.1, (1e-3, 1.0)))
        with warnings.catch_warnings():  # a length scale at its upper bound = an irrelevant descriptor (expected)
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.gp_ = GaussianProcessRegressor(kernel, n_restarts_optimizer=0, random_state=self.seed).fit(zs,
                                                                                                             resid)
        return self

    def predict(self, x: np.ndarray, return_std: bool = False):
        phys, zs = self._design(np.asarray(x, dtype=float))
        mu, sd = self.gp_.predict(zs, return_std=True)
        mean = mu + self.a_ * phys + self.b_
        if not return_std:
            return mean
        # sklearn's return_std includes the fitted WhiteKernel noise: the predictive sd of a new measurement
        return mean, sd

    def interval(self, x: np.ndarray, alpha: float, conformal: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean and 1−α interval in log10 units: :math:`\\mu \\pm z\\,\\sigma` (Gaussian), or with
        ``conformal=True`` :math:`\\mu \\pm s\\,\\sigma` with the normalised-conformal scale ``s`` set by
        :func:`ferrokit.design.models.train_model` (grouped out-of-fold |residual|/σ).
        """
        mean, sd = self.predict(x, return_std=True)
        scale = getattr(self, "interval_scale_", None) if conformal else None
        z = norm_z(alpha) if scale is None else scale
        return mean, mean - z * sd, mean + z * sd

    @property
    def calibration(self) -> dict:
        """The fitted prior-mean scale ``a`` and offset ``b`` and the kernel after fitting."""
        return {"physics_feature": PHYSICS_MEAN[self.target], "a": float(self.a_), "b": float(self.b_),
                "kernel": str(self.gp_.kernel_),
                "noise_sd_log10": math.sqrt(float(self.gp_.kernel_.k2.noise_level))}
