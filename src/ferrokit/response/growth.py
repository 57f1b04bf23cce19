"""Untreated tumour growth: exponential, logistic and Gompertz laws with their analytic solutions.

All three are written for the tumour volume V [m³] with a rate r [1/s] and (logistic, Gompertz) a carrying
capacity K [m³]:

.. math::
    \\text{exponential: } \\dot V = rV,\\quad V = V_0 e^{rt};\\qquad
    \\text{logistic: } \\dot V = rV(1 - V/K),\\quad V = \\frac{K}{1 + (K/V_0 - 1)e^{-rt}};

.. math::
    \\text{Gompertz: } \\dot V = rV\\ln(K/V),\\quad V = K\\exp\\!\\big(\\ln(V_0/K)\\,e^{-rt}\\big).

These are the classical laws compared against murine tumour growth data by Benzekry et al., PLoS Comput Biol
2014 10:e1003800, doi 10.1371/journal.pcbi.1003800 [seen-secondary]; Gompertz growth of tumours goes back to
Laird, Br J Cancer 1964 18:490 [seen-secondary]. They are phenomenological: r and K are fitted per tumour model
(there are no universal values), and in Benzekry's comparison the Gompertz law described and predicted the
murine data best of the simple laws.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from ferrokit._shared.schema import FrozenModel
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.response._units import Rate, Volume

GROWTH_KINDS = ("exponential", "logistic", "gompertz")


class GrowthModel(FrozenModel):
    """An untreated growth law (see the module docstring for the equations).

    Parameters
    ----------
    kind : {"exponential", "logistic", "gompertz"}
    rate : float
        r [1/s] (files: ``"0.3 1/d"``). For Gompertz this is the decay rate of the specific growth rate.
    capacity : float, optional
        K [m³] (files: ``"3000 mm3"``); required for logistic and Gompertz, ignored for exponential.
    initial_volume : float
        V0 [m³] at t = 0 (files: ``"100 mm3"``); must be below K.

    Examples
    --------
    >>> g = GrowthModel(kind="logistic", rate=1e-5, capacity=2e-6, initial_volume=1e-7)
    >>> round(float(g.volume(0.0)) * 1e9, 6)   # mm³
    100.0
    >>> round(float(g.volume(1e9)) * 1e9, 3)   # → K
    2000.0
    """

    kind: Literal["exponential", "logistic", "gompertz"]
    rate: Rate
    capacity: Volume | None = None
    initial_volume: Volume

    @model_validator(mode="after")
    def _check(self) -> GrowthModel:
        if not (np.isfinite(self.rate) and self.rate > 0):
            raise ValueError(f"rate must be finite and > 0 1/s, got {self.rate:g}")
        if not (np.isfinite(self.initial_volume) and self.initial_volume > 0):
            raise ValueError(f"initial_volume must be finite and > 0 m³, got {self.initial_volume:g}")
        if self.kind != "exponential":
            if self.capacity is None:
                raise ValueError(f"a {self.kind} growth law needs capacity (a volume, e.g. '3000 mm3')")
            if not (np.isfinite(self.capacity) and self.capacity > self.initial_volume):
                raise ValueError(f"capacity must be finite and > initial_volume ({self.initial_volume:g} m³), "
                                 f"got {self.capacity:g}")
        return self

    def specific_rate(self, volume) -> np.ndarray:
        """(dV/dt)/V [1/s] at volume(s) V [m³] — the right-hand side for ln V."""
        v = np.asarray(volume, dtype=float)
        if self.kind == "exponential":
            return np.full_like(v, self.rate)
        if self.kind == "logistic":
            return self.rate * (1.0 - v / self.capacity)
        return self.rate * np.log(self.capacity / np.maximum(v, 1e-300))

    def volume(self, t, initial_volume: float | None = None) -> np.ndarray:
        """Analytic V(t) [m³] at time(s) t [s] ≥ 0 from ``initial_volume`` (default: the model's V0)."""
        tt = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(tt)) or np.any(tt < 0):
            raise FerroKitInputError("t must be finite and ≥ 0 s")
        v0 = self.initial_volume if initial_volume is None else float(initial_volume)
        if not v0 > 0:
            raise FerroKitInputError(f"initial_volume must be > 0 m³, got {v0:g}")
        r = self.rate
        if self.kind == "exponential":
            return v0 * np.exp(r * tt)
        k = self.capacity
        if self.kind == "logistic":
            return k / (1.0 + (k / v0 - 1.0) * np.exp(-r * tt))
        return k * np.exp(np.log(v0 / k) * np.exp(-r * tt))

    def time_to_volume(self, target: float, initial_volume: float | None = None) -> float | None:
        """Analytic time [s] to grow from V0 to ``target`` [m³]; None if the law never reaches it (target ≥ K).

        >>> g = GrowthModel(kind="exponential", rate=1e-5, initial_volume=1e-7)
        >>> round(g.time_to_volume(2e-7) * 1e-5, 6)   # doubling time ln2/r
        0.693147
        """
        v0 = self.initial_volume if initial_volume is None else float(initial_volume)
        if not (np.isfinite(target) and target > 0):
            raise FerroKitInputError(f"target volume must be finite and > 0 m³, got {target!r}")
        if target <= v0:
            return 0.0
        r = self.rate
        if self.kind == "exponential":
            return float(np.log(target / v0) / r)
        k = self.capacity
        if target >= k:
            return None
        if self.kind == "logistic":
            return float(np.log((k / v0 - 1.0) / (k / target - 1.0)) / r)
        return float(np.log(np.log(v0 / k) / np.log(target / k)) / r)
