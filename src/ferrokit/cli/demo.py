"""``ferrokit demo``: the magnetism showcase (until the virtual-study issue lands).

1. Predict a reference agent (ferumoxytol) and a doped ferrite (PEG-coated 12 nm Zn0.4Mn0.6Fe2O4) at 37 °C.
2. Fit the bundled example M(H) curve with the lognormal-Langevin model.
3. Plot the predicted magnetisation curves and the Néel/Brown relaxation times versus core size.

Outputs (JSON + PNG) go to ``--out`` (default ``out/demo``), each written atomically.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import typer

from ferrokit import __version__
from ferrokit.cli._common import console, handle_errors
from ferrokit.constants import BODY_TEMPERATURE, MU_0
from ferrokit.io.atomic import save_figure_atomic, write_json_atomic
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

HELP = "Run the FerroKit showcase and write its JSON and PNG outputs to --out (default out/demo)."

DOPED_FERRITE = Particle(
    name="ZnMn-ferrite-12nm-PEG",
    composition="Zn0.4Mn0.6Fe2O4",
    core_diameter=12e-9,
    core_sigma=0.1,
    coating={"material": "PEG", "thickness": 5e-9, "permeable": True},
)


def demo(out: Path = typer.Option(Path("out/demo"), "--out", help="Output folder.")) -> None:
    handle_errors(run_demo)(out)


def run_demo(out: Path) -> dict[str, Path]:
    """Run the showcase, write outputs to ``out`` and return the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: dict[str, Path] = {}
    t_body = BODY_TEMPERATURE

    # 1. predictions --------------------------------------------------------------------------------
    ferumoxytol = get_agent("ferumoxytol").particle
    particles = [ferumoxytol, DOPED_FERRITE]
    predictions = [predict_magnetic_properties(p, temperature=t_body) for p in particles]
    written["predictions"] = write_json_atomic(
        out / "predictions.json",
        {"ferrokit_version": __version__, "particles": [pr.to_dict() for pr in predictions]},
    )
    for pr in predictions:
        p = pr.particle
        console.print(
            f"[bold]{p.name}[/]: Ms {pr['ms_mass']:.1f} emu/g oxide ({pr['ms_iron']:.1f} emu/g Fe), "
            f"K_eff {pr['k_eff'] / 1e3:.1f} kJ/m³, τN {pr['tau_neel']:.3g} s, τB {pr['tau_brown']:.3g} s, "
            f"T_B {pr['blocking_temperature']:.0f} K"
        )

    # 2. fit the bundled example curve --------------------------------------------------------------
    example = resources.files("ferrokit.io").joinpath("_data/example_mh_curve.csv")
    with resources.as_file(example) as path:
        curve = read_mh_curve(path)
    fit = LangevinModel(temperature=curve.temperature or 300.0).fit(curve.field, curve.magnetization)
    written["fit_json"] = write_json_atomic(
        out / "mh_fit.json", {"ferrokit_version": __version__, "input": "example_mh_curve.csv (synthetic)",
                              "fit": fit.to_dict()}
    )
    ax = fit.plot()
    written["fit_png"] = save_figure_atomic(ax.figure, out / "mh_fit.png")
    plt.close(ax.figure)
    console.print(
        f"[bold]example M(H) fit[/]: Ms {fit.params['ms']:.2f} ± {fit.stderr['ms']:.2f} emu/g, "
        f"median d {fit.params['median_diameter'] * 1e9:.2f} ± {fit.stderr['median_diameter'] * 1e9:.2f} nm, "
        f"σ {fit.params['sigma']:.3f} ± {fit.stderr['sigma']:.3f}"
    )

    # 3. showcase figure ----------------------------------------------------------------------------
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    mu0h = np.linspace(-2.0, 2.0, 401)  # μ0H [T]
    h = mu0h / MU_0
    for pr in predictions:
        p = pr.particle
        m = pr["ms_mass"] * langevin_magnetization(
            h, ms_volume=pr["ms_volume"], median_diameter=p.equivalent_diameter, sigma=p.core_sigma,
            temperature=t_body,
        )
        ax1.plot(mu0h * 1e3, m, label=p.name)
    ax1.set_xlabel("μ0H (mT)")
    ax1.set_ylabel("M (emu/g oxide)")
    ax1.set_title("Predicted magnetisation at 37 °C")
    ax1.axhline(0, color="0.8", lw=0.5)
    ax1.legend()
    d = np.linspace(4e-9, 30e-9, 200)
    eta = water_viscosity(t_body)
    tn, tb = [], []
    for x in d:
        core = Particle(composition="Fe3O4", core_diameter=x, coating={"material": "PEG", "thickness": 5e-9})
        k_eff, _ = core.effective_anisotropy(t_body)
        tn.append(neel_time(anisotropy=k_eff, volume=core.core_volume, temperature=t_body))
        tb.append(brown_time(hydrodynamic_volume=core.hydrodynamic_volume, temperature=t_body, viscosity=eta))
    ax2.semilogy(d * 1e9, tn, label="τ Néel (K_eff = K_V + 6 K_S/d)")
    ax2.semilogy(d * 1e9, tb, label="τ Brown (5 nm PEG shell)")
    ax2.semilogy(d * 1e9, 1 / (1 / np.asarray(tn) + 1 / np.asarray(tb)), "k--", label="τ effective")
    ax2.axhline(1 / (2 * np.pi * 300e3), color="0.5", ls=":", label="1/(2π·300 kHz)")
    ax2.set_ylim(1e-10, 1e2)
    ax2.set_xlabel("core diameter (nm)")
    ax2.set_ylabel("relaxation time (s)")
    ax2.set_title("Magnetite relaxation in water at 37 °C")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    written["showcase_png"] = save_figure_atomic(fig, out / "magnetism_showcase.png")
    plt.close(fig)

    console.print(f"\nDemo outputs in [bold]{out.resolve()}[/]:")
    for path in written.values():
        console.print(f"  {path}")
    return written
