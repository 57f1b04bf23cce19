"""Schema field types of the response configs: quantities with units, parsed by :mod:`ferrokit._shared.units`.

Rates are written ``"0.2 1/d"`` (or ``d-1``, ``/d``), absorbed doses ``"2 Gy"``, the linear-quadratic
coefficients ``"0.3 1/Gy"`` and ``"0.03 1/Gy2"``. A bare number is SI for Python callers and refused when a
file is validated (``context={"require_units": True}``).
"""

from __future__ import annotations

from ferrokit._shared.schema import Quantity

#: A rate [1/s]; files write ``"0.2 1/d"``.
Rate = Quantity("rate")
#: An absorbed dose [Gy]; files write ``"2 Gy"``.
Gray = Quantity("absorbed_dose")
#: LQ α [1/Gy]
PerGray = Quantity("per_dose")
#: LQ β [1/Gy²]
PerGray2 = Quantity("per_dose_squared")
Time = Quantity("time")
Volume = Quantity("volume")
Concentration = Quantity("concentration")
Temperature = Quantity("temperature")
