"""IBSI 1 compliance check on the shipped digital phantom (Zwanenburg et al., Radiology 2020).

The phantom ships in ``_data/ibsi1_digital_phantom`` (NIfTI, CC BY 4.0) and the consensus reference values in
``_data/mirp_ibsi_1_dig_phantom.csv`` plus ``_data/ibsi1_manual_supplement.csv`` (see ``_data/SOURCES.md``).

Matching rule: the manual gives reference values to three significant digits, often with tolerance 0; a
value matches when :math:`|v - r| \\le \\max(t, \\tfrac12 10^{\\lfloor\\log_{10}|r|\\rfloor - 2})`, i.e. it lies
within the tolerance or rounds to the reference at three significant digits.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics import registry
from ferrokit.radiomics.extract import extract_features
from ferrokit.radiomics.settings import preset

__all__ = ["IBSICheck", "IBSIRow", "allowed_deviation", "compliance_markdown", "load_digital_phantom",
           "reference_values", "run_ibsi_check"]

_DATA = "ferrokit.radiomics._data"


def load_digital_phantom() -> tuple[np.ndarray, np.ndarray, tuple[float, float, float]]:
    """The IBSI 1 digital phantom as ``(image (z, y, x), mask (bool), spacing (dz, dy, dx) mm)``.

    >>> img, roi, sp = load_digital_phantom()
    >>> img.shape, int(roi.sum()), sp
    ((4, 4, 5), 74, (2.0, 2.0, 2.0))
    """
    import nibabel as nib  # shipped package data, read here so the check needs no user files

    base = resources.files(_DATA) / "ibsi1_digital_phantom"
    with resources.as_file(base / "phantom.nii.gz") as p_img, resources.as_file(base / "mask.nii.gz") as p_m:
        nimg, nmask = nib.load(str(p_img)), nib.load(str(p_m))
        img = np.asarray(nimg.dataobj, dtype=np.float64).transpose(2, 1, 0)  # NIfTI (x, y, z) → (z, y, x)
        mask = np.asarray(nmask.dataobj).transpose(2, 1, 0) > 0.5
        zooms = tuple(float(z) for z in nimg.header.get_zooms()[:3])
    return np.ascontiguousarray(img), np.ascontiguousarray(mask), (zooms[2], zooms[1], zooms[0])


def reference_values() -> dict[str, tuple[float, float]]:
    """Digital-phantom consensus values: tag → (reference, tolerance); tags without a value are left out."""
    out: dict[str, tuple[float, float]] = {}
    for name in ("mirp_ibsi_1_dig_phantom.csv", "ibsi1_manual_supplement.csv"):
        text = (resources.files(_DATA) / name).read_text(encoding="utf-8")
        for row in csv.DictReader(text.splitlines(), delimiter=";"):
            value = (row.get("reference value") or "").strip()
            if value:
                out[row["tag"].strip()] = (float(value), float(row["tolerance"] or 0.0))
    return out


def allowed_deviation(reference: float, tolerance: float) -> float:
    """Largest accepted |value − reference|: the tolerance or half a unit of the 3rd significant digit.

    >>> allowed_deviation(2.15, 0.0), allowed_deviation(556.0, 4.0)
    (0.005, 4.0)
    """
    if reference == 0:
        return tolerance
    rounding = 0.5 * 10.0 ** (math.floor(math.log10(abs(reference))) - 2)
    return max(tolerance, rounding)


@dataclass(frozen=True)
class IBSIRow:
    """One feature compared with its reference (``reference`` None: no consensus value exists)."""

    tag: str
    family: str
    code: str
    value: float
    reference: float | None
    tolerance: float | None

    @property
    def passed(self) -> bool | None:
        if self.reference is None or self.tolerance is None:
            return None
        if not math.isfinite(self.value):
            return False
        return abs(self.value - self.reference) <= allowed_deviation(self.reference, self.tolerance) * (1 + 1e-9)


@dataclass(frozen=True)
class IBSICheck:
    """Result of :func:`run_ibsi_check`."""

    rows: tuple[IBSIRow, ...]
    references_not_computed: tuple[str, ...] = field(default=())

    def counts(self) -> dict[str, dict[str, int]]:
        """Per family: passed, failed, no_reference, total."""
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            c = out.setdefault(r.family, {"passed": 0, "failed": 0, "no_reference": 0, "total": 0})
            c["total"] += 1
            c["passed" if r.passed else ("no_reference" if r.passed is None else "failed")] += 1
        return out

    @property
    def n_passed(self) -> int:
        return sum(1 for r in self.rows if r.passed)

    @property
    def n_failed(self) -> int:
        return sum(1 for r in self.rows if r.passed is False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ferrokit_version": __version__,
            "data_set": "IBSI 1 digital phantom",
            "reference": "Zwanenburg et al., Radiology 2020, doi:10.1148/radiol.2020191145",
            "passed": self.n_passed, "failed": self.n_failed, "counts": self.counts(),
            "references_not_computed": list(self.references_not_computed),
            "features": [{"tag": r.tag, "family": r.family, "ibsi_code": r.code, "value": r.value,
                          "reference": r.reference, "tolerance": r.tolerance, "passed": r.passed}
                         for r in self.rows],
        }


def run_ibsi_check(families: list[str] | None = None) -> IBSICheck:
    """Compute every registered feature on the digital phantom with the ``ibsi-digital-phantom`` preset."""
    available = registry.families()
    if families:
        bad = [f for f in families if f not in registry.FAMILY_ORDER]
        if bad:
            raise FerroKitInputError(f"unknown family {bad[0]!r}; choose from {', '.join(registry.FAMILY_ORDER)}")
        selected = [f for f in available if f in families]
        if not selected:
            raise FerroKitInputError(f"family {families[0]!r} has no registered features yet")
    else:
        selected = available
    settings = preset("ibsi-digital-phantom").model_copy(update={"families": tuple(selected)})
    img, mask, spacing = load_digital_phantom()
    result = extract_features(img, mask, spacing, settings)
    refs = reference_values()
    rows = []
    for tag, value in result.features.items():
        spec = registry.get_feature(tag)
        ref = refs.get(tag)
        rows.append(IBSIRow(tag=tag, family=spec.family, code=spec.code, value=value,
                            reference=None if ref is None else ref[0], tolerance=None if ref is None else ref[1]))
    prefixes = {registry._TAG_PREFIX[f] for f in selected}
    not_computed = tuple(sorted(t for t in refs if t not in result.features
                                and any(t.startswith(p) for p in prefixes)))
    return IBSICheck(rows=tuple(rows), references_not_computed=not_computed)


def compliance_markdown(check: IBSICheck) -> str:
    """A Markdown table of per-family pass counts (for docs/radiomics.md)."""
    lines = ["| family | passed | failed | no consensus value | total |", "|---|---:|---:|---:|---:|"]
    tot = {"passed": 0, "failed": 0, "no_reference": 0, "total": 0}
    for fam, c in check.counts().items():
        lines.append(f"| {fam} | {c['passed']} | {c['failed']} | {c['no_reference']} | {c['total']} |")
        for k in tot:
            tot[k] += c[k]
    lines.append(f"| **all** | **{tot['passed']}** | **{tot['failed']}** | **{tot['no_reference']}** | "
                 f"**{tot['total']}** |")
    return "\n".join(lines)
