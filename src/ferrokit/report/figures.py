"""Figures of the report, drawn only from a stage's stored tables and arrays (nothing is recomputed)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ferrokit.constants import ZERO_CELSIUS
from ferrokit.study import StageResult

__all__ = ["stage_figures"]

HOUR = 3600.0
DAY = 86400.0


def _col(stage: StageResult, table: str, col: str) -> np.ndarray:
    return np.asarray(stage.tables[table][col][0], dtype=float)


def stage_figures(name: str, stage: StageResult) -> Iterator[tuple[object, str]]:
    """Yield (matplotlib figure, caption) pairs for the stage ``name``."""
    fn = {"pk": _pk, "mri": _mri, "hyperthermia": _hyperthermia, "cdt": _cdt, "response": _response,
          "photoacoustic": _photoacoustic, "photothermal": _photothermal}.get(name)
    if fn is not None:
        yield from fn(stage)


def _pk(stage: StageResult):
    import matplotlib.pyplot as plt

    t = _col(stage, "pk", "time") / HOUR
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.8))
    for col in stage.tables["pk"]:
        if col.startswith("concentration_"):
            y = _col(stage, "pk", col)
            a1.plot(t[1:], np.maximum(y[1:], 1e-12), label=col.removeprefix("concentration_"))
        if col.startswith("percent_id_"):
            a2.plot(t, _col(stage, "pk", col), label=col.removeprefix("percent_id_"))
    a1.set_yscale("log")
    a1.set_xlabel("time after injection (h)")
    a1.set_ylabel("iron concentration (mg Fe/mL)")
    a1.legend(fontsize=7, frameon=False)
    a2.set_xlabel("time after injection (h)")
    a2.set_ylabel("%ID")
    a2.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    yield fig, "Organ iron concentration (left, kg Fe/m³ = mg Fe/mL) and percent of injected dose (right)."


def _mri(stage: StageResult):
    import matplotlib.pyplot as plt

    t = _col(stage, "mri", "time") / HOUR
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6))
    for organ in ("tumour", "liver", "muscle"):
        a1.plot(t, _col(stage, "mri", f"delta_r2_{organ}"), "o-", label=organ)
        a2.plot(t, 100 * _col(stage, "mri", f"signal_change_{organ}"), "o-", label=organ)
    a1.set_yscale("symlog", linthresh=1.0)
    a1.set_xlabel("time after injection (h)")
    a1.set_ylabel("ΔR2 (1/s)")
    a2.set_xlabel("time after injection (h)")
    a2.set_ylabel("signal change vs pre-contrast (%)")
    for a in (a1, a2):
        a.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    yield fig, "Tumour, liver and muscle ΔR2 = r2·C and the sequence's signal change over time."
    img, _, _ = stage.arrays["mri_images"]
    times = stage.details["image_times"]["value"]
    n = img.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(2.3 * n, 2.6))
    vmax = float(np.percentile(img, 99.5)) or 1.0
    for k, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(img[k], cmap="gray", vmin=0, vmax=vmax, origin="lower")
        ax.set_title("pre-contrast" if k == 0 else f"{times[k] / HOUR:g} h", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    yield fig, ("Synthetic T2-weighted images of the phantom (liver left, tumour right, in muscle), same grey "
                "scale; Rician noise.")


def _hyperthermia(stage: StageResult):
    import matplotlib.pyplot as plt

    t = _col(stage, "hyperthermia", "time") / 60
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.6))
    for col, lab in (("tumour_t90", "tumour T90"), ("tumour_max", "tumour max"), ("healthy_max", "healthy max")):
        a1.plot(t, _col(stage, "hyperthermia", col) - ZERO_CELSIUS, label=lab)
    a1.set_xlabel("time (min)")
    a1.set_ylabel("temperature (°C)")
    a1.legend(fontsize=8, frameon=False)
    ax2 = a1.twinx()
    ax2.plot(t, _col(stage, "hyperthermia", "amplitude") / 1e3, "k:", lw=1)
    ax2.set_ylabel("field amplitude (kA/m, dotted)")
    tm, _, _ = stage.arrays["temperature_max_slice"]
    im = a2.imshow(tm.T - ZERO_CELSIUS, origin="lower", cmap="inferno")
    fig.colorbar(im, ax=a2, label="max temperature (°C)")
    a2.set_title("central slice", fontsize=9)
    a2.axis("off")
    cem, _, _ = stage.arrays["cem43_slice"]
    im = a3.imshow(np.log10(np.maximum(cem.T / 60, 1e-3)), origin="lower", cmap="viridis")
    fig.colorbar(im, ax=a3, label="log10 CEM43 (min)")
    a3.set_title("thermal dose, central slice", fontsize=9)
    a3.axis("off")
    fig.tight_layout()
    yield fig, "Temperatures and field amplitude during the session; maximum temperature and CEM43 maps."


def _cdt(stage: StageResult):
    import matplotlib.pyplot as plt

    t = _col(stage, "cdt", "time") / 60
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6))
    for tag, lab in (("37C", "37 °C"), ("hyperthermia", "tumour T90")):
        a1.plot(t, 1e3 * _col(stage, "cdt", f"cumulative_oh_{tag}"), label=lab)
        a2.plot(t, 1e3 * _col(stage, "cdt", f"h2o2_{tag}"), label=lab)
    a1.set_xlabel("time (min)")
    a1.set_ylabel("cumulative ·OH (µM)")
    a2.set_xlabel("time (min)")
    a2.set_ylabel("H2O2 (µM)")
    a2.set_yscale("symlog", linthresh=1e-3)
    for a in (a1, a2):
        a.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    yield fig, "Cumulative ·OH (the ROS dose) and H2O2 at 37 °C and at the hyperthermia temperature."


def _response(stage: StageResult):
    import matplotlib.pyplot as plt

    t = _col(stage, "response", "time") / DAY
    ncols = 2 if "immune" in stage.tables else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5.5 * ncols, 3.8), squeeze=False)
    a1 = axes[0, 0]
    for col in stage.tables["response"]:
        if col.startswith("volume_"):
            a1.plot(t, _col(stage, "response", col) * 1e9, label=col.removeprefix("volume_"))
    a1.set_xlabel("time after injection (d)")
    a1.set_ylabel("tumour volume (mm³)")
    a1.legend(fontsize=7, frameon=False)
    if ncols == 2:
        a2 = axes[0, 1]
        ti = _col(stage, "immune", "time") / DAY
        for col in stage.tables["immune"]:
            if col.startswith("tumour_cells_"):
                a2.plot(ti, np.maximum(_col(stage, "immune", col), 1e-1), label=col.removeprefix("tumour_cells_"))
        a2.set_yscale("log")
        a2.set_ylim(bottom=1.0)
        a2.set_xlabel("time after injection (d)")
        a2.set_ylabel("tumour cells (immune model)")
        a2.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    yield fig, "Tumour volume per arm (growth law with kill) and tumour cells in the tumour–immune model per arm."


def _photoacoustic(stage: StageResult):
    import matplotlib.pyplot as plt

    tab = stage.tables["photoacoustic"]
    t = _col(stage, "photoacoustic", "time") / HOUR
    tags = [c.removeprefix("pa_tumour_") for c in tab if c.startswith("pa_tumour_")]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6))
    for tag in tags:
        a1.plot(t, _col(stage, "photoacoustic", f"pa_tumour_{tag}") / 1e3, "o-", label=f"tumour {tag}")
        a1.plot(t, _col(stage, "photoacoustic", f"pa_background_{tag}") / 1e3, "s--", label=f"background {tag}")
        a2.plot(t, _col(stage, "photoacoustic", f"pa_contrast_{tag}"), "o-", label=f"contrast {tag}")
        a2.plot(t, _col(stage, "photoacoustic", f"pa_enhancement_{tag}"), "s--", label=f"enhancement {tag}")
    a1.set_yscale("log")
    a1.set_xlabel("time after injection (h)")
    a1.set_ylabel("reconstructed PA signal (kPa)")
    a2.set_xlabel("time after injection (h)")
    a2.set_ylabel("ratio")
    for a in (a1, a2):
        a.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    yield fig, ("Mean reconstructed photoacoustic pressure in the tumour and the surrounding tissue over time (left), "
                "tumour/background contrast and enhancement over the pre-contrast image (right).")
    img, _, _ = stage.arrays["pa_images"]
    times = stage.details["image_times"]["value"]
    n = img.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(2.3 * n, 2.6))
    vmax = float(np.percentile(img[:, 0], 99.5)) or 1.0
    for k, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(img[k, 0].T, cmap="hot", vmin=0, vmax=vmax, origin="lower")
        ax.set_title("pre-contrast" if k == 0 else f"{times[k] / HOUR:g} h", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    yield fig, (f"Time-reversal PA images of the slice at {tags[0]} (same colour scale; tumour near the top, light "
                "from all around the body).")


def _photothermal(stage: StageResult):
    import matplotlib.pyplot as plt

    t = _col(stage, "photothermal", "time") / 60
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.6))
    a1.plot(t, _col(stage, "photothermal", "max_temperature") - ZERO_CELSIUS)
    a1.set_xlabel("time (min)")
    a1.set_ylabel("maximum temperature (°C)")
    tm, _, _ = stage.arrays["ptt_temperature_max_slice"]
    im = a2.imshow(tm.T - ZERO_CELSIUS, origin="upper", cmap="inferno")
    fig.colorbar(im, ax=a2, label="max temperature (°C)")
    a2.set_title("slice through the tumour (skin at top)", fontsize=9)
    a2.axis("off")
    cem, _, _ = stage.arrays["ptt_cem43_slice"]
    im = a3.imshow(np.log10(np.maximum(cem.T / 60, 1e-3)), origin="upper", cmap="viridis")
    fig.colorbar(im, ax=a3, label="log10 CEM43 (min)")
    a3.set_title("thermal dose", fontsize=9)
    a3.axis("off")
    fig.tight_layout()
    yield fig, "Laser heating: maximum temperature over time, and maximum-temperature and CEM43 maps."
