"""Rad-score modelling, part 1: input checks, table joins and feature reduction (ICC and correlation filters).

The modelling layer turns a tidy feature table (one row per case) into a rad-score and a nomogram:

1. :func:`icc` / :func:`icc_filter` — keep features reproducible over repeated segmentations (ICC ≥ 0.75);
2. :func:`correlation_filter` — drop one of each highly correlated pair, keeping the one more associated
   with the outcome;
3. standardisation fitted on training folds only (inside :mod:`ferrokit.radiomics.modelling_fit`);
4. LASSO-logistic or LASSO-Cox rad-score and a nomogram with clinical variables
   (:mod:`ferrokit.radiomics.modelling_fit`);
5. evaluation: AUC / Harrell's C with bootstrap CIs, calibration, decision curves, Kaplan–Meier risk groups,
   grouped cross-validation (:mod:`ferrokit.radiomics.modelling_eval`).

Estimators are scikit-learn's and lifelines'; FerroKit adds the validation, the fold discipline and the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ferrokit._shared.validation import FerroKitInputError

ICC_THRESHOLD = 0.75
"""Koo & Li (2016): ICC < 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good, > 0.9 excellent reliability."""


# ------------------------------------------------------------------------------------------------ input checks
def require_columns(table: pd.DataFrame, columns: Sequence[str], *, what: str) -> None:
    """Raise :class:`FerroKitInputError` naming every column of ``columns`` missing from ``table``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise FerroKitInputError(f"{what}: column(s) {', '.join(missing)} not in the table "
                                 f"(columns: {', '.join(map(str, table.columns[:12]))}"
                                 f"{', …' if len(table.columns) > 12 else ''})")


def numeric_matrix(table: pd.DataFrame, columns: Sequence[str], *, what: str) -> np.ndarray:
    """Return ``table[columns]`` as a float array; raise naming non-numeric or NaN/inf columns."""
    require_columns(table, columns, what=what)
    if not columns:
        raise FerroKitInputError(f"{what}: no columns selected")
    sub = table[list(columns)]
    bad_type = [c for c in columns if not pd.api.types.is_numeric_dtype(sub[c])]
    if bad_type:
        raise FerroKitInputError(f"{what}: non-numeric column(s) {', '.join(bad_type)}")
    x = sub.to_numpy(dtype=float)
    bad = [c for c, ok in zip(columns, np.isfinite(x).all(axis=0), strict=True) if not ok]
    if bad:
        raise FerroKitInputError(f"{what}: NaN or inf in column(s) {', '.join(bad)}")
    return x


# ----------------------------------------------------------------------------------------------------- joins
@dataclass(frozen=True)
class JoinResult:
    """A table joined by case id, with the ids that did not match on either side."""

    table: pd.DataFrame
    unmatched_left: tuple[str, ...]
    unmatched_right: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"rows": len(self.table), "unmatched_left": list(self.unmatched_left),
                "unmatched_right": list(self.unmatched_right)}


def join_tables(left: pd.DataFrame, right: pd.DataFrame, *, on: str = "id", how: str = "inner",
                right_name: str = "right") -> JoinResult:
    """Join ``right`` (clinical data, an omics signature, …) to ``left`` by the case-id column ``on``.

    Ids are compared as strings (so ``007`` and ``7`` differ, as they do in most hospital systems). Duplicate
    ids on either side are an error; ids present on one side only are reported in the result.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"id": ["p1", "p2", "p3"], "f": [1.0, 2.0, 3.0]})
    >>> b = pd.DataFrame({"id": ["p2", "p3", "p4"], "age": [50, 60, 70]})
    >>> r = join_tables(a, b)
    >>> list(r.table["id"]), r.unmatched_left, r.unmatched_right
    (['p2', 'p3'], ('p1',), ('p4',))
    """
    if how not in ("inner", "left"):
        raise FerroKitInputError(f"how must be 'inner' or 'left', got {how!r}")
    require_columns(left, [on], what="join (left table)")
    require_columns(right, [on], what=f"join ({right_name})")
    left = left.assign(**{on: left[on].astype(str)})
    right = right.assign(**{on: right[on].astype(str)})
    for name, t in (("left table", left), (right_name, right)):
        dup = t[on][t[on].duplicated()].unique().tolist()
        if dup:
            raise FerroKitInputError(f"join ({name}): duplicate id(s) {', '.join(dup[:10])}")
    clash = (set(left.columns) & set(right.columns)) - {on}
    if clash:
        raise FerroKitInputError(f"join: column(s) {', '.join(sorted(clash))} in both tables")
    lids, rids = set(left[on]), set(right[on])
    joined = left.merge(right, on=on, how=how, sort=False)
    return JoinResult(joined, tuple(i for i in left[on] if i not in rids), tuple(i for i in right[on] if i not in lids))


# ------------------------------------------------------------------------------------------------------ ICC
@dataclass(frozen=True)
class ICCResult:
    """Two-way ANOVA mean squares and the intraclass correlation of one feature."""

    icc: float
    kind: str
    ms_rows: float
    ms_cols: float
    ms_error: float
    n_subjects: int
    n_raters: int

    def to_dict(self) -> dict:
        return {"icc": self.icc, "kind": self.kind, "ms_rows": self.ms_rows, "ms_cols": self.ms_cols,
                "ms_error": self.ms_error, "n_subjects": self.n_subjects, "n_raters": self.n_raters}


def icc(ratings, *, kind: str = "2,1") -> ICCResult:
    r"""Intraclass correlation of an ``(n_subjects, k_raters)`` matrix from two-way ANOVA mean squares.

    With grand mean :math:`\bar x`, row (subject) means :math:`\bar x_{i\cdot}` and column (rater /
    segmentation) means :math:`\bar x_{\cdot j}`:

    .. math::

        MS_R = \frac{k\sum_i(\bar x_{i\cdot}-\bar x)^2}{n-1},\quad
        MS_C = \frac{n\sum_j(\bar x_{\cdot j}-\bar x)^2}{k-1},\quad
        MS_E = \frac{\sum_{ij}(x_{ij}-\bar x_{i\cdot}-\bar x_{\cdot j}+\bar x)^2}{(n-1)(k-1)}

    ``kind="2,1"`` (default) — two-way random effects, absolute agreement, single measurement:

    .. math:: ICC(2,1) = \frac{MS_R-MS_E}{MS_R+(k-1)MS_E+k(MS_C-MS_E)/n}

    ``kind="3,1"`` — two-way mixed effects, consistency, single measurement:
    :math:`ICC(3,1) = (MS_R-MS_E)/(MS_R+(k-1)MS_E)`.

    ICC(2,1) is the default because repeated segmentations (readers, or perturbed masks) should generalise to
    other readers and systematic offsets between them matter (Koo & Li 2016 recommend the two-way random,
    absolute-agreement form for inter-rater reliability).

    References: Shrout PE, Fleiss JL, Psychol Bull 1979;86:420–428, DOI 10.1037/0033-2909.86.2.420
    (formulas and the worked 6 × 4 example; seen-secondary); Koo TK, Li MY, J Chiropr Med 2016;15:155–163,
    DOI 10.1016/j.jcm.2016.02.012 (choice of form, thresholds 0.5 / 0.75 / 0.9; seen-abstract).

    Examples
    --------
    Shrout & Fleiss' example (6 subjects × 4 judges; their Table 4 gives ICC(2,1) = 0.29, ICC(3,1) = 0.71):

    >>> m = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> round(icc(m).icc, 2), round(icc(m, kind="3,1").icc, 2)
    (0.29, 0.71)
    """
    if kind not in ("2,1", "3,1"):
        raise FerroKitInputError(f"kind must be '2,1' or '3,1', got {kind!r}")
    x = np.asarray(ratings, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise FerroKitInputError(f"ratings must be an (n_subjects ≥ 2, k_raters ≥ 2) matrix, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise FerroKitInputError("ratings contain NaN or inf")
    n, k = x.shape
    grand = x.mean()
    rows = x.mean(axis=1)
    cols = x.mean(axis=0)
    ms_r = k * np.sum((rows - grand) ** 2) / (n - 1)
    ms_c = n * np.sum((cols - grand) ** 2) / (k - 1)
    ms_e = np.sum((x - rows[:, None] - cols[None, :] + grand) ** 2) / ((n - 1) * (k - 1))
    if kind == "2,1":
        den = ms_r + (k - 1) * ms_e + k * (ms_c - ms_e) / n
    else:
        den = ms_r + (k - 1) * ms_e
    value = float((ms_r - ms_e) / den) if den > 0 else float("nan")  # constant feature: ICC undefined
    return ICCResult(value, kind, float(ms_r), float(ms_c), float(ms_e), n, k)


def icc_table(repeats: pd.DataFrame, features: Sequence[str], *, id_column: str = "id",
              rater_column: str = "segmentation", kind: str = "2,1") -> dict[str, float]:
    """ICC of each feature from a long table of repeated segmentations (one row per case × segmentation).

    Cases not segmented by every rater are dropped (ICC needs a complete matrix); fewer than two complete
    cases is an error. A constant feature gets NaN (undefined, and it fails the filter).
    """
    require_columns(repeats, [id_column, rater_column], what="ICC table")
    numeric_matrix(repeats, features, what="ICC table")
    out: dict[str, float] = {}
    for f in features:
        wide = repeats.pivot_table(index=id_column, columns=rater_column, values=f, aggfunc="first").dropna()
        if wide.shape[0] < 2 or wide.shape[1] < 2:
            raise FerroKitInputError(f"ICC table: need ≥ 2 cases each with ≥ 2 segmentations (feature {f}: "
                                     f"{wide.shape[0]} complete cases, {wide.shape[1]} segmentations)")
        out[f] = icc(wide.to_numpy(), kind=kind).icc
    return out


def icc_filter(values: dict[str, float], *, threshold: float = ICC_THRESHOLD) -> list[str]:
    """Features whose ICC is ≥ ``threshold`` (default 0.75, 'good' reliability per Koo & Li 2016)."""
    if not 0.0 < threshold <= 1.0:
        raise FerroKitInputError(f"ICC threshold must lie in (0, 1], got {threshold:g}")
    return [f for f, v in values.items() if np.isfinite(v) and v >= threshold]


# -------------------------------------------------------------------------------------------- correlation
def univariate_association(x: np.ndarray, y: np.ndarray, *, time: np.ndarray | None = None) -> np.ndarray:
    """Per-column association with the outcome used to rank features.

    Binary outcome (``time`` None): :math:`|AUC - 0.5|` of each feature. Survival (``time`` given, ``y`` the
    event indicator): :math:`|C - 0.5|` with Harrell's C (lifelines).
    """
    from lifelines.utils import concordance_index
    from sklearn.metrics import roc_auc_score

    out = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        if time is None:
            out[j] = abs(roc_auc_score(y, x[:, j]) - 0.5)
        else:
            out[j] = abs(concordance_index(time, x[:, j], y) - 0.5)
    return out


def correlation_filter(x: np.ndarray, names: Sequence[str], association: np.ndarray, *,
                       threshold: float = 0.9) -> list[str]:
    """Greedy Pearson correlation filter: of each pair with :math:`|r| >` ``threshold`` keep the more associated.

    Features are visited in order of decreasing ``association``; a feature is kept unless it correlates above
    the threshold with one already kept. Constant columns are dropped (no information, undefined r).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0, 0.0], [2.0, 4.1, 1.0], [3.0, 6.0, 0.0], [4.0, 8.2, 1.0]])
    >>> correlation_filter(x, ["a", "b", "c"], np.array([0.1, 0.3, 0.2]))
    ['b', 'c']
    """
    if not 0.0 < threshold <= 1.0:
        raise FerroKitInputError(f"correlation threshold must lie in (0, 1], got {threshold:g}")
    x = np.asarray(x, dtype=float)
    if x.shape[1] != len(names) or len(association) != len(names):
        raise FerroKitInputError("correlation_filter: x, names and association must agree in length")
    sd = x.std(axis=0)
    live = np.flatnonzero(sd > 0)
    if live.size == 0:
        return []
    r = np.corrcoef(x[:, live], rowvar=False).reshape(live.size, live.size)
    order = np.argsort(-np.asarray(association)[live], kind="stable")
    kept: list[int] = []
    for i in order:
        if all(abs(r[i, j]) <= threshold for j in kept):
            kept.append(i)
    return [names[live[i]] for i in sorted(kept)]
