"""2D photoacoustic initial-value problem: FerroKit's k-space solver against k-wave-python's NumPy backend.

Problem (identical on both sides): 256 × 256 grid of 0.1 mm (PML of 20 points, α = 2 Np/point, *inside* the
grid), homogeneous water-like medium (1500 m/s, 1000 kg/m³, lossless), p0 = two discs (5 Pa, r = 0.8 mm and
3 Pa, r = 0.5 mm) smoothed by the Blackman window with the maximum restored (k-Wave ``smooth_p0``), 1200 time
steps of Δt = 0.3·Δx/c = 20 ns (CFL 0.3), 256 Cartesian sensor points on a ring of radius 10 mm read by
linear interpolation on both sides (k-Wave's RegularGridInterpolator, FerroKit's sparse bilinear weights).

k-wave-python (LGPL-3.0) runs in its own virtual environment, benchmarks/.peers/kwave-venv (created here with
``python3 -m venv`` and ``pip install k-wave-python`` when missing; git-ignored), as a subprocess; arrays are
exchanged as .npy files. ``import kwave`` downloads its C++ binaries when they are missing: the subprocess
replaces ``urllib.request.urlretrieve`` by a function that refuses (raises TimeoutError, which k-wave handles by
skipping the download), so nothing is fetched; only the pure NumPy backend (``backend="python"``) is used.

Timings: best of ``ROUNDS`` = 3 runs of the whole ``kspaceFirstOrder`` / ``simulate`` call (setup included) on
the same machine, FerroKit and k-Wave runs interleaved round by round (so that both see the same load on a
shared machine), wall clock and process CPU time (with 2 FFT threads the CPU time can exceed the wall time).
Writes benchmarks/results/photoacoustics.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

import ferrokit
from ferrokit.optics.photoacoustics import Medium, make_grid, point_sensors, sensor_matrix, simulate

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
VENV = HERE / ".peers" / "kwave-venv"
N, DX, C, RHO, CFL, NT, PML, ALPHA, N_SENSORS, RING = 256, 1e-4, 1500.0, 1000.0, 0.3, 1200, 20, 2.0, 256, 10e-3
ROUNDS = 3
DT = CFL * DX / C

KWAVE_SCRIPT = textwrap.dedent("""
    import json, os, sys, time, urllib.request
    blocked = []
    def _refuse(url, *args, **kwargs):  # never download the C++ binaries: the NumPy backend needs none
        blocked.append(url)
        raise TimeoutError("download refused by the FerroKit benchmark (offline run)")
    urllib.request.urlretrieve = _refuse
    import logging
    logging.disable(logging.WARNING)
    import numpy as np
    import kwave
    from kwave.kgrid import kWaveGrid
    from kwave.kmedium import kWaveMedium
    from kwave.ksource import kSource
    from kwave.ksensor import kSensor
    from kwave.kspaceFirstOrder import kspaceFirstOrder
    d = sys.argv[1]
    cfg = json.load(open(os.path.join(d, "cfg.json")))
    p0 = np.load(os.path.join(d, "p0.npy")); cart = np.load(os.path.join(d, "cart.npy"))
    out = {"kwave_version": kwave.__version__, "blocked_downloads": blocked, "numpy": np.__version__}
    for dtype in ("float64", "float32"):
        times, cpu = [], []
        for _ in range(cfg["repeats"]):
            kgrid = kWaveGrid([cfg["n"], cfg["n"]], [cfg["dx"], cfg["dx"]])
            kgrid.setTime(cfg["nt"], cfg["dt"])
            medium = kWaveMedium(sound_speed=cfg["c"], density=cfg["rho"])
            source = kSource(); source.p0 = p0.copy()
            sensor = kSensor(mask=cart)
            t0, c0 = time.perf_counter(), time.process_time()
            res = kspaceFirstOrder(kgrid, medium, source, sensor, pml_size=cfg["pml"], pml_alpha=cfg["alpha"],
                                   pml_inside=True, smooth_p0=True, backend="python", quiet=True, dtype=dtype)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        np.save(os.path.join(d, f"kwave_{dtype}.npy"), np.asarray(res["p"], dtype=float))
        out[dtype] = times
        out[dtype + "_cpu"] = cpu
    json.dump(out, open(os.path.join(d, "kwave_out.json"), "w"))
""")


def ensure_kwave() -> tuple[Path | None, str]:
    """Path of the venv's python with k-wave-python installed, or None and the reason."""
    py = VENV / "bin" / "python"
    try:
        if not py.exists():
            subprocess.run(["python3", "-m", "venv", str(VENV)], check=True, capture_output=True)
        if subprocess.run([str(py), "-c", "import importlib.util as u; assert u.find_spec('kwave')"],
                          capture_output=True).returncode != 0:
            subprocess.run([str(py), "-m", "pip", "install", "-q", "k-wave-python"], check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        return None, f"could not create the k-wave-python environment: {exc} {err.decode(errors='replace')[-500:]}"
    return py, ""


def problem() -> tuple[np.ndarray, np.ndarray]:
    grid = make_grid((N, N), DX)
    p0 = 5.0 * (grid.radius([-2e-3, 1.5e-3]) <= 0.8e-3) + 3.0 * (grid.radius([2.5e-3, -2e-3]) <= 0.5e-3)
    theta = 2 * np.pi * np.arange(N_SENSORS) / N_SENSORS
    pos = np.stack([RING * np.cos(theta), RING * np.sin(theta)], axis=1)
    return p0.astype(float), pos


def run_ferrokit(p0: np.ndarray, pos: np.ndarray, precision: str, workers: int, repeats: int):
    grid = make_grid((N, N), DX)
    times, cpu, data = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        w = sensor_matrix(point_sensors(pos), grid, "linear")
        res = simulate(p0, grid, Medium(C, RHO), dt=DT, n_steps=NT, sensor_matrix=w, pml_size=PML,
                       pml_alpha=ALPHA, smooth_p0=True, precision=precision, workers=workers)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        data = res.sensor_data
    return data, times, cpu


def rel_diff(a: np.ndarray, b: np.ndarray) -> dict:
    return {"relative_l2": float(np.linalg.norm(a - b) / np.linalg.norm(b)),
            "max_abs_over_peak": float(np.max(np.abs(a - b)) / np.max(np.abs(b)))}


def main() -> dict:
    p0, pos = problem()
    result: dict = {
        "benchmark": "photoacoustics: 2D homogeneous initial-value problem, k-space PSTD",
        "ferrokit_version": ferrokit.__version__, "machine": platform.platform(), "cpu_count": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
        "problem": {"grid": [N, N], "spacing_m": DX, "sound_speed_m_per_s": C, "density_kg_per_m3": RHO,
                    "cfl": CFL, "dt_s": DT, "n_steps": NT, "pml_size": PML, "pml_alpha": ALPHA, "pml_inside": True,
                    "smooth_p0": True, "sensors": f"{N_SENSORS} Cartesian points, ring radius {RING} m, linear "
                                                 "interpolation"},
    }
    configs = [(prec, wk) for prec in ("float64", "float32") for wk in (1, 2)]
    fk = {f"{prec}_workers{wk}": {"times_s": [], "cpu_s": [], "data": None} for prec, wk in configs}
    py, why = ensure_kwave()
    kw: dict = {}
    loads = []
    with tempfile.TemporaryDirectory() as d:
        if py is not None:
            np.save(Path(d) / "p0.npy", p0)
            np.save(Path(d) / "cart.npy", pos.T.copy())
            (Path(d) / "cfg.json").write_text(json.dumps({"n": N, "dx": DX, "nt": NT, "dt": DT, "c": C, "rho": RHO,
                                                           "pml": PML, "alpha": ALPHA, "repeats": 1}))
            (Path(d) / "kw.py").write_text(KWAVE_SCRIPT)
        # rounds interleave FerroKit and k-Wave runs, so that both see the same machine load (shared machine)
        for _ in range(ROUNDS):
            loads.append(list(os.getloadavg()))
            for prec, wk in configs:
                data, times, cpu = run_ferrokit(p0, pos, prec, wk, repeats=1)
                entry = fk[f"{prec}_workers{wk}"]
                entry["times_s"] += times
                entry["cpu_s"] += cpu
                entry["data"] = data
            if py is None:
                continue
            proc = subprocess.run([str(py), str(Path(d) / "kw.py"), d], capture_output=True, text=True)
            if proc.returncode != 0:
                why, py = "k-wave-python failed: " + proc.stderr[-1500:], None
                continue
            out = json.loads((Path(d) / "kwave_out.json").read_text())
            for key, value in out.items():
                kw[key] = kw.get(key, []) + value if isinstance(value, list) and key.startswith("float") else value
        for v in fk.values():
            v["best_s"], v["best_cpu_s"] = min(v["times_s"]), min(v["cpu_s"])
        result["load_average_per_round"] = loads
        if py is None:
            result["kwave"] = {"ran": False, "reason": why}
        else:
            ref = {dt_: np.load(Path(d) / f"kwave_{dt_}.npy") for dt_ in ("float64", "float32")}
            result["kwave"] = {"ran": True, "version": kw["kwave_version"], "backend": "python (NumPy)",
                               "numpy": kw["numpy"], "blocked_downloads": kw["blocked_downloads"],
                               **{f"{k}_times_s": kw[k] for k in ("float64", "float32")},
                               **{f"{k}_best_s": min(kw[k]) for k in ("float64", "float32")},
                               **{f"{k}_cpu_s": kw[k + "_cpu"] for k in ("float64", "float32")},
                               **{f"{k}_best_cpu_s": min(kw[k + "_cpu"]) for k in ("float64", "float32")}}
            comp = {}
            for key, v in fk.items():
                prec = key.split("_")[0]
                comp[key] = {"speedup_vs_kwave_same_precision": min(kw[prec]) / v["best_s"],
                             "speedup_vs_kwave_float64": min(kw["float64"]) / v["best_s"],
                             "cpu_time_ratio_vs_kwave_float64": min(kw["float64_cpu"]) / v["best_cpu_s"],
                             "difference_vs_kwave_float64": rel_diff(v["data"], ref["float64"])}
            comp["kwave_float32_vs_kwave_float64"] = rel_diff(ref["float32"], ref["float64"])
            result["comparison"] = comp
            best = max(comp[k]["speedup_vs_kwave_float64"] for k in fk)
            worst_diff = max(comp[k]["difference_vs_kwave_float64"]["relative_l2"] for k in fk)
            per = {k: {"wall_speedup": comp[k]["speedup_vs_kwave_float64"],
                       "cpu_time_ratio": comp[k]["cpu_time_ratio_vs_kwave_float64"],
                       "met": bool(comp[k]["speedup_vs_kwave_float64"] >= 5.0
                                   and comp[k]["difference_vs_kwave_float64"]["relative_l2"] <= 0.01)}
                   for k in fk}
            result["goal"] = {"speedup_at_least": 5.0, "relative_difference_at_most": 0.01,
                              "reference": "k-wave-python NumPy backend, float64 (its default)",
                              "best_speedup": best, "worst_relative_l2_difference": worst_diff,
                              "met": bool(best >= 5.0 and worst_diff <= 0.01),
                              "met_by_default_float32_one_thread": per["float32_workers1"]["met"],
                              "met_by_float64_one_thread": per["float64_workers1"]["met"],
                              "per_configuration": per}
    result["ferrokit"] = {k: {"times_s": v["times_s"], "best_s": v["best_s"], "cpu_s": v["cpu_s"],
                              "best_cpu_s": v["best_cpu_s"]} for k, v in fk.items()}
    result["ferrokit_default_precision"] = "float32 (simulate); float64 on request"
    result["load_average_at_end"] = list(os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "photoacoustics.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    out = main()
    print(json.dumps({k: out[k] for k in ("ferrokit", "kwave", "comparison", "goal") if k in out}, indent=2))
