"""Physical constants in SI units, with their sources.

All values come from :mod:`scipy.constants` (CODATA 2018 exact or recommended values), except the
proton gyromagnetic ratio, which is the CODATA 2018 recommended value for the free proton.
"""

from scipy import constants as _c

#: Vacuum permeability μ0 [T m A⁻¹] (CODATA 2018, scipy.constants.mu_0).
MU_0: float = _c.mu_0
#: Boltzmann constant k_B [J K⁻¹] (exact, SI 2019).
K_B: float = _c.k
#: Avogadro constant N_A [mol⁻¹] (exact, SI 2019).
N_A: float = _c.N_A
#: Molar gas constant R [J mol⁻¹ K⁻¹] (exact, SI 2019).
R_GAS: float = _c.R
#: Bohr magneton μ_B [J T⁻¹] (CODATA 2018).
MU_B: float = _c.physical_constants["Bohr magneton"][0]
#: Proton gyromagnetic ratio γ [rad s⁻¹ T⁻¹] (CODATA 2018: 2.6752218744e8).
GAMMA_PROTON: float = _c.physical_constants["proton gyromag. ratio"][0]
#: 0 °C in kelvin.
ZERO_CELSIUS: float = _c.zero_Celsius
#: Body temperature 37 °C [K].
BODY_TEMPERATURE: float = _c.zero_Celsius + 37.0
#: Room temperature used as the default measurement temperature, 300 K.
ROOM_TEMPERATURE: float = 300.0
