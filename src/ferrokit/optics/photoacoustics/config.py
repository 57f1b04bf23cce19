"""The ``ferrokit pa simulate`` configuration (one pydantic schema) and the pipeline it runs.

Pipeline: absorbers (μ_a map) × uniform fluence × Grüneisen → p0 (:func:`ferrokit.optics.initial_pressure`)
→ k-space propagation → sensor data (bandwidth, noise) → reconstructions (DAS, UBP, time reversal).
Files are read and written by the CLI (``ferrokit.cli.pa``); this module only computes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from ferrokit._shared.schema import FrozenModel, Length, Quantity, Temperature
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.optics import gruneisen_water, initial_pressure
from ferrokit.optics.photoacoustics.grid import AcousticGrid, Medium, make_grid, time_step
from ferrokit.optics.photoacoustics.reconstruction import delay_and_sum, time_reversal, universal_back_projection
from ferrokit.optics.photoacoustics.sensors import (
    SensorArray,
    add_noise,
    apply_bandwidth,
    linear_array,
    point_sensors,
    ring_array,
    sensor_matrix,
)
from ferrokit.optics.photoacoustics.solver import simulate

__all__ = ["PAConfig", "PAResult", "build_medium", "build_p0", "build_sensor", "run_pa"]


Speed = Quantity("speed")
Attenuation = Quantity("attenuation")
Fluence = Quantity("radiant_exposure")
Pressure = Quantity("pressure")
AcousticAbsorption = Quantity("acoustic_absorption")
Density = Quantity("mass_concentration")
Frequency = Quantity("frequency")
Time = Quantity("time")


class GridConfig(FrozenModel):
    shape: tuple[int, int] | tuple[int, int, int]
    spacing: Length


class AbsorptionConfig(FrozenModel):
    coefficient: AcousticAbsorption = Field(description="α at 1 MHz, e.g. '0.75 dB/(MHz^y cm)'")
    power: float = Field(1.5, gt=0.0, lt=3.0)


class InclusionConfig(FrozenModel):
    """A sphere (disc in 2D) of different sound speed and/or density."""

    center: tuple[Length, ...]
    radius: Length = Field(gt=0)
    sound_speed: Speed | None = None
    density: Density | None = None


class MediumConfig(FrozenModel):
    sound_speed: Speed = 1500.0
    density: Density = 1000.0
    absorption: AbsorptionConfig | None = None
    inclusions: tuple[InclusionConfig, ...] = ()


class AbsorberConfig(FrozenModel):
    """An optical absorber: a sphere (disc in 2D) with ``center``/``radius`` or a box with corners."""

    shape: Literal["sphere", "box"] = "sphere"
    center: tuple[Length, ...] | None = None
    radius: Length | None = None
    corner_min: tuple[Length, ...] | None = None
    corner_max: tuple[Length, ...] | None = None
    mu_a: Attenuation

    @model_validator(mode="after")
    def _check(self) -> AbsorberConfig:
        if self.shape == "sphere" and (self.center is None or self.radius is None or self.radius <= 0):
            raise ValueError("a sphere needs center and radius > 0")
        if self.shape == "box" and (self.corner_min is None or self.corner_max is None or any(
                a >= b for a, b in zip(self.corner_min, self.corner_max, strict=False))):
            raise ValueError("a box needs corner_min < corner_max on every axis")
        if self.mu_a < 0:
            raise ValueError("mu_a must be ≥ 0")
        return self


class SourceConfig(FrozenModel):
    fluence: Fluence
    gruneisen: float | None = Field(None, ge=0.0, le=2.0)
    temperature: Temperature | None = None
    background_mu_a: Attenuation = 0.0
    absorbers: tuple[AbsorberConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SourceConfig:
        if (self.gruneisen is None) == (self.temperature is None):
            raise ValueError("give exactly one of gruneisen (e.g. 0.2) or temperature (water-like Γ(T))")
        if self.fluence <= 0 or self.background_mu_a < 0:
            raise ValueError("fluence must be > 0 and background_mu_a ≥ 0")
        return self


class NoiseConfig(FrozenModel):
    snr_db: float | None = None
    std: Pressure | None = None

    @model_validator(mode="after")
    def _check(self) -> NoiseConfig:
        if (self.snr_db is None) == (self.std is None):
            raise ValueError("give exactly one of snr_db or std")
        return self


class SensorConfig(FrozenModel):
    kind: Literal["ring", "linear", "points"]
    radius: Length | None = None
    elements: int | None = Field(None, ge=1, le=100_000)
    pitch: Length | None = None
    center: tuple[Length, ...] | None = None
    arc_degrees: float = Field(360.0, gt=0.0, le=360.0)
    axis: int = Field(0, ge=0, le=2)
    normal_axis: int = Field(1, ge=0, le=2)
    positions: tuple[tuple[Length, ...], ...] | None = None
    interpolation: Literal["nearest", "linear", "bandlimited"] = "linear"
    center_frequency: Frequency | None = None
    bandwidth: float | None = Field(None, gt=0.0, le=4.0)
    noise: NoiseConfig | None = None

    @model_validator(mode="after")
    def _check(self) -> SensorConfig:
        need = {"ring": ("radius", "elements"), "linear": ("elements", "pitch"), "points": ("positions",)}
        missing = [k for k in need[self.kind] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.kind} sensor needs {', '.join(missing)}")
        if (self.center_frequency is None) != (self.bandwidth is None):
            raise ValueError("give center_frequency and bandwidth together (or neither for a broadband sensor)")
        return self


class TimeConfig(FrozenModel):
    cfl: float = Field(0.3, gt=0.0, le=1.0)
    duration: Time | None = None


class PMLConfig(FrozenModel):
    size: int = Field(20, ge=0, le=100)
    alpha: float = Field(2.0, ge=0.0, le=10.0)


class ReconstructionConfig(FrozenModel):
    methods: tuple[Literal["das", "ubp", "time_reversal"], ...] = ("das", "time_reversal")
    positivity: bool = True


class SolverConfig(FrozenModel):
    precision: Literal["float64", "float32"] = "float32"
    workers: int = Field(1, ge=1, le=64)
    smooth_p0: bool = True


class OutputConfig(FrozenModel):
    nifti: bool = True
    png: bool = True
    sensor_data: bool = True


class PAConfig(FrozenModel):
    """The photoacoustic simulation file (see docs/photoacoustics.md for every key)."""

    grid: GridConfig
    medium: MediumConfig = MediumConfig()
    source: SourceConfig
    sensor: SensorConfig
    time: TimeConfig = TimeConfig()
    pml: PMLConfig = PMLConfig()
    reconstruction: ReconstructionConfig = ReconstructionConfig()
    solver: SolverConfig = SolverConfig()
    outputs: OutputConfig = OutputConfig()
    seed: int | None = 0

    @model_validator(mode="after")
    def _check(self) -> PAConfig:
        nd = len(self.grid.shape)
        vecs = [("sensor.center", self.sensor.center)]
        vecs += [(f"source.absorbers[{i}]", v) for i, a in enumerate(self.source.absorbers)
                 for v in (a.center, a.corner_min, a.corner_max)]
        vecs += [(f"medium.inclusions[{i}].center", m.center) for i, m in enumerate(self.medium.inclusions)]
        vecs += [("sensor.positions", p) for p in (self.sensor.positions or ())]
        for name, v in vecs:
            if v is not None and len(v) != nd:
                raise ValueError(f"{name} needs {nd} coordinates for a {nd}D grid, got {len(v)}")
        if min(self.grid.shape) < 2 * self.pml.size + 8:
            raise ValueError(f"the grid ({self.grid.shape}) must be larger than 2 × pml.size + 8")
        return self


def _mask(grid: AcousticGrid, shape: str, center=None, radius=None, lo=None, hi=None) -> np.ndarray:
    xs = grid.coordinates()
    if shape == "sphere":
        return sum((x - c) ** 2 for x, c in zip(xs, center, strict=True)) <= radius**2
    m = np.ones(grid.shape, bool)
    for x, a, b in zip(xs, lo, hi, strict=True):
        m &= (x >= a) & (x <= b)
    return m


def build_p0(cfg: PAConfig, grid: AcousticGrid) -> tuple[np.ndarray, np.ndarray, float]:
    """μ_a map [1/m], p0 [Pa] and the Grüneisen parameter used."""
    src = cfg.source
    mu_a = np.full(grid.shape, float(src.background_mu_a))
    for a in src.absorbers:
        mu_a[_mask(grid, a.shape, a.center, a.radius, a.corner_min, a.corner_max)] = a.mu_a
    gamma = float(src.gruneisen) if src.gruneisen is not None else float(gruneisen_water(src.temperature))
    return mu_a, np.asarray(initial_pressure(mu_a, src.fluence, gamma), float), gamma


def build_medium(cfg: PAConfig, grid: AcousticGrid) -> Medium:
    """Sound speed, density and absorption on the grid."""
    m = cfg.medium
    c = np.full(grid.shape, float(m.sound_speed)) if m.inclusions else float(m.sound_speed)
    rho = np.full(grid.shape, float(m.density)) if m.inclusions else float(m.density)
    for inc in m.inclusions:
        mask = _mask(grid, "sphere", inc.center, inc.radius)
        if inc.sound_speed is not None:
            c[mask] = inc.sound_speed
        if inc.density is not None:
            rho[mask] = inc.density
    if m.absorption is None:
        return Medium(c, rho).check(grid)
    return Medium(c, rho, m.absorption.coefficient, m.absorption.power).check(grid)


def build_sensor(cfg: PAConfig, ndim: int) -> SensorArray:
    """The sensor array described by ``cfg.sensor``."""
    s = cfg.sensor
    if s.kind == "ring":
        arc = np.deg2rad(s.arc_degrees)
        return ring_array(s.radius, s.elements, center=s.center, ndim=ndim, arc=arc,
                          start_angle=0.0 if s.arc_degrees >= 360 else -arc / 2 + np.pi / 2)
    if s.kind == "linear":
        return linear_array(s.elements, s.pitch, center=s.center, axis=s.axis, normal_axis=s.normal_axis,
                            ndim=ndim)
    return point_sensors(np.asarray(s.positions, float))


@dataclass(frozen=True, eq=False)
class PAResult:
    """Everything ``ferrokit pa simulate`` computes: maps [SI], sensor data [Pa], images, timings [s]."""

    grid: AcousticGrid
    mu_a: np.ndarray = field(repr=False)
    p0: np.ndarray = field(repr=False)
    sensor: SensorArray
    sensor_data: np.ndarray = field(repr=False)
    dt: float
    images: dict[str, np.ndarray] = field(repr=False)
    gruneisen: float
    timings: dict[str, float]
    settings: dict

    def to_dict(self) -> dict:
        """Summary with SI units (no arrays except the sensor positions)."""
        out = {"grid": self.grid.to_dict(), "gruneisen": self.gruneisen,
               "p0_max": {"value": float(self.p0.max()), "unit": "Pa"},
               "mu_a_max": {"value": float(self.mu_a.max()), "unit": "1/m"},
               "dt": {"value": self.dt, "unit": "s"}, "n_samples": int(self.sensor_data.shape[1]),
               "sensor": self.sensor.to_dict(),
               "sensor_peak": {"value": float(np.abs(self.sensor_data).max()), "unit": "Pa"},
               "timings": {k: {"value": v, "unit": "s"} for k, v in self.timings.items()},
               "settings": self.settings, "images": {}}
        ref = self.p0
        for name, img in self.images.items():
            corr = float(np.corrcoef(img.ravel(), ref.ravel())[0, 1]) if np.ptp(img) > 0 and np.ptp(ref) > 0 else 0.0
            out["images"][name] = {"max": float(img.max()), "correlation_with_p0": corr,
                                   "unit": "Pa" if name == "time_reversal" else "relative"}
        return out


def run_pa(cfg: PAConfig, *, progress: Callable[[str, int, int], None] | None = None) -> PAResult:
    """Run the whole simulation described by ``cfg`` (validated :class:`PAConfig`)."""
    grid = make_grid(cfg.grid.shape, cfg.grid.spacing)
    medium = build_medium(cfg, grid)
    mu_a, p0, gamma = build_p0(cfg, grid)
    sensor = build_sensor(cfg, grid.ndim)
    w = sensor_matrix(sensor, grid, cfg.sensor.interpolation)
    dt = time_step(grid, medium.c_max, cfg.time.cfl)
    duration = cfg.time.duration
    if duration is None:  # long enough for a wave to cross the grid diagonal at the slowest speed (k-Wave)
        duration = float(np.sqrt(np.sum(np.square(grid.extent)))) / medium.c_min
    n_steps = int(np.floor(duration / dt)) + 1
    if n_steps < 2 or n_steps > 200_000:
        raise FerroKitInputError(f"time.duration gives {n_steps} steps of {dt:.3g} s; need 2..200000")
    common = {"pml_size": cfg.pml.size, "pml_alpha": cfg.pml.alpha, "precision": cfg.solver.precision,
              "workers": cfg.solver.workers}

    def cb(stage):
        return None if progress is None else (lambda done, total: progress(stage, done, total))

    timings = {}
    t0 = time.perf_counter()
    sim = simulate(p0, grid, medium, dt=dt, n_steps=n_steps, sensor_matrix=w, smooth_p0=cfg.solver.smooth_p0,
                   progress=cb("forward"), **common)
    timings["forward"] = time.perf_counter() - t0
    data = sim.sensor_data
    if cfg.sensor.center_frequency is not None:
        data = apply_bandwidth(data, dt, center_frequency=cfg.sensor.center_frequency,
                               bandwidth=cfg.sensor.bandwidth)
    if cfg.sensor.noise is not None:
        data = add_noise(data, std=cfg.sensor.noise.std, snr_db=cfg.sensor.noise.snr_db, rng=cfg.seed)
    images: dict[str, np.ndarray] = {}
    c_rec = float(np.mean(medium.sound_speed))
    for method in cfg.reconstruction.methods:
        t0 = time.perf_counter()
        if method == "das":
            images[method] = delay_and_sum(data, sensor, grid, dt=dt, sound_speed=c_rec)
        elif method == "ubp":
            images[method] = universal_back_projection(data, sensor, grid, dt=dt, sound_speed=c_rec)
        else:
            images[method] = time_reversal(data, sensor, grid, medium, dt=dt,
                                           positivity=cfg.reconstruction.positivity, progress=cb(method), **common)
        timings[method] = time.perf_counter() - t0
    settings = {**sim.settings, "cfl": cfg.time.cfl, "n_steps": n_steps, "interpolation": cfg.sensor.interpolation,
                "reconstruction_sound_speed": {"value": c_rec, "unit": "m/s"}}
    return PAResult(grid, mu_a, p0, sensor, data, dt, images, gamma, timings, settings)
