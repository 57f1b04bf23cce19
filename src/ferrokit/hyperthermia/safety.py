"""Field safety: the product H·f of an alternating magnetic field against the published empirical limits.

The limits are empirical, body-size dependent upper bounds for eddy-current heating and patient
discomfort. FerroKit **warns** (returns structured checks) and never refuses a field.

- Atkinson–Brezovich: :math:`H f \\le 4.85\\times10^8` A m⁻¹ s⁻¹ (W. J. Atkinson, I. A. Brezovich and
  D. P. Chakraborty, "Usable frequencies in hyperthermia with thermal seeds", IEEE Trans. Biomed. Eng. 31
  (1984) 70–75, doi:10.1109/TBME.1984.325372); value [V, secondary per SCIENCE.md §3], derived from a
  whole-body test at ~13.56 MHz-class coils on volunteers' torsos (about 30 cm diameter).
- Hergt–Dutz: :math:`H f < 5\\times10^9` A m⁻¹ s⁻¹ (R. Hergt and S. Dutz, "Magnetic particle
  hyperthermia—biophysical limitations of a visionary tumour therapy", J. Magn. Magn. Mater. 311 (2007)
  187–192, doi:10.1016/j.jmmm.2006.10.1156); citation [S], value [U] (SCIENCE.md §3): for smaller exposed
  body regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ferrokit._shared.validation import check_positive

__all__ = ["ATKINSON_BREZOVICH", "HERGT_DUTZ", "HF_LIMITS", "LimitCheck", "field_limit_checks", "hf_product"]

#: Atkinson–Brezovich H·f limit [A m⁻¹ s⁻¹].
ATKINSON_BREZOVICH = 4.85e8
#: Hergt–Dutz H·f limit [A m⁻¹ s⁻¹].
HERGT_DUTZ = 5e9

#: name -> (limit [A m⁻¹ s⁻¹], source with status)
HF_LIMITS: dict[str, tuple[float, str]] = {
    "atkinson": (ATKINSON_BREZOVICH, "Atkinson, Brezovich & Chakraborty, IEEE Trans Biomed Eng 1984 31:70, "
                                     "doi:10.1109/TBME.1984.325372 (value: secondary source)"),
    "hergt": (HERGT_DUTZ, "Hergt & Dutz, J Magn Magn Mater 2007 311:187, doi:10.1016/j.jmmm.2006.10.1156 "
                          "(citation: secondary; value: unverified)"),
}


@dataclass(frozen=True)
class LimitCheck:
    """One H·f check: ``value`` and ``limit`` in A m⁻¹ s⁻¹, ``exceeded`` when value > limit."""

    name: str
    value: float
    limit: float
    exceeded: bool
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "limit": self.limit, "unit": "A/(m s)",
                "exceeded": self.exceeded, "source": self.source}

    def message(self) -> str:
        """A one-line human summary."""
        verdict = "EXCEEDS" if self.exceeded else "within"
        return f"H·f = {self.value:.3g} A/(m s) {verdict} the {self.name} limit {self.limit:.3g} A/(m s)"


def hf_product(frequency: float, amplitude: float) -> float:
    """The product H·f [A m⁻¹ s⁻¹] of field amplitude [A/m] and frequency [Hz].

    >>> hf_product(3e5, 15e3)
    4500000000.0
    """
    f = check_positive("frequency", frequency, unit="Hz")
    h = check_positive("amplitude", amplitude, unit="A/m")
    return f * h


def field_limit_checks(frequency: float, amplitude: float) -> tuple[LimitCheck, ...]:
    """Check H·f against the Atkinson–Brezovich and Hergt–Dutz limits (warnings, never refusals).

    Parameters
    ----------
    frequency : float
        Field frequency f [Hz] (> 0).
    amplitude : float
        Field amplitude H [A/m] (> 0; peak, not RMS).

    Returns
    -------
    tuple of LimitCheck
        One check per limit in :data:`HF_LIMITS`, in that order.

    Examples
    --------
    >>> [c.exceeded for c in field_limit_checks(3e5, 15e3)]
    [True, False]
    """
    hf = hf_product(frequency, amplitude)
    return tuple(LimitCheck(name=name, value=hf, limit=lim, exceeded=hf > lim, source=src)
                 for name, (lim, src) in HF_LIMITS.items())
