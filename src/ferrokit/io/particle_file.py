"""Read a particle description from a YAML file (lab units with explicit unit strings).

Example file (``examples/particle_znmn_ferrite.yaml``)::

    name: ZnMn-ferrite-12nm
    composition: Zn0.4Mn0.6Fe2O4
    core_diameter: 12 nm
    core_sigma: 0.1
    coating: {material: PEG, thickness: 5 nm, permeable: true}
    ms: {value: 125 emu/g, basis: oxide, temperature: 300 K}

Keys are those of :class:`ferrokit.materials.Particle`; unknown keys and numbers without units are errors.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ferrokit._shared.schema import validate_model
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.materials.particle import Particle


def read_particle(path: str | os.PathLike) -> Particle:
    """Read and validate a particle YAML file.

    Raises
    ------
    FerroKitInputError
        Missing or unreadable file, invalid YAML, a non-mapping document, unknown keys, missing units,
        or any value the :class:`Particle` schema rejects (the message names the key).
    """
    p = Path(path)
    if not p.is_file():
        raise FerroKitInputError(f"particle file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise FerroKitInputError(f"{p}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise FerroKitInputError(f"{p}: invalid YAML{where}") from None
    if not isinstance(data, dict):
        raise FerroKitInputError(f"{p}: expected a mapping of particle keys, got {type(data).__name__}")
    return validate_model(Particle, data, where=str(p), require_units=True)
