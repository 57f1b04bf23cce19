"""The reference library: clinical and literature particles with cited values (package data).

Each agent carries a :class:`~ferrokit.materials.Particle`, the source of every particle value (citation,
DOI and how sure we are: ``verified``, ``seen-abstract``, ``seen-secondary`` or ``unverified``) and the
published measurements (r1, r2, SLP …) later modules are validated against. The data and its sources live
in ``materials/_data/reference_agents.yaml`` and ``REFERENCE_AGENTS.md``.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import Field

from ferrokit._shared.schema import FrozenModel, validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials.particle import Particle

Status = Literal["verified", "seen-abstract", "seen-secondary", "unverified"]
QuantityName = Literal["r1", "r2", "r2star", "slp", "ilp", "ms", "blocking_temperature"]


class SourceRecord(FrozenModel):
    """Where one particle value comes from."""

    field: str
    value: str
    citation: str
    doi: str | None = None
    status: Status
    note: str | None = None


class Measurement(FrozenModel):
    """A published measurement of an agent, with its conditions."""

    quantity: QuantityName
    value: float
    uncertainty: float | None = Field(default=None, ge=0.0)
    unit: str
    conditions: dict[str, str | float | int | bool] = Field(default_factory=dict)
    citation: str
    doi: str | None = None
    status: Status
    note: str | None = None


class ReferenceAgent(FrozenModel):
    """A library agent: a particle, the sources of its values and its published measurements."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    aliases: list[str] = Field(default_factory=list)
    description: str
    particle: Particle
    sources: list[SourceRecord] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)

    def measurements_of(self, quantity: str) -> list[Measurement]:
        """The measurements of one quantity (``"r1"``, ``"r2"``, ``"slp"`` …)."""
        return [m for m in self.measurements if m.quantity == quantity]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


@lru_cache(maxsize=1)
def _load() -> dict[str, ReferenceAgent]:
    text = resources.files("ferrokit.materials").joinpath("_data/reference_agents.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    agents: dict[str, ReferenceAgent] = {}
    for i, raw in enumerate(data["agents"]):
        raw = dict(raw)
        raw["particle"] = {"name": raw.get("name"), **raw.get("particle", {})}
        agent = validate_model(ReferenceAgent, raw, where=f"reference_agents.yaml agent #{i + 1}",
                               require_units=True)
        if agent.name in agents:
            raise FerroKitInputError(f"reference_agents.yaml: duplicate agent {agent.name!r}")
        agents[agent.name] = agent
    return agents


def list_agents() -> list[ReferenceAgent]:
    """All library agents, in file order."""
    return list(_load().values())


def get_agent(name: str) -> ReferenceAgent:
    """The agent called ``name`` or one of its aliases (case-insensitive).

    Raises
    ------
    FerroKitInputError
        For an unknown name, listing the close matches and all names.
    """
    agents = _load()
    key = name.strip().lower()
    for agent in agents.values():
        if key == agent.name or key in (a.lower() for a in agent.aliases):
            return agent
    every = sorted(agents)
    aliases = {a.lower(): ag.name for ag in agents.values() for a in ag.aliases}
    close = difflib.get_close_matches(key, every + list(aliases), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise FerroKitInputError(f"unknown agent {name!r}.{hint} Known agents: {', '.join(every)}")
