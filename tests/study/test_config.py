"""Study config validation: units required in files, one message naming the field and what is allowed."""

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.study import config_hash, demo_config, validate_study_config


def test_tiny_config_validates_to_si(tiny_raw):
    cfg = validate_study_config(tiny_raw)
    assert cfg.dose.amount == pytest.approx(30e-6)         # 30 mg/kg = 3e-5 kg/kg
    assert cfg.tumour.volume == pytest.approx(200e-9)      # 200 mm³
    assert cfg.tumour.perfusion == ("flow", pytest.approx(200.0))  # 20 mL/min/100g = 200 mL/min/kg
    assert cfg.imaging.field == pytest.approx(7.0)         # tesla
    assert cfg.imaging.sequence.te == pytest.approx(0.02)
    assert cfg.amf.frequency == pytest.approx(3e5)
    assert cfg.amf.control.target_t90 == pytest.approx(316.15)
    assert cfg.cdt.h2o2 == pytest.approx(0.1)              # 100 µM = 0.1 mol/m³


def test_demo_config_is_valid_and_hash_is_stable():
    cfg, _ = demo_config()
    assert config_hash(cfg) == config_hash(demo_config()[0])
    assert len(config_hash(cfg)) == 64


def _bad(raw, path, value):
    node = raw
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    if value is KeyError:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return raw


@pytest.mark.parametrize(("path", "value", "expect"), [
    ("tumour.perfusion", KeyError, "tumour.perfusion: required key is missing"),
    ("dose.amount", 5, "dose.amount: 5 has no unit"),
    ("dose.amount", "5 parsecs", "allowed units: mg/kg"),
    ("dose.route", "oral", "dose.route: Input should be 'iv', 'infusion' or 'intratumoral'"),
    ("imaging.field", "7", "has no unit"),
    ("imaging.times", ["24 h", "1 h"], "strictly increasing"),
    ("imaging.sequence.te", "3 s", "need 0 < te < tr"),
    ("amf.amplitude", "10 kA/m", "give exactly one of amplitude or control"),
    ("cdt.ph", 12, "cdt.ph: Input should be less than or equal to 9"),
    ("species", "rat", "species: Input should be 'mouse' or 'human'"),
    ("response.arms", [{"name": "a"}, {"name": "a"}], "arm names must be unique"),
    ("tumour.colour", "red", "tumour.colour: unknown key"),
    ("particle.agent", "ferumoxytol", "give exactly one of agent"),
    ("tumour.volume", "2 L", "tumour.volume: must lie in [0.1, 1e6] mm3"),
])
def test_bad_config_names_the_field(tiny_raw, path, value, expect):
    with pytest.raises(FerroKitInputError) as exc:
        validate_study_config(_bad(tiny_raw, path, value))
    msg = str(exc.value)
    assert expect in msg
    assert "\n" not in msg


def test_unknown_agent_is_refused(tiny_raw):
    tiny_raw["particle"] = {"agent": "unobtainium"}
    with pytest.raises(FerroKitInputError, match="particle: unknown agent 'unobtainium'"):
        validate_study_config(tiny_raw)


def test_python_callers_may_pass_si(tiny_raw):
    tiny_raw["dose"]["amount"] = 30e-6
    cfg = validate_study_config(tiny_raw, require_units=False)
    assert cfg.dose.amount == 30e-6
