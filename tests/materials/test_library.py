"""Reference library: every agent loads, is sourced, and is found by name or alias."""

import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials import get_agent, list_agents

REQUIRED = ["ferumoxytol", "ferucarbotran", "ferumoxides", "ferumoxtran-10"]


def test_required_clinical_agents_are_present():
    names = {a.name for a in list_agents()}
    for name in REQUIRED:
        assert name in names


def test_every_agent_is_sourced():
    for agent in list_agents():
        assert agent.sources, agent.name
        fields = {s.field for s in agent.sources}
        # the core size is the one value every agent must carry with a citation
        assert "core_diameter" in fields, agent.name
        for s in agent.sources:
            assert s.citation.strip(), (agent.name, s.field)
        for m in agent.measurements:
            assert m.citation.strip(), (agent.name, m.quantity)


def test_lookup_by_alias_is_case_insensitive():
    assert get_agent("FERAHEME").name == "ferumoxytol"
    assert get_agent(" Ferumoxytol ").name == "ferumoxytol"


def test_unknown_agent_suggests_close_names():
    with pytest.raises(FerroKitInputError, match="Did you mean ferumoxytol"):
        get_agent("ferumoxytal")


def test_ferumoxytol_carries_the_knobloch_relaxivities():
    # Knobloch et al., Invest Radiol 2018 (abstract verified; SCIENCE.md §2): r1 19.9 at 1.5 T in saline
    r1 = get_agent("ferumoxytol").measurements_of("r1")
    assert any(abs(m.value - 19.9) < 1e-9 for m in r1)
