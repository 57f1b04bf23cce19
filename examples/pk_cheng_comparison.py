"""Tumour delivery vs the Cheng et al. 2020 collection: data-driven population, held-out validation, figure.

Run: .venv/bin/python examples/pk_cheng_comparison.py [--refit]   (~12 min on a free core, most of it the
hierarchical fit of each of the 20 training halves; --refit adds ~8 min and rewrites
src/ferrokit/pk/_data/cheng2020_tumour_fits.csv and cheng2020_hierarchical_fits.csv).
Writes docs/img/pk_cheng_comparison.png.

Procedure (docs/pk.md §3): fit PA_C,T, P_T, K_max,T, the tumour blood fraction and the plasma time scale s to
each of the 378 data sets; build a population from a random half — from the independent fits ("independent") or
by the hierarchical empirical-Bayes fit of that half ("hierarchical", ferrokit.pk.hierarchical), each as a
lognormal and as a kernel density — and compare DE24, DE168, DEmax and the sampled peak time with the other half,
with percentile-bootstrap 95 % intervals; then the same over 20 random splits. Pre-declared decision: the default
is the population construction whose lognormal passes more (statistic, split) pairs over the 20 splits (5
statistics × 20 splits; a tie keeps the independent fits).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from ferrokit.io.atomic import write_text_atomic
from ferrokit.pk import (
    cheng2020_fits,
    cheng2020_statistics,
    fit_cheng2020_collection,
    fit_hierarchical_population,
    tumour_delivery_statistics,
    validate_tumour_population,
)
from ferrokit.pk.hierarchical import cheng2020_hierarchical
from ferrokit.pk.population import DEFAULT_PLASMA_HALF_LIFE_H
from ferrokit.pk.tumour import FIT_BOUNDS

ROOT = Path(__file__).resolve().parents[1]
POPS = ("independent", "hierarchical")
METHODS = ("lognormal", "kde")


def show(v) -> None:
    print(f"  {'statistic':30s} {'held-out data (95% CI)':28s} model (95% CI)")
    for k, d in v.summary().items():
        print(f"  {k:30s} {d['data']:7.3g} ({d['data_ci95'][0]:.3g}–{d['data_ci95'][1]:.3g})"
              f"{'':8s} {d['model']:7.3g} ({d['model_ci95'][0]:.3g}–{d['model_ci95'][1]:.3g})")


def within(st, key) -> bool:
    d = st[key]
    se = np.hypot(d["data_ci95"][1] - d["data_ci95"][0], d["model_ci95"][1] - d["model_ci95"][0]) / 3.92
    return abs(d["model"] - d["data"]) <= 1.96 * se


def peak_consistent(st) -> bool:
    d = st["median_peak_h"]
    return (d["data_ci95"][0] <= d["model"] <= d["data_ci95"][1]
            or d["model_ci95"][0] <= d["data"] <= d["model_ci95"][1])


def split_rows(fits, seed: int) -> dict:
    """One random split: per (population, method) the ratios/values and the 5 pass flags."""
    ids = np.array(sorted(int(i) for i in fits.ids))
    train = np.sort(ids[np.random.default_rng(seed).permutation(ids.size)[: ids.size // 2]])
    hier = fit_hierarchical_population(fits.subset(train))
    out = {"iterations": len(hier.history), "converged": hier.converged}
    for pop in POPS:
        for method in METHODS:
            s = validate_tumour_population(fits, method=method, split_seed=seed, samples_per_set=4, n_boot=300,
                                           n_boot_model=50, rng=seed,
                                           hierarchical=hier if pop == "hierarchical" else False).summary()
            out[pop, method] = (
                [s[k]["model"] / s[k]["data"] for k in ("median_de24", "median_demax", "median_de168")]
                + [s["median_peak_h"]["model"], s["median_peak_h"]["data"], s["fraction_peak_at_last_sample"]["model"],
                   s["fraction_peak_at_last_sample"]["data"], s["peak_q1_h"]["model"], s["peak_q1_h"]["data"]],
                [within(s, "median_de24"), within(s, "median_demax"), within(s, "median_de168"), peak_consistent(s),
                 within(s, "fraction_peak_at_last_sample")])
    return out


def report_splits(rows: list[dict]) -> dict:
    """Print the 20-split table; returns the total number of passes per (population, method)."""
    total = {}
    print(f"  hierarchical fits: iterations {[r['iterations'] for r in rows]}, converged "
          f"{sum(r['converged'] for r in rows)}/{len(rows)}")
    for pop in POPS:
        for method in METHODS:
            r = np.array([row[pop, method][0] for row in rows])
            ok = np.array([row[pop, method][1] for row in rows]).sum(axis=0)
            n = len(rows)
            total[pop, method] = int(ok.sum())
            print(f"  {pop:12s} {method:9s} DE24 ratio median {np.median(r[:, 0]):.2f} (range {r[:, 0].min():.2f}–"
                  f"{r[:, 0].max():.2f}), pass {ok[0]}/{n}; DEmax ratio {np.median(r[:, 1]):.2f} (range "
                  f"{r[:, 1].min():.2f}–{r[:, 1].max():.2f}), pass {ok[1]}/{n}; DE168 ratio {np.median(r[:, 2]):.2f} "
                  f"(range {r[:, 2].min():.2f}–{r[:, 2].max():.2f}), pass {ok[2]}/{n};\n{'':24s}peak median model "
                  f"{np.median(r[:, 3]):g} h (range {r[:, 3].min():g}–{r[:, 3].max():g}) vs data "
                  f"{np.median(r[:, 4]):g} h ({r[:, 4].min():g}–{r[:, 4].max():g}), pass {ok[3]}/{n}; peak at last "
                  f"sample model {np.median(r[:, 5]):.2f} (range {r[:, 5].min():.2f}–{r[:, 5].max():.2f}) vs data "
                  f"{np.median(r[:, 6]):.2f}, pass {ok[4]}/{n}; peak q1 model {np.median(r[:, 7]):g} h "
                  f"(range {r[:, 7].min():g}–{r[:, 7].max():g}) vs data {np.median(r[:, 8]):g} h; "
                  f"TOTAL {ok.sum()}/{5 * n}")
    return total


def main(refit: bool = False) -> None:
    if refit:
        fits = fit_cheng2020_collection()
        write_text_atomic(ROOT / "src/ferrokit/pk/_data/cheng2020_tumour_fits.csv", fits.to_csv())
        write_text_atomic(ROOT / "src/ferrokit/pk/_data/cheng2020_hierarchical_fits.csv",
                          fit_hierarchical_population(fits).to_csv())
    else:
        fits = cheng2020_fits()
    print("hierarchical fit of all 378 sets (shipped), per iteration:")
    for h in cheng2020_hierarchical().history:
        print("  ", {k: round(v, 4) if isinstance(v, float) else v for k, v in h.items()})
    print(f"per-data-set fits: n = {fits.ids.size}, rms of ln %ID median {np.median(fits.rms):.3f} "
          f"(IQR {np.percentile(fits.rms, 25):.3f}–{np.percentile(fits.rms, 75):.3f}); on a bound: "
          + ", ".join(f"{n} {100 * f:.0f} %" for n, f in zip(fits.names, fits.at_bound.mean(axis=0), strict=True)))
    s = np.exp(fits.log_params[:, fits.names.index("plasma_time_scale")])
    lo, hi = FIT_BOUNDS["plasma_time_scale"]
    q = np.percentile(s * DEFAULT_PLASMA_HALF_LIFE_H, [25, 50, 75])
    print(f"plasma half-life s × {DEFAULT_PLASMA_HALF_LIFE_H} h: median {q[1]:.3g} h (IQR {q[0]:.3g}–{q[2]:.3g} h); "
          f"at the lower bound ({lo * DEFAULT_PLASMA_HALF_LIFE_H * 60:.1f} min) {np.mean(s <= lo * 1.001):.0%}, "
          f"at the upper ({hi * DEFAULT_PLASMA_HALF_LIFE_H:.0f} h) {np.mean(s >= hi * 0.999):.0%}")
    ids = np.array(sorted(int(i) for i in fits.ids))
    train = np.sort(ids[np.random.default_rng(2026).permutation(ids.size)[: ids.size // 2]])
    hier = fit_hierarchical_population(fits.subset(train))
    print("\nhierarchical fit of the training half (split 2026), per iteration:")
    for h in hier.history:
        print("  ", {k: round(v, 4) if isinstance(v, float) else v for k, v in h.items()})
    val = {}
    for pop in POPS:
        for method in METHODS:
            val[pop, method] = v = validate_tumour_population(
                fits, method=method, samples_per_set=10, n_boot=2000, n_boot_model=200, rng=2026,
                hierarchical=hier if pop == "hierarchical" else False)
            print(f"\nheld-out validation, {pop} fits, {method} population (train {v.train_ids.size} / test "
                  f"{v.test_ids.size} sets, {v.model.n} model draws):")
            show(v)
    print("\nsplit sensitivity (20 random half splits, 4 draws per held-out set, 50 model replicates): model/data"
          " ratio of medians; 'pass' = |model − data| ≤ 1.96·√(se_data² + se_model²) (peak: either median inside"
          " the other's 95 % interval)")
    total = report_splits([split_rows(fits, seed) for seed in range(20)])
    best = "hierarchical" if total["hierarchical", "lognormal"] > total["independent", "lognormal"] else "independent"
    print(f"pre-declared criterion (lognormal, passes over 20 splits × 5 statistics): independent "
          f"{total['independent', 'lognormal']}, hierarchical {total['hierarchical', 'lognormal']} -> {best}")
    full = tumour_delivery_statistics(n_samples=200, rng=2026)
    print("\nfull PBPK model over the default population fitted to all sets (in-sample), n = 200:")
    for st in (cheng2020_statistics(), full):
        print(" ", st.source, {k: round(v, 3) for k, v in st.summary().items()})
    fig = val[best, "lognormal"].plot()
    out = ROOT / "docs" / "img" / "pk_cheng_comparison.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main("--refit" in sys.argv[1:])
