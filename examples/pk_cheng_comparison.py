"""Tumour delivery vs the Cheng et al. 2020 collection: data-driven population, held-out validation, figure.

Run: .venv/bin/python examples/pk_cheng_comparison.py [--refit]   (~3 min on 2 cores; --refit adds ~4 min and
rewrites src/ferrokit/pk/_data/cheng2020_tumour_fits.csv). Writes docs/img/pk_cheng_comparison.png.

Procedure (docs/pk.md §3): fit PA_C,T, P_T, K_max,T, the tumour blood fraction and the plasma time scale s to
each of the 378 data sets; build a lognormal (and, for comparison, a kernel-density) population from a random
half; compare DE24, DE168, DEmax and the sampled peak time with the other half, with percentile-bootstrap 95 %
intervals.
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
    tumour_delivery_statistics,
    validate_tumour_population,
)
from ferrokit.pk.population import DEFAULT_PLASMA_HALF_LIFE_H
from ferrokit.pk.tumour import FIT_BOUNDS

ROOT = Path(__file__).resolve().parents[1]


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


def main(refit: bool = False) -> None:
    if refit:
        fits = fit_cheng2020_collection()
        write_text_atomic(ROOT / "src/ferrokit/pk/_data/cheng2020_tumour_fits.csv", fits.to_csv())
    else:
        fits = cheng2020_fits()
    print(f"per-data-set fits: n = {fits.ids.size}, rms of ln %ID median {np.median(fits.rms):.3f} "
          f"(IQR {np.percentile(fits.rms, 25):.3f}–{np.percentile(fits.rms, 75):.3f}); on a bound: "
          + ", ".join(f"{n} {100 * f:.0f} %" for n, f in zip(fits.names, fits.at_bound.mean(axis=0), strict=True)))
    s = np.exp(fits.log_params[:, fits.names.index("plasma_time_scale")])
    lo, hi = FIT_BOUNDS["plasma_time_scale"]
    q = np.percentile(s * DEFAULT_PLASMA_HALF_LIFE_H, [25, 50, 75])
    print(f"plasma half-life s × {DEFAULT_PLASMA_HALF_LIFE_H} h: median {q[1]:.3g} h (IQR {q[0]:.3g}–{q[2]:.3g} h); "
          f"at the lower bound ({lo * DEFAULT_PLASMA_HALF_LIFE_H * 60:.1f} min) {np.mean(s <= lo * 1.001):.0%}, "
          f"at the upper ({hi * DEFAULT_PLASMA_HALF_LIFE_H:.0f} h) {np.mean(s >= hi * 0.999):.0%}")
    val = {}
    for method in ("lognormal", "kde"):
        val[method] = v = validate_tumour_population(fits, method=method, samples_per_set=10, n_boot=2000,
                                                        n_boot_model=200, rng=2026)
        print(f"\nheld-out validation, {method} population (train {v.train_ids.size} / test {v.test_ids.size} "
              f"sets, {v.model.n} model draws):")
        show(v)
    print("\nsplit sensitivity (20 random half splits, 4 draws per held-out set, 50 model replicates): model/data"
          " ratio of medians; 'pass' = |model − data| ≤ 1.96·√(se_data² + se_model²) (peak: either median inside"
          " the other's 95 % interval)")
    for method in ("lognormal", "kde"):
        ratio, ok = [], []
        for seed in range(20):
            s = validate_tumour_population(fits, method=method, split_seed=seed, samples_per_set=4, n_boot=300,
                                           n_boot_model=50, rng=seed).summary()
            ratio.append([s[k]["model"] / s[k]["data"] for k in ("median_de24", "median_demax", "median_de168")]
                         + [s["median_peak_h"]["model"], s["median_peak_h"]["data"],
                            s["fraction_peak_at_last_sample"]["model"], s["fraction_peak_at_last_sample"]["data"],
                            s["peak_q1_h"]["model"], s["peak_q1_h"]["data"]])
            ok.append([within(s, "median_de24"), within(s, "median_demax"), within(s, "median_de168"),
                       peak_consistent(s), within(s, "fraction_peak_at_last_sample")])
        r, ok = np.array(ratio), np.array(ok).sum(axis=0)
        print(f"  {method:9s} DE24 ratio median {np.median(r[:, 0]):.2f} (range {r[:, 0].min():.2f}–"
              f"{r[:, 0].max():.2f}), pass {ok[0]}/20; DEmax ratio {np.median(r[:, 1]):.2f}, pass {ok[1]}/20; "
              f"DE168 ratio {np.median(r[:, 2]):.2f}, pass {ok[2]}/20;\n            peak median model "
              f"{np.median(r[:, 3]):g} h (range {r[:, 3].min():g}–{r[:, 3].max():g}) vs data {np.median(r[:, 4]):g} h "
              f"({r[:, 4].min():g}–{r[:, 4].max():g}), pass {ok[3]}/20; peak at last sample model "
              f"{np.median(r[:, 5]):.2f} (range {r[:, 5].min():.2f}–{r[:, 5].max():.2f}) vs data "
              f"{np.median(r[:, 6]):.2f}, pass {ok[4]}/20; peak q1 model {np.median(r[:, 7]):g} h vs data "
              f"{np.median(r[:, 8]):g} h")
    full = tumour_delivery_statistics(n_samples=200, rng=2026)
    print("\nfull PBPK model over the population fitted to all sets (in-sample), n = 200:")
    for st in (cheng2020_statistics(), full):
        print(" ", st.source, {k: round(v, 3) for k, v in st.summary().items()})
    fig = val["lognormal"].plot()
    out = ROOT / "docs" / "img" / "pk_cheng_comparison.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main("--refit" in sys.argv[1:])
