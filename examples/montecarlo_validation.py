"""Validation of the Monte Carlo simulator against the closed forms, and the r2*-vs-size figure.

Runs (closed_forms ≈ 1.5 min, convergence ≈ 2 min, size ≈ 0.5 min, mar_fraction ≈ 2.5 min on 2 cores):
1. static dephasing (D = 0): R2* vs 2π/(3√3) f Δω (Yablonskiy & Haacke 1994);
2. motional averaging (Δω τ_D = 0.15, 0.3): R2* vs (16/45) f τ_D Δω² (Gillis & Koenig 1987; Brooks et al. 2001);
3. convergence: the MAR case with a coarser step, fewer spheres, a larger cutoff and a finer long-range grid;
4. r2* of bulk-Ms magnetite at 37 °C vs core diameter, with the MAR and SDR closed forms
   (docs/img/montecarlo_r2_vs_size.png);
5. mar_fraction: motional averaging at the default settings (2000 spheres, default fit window) for f = 0.04 …
   0.005 and Δω τ_D = 0.3, 0.15: MC / closed form against f, with the computed box bias (−0.635 R/L) and the
   finite-fraction term of the closed form (docs/mri_montecarlo.md, "Motional averaging: what the deficit is").

Writes benchmarks/results/montecarlo_validation_<part>.json.
Usage: python examples/montecarlo_validation.py [--quick] [closed_forms] [convergence] [size] [mar_fraction]
(default: all four; ``--quick`` runs every case with 1/20 of the protons and configurations and a shorter walk —
a smoke test of the script in a few minutes, numbers not meaningful — and writes to
examples/montecarlo_validation_out/ instead of benchmarks/results and docs/img).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

import ferrokit
from ferrokit.constants import GAMMA_PROTON, MU_0
from ferrokit.materials import oxide_volume_fraction, saturation_magnetization_volume
from ferrokit.mri import diffusion_coefficient
from ferrokit.mri.montecarlo import fit_decay, simulate_relaxation
from ferrokit.mri.montecarlo.simulator import MAR_FRACTION_COEFF, motional_averaging_box_bias

ROOT = Path(__file__).resolve().parents[1]
SDR = 2 * math.pi / (3 * math.sqrt(3))


QUICK = False
QUICK_OUT = ROOT / "examples" / "montecarlo_validation_out"  # --quick writes here (git-ignored), not the real results


def run(label, **kw):
    if QUICK:  # smoke test: few protons and configurations, a fifth of the walk
        kw["n_protons"] = max(20, kw.get("n_protons", 10_000) // 20)
        kw["n_configurations"] = 2
        kw["n_spheres"] = min(kw.get("n_spheres", 2000), 300)
        kw["duration"] = kw["duration"] / 5
        if kw.get("fit_start") is not None:
            kw["fit_start"] = min(kw["fit_start"], kw["duration"] / 4)
    t0 = time.perf_counter()
    r = simulate_relaxation(**kw)
    c = r.convergence
    row = {"case": label, "rate": r.rate, "stderr": r.rate_stderr, "theory_mar": r.theory["r2_motional_averaging"],
           "theory_sdr": r.theory["r2star_static_dephasing"], "delta_omega_tau_d": r.theory["delta_omega_tau_d"],
           "sigma_over_radius": c["sigma_over_radius"], "delta_omega_dt": c["delta_omega_dt"],
           "cutoff_over_radius": c["cutoff_over_radius"], "box_over_radius": c["box_over_radius"],
           "n_protons": c["n_protons"], "n_configurations": c["n_configurations"], "n_steps": c["n_steps"],
           "fit_window": list(r.fit_window), "proton_steps_per_second": c["proton_steps_per_second"],
           "seconds": time.perf_counter() - t0}
    if math.isfinite(row["theory_mar"]) and row["delta_omega_tau_d"] < 1:  # MAR: also the diffusion-tail fit
        tail = fit_decay(r.times, r.fid, t_start=r.convergence["fit_start"]["value"],
                         floor=3 / math.sqrt(c["n_protons"] * c["n_configurations"]), model="diffusion_tail")
        row["rate_diffusion_tail_fit"] = tail.rate
        row["stderr_diffusion_tail_fit"] = tail.stderr
        print(f"   diffusion-tail fit of the mean FID: {tail.rate:.4g} ± {tail.stderr:.2g} 1/s", flush=True)
    print(f"{label}: {r.rate:.4g} ± {r.rate_stderr:.2g} 1/s  (MAR {row['theory_mar']:.4g}, "
          f"SDR {row['theory_sdr']:.4g}, "
          f"Δωτ_D {row['delta_omega_tau_d']:.3g}; {row['seconds']:.0f} s)", flush=True)
    return row


R, D, F = 1e-6, 1e-9, 0.02
TAU = R * R / D


def save(part: str, data: dict) -> None:
    folder = QUICK_OUT if QUICK else ROOT / "benchmarks" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"montecarlo_validation_{part}.json"
    data = {"ferrokit_version": ferrokit.__version__, "date": time.strftime("%Y-%m-%d"),
            "field_model": "compact polynomial split + nearest-node Taylor long-range grid", **data}
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {path}")


def closed_forms() -> list[dict]:
    rows = []
    f, tau = F, TAU
    # 1. static dephasing
    dw = 3000.0
    rows.append(run("SDR D=0", radius=R, volume_fraction=0.01, delta_omega=dw, diffusion=0.0,
                    duration=4 / (SDR * 0.01 * dw), n_protons=20000, n_configurations=4, n_spheres=2000, rng=1))
    # 2. motional averaging
    for x in (0.3, 0.15):
        dw = x / tau
        mar = 16 / 45 * f * tau * dw**2
        rows.append(run(f"MAR x={x}", radius=R, volume_fraction=f, delta_omega=dw, diffusion=D, duration=2 / mar,
                        n_protons=2000, n_configurations=4, n_spheres=2000, step_fraction=0.25 if x < 0.2 else 0.2,
                        n_samples=100, fit_start=100 * tau, rng=2))
    save("closed_forms", {"rows": rows})
    return rows


def convergence() -> list[dict]:
    rows = []
    f, tau = F, TAU
    # 3. convergence of the x = 0.3 case (the base case is "MAR x=0.3" of closed_forms)
    dw = 0.3 / tau
    mar = 16 / 45 * f * tau * dw**2
    base = {"radius": R, "volume_fraction": f, "delta_omega": dw, "diffusion": D, "duration": 2 / mar,
            "n_protons": 2000, "n_configurations": 4, "n_samples": 100, "fit_start": 100 * tau, "rng": 2}
    rows.append(run("MAR x=0.3 coarse step σ=0.4R", **base, n_spheres=2000, step_fraction=0.4))
    rows.append(run("MAR x=0.3 500 spheres", **base, n_spheres=500, step_fraction=0.2))
    rows.append(run("MAR x=0.3 cutoff 2× default", **base, n_spheres=2000, step_fraction=0.2,
                    cutoff=2 * R * max(3.0, f ** (-1 / 3))))
    rows.append(run("MAR x=0.3 grid 6 points per cutoff", **base, n_spheres=2000, step_fraction=0.2,
                    points_per_cutoff=6.0))
    save("convergence", {"rows": rows})
    return rows


def size_sweep() -> dict:
    rows = []
    # 4. r2* vs size, bulk-Ms magnetite at 37 °C
    t = 310.15
    ms = saturation_magnetization_volume("Fe3O4", t)
    dwm = GAMMA_PROTON * MU_0 * ms / 3
    dm = float(diffusion_coefficient(t))
    f_per_mm = oxide_volume_fraction(1.0, "Fe3O4")
    fs = 0.01
    sizes, r2s, errs = [], [], []
    for d_nm in (8, 12, 16, 24, 32, 48, 64, 100):
        r = d_nm * 0.5e-9
        th_rate = min(16 / 45 * fs * r * r / dm * dwm**2, SDR * fs * dwm)
        res = run(f"magnetite {d_nm} nm", radius=r, volume_fraction=fs, delta_omega=dwm, diffusion=dm,
                  duration=3 / th_rate, n_protons=2000 if d_nm > 10 else 1000, n_configurations=3, n_spheres=1000,
                  step_fraction=0.25, n_samples=100, fit_start=min(30 * r * r / dm, 3 / dwm), rng=d_nm)
        res["core_diameter_nm"] = d_nm
        rows.append(res)
        sizes.append(d_nm)
        r2s.append(res["rate"] / fs * f_per_mm)
        errs.append(res["stderr"] / fs * f_per_mm)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = np.geomspace(4, 200, 200)
    rr = d * 0.5e-9
    mar = 16 / 45 * f_per_mm * rr**2 / dm * dwm**2
    sdr = SDR * f_per_mm * dwm * np.ones_like(d)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.loglog(d, mar, "C0--", label="MAR (16/45) f τ_D Δω²")
    ax.loglog(d, sdr, "C3--", label="SDR 2π/(3√3) f Δω")
    ax.errorbar(sizes, r2s, yerr=errs, fmt="ko", ms=4, label="Monte Carlo r2* (FID)")
    ax.set_xlabel("core diameter [nm] (bare magnetite, bulk Ms at 37 °C)")
    ax.set_ylabel("r2* [s⁻¹ mM⁻¹ Fe]")
    ax.set_ylim(5, 3000)
    ax.legend(fontsize=8)
    ax.set_title("Monte Carlo vs closed forms: the MAR → SDR transition", fontsize=9)
    img = QUICK_OUT / "montecarlo_r2_vs_size.png" if QUICK else ROOT / "docs" / "img" / "montecarlo_r2_vs_size.png"
    img.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(img, dpi=130, bbox_inches="tight")
    out = {"rows": rows, "r2star_vs_size": {"core_diameter_nm": sizes, "r2star": r2s, "stderr": errs,
                                            "unit": "1/(s mM)"}}
    print(f"wrote {img}")
    save("size", out)
    return out


def mar_fraction() -> list[dict]:
    """MAR at the default settings of simulate_relaxation (2000 spheres, default fit window, σ = 0.25 R) for several
    f: the MC / closed-form ratio against f separates the box bias (∝ R/L) from the finite-fraction term (∝ f)."""
    rows = []
    for f, x, n_cfg in ((0.04, 0.3, 8), (0.02, 0.3, 8), (0.01, 0.3, 8), (0.02, 0.15, 4), (0.005, 0.3, 8)):
        dw = x / TAU
        mar = 16 / 45 * f * TAU * dw**2
        row = run(f"MAR f={f} x={x}", radius=R, volume_fraction=f, delta_omega=dw, diffusion=D, duration=1.2 / mar,
                  n_protons=2000, n_configurations=n_cfg, step_fraction=0.25, rng=int(f * 1e4) + int(x * 100))
        row["volume_fraction"] = f
        row["ratio"] = row["rate"] / mar
        row["ratio_stderr"] = row["stderr"] / mar
        row["box_bias"] = motional_averaging_box_bias(row["box_over_radius"])
        row["expected_ratio"] = (1 + row["box_bias"]) * (1 + MAR_FRACTION_COEFF * f)
        print(f"   MC/MAR = {row['ratio']:.3f} ± {row['ratio_stderr']:.3f}; expected {row['expected_ratio']:.3f} "
              f"(box {row['box_bias']:+.4f}, fraction {MAR_FRACTION_COEFF * f:+.3f})", flush=True)
        rows.append(row)
    # the first case with independent (overlapping) sphere centres: no pair correlation, so c = 0
    dw = 0.3 / TAU
    mar = 16 / 45 * 0.04 * TAU * dw**2
    row = run("MAR f=0.04 x=0.3 overlapping", radius=R, volume_fraction=0.04, delta_omega=dw, diffusion=D,
              duration=1.2 / mar, n_protons=2000, n_configurations=8, step_fraction=0.25, rng=430, overlapping=True)
    row.update(volume_fraction=0.04, ratio=row["rate"] / mar, ratio_stderr=row["stderr"] / mar,
               box_bias=motional_averaging_box_bias(row["box_over_radius"]))
    row["expected_ratio"] = 1 + row["box_bias"]
    print(f"   MC/MAR = {row['ratio']:.3f} ± {row['ratio_stderr']:.3f}; expected {row['expected_ratio']:.3f}",
          flush=True)
    save("mar_fraction", {"rows": rows, "overlapping_check": row})
    return rows


def main(parts: list[str]) -> None:
    global QUICK
    if "--quick" in parts:
        QUICK = True
        parts = [p for p in parts if p != "--quick"]
    table = {"closed_forms": closed_forms, "convergence": convergence, "size": size_sweep,
             "mar_fraction": mar_fraction}
    for part in parts or list(table):
        table[part]()


if __name__ == "__main__":
    main(sys.argv[1:])
