"""Pydantic building blocks shared by every FerroKit schema (particles, configs, CLI options).

One schema validates YAML, CLI and Python alike (DESIGN.md convention 4). Dimensional fields accept a
number in SI (Python callers) or a string with a unit ("12 nm", "37 C"). When a schema is validated from a
*file* (``context={"require_units": True}``) a bare number is refused, because ``core_diameter: 12`` in a
YAML file is almost certainly nanometres, not metres.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from ferrokit._shared.units import parse_quantity
from ferrokit._shared.validation import FerroKitInputError


class FrozenModel(BaseModel):
    """Base for FerroKit schemas: immutable, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _quantity_validator(dimension: str):
    def validate(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            return parse_quantity(value, dimension, name=info.field_name or "value")
        if isinstance(value, bool):
            raise ValueError(f"expected a number with a unit, got {value!r}")
        if isinstance(value, (int, float)) and info.context and info.context.get("require_units"):
            raise ValueError(f"{value!r} has no unit; write it with a unit, e.g. '{value} "
                             f"{_EXAMPLES.get(dimension, '')}'".rstrip() + "'")
        return value

    return validate


_EXAMPLES = {"length": "nm", "temperature": "K", "mass_magnetization": "emu/g", "energy_density": "kJ/m3",
             "field": "kA/m", "frequency": "kHz", "time": "s", "viscosity": "mPa s"}


def Quantity(dimension: str):
    """An ``Annotated[float, ...]`` that accepts SI numbers or unit strings of ``dimension``."""
    return Annotated[float, BeforeValidator(_quantity_validator(dimension))]


Length = Quantity("length")
Temperature = Quantity("temperature")
MassMagnetization = Quantity("mass_magnetization")
EnergyDensity = Quantity("energy_density")


def format_validation_error(exc: ValidationError, *, where: str = "") -> str:
    """Turn a pydantic ValidationError into one line: ``where: field.path: message; ...``."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        msg = msg.removeprefix("Value error, ")
        if err["loc"]:  # the unit parser already names the field: 'dt: dt: unknown unit' → 'dt: unknown unit'
            msg = msg.removeprefix(f"{err['loc'][-1]}: ")
        parts.append(f"{loc}: {msg}")
    prefix = f"{where}: " if where else ""
    return prefix + "; ".join(parts)


def validate_model(model: type[BaseModel], data: Any, *, where: str = "", require_units: bool = False):
    """Validate ``data`` against ``model``; raise FerroKitInputError with a one-line message on failure."""
    try:
        return model.model_validate(data, context={"require_units": require_units})
    except ValidationError as exc:
        raise FerroKitInputError(format_validation_error(exc, where=where)) from None
