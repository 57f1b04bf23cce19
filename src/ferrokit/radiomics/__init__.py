"""IBSI-compliant radiomics: image processing, the feature registry and feature extraction.

Arrays are ``(z, y, x)`` with spacing ``(dz, dy, dx)`` in **mm**: the radiomics engine works in IBSI units
(mm, mm², mm³ and the image's own intensity units), the documented exception to FerroKit's SI rule, so that
values compare directly with the IBSI 1 reference tables (Zwanenburg et al., Radiology 2020).
"""

from ferrokit.radiomics.extract import FeatureResult, extract_features
from ferrokit.radiomics.processing import discretise, process, resample, resegment, validate_image_mask
from ferrokit.radiomics.registry import FeatureInput, FeatureSpec, families, features, get_feature, register
from ferrokit.radiomics.settings import PRESETS, RadiomicsSettings, load_settings, preset, settings_with_options

__all__ = ["PRESETS", "FeatureInput", "FeatureResult", "FeatureSpec", "RadiomicsSettings", "discretise",
           "extract_features", "families", "features", "get_feature", "load_settings", "preset", "process",
           "register", "resample", "resegment", "settings_with_options", "validate_image_mask"]
