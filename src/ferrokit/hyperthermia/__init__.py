"""Magnetic hyperthermia: SLP/ILP prediction (linear response and Stoner–Wohlfarth regimes), SLP maps over
particle size and field, and field safety limits. See docs/hyperthermia.md.

All public functions take and return SI values (Hz, A/m, K, s, W/kg); lab units only at the CLI boundary.
"""

from ferrokit.hyperthermia.kinetic import kinetic_loop_area, kinetic_power_density
from ferrokit.hyperthermia.safety import (
    ATKINSON_BREZOVICH,
    HERGT_DUTZ,
    HF_LIMITS,
    LimitCheck,
    field_limit_checks,
    hf_product,
)
from ferrokit.hyperthermia.slp import (
    MODELS,
    SLPPrediction,
    blend_weight,
    kinetic_weight,
    lrt_power_density,
    parse_amf,
    predict_slp,
)
from ferrokit.hyperthermia.slp_map import SLPMap, slp_map
from ferrokit.hyperthermia.stoner_wohlfarth import (
    ORIENTATIONS,
    SWLoop,
    anisotropy_field,
    coercive_field,
    loop_area,
    master_equation_power,
    simulate_sw_loop,
    thermal_kappa,
)

__all__ = [
    "ATKINSON_BREZOVICH",
    "HERGT_DUTZ",
    "HF_LIMITS",
    "MODELS",
    "ORIENTATIONS",
    "LimitCheck",
    "SLPMap",
    "SLPPrediction",
    "SWLoop",
    "anisotropy_field",
    "blend_weight",
    "coercive_field",
    "field_limit_checks",
    "hf_product",
    "kinetic_loop_area",
    "kinetic_power_density",
    "kinetic_weight",
    "loop_area",
    "lrt_power_density",
    "master_equation_power",
    "parse_amf",
    "predict_slp",
    "simulate_sw_loop",
    "slp_map",
    "thermal_kappa",
]
