"""``ferrokit demo``: the embedded default virtual study (what ``make demo`` runs).

A PEG-coated 14 nm Zn0.4Mn0.6Fe2O4 ferrite injected into a subcutaneous mouse tumour: particle properties →
biodistribution (PBPK) → MRI contrast over time → hyperthermia plan with thermal dose → CDT → tumour and
immune response of mono vs combined therapy. The study is ``ferrokit/study/_data/demo_study.yaml`` (the same
file as examples/demo-study.yaml). The report's first section is the magnetism showcase (predicted M(H) and
relaxation times, and the fit of the bundled example M(H) curve).

Outputs in ``--out`` (default ``out/demo``): report.html, tables/*.csv, results.nc, provenance.json,
summary.json, predictions.json, mh_fit.json, mh_fit.png, magnetism_showcase.png — each written atomically, and
only after every stage has run.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import typer

from ferrokit import __version__
from ferrokit.cli._common import console, handle_errors

HELP = "Run the embedded default virtual study and write out/demo/report.html plus the labelled results."


def demo(out: Path = typer.Option(Path("out/demo"), "--out", help="Output folder.")) -> None:
    handle_errors(run_demo)(out)


def showcase(particle) -> tuple[dict[str, Any], dict[str, bytes], list]:
    """Magnetism showcase (computed, not written): JSON payloads, PNG bytes and (figure, caption) pairs."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ferrokit.constants import BODY_TEMPERATURE, MU_0
    from ferrokit.io.magnetometry import read_mh_curve
    from ferrokit.magnetism import (
        LangevinModel,
        brown_time,
        langevin_magnetization,
        neel_time,
        predict_magnetic_properties,
        water_viscosity,
    )
    from ferrokit.materials import Particle, get_agent

    t_body = BODY_TEMPERATURE
    particles = [get_agent("ferumoxytol").particle, particle]
    predictions = [predict_magnetic_properties(p, temperature=t_body) for p in particles]
    example = resources.files("ferrokit.io").joinpath("_data/example_mh_curve.csv")
    with resources.as_file(example) as path:
        curve = read_mh_curve(path)
    fit = LangevinModel(temperature=curve.temperature or 300.0).fit(curve.field, curve.magnetization)
    ax = fit.plot()
    fit_fig = ax.figure
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    mu0h = np.linspace(-2.0, 2.0, 401)
    for pr in predictions:
        p = pr.particle
        m = pr["ms_mass"] * langevin_magnetization(mu0h / MU_0, ms_volume=pr["ms_volume"],
                                                   median_diameter=p.equivalent_diameter, sigma=p.core_sigma,
                                                   temperature=t_body)
        ax1.plot(mu0h * 1e3, m, label=p.name)
    ax1.set_xlabel("μ0H (mT)")
    ax1.set_ylabel("M (emu/g oxide)")
    ax1.set_title("Predicted magnetisation at 37 °C")
    ax1.legend()
    d = np.linspace(4e-9, 30e-9, 120)
    eta = water_viscosity(t_body)
    tn, tb = [], []
    for x in d:
        core = Particle(composition="Fe3O4", core_diameter=x, coating={"material": "PEG", "thickness": 5e-9})
        k_eff, _ = core.effective_anisotropy(t_body)
        tn.append(neel_time(anisotropy=k_eff, volume=core.core_volume, temperature=t_body))
        tb.append(brown_time(hydrodynamic_volume=core.hydrodynamic_volume, temperature=t_body, viscosity=eta))
    ax2.semilogy(d * 1e9, tn, label="τ Néel")
    ax2.semilogy(d * 1e9, tb, label="τ Brown (5 nm PEG shell)")
    ax2.semilogy(d * 1e9, 1 / (1 / np.asarray(tn) + 1 / np.asarray(tb)), "k--", label="τ effective")
    ax2.set_ylim(1e-10, 1e2)
    ax2.set_xlabel("core diameter (nm)")
    ax2.set_ylabel("relaxation time (s)")
    ax2.set_title("Magnetite relaxation in water at 37 °C")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    pngs = {}
    for name, f in (("mh_fit.png", fit_fig), ("magnetism_showcase.png", fig)):
        buf = io.BytesIO()
        f.savefig(buf, format="png", dpi=150, bbox_inches="tight")
        pngs[name] = buf.getvalue()
    jsons = {"predictions.json": {"ferrokit_version": __version__,
                                  "particles": [pr.to_dict() for pr in predictions]},
             "mh_fit.json": {"ferrokit_version": __version__, "input": "example_mh_curve.csv (synthetic)",
                             "fit": fit.to_dict()}}
    section = {
        "name": "magnetism", "title": "Magnetism showcase",
        "key_numbers": [{"label": f"{pr.particle.name}: Ms", "value": pr["ms_mass"], "unit": "A m2/kg",
                         "display": f"{pr['ms_mass']:.1f} emu/g oxide, τN {pr['tau_neel']:.3g} s, "
                                    f"τB {pr['tau_brown']:.3g} s"} for pr in predictions]
        + [{"label": "example M(H) fit: Ms", "value": fit.params["ms"], "unit": "A m2/kg",
            "display": f"{fit.params['ms']:.2f} ± {fit.stderr['ms']:.2f} emu/g, median d "
                       f"{fit.params['median_diameter'] * 1e9:.2f} nm"}],
        "figures": [(fig, "Predicted M(H) of ferumoxytol and the demo particle; Néel/Brown times vs core size."),
                    (fit_fig, "Lognormal-Langevin fit of the bundled (synthetic) example M(H) curve.")],
        "assumptions": ["Ms and K from the bulk/dopant models of ferrokit.materials at 37 °C",
                        "example curve is synthetic (examples/make_mh_example.py)"],
        "sources": ["ferrokit.magnetism (docs/magnetism.md)", "ferrokit.materials library (docs/materials.md)"],
    }
    return jsons, pngs, [section]


def run_demo(out: Path) -> dict[str, Path]:
    """Run the demo study, write its outputs to ``out`` and return the written paths."""
    import matplotlib.pyplot as plt

    from ferrokit.cli.study import check_out_dir, run_and_write, stage_progress
    from ferrokit.io.atomic import write_bytes_atomic, write_json_atomic
    from ferrokit.study import demo_config

    config, raw = demo_config()
    check_out_dir(out)
    jsons, pngs, sections = showcase(config.particle.resolve())
    with stage_progress(True) as prog:
        result = run_and_write(config, out, raw=raw, input_files=None, progress=prog, extra_sections=sections)
    plt.close("all")
    written = dict(result.files)
    for name, payload in jsons.items():
        written[name] = write_json_atomic(out / name, payload)
    for name, data in pngs.items():
        written[name] = write_bytes_atomic(out / name, data)
    for stage in result.stages.values():
        console.print(f"[bold]{stage.title}[/]")
        for k in stage.key_numbers[:6]:
            console.print(f"  {k.label}: {k.display or k.value}")
    console.print(f"\nDemo report: [bold]{(out / 'report.html').resolve()}[/] ({len(written)} files in {out})")
    return written
