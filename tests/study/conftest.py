"""A tiny study (small grids, short runs) shared by the study tests."""

import copy

import pytest
import yaml

TINY = """
name: tiny
seed: 7
particle:
  particle:
    name: ZnMn-ferrite-14nm
    composition: Zn0.4Mn0.6Fe2O4
    core_diameter: 14 nm
    core_sigma: 0.1
    coating: {material: PEG, thickness: 5 nm, permeable: true}
dose: {amount: 30 mg/kg, route: intratumoral}
species: mouse
tumour:
  volume: 200 mm3
  perfusion: 20 mL/min/100g
  partition_coefficient: 0.15
  permeability_coefficient: 1.0e-4
imaging:
  field: 7 T
  times: [1 h, 24 h]
  sequence: {kind: spin_echo, te: 20 ms, tr: 2500 ms}
  noise_sigma: 0.01
  matrix: 24
amf:
  time: 24 h
  frequency: 300 kHz
  control: {target_t90: 43 C, healthy_max: 44 C}
  duration: 10 min
  dt: 60 s
  grid_cells: 11
cdt: {ph: 6.5, h2o2: 100 uM, gsh: 2 mM, o2: 50 uM, duration: 10 min}
response:
  growth: {kind: gompertz, rate: 0.08 1/d, capacity: 3000 mm3}
  duration: 10 d
  arms:
    - {name: control}
    - {name: MHT, hyperthermia: true}
    - {name: CDT, cdt: true}
    - {name: MHT+CDT, hyperthermia: true, cdt: true}
    - {name: MHT+CDT+aPD-L1, hyperthermia: true, cdt: true, pdl1_blockade: 1.0}
  immune: {duration: 20 d, initial_tumour: 1.0e5, variation: nn}
"""


@pytest.fixture()
def tiny_raw():
    return copy.deepcopy(yaml.safe_load(TINY))


@pytest.fixture(scope="session")
def tiny_result():
    from ferrokit.study import run_study, validate_study_config

    raw = yaml.safe_load(TINY)
    return run_study(validate_study_config(raw), raw_config=raw)
