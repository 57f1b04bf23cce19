"""Rad-score modelling, part 4: figures (ROC, Kaplan–Meier, calibration, decision curve, nomogram).

No maintained Python nomogram plotter exists, so :func:`plot_nomogram` draws the classic points chart: each
variable's scale is mapped to points in proportion to its contribution β·x to the linear predictor (the widest
contribution spans 0–100 points); the total-points axis is converted back to the predicted probability.
"""

from __future__ import annotations

import numpy as np


def _axes(ax, size=(5.0, 4.0)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=size).add_subplot()


def plot_roc(y, score, *, label: str = "model", ax=None):
    """ROC curve (scikit-learn ``roc_curve``) with the AUC in the legend."""
    from sklearn.metrics import roc_auc_score, roc_curve

    ax = _axes(ax)
    fpr, tpr, _ = roc_curve(y, score)
    ax.plot(fpr, tpr, label=f"{label} (AUC {roc_auc_score(y, score):.3f})")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xlabel="1 − specificity", ylabel="sensitivity", title="ROC (out-of-fold)")
    ax.legend(loc="lower right")
    return ax


def plot_km(groups, ax=None):
    """Kaplan–Meier curves (lifelines) of the high- and low-risk groups with the log-rank p-value."""
    from lifelines import KaplanMeierFitter

    ax = _axes(ax)
    for mask, name in ((~groups.high, "low risk"), (groups.high, "high risk")):
        km = KaplanMeierFitter(label=f"{name} (n={int(mask.sum())})").fit(groups.time[mask], groups.event[mask])
        km.plot_survival_function(ax=ax, ci_show=True)
    ax.set(xlabel="time", ylabel="survival probability", title=f"Kaplan–Meier, log-rank p = {groups.logrank_p:.2g}")
    return ax


def plot_calibration(cal, ax=None):
    """Binned observed vs predicted probability with the ideal diagonal, slope and intercept."""
    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], "k:", lw=0.8, label="ideal")
    ax.plot(cal.predicted, cal.observed, "o-", label=f"model (slope {cal.slope:.2f}, intercept {cal.intercept:.2f})")
    ax.set(xlabel="predicted probability", ylabel="observed fraction", xlim=(0, 1), ylim=(0, 1),
           title="calibration (out-of-fold)")
    ax.legend(loc="upper left")
    return ax


def plot_decision_curve(dc, ax=None):
    """Net benefit vs threshold probability for the model, treat-all and treat-none."""
    ax = _axes(ax)
    ax.plot(dc.thresholds, dc.model, label="model")
    ax.plot(dc.thresholds, dc.treat_all, label="treat all")
    ax.axhline(0.0, color="k", lw=0.8, label="treat none")
    top = max(float(np.nanmax(dc.model)), float(np.nanmax(dc.treat_all)), 0.01)
    ax.set(xlabel="threshold probability", ylabel="net benefit", ylim=(-0.05 * top - 0.01, 1.1 * top),
           title="decision curve")
    ax.legend(loc="upper right")
    return ax


def nomogram_scales(nomo) -> dict:
    """Points mapping of a nomogram: per-variable (min, max, points at min, points at max) and the scale factor.

    Points of variable v at value x: :math:`100\\,\\beta_v (x - x_{ref,v}) / R` with :math:`x_{ref}` the end of
    the range with the lower contribution and R the widest contribution range over variables.
    """
    contrib = {v: (nomo.coefficients[v] * nomo.ranges[v][0], nomo.coefficients[v] * nomo.ranges[v][1])
               for v in nomo.variables}
    width = max(abs(b - a) for a, b in contrib.values())
    low = {v: min(a, b) for v, (a, b) in contrib.items()}
    return {"points_per_unit_lp": 100.0 / width, "low_contribution": low}


def plot_nomogram(nomo, ax=None):
    """Draw the nomogram: a Points ruler, one scale per variable, Total points and predicted probability."""
    import matplotlib.pyplot as plt

    sc = nomogram_scales(nomo)
    k = sc["points_per_unit_lp"]
    rows = len(nomo.variables) + 3
    if ax is None:
        ax = plt.figure(figsize=(8.0, 0.7 * rows + 0.6)).add_subplot()
    ax.set_axis_off()
    y = rows - 1

    def ruler(label, positions, ticklabels, yy):
        ax.plot([min(positions), max(positions)], [yy, yy], "k-", lw=1)
        for x, t in zip(positions, ticklabels, strict=True):
            ax.plot([x, x], [yy, yy + 0.12], "k-", lw=1)
            ax.text(x, yy + 0.18, t, ha="center", va="bottom", fontsize=7)
        ax.text(-4, yy, label, ha="right", va="center", fontsize=9)

    ruler("Points", list(np.linspace(0, 100, 11)), [f"{v:.0f}" for v in np.linspace(0, 100, 11)], y)
    for v in nomo.variables:
        y -= 1
        lo, hi = nomo.ranges[v]
        span = k * abs(nomo.coefficients[v] * (hi - lo))  # the scale's length in points: fewer ticks if short
        vals = np.linspace(lo, hi, 2 if span < 15 else 3 if span < 35 else 6)
        if float(lo).is_integer() and float(hi).is_integer() and hi - lo <= 5 and span >= 15:
            vals = np.arange(lo, hi + 1.0)  # an integer variable (stage): one tick per level
        pts = k * (nomo.coefficients[v] * vals - sc["low_contribution"][v])
        if span < 4:  # a negligible variable: one tick for the whole range, labels would overlap
            ruler(v, [float(pts[0])], [f"{lo:.3g}–{hi:.3g}"], y)
        else:
            ruler(v, list(pts), [f"{x:.3g}" for x in vals], y)
    total_max = sum(k * abs(nomo.coefficients[v] * (nomo.ranges[v][1] - nomo.ranges[v][0])) for v in nomo.variables)
    y -= 1
    tp = np.linspace(0, total_max, 9)
    scale = 100.0 / total_max  # draw total points on the same 0–100 width
    ruler("Total points", list(tp * scale), [f"{t:.0f}" for t in tp], y)
    y -= 1
    lp0 = sum(sc["low_contribution"][v] for v in nomo.variables)
    probs = _probability_ticks(nomo, lp0, lp0 + total_max / k)
    if probs:
        lp = np.array([_lp_for(nomo, p) for p in probs])
        keep = [0]
        for i in range(1, len(probs)):  # at least 5 points apart on the 0–100 width, so labels do not overlap
            if (lp[i] - lp[keep[-1]]) * k * scale >= 5.0:
                keep.append(i)
        probs, lp = [probs[i] for i in keep], lp[keep]
        ruler("P(event by t₀)" if nomo.kind == "cox" else "Probability", list((lp - lp0) * k * scale),
              [f"{p:g}" for p in probs], y)
    ax.set_xlim(-30, 108)
    ax.set_ylim(y - 0.6, rows - 0.2)
    title = "nomogram" + (f" (event by t₀ = {nomo.horizon:.3g})" if nomo.kind == "cox" else "")
    ax.set_title(title)
    return ax


def _lp_for(nomo, p: float) -> float:
    """Sum of β·x (uncentred) giving probability ``p``."""
    if nomo.kind == "logistic":
        return float(np.log(p / (1 - p)) - nomo.intercept)
    centre = sum(nomo.coefficients[v] * nomo.means[v] for v in nomo.variables)
    return float(np.log(np.log(1 - p) / np.log(nomo.baseline_survival)) + centre)


def _probability_ticks(nomo, lp_min: float, lp_max: float) -> list[float]:
    cands = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]
    return [p for p in cands if lp_min <= _lp_for(nomo, p) <= lp_max]
