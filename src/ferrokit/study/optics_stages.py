"""Optical stages of the study: photoacoustic (PA) imaging at the MRI times and a photothermal (PTT) session.

Both stages only compose :mod:`ferrokit.optics` public functions (docs/study.md, "Optics"):

- tumour μ_a = μ_a,tissue(λ) + c_ox μ_m(λ), with c_ox = c_Fe / w_Fe the oxide mass concentration of the PK
  tumour iron (``materials.iron_mass_to_oxide_mass``) and μ_m the Rayleigh mass absorption of magnetite
  (``optics.magnetite_mass_absorption``; used for every iron oxide/ferrite, an assumption);
- PA: fluence Φ(d) of the 1D diffusion solution (``optics.fluence_1d``) at the depth d below the skin, with the
  background tissue's optics; p0 = Γ(37 °C) μ_a Φ (``optics.initial_pressure``, ``gruneisen_water``); k-space
  forward model on a 2D slice and time-reversal reconstruction with a ring array
  (``optics.photoacoustics.simulate``, ``time_reversal``);
- PTT: ``optics.simulate_photothermal`` on a small 3D grid (laser through the skin face) → T90 and CEM43 T90.
"""

from __future__ import annotations

import math

import numpy as np

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.constants import BODY_TEMPERATURE
from ferrokit.materials import Particle, iron_mass_to_oxide_mass
from ferrokit.study.config import StudyConfig, tumour_radius
from ferrokit.study.stages import HOUR, KeyNumber, StageResult, _k, at_time
from ferrokit.study.therapy import _c as c

__all__ = ["pa_phantom", "photoacoustic_stage", "photothermal_stage", "tumour_mu_a"]

_PML = 10
_SOURCES_OPTICS = (
    "ferrokit.optics.magnetite_mass_absorption: Rayleigh absorption of small spheres from Querry 1985 n, k "
    "[computed, unvalidated against nanoparticle measurements]",
    "ferrokit.optics.tissue_optics: Jacques, Phys Med Biol 2013 58:R37 chromophore sum; scattering a, b "
    "[unverified]; illustrative tissue compositions",
    "ferrokit.optics.fluence_1d / solve_fluence: diffusion approximation with a Robin boundary (docs/optics.md)",
)


def _nm(wl: float) -> str:
    return f"{wl * 1e9:.0f}nm"


def tumour_mu_a(cfg: StudyConfig, particle: Particle, iron: float, wavelength: float) -> tuple[float, float, float]:
    """Tumour (μ_a [1/m], μ_s' [1/m], oxide concentration [kg/m³]) at ``iron`` [kg Fe/m³] and ``wavelength``."""
    from ferrokit.optics import magnetite_mass_absorption, tissue_optics

    c_ox = float(iron_mass_to_oxide_mass(iron, particle.composition))
    t = tissue_optics("tumour", wavelength)
    return float(t.mu_a) + c_ox * float(magnetite_mass_absorption(wavelength)), float(t.mu_s_prime), c_ox


def pa_phantom(cfg: StudyConfig):
    """The PA slice: (AcousticGrid, labels (0 water, 1 body, 2 tumour), depth below the skin [m], ring radius).

    A body disc of ``pa.body_radius`` centred on the grid, the tumour disc (its sphere's radius) with its centre
    ``tumour_depth`` below the skin along +y, light delivered all around the body (depth = R − r).
    """
    from ferrokit.optics.photoacoustics import make_grid

    pa = cfg.optics.pa
    n = pa.grid
    r_body = pa.body_radius
    r_ring = r_body * 1.08
    h = r_ring / (n // 2 - _PML - 3)
    grid = make_grid((n, n), h)
    x, y = grid.coordinates()
    r = np.sqrt(x**2 + y**2)
    r_t = tumour_radius(cfg.tumour.volume)
    yc = r_body - cfg.optical_tumour_depth
    lab = np.zeros(grid.shape, dtype=np.int32)
    lab[r <= r_body] = 1
    lab[(x**2 + (y - yc) ** 2 <= r_t**2) & (r <= r_body)] = 2
    depth = np.where(r <= r_body, r_body - r, 0.0)
    return grid, lab, depth, r_ring


def photoacoustic_stage(cfg: StudyConfig, particle: Particle, pk_res) -> StageResult:
    from ferrokit.optics import fluence_1d, gruneisen_water, initial_pressure, tissue_optics
    from ferrokit.optics.photoacoustics import Medium, ring_array, sensor_matrix, simulate, time_reversal, time_step

    op, pa = cfg.optics, cfg.optics.pa
    times = np.asarray(cfg.imaging.times, dtype=float)
    grid, lab, depth, r_ring = pa_phantom(cfg)
    tumour, body = lab == 2, lab == 1
    x, y = grid.coordinates()
    r_t = tumour_radius(cfg.tumour.volume)
    yc = pa.body_radius - cfg.optical_tumour_depth
    ring_bg = body & (np.sqrt(x**2 + (y - yc) ** 2) <= 2 * r_t)  # muscle shell around the tumour
    gamma = float(gruneisen_water(BODY_TEMPERATURE))
    medium = Medium(pa.sound_speed)
    dt = time_step(grid, pa.sound_speed, 0.3)
    n_steps = int(math.sqrt(2) * grid.extent[0] / pa.sound_speed / dt) + 1
    sensor = ring_array(r_ring, pa.n_sensors)
    w = sensor_matrix(sensor, grid)
    iron = np.array([at_time(pk_res, "tumour", t) for t in times])
    cols: dict[str, tuple[np.ndarray, str]] = {"time": (times, "s"), "iron_tumour": (iron, "kg Fe/m3")}
    images, p0_maps, pre = [], [], {}
    fluence_maps = []
    valid_all = True
    for wl in op.wavelengths:
        tag = _nm(wl)
        bg = tissue_optics(op.tissue, wl)
        mu_bg, mus_bg = float(bg.mu_a), float(bg.mu_s_prime)
        phi = np.where(lab > 0, np.asarray(fluence_1d(depth, mu_a=mu_bg, mu_s_prime=mus_bg,
                                                      irradiance=pa.pulse_fluence)), 0.0)
        fluence_maps.append(phi)
        phi_c = float(fluence_1d(cfg.optical_tumour_depth, mu_a=mu_bg, mu_s_prime=mus_bg, irradiance=pa.pulse_fluence))
        rows: dict[str, list[float]] = {k: [] for k in ("oxide", "mu_a", "p0c", "pa_t", "pa_bg")}
        imgs_wl, p0_wl = [], []
        for k, c_fe in enumerate([0.0, *iron]):
            mu_t, mus_t, c_ox = tumour_mu_a(cfg, particle, c_fe, wl)
            valid_all &= mus_t > 2 * mu_t
            mu = np.where(lab == 2, mu_t, np.where(lab == 1, mu_bg, 0.0))
            p0 = initial_pressure(mu, phi, gamma)
            sim = simulate(p0, grid, medium, dt=dt, n_steps=n_steps, sensor_matrix=w, pml_size=_PML)
            img = time_reversal(sim.sensor_data, sensor, grid, medium, dt=dt, pml_size=_PML, positivity=True)
            imgs_wl.append(img)
            p0_wl.append(p0)
            vals = (c_ox, mu_t, initial_pressure(mu_t, phi_c, gamma), float(img[tumour].mean()),
                    float(img[ring_bg & ~tumour].mean()))
            if k == 0:
                pre[tag] = dict(zip(rows, vals, strict=True))
            else:
                for key, v in zip(rows, vals, strict=True):
                    rows[key].append(v)
        images.append(np.stack(imgs_wl))
        p0_maps.append(np.stack(p0_wl))
        pa_t, pa_bg = np.array(rows["pa_t"]), np.array(rows["pa_bg"])
        cols[f"oxide_tumour_{tag}"] = (np.array(rows["oxide"]), "kg/m3")
        cols[f"mu_a_tumour_{tag}"] = (np.array(rows["mu_a"]), "1/m")
        cols[f"fluence_tumour_centre_{tag}"] = (np.full(len(times), phi_c), "J/m2")
        cols[f"p0_tumour_centre_{tag}"] = (np.array(rows["p0c"]), "Pa")
        cols[f"pa_tumour_{tag}"] = (pa_t, "Pa")
        cols[f"pa_background_{tag}"] = (pa_bg, "Pa")
        cols[f"pa_contrast_{tag}"] = (pa_t / pa_bg, "1")
        cols[f"pa_enhancement_{tag}"] = (pa_t / pre[tag]["pa_t"], "1")
    img_arr = np.stack(images, axis=1)  # image_time × wavelength × x × y
    t0 = _nm(op.wavelengths[0])
    enh = cols[f"pa_enhancement_{t0}"][0]
    it = int(np.argmax(enh))
    keys = (
        KeyNumber("wavelengths", ", ".join(f"{w * 1e9:.0f} nm" for w in op.wavelengths), ""),
        _k("pulse fluence on the skin", pa.pulse_fluence, "J/m2", f"{pa.pulse_fluence / 10:g} mJ/cm²"),
        _k("tumour centre depth", cfg.optical_tumour_depth, "m", f"{cfg.optical_tumour_depth * 1e3:.2f} mm"),
        _k("Grüneisen parameter", gamma, "1", f"{gamma:.3f} (water, 37 °C)"),
        _k(f"fluence at tumour centre ({t0})", cols[f"fluence_tumour_centre_{t0}"][0][0], "J/m2",
           f"{cols[f'fluence_tumour_centre_{t0}'][0][0] / 10:.3g} mJ/cm²"),
        _k(f"tumour μa at {times[it] / HOUR:g} h ({t0})", cols[f"mu_a_tumour_{t0}"][0][it], "1/m",
           f"{cols[f'mu_a_tumour_{t0}'][0][it] / 100:.3g} cm⁻¹ (pre-contrast {pre[t0]['mu_a'] / 100:.3g} cm⁻¹)"),
        _k(f"max tumour p0 ({t0})", cols[f"p0_tumour_centre_{t0}"][0][it], "Pa",
           f"{cols[f'p0_tumour_centre_{t0}'][0][it] / 1e3:.3g} kPa at the tumour centre, {times[it] / HOUR:g} h "
           f"(pre-contrast {pre[t0]['p0c'] / 1e3:.3g} kPa)"),
        _k(f"max PA enhancement ({t0})", enh[it], "1", f"× {enh[it]:.3g} vs pre-contrast at {times[it] / HOUR:g} h"),
        _k(f"tumour/background PA contrast ({t0})", cols[f"pa_contrast_{t0}"][0][it], "1",
           f"{cols[f'pa_contrast_{t0}'][0][it]:.3g} at {times[it] / HOUR:g} h (pre-contrast "
           f"{pre[t0]['pa_t'] / pre[t0]['pa_bg']:.3g})"),
        KeyNumber("diffusion approximation in the tumour", "valid" if valid_all else "not valid", "",
                  "valid (μs' > 2 μa)" if valid_all else "not valid at some times (μa > μs'/2): the tumour p0 is "
                  "an upper bound"),
    )
    return StageResult(
        "photoacoustic", "Photoacoustic imaging over time", keys, tables={"photoacoustic": cols},
        arrays={"pa_images": (img_arr, "Pa", ("image_time", "wavelength", "x", "y")),
                "pa_p0_last": (np.stack([m[-1] for m in p0_maps]), "Pa", ("wavelength", "x", "y")),
                "pa_fluence": (np.stack(fluence_maps), "J/m2", ("wavelength", "x", "y")),
                "pa_labels": (lab, "label", ("x", "y"))},
        details={"image_times": {"value": [0.0, *times.tolist()], "unit": "s", "note": "first image: pre-contrast"},
                 "wavelengths": {"value": list(op.wavelengths), "unit": "m"},
                 "grid": grid.to_dict(), "ring_radius": {"value": r_ring, "unit": "m"},
                 "n_sensors": pa.n_sensors, "time_step": {"value": dt, "unit": "s"}, "n_steps": n_steps,
                 "pre_contrast": pre, "labels": {"0": "coupling water", "1": op.tissue, "2": "tumour"},
                 "oxide_per_iron": 1.0 / particle.composition_info.iron_mass_fraction},
        assumptions=(
            f"tumour μa = tumour tissue μa (illustrative composition) + c_ox × magnetite Rayleigh mass absorption; "
            f"c_ox = c_Fe / w_Fe of {particle.composition} (w_Fe {particle.composition_info.iron_mass_fraction:.3f});"
            " the magnetite spectrum stands in for every iron oxide/ferrite",
            "iron: the PK tumour mean concentration at each imaging time, uniform in the tumour; none elsewhere",
            f"fluence: 1D diffusion (broad beam, n = 1.4) in {op.tissue} tissue at the depth below the skin, light "
            "delivered all around the body (depth = R − r); the tumour's own attenuation is neglected, so p0 inside "
            "a strongly absorbing tumour is an upper bound",
            f"p0 = Γ μa Φ with Γ of water at 37 °C; pulse fluence {pa.pulse_fluence / 10:g} mJ/cm² on the skin",
            f"acoustics: homogeneous 2D slice (c = {pa.sound_speed:g} m/s, no absorption), k-space solver on "
            f"{grid.shape[0]}² points of {grid.spacing[0] * 1e3:.3f} mm, ring of {pa.n_sensors} ideal point "
            f"elements (radius {r_ring * 1e3:.1f} mm), no noise; time-reversal reconstruction (positivity)",
            "PA signal = mean reconstructed pressure in the tumour; background = the body shell within 2 tumour radii",
        ),
        sources=(*_SOURCES_OPTICS,
                 "ferrokit.optics.initial_pressure, gruneisen_water (Wang & Wu 2012) [verified / seen-secondary]",
                 "ferrokit.optics.photoacoustics.simulate, time_reversal (Treeby & Cox 2010) (docs/photoacoustics.md)"),
    )


def photothermal_stage(cfg: StudyConfig, particle: Particle, pk_res, progress=None):
    """The PTT session: returns ((CEM43 T90 [s], T90 [K]), StageResult)."""
    from ferrokit.hyperthermia.bioheat import BioheatProblem, BoundaryCondition, sphere_volume_fraction
    from ferrokit.hyperthermia.dose import percentile_temperature
    from ferrokit.hyperthermia.tissues import get_tissue, tumour_properties
    from ferrokit.optics import simulate_photothermal, tissue_optics

    p = cfg.optics.ptt
    n = p.grid_cells
    r_t = tumour_radius(cfg.tumour.volume)
    h = 6 * r_t / n
    shape = (n, n, n)
    d = cfg.optical_tumour_depth
    centre = (n * h / 2, n * h / 2, d)
    frac = sphere_volume_fraction(shape, (h,) * 3, centre, r_t)
    iron = at_time(pk_res, "tumour", p.time)
    mu_t, mus_t, c_ox = tumour_mu_a(cfg, particle, iron, p.wavelength)
    if not mus_t > 2 * mu_t:
        raise FerroKitInputError(
            f"optics.ptt: at {p.time / HOUR:g} h the tumour μa {mu_t / 100:.3g} cm⁻¹ ({c_ox:.3g} mg oxide/mL) exceeds "
            f"μs'/2 = {mus_t / 200:.3g} cm⁻¹ at {p.wavelength * 1e9:.0f} nm: the diffusion model does not hold; "
            "choose a later time, a lower dose or another wavelength")
    bg = tissue_optics(cfg.optics.tissue, p.wavelength)
    mu_a = (1 - frac) * float(bg.mu_a) + frac * mu_t
    mu_s = (1 - frac) * float(bg.mu_s_prime) + frac * mus_t
    host = get_tissue(cfg.tumour.like)
    kind, val = cfg.tumour.perfusion
    tum = tumour_properties(perfusion=val if kind == "rate" else val * 1e-6 * host.density / 60.0,
                            like=cfg.tumour.like)

    def mix(attr):
        return (1 - frac) * getattr(host, attr) + frac * getattr(tum, attr)

    air = BoundaryCondition(kind="robin", temperature=298.15, heat_transfer_coefficient=10.0)
    body = BoundaryCondition()
    prob = BioheatProblem(spacing=(h,) * 3, density=mix("density"), heat_capacity=mix("heat_capacity"),
                          conductivity=mix("conductivity"), perfusion=mix("perfusion"),
                          metabolic_heat=mix("metabolic_heat") * mix("density"), shape=shape,
                          boundary=(body, body, body, body, air, body))
    xc = (np.arange(n) + 0.5) * h - n * h / 2
    irr = np.where(np.add.outer(xc**2, xc**2) <= (r_t + p.beam_margin) ** 2, p.irradiance, 0.0)
    res = simulate_photothermal(prob, mu_a, mu_s, irradiance=irr, laser_duration=p.duration, dt=p.dt,
                                progress=progress)
    mask = frac >= 0.5
    t90 = percentile_temperature(res.max_temperature, mask)
    cem_t90 = percentile_temperature(res.cem43, mask)
    healthy = float(res.max_temperature[frac <= 0].max())
    v = h**3
    absorbed_t = float((res.heat_source * frac).sum() * v)
    delivered = float(irr.sum() * h * h)
    mid = n // 2
    keys = (
        _k("tumour iron", iron, "kg Fe/m3", f"{iron:.3g} mg Fe/mL ({c_ox:.3g} mg oxide/mL) at {p.time / HOUR:g} h"),
        _k("tumour μa", mu_t, "1/m",
           f"{mu_t / 100:.3g} cm⁻¹ at {p.wavelength * 1e9:.0f} nm (μs' {mus_t / 100:.3g} cm⁻¹)"),
        _k("laser power on the skin", delivered, "W", f"{delivered * 1e3:.3g} mW ({p.irradiance / 1e4:g} W/cm², spot "
                                                     f"radius {(r_t + p.beam_margin) * 1e3:.2f} mm)"),
        _k("power absorbed in the tumour", absorbed_t, "W", f"{absorbed_t * 1e3:.3g} mW"),
        _k("tumour T90 (max over session)", t90, "K", f"{c(t90):.2f} °C"),
        _k("tumour max temperature", float(res.max_temperature[mask].max()), "K",
           f"{c(float(res.max_temperature[mask].max())):.2f} °C"),
        _k("healthy max temperature", healthy, "K", f"{c(healthy):.2f} °C"),
        _k("tumour CEM43 T90", cem_t90, "s", f"{cem_t90 / 60:.3g} min"),
    )
    return (cem_t90, t90), StageResult(
        "photothermal", "Photothermal therapy (laser heating)", keys,
        tables={"photothermal": {"time": (res.times, "s"), "max_temperature": (res.max_temperature_trace, "K")}},
        arrays={"ptt_temperature_max_slice": (res.max_temperature[:, mid, :], "K", ("px", "pz")),
                "ptt_cem43_slice": (res.cem43[:, mid, :], "s", ("px", "pz")),
                "ptt_fluence_slice": (res.fluence.fluence[:, mid, :], "W/m2", ("px", "pz"))},
        details={"result": res.to_dict(), "grid": {"shape": list(shape), "spacing": {"value": h, "unit": "m"}},
                 "tumour_centre": {"value": list(centre), "unit": "m"}},
        assumptions=(
            f"geometry: a {cfg.tumour.volume * 1e9:g} mm³ tumour sphere, centre {d * 1e3:.2f} mm below the skin, in "
            f"{cfg.tumour.like} (thermal) / {cfg.optics.tissue} (optical) tissue on a {n}³ grid of {h * 1e3:.2f} mm; "
            "laser through the skin face (convection to 25 °C air, h = 10 W/m²K), other faces at 37 °C",
            f"iron: the PK tumour concentration at {p.time / HOUR:g} h, uniform in the tumour; tumour μa as in the PA "
            "stage (magnetite Rayleigh absorption for the oxide)",
            "3D diffusion fluence (temperature-independent optics) → heat source μa Φ → Pennes bioheat; CEM43 "
            "(Sapareto & Dewey 1984); T90 and CEM43 T90 over tumour voxels (≥ 50 % inside the sphere)",
            "PTT is a separate session: it enters the response arms as a thermal kill (same CEM43 survival model), "
            "not the CDT or immune inputs",
        ),
        sources=(*_SOURCES_OPTICS, "ferrokit.optics.simulate_photothermal with ferrokit.hyperthermia.bioheat "
                                   "(docs/optics.md, docs/bioheat.md)"),
    )
