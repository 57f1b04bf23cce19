"""The registry: every registered feature has an IBSI code and a reference value or golden baseline."""

import csv
from pathlib import Path

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.radiomics import registry
from ferrokit.radiomics.ibsi import reference_values

GOLDEN = Path(__file__).parent / "data" / "golden_phantom.csv"


def _golden():
    with GOLDEN.open(encoding="utf-8") as fh:
        return {row["tag"]: float(row["value"]) for row in csv.DictReader(fh, delimiter=";")}


def test_every_registered_feature_has_a_reference_or_golden_value():
    refs, golden = reference_values(), _golden()
    specs = registry.features()
    assert specs, "no features registered"
    lacking = [s.tag for s in specs if s.tag not in refs and s.tag not in golden]
    assert not lacking, f"registered features without reference value or golden baseline: {lacking}"


def test_golden_baselines_are_only_for_features_without_a_reference():
    overlap = set(_golden()) & set(reference_values())
    assert not overlap, f"golden baselines shadow IBSI reference values: {sorted(overlap)}"


def test_codes_and_families_are_consistent():
    by_code = {}
    for spec in registry.features():
        assert len(spec.code) == 4 and spec.code.isalnum(), spec
        assert spec.compute.__doc__, spec.tag
        by_code.setdefault(spec.code, set()).add(spec.family)
    # an IBSI code names one feature, so it belongs to one family
    assert all(len(f) == 1 for f in by_code.values()), {c: f for c, f in by_code.items() if len(f) > 1}


def test_non_texture_family_sizes_match_ibsi():
    # IBSI 1: morphology 29, local intensity 2, statistics 18, intensity histogram 23, IVH 7 tags
    sizes = {f: len(registry.features(f)) for f in ("morphology", "local_intensity", "statistics",
                                                    "intensity_histogram", "ivh")}
    assert sizes == {"morphology": 29, "local_intensity": 2, "statistics": 18, "intensity_histogram": 23,
                     "ivh": 7}


def _doc(inp):
    """Test feature."""
    return {}


@pytest.mark.parametrize(
    ("family", "tags", "codes", "fragment"),
    [
        ("colour", ["morph_x"], {"morph_x": "ABCD"}, "family must be one of"),
        ("glcm", ["morph_x"], {"morph_x": "ABCD"}, "must start with"),
        ("glcm", ["cm_x"], {}, "IBSI code"),
        ("glcm", ["cm_x"], {"cm_x": "AB"}, "IBSI code"),
        ("glcm", ["cm_x", "cm_x"], {"cm_x": "ABCD"}, "duplicates"),
        ("statistics", ["stat_mean"], {"stat_mean": "Q4LE"}, "already registered"),
    ],
)
def test_register_rejects_bad_registrations(family, tags, codes, fragment):
    registry.load_families()
    with pytest.raises(FerroKitInputError, match=fragment):
        registry.register(family, tags, _doc, codes)


def test_register_needs_a_docstring_with_formulas():
    def nodoc(inp):
        return {}

    with pytest.raises(FerroKitInputError, match="docstring"):
        registry.register("glcm", ["cm_test_nodoc"], nodoc, {"cm_test_nodoc": "ABCD"})


def test_unknown_tag_and_family():
    with pytest.raises(FerroKitInputError, match="unknown feature tag"):
        registry.get_feature("morph_banana")
    with pytest.raises(FerroKitInputError, match="family"):
        registry.features("banana")
