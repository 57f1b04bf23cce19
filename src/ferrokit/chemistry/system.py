"""Assemble a :class:`ReactionNetwork` into an ODE system with an analytic Jacobian and solve it stiffly.

At given conditions (temperature, pH, particle surface area per volume) every reaction becomes one term
(two for an equilibrium pair) with its rate constant at that temperature (Arrhenius) and the buffered species
(H⁺, OH⁻) and the solvent folded into it. The state is

* the dynamic species and the catalysts (enzymes: constant, they carry no stoichiometry),
* ``net:X`` counters: the net amount of each buffered/solvent species X produced (so that element and
  charge balances close although their concentrations are held fixed),
* ``cum:OH*``: the cumulative gross ·OH production (every term that makes ·OH, not the net change).

:math:`dc/dt = N\\,r(c)` and :math:`J = N\\,∂r/∂c`, with :math:`N` the stoichiometric matrix. The system is
solved with ``scipy.integrate.solve_ivp`` (Radau by default, or BDF/LSODA) using that Jacobian.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from ferrokit._shared.validation import FerroKitInputError, check_choice, check_positive, check_range
from ferrokit.chemistry import _kernels as K
from ferrokit.chemistry.network import Reaction, ReactionNetwork

__all__ = ["KineticSystem", "assemble", "water_ion_product"]

#: Ion product of water [M²] used for [OH⁻] = K_w/[H⁺]; 25 °C textbook value (no temperature dependence
#: is applied: no shipped reaction has OH⁻ as a reactant).
WATER_ION_PRODUCT = 1.0e-14
HYDROXYL = "OH*"
_KIND = {"mass_action": K.MASS_ACTION, "surface": K.SURFACE, "michaelis_menten": K.SATURATION,
         "saturation_product": K.SATURATION, "ping_pong": K.PING_PONG}


def water_ion_product() -> float:
    """K_w [M²] used by the engine."""
    return WATER_ION_PRODUCT


@dataclass(frozen=True)
class _Term:
    id: str
    kind: int
    k: float
    entries: tuple[tuple[int, float], ...]  # (state index, order or Km)
    enzyme: int
    stoich: Mapping[int, float]             # state index → net coefficient (dynamic and counters)


class KineticSystem:
    """An assembled network at fixed conditions. Build it with :func:`assemble`.

    Attributes
    ----------
    state_names : list of str
        Names of the state entries (species, then ``net:X`` counters, then ``cum:OH*`` when ·OH exists).
    term_ids : list of str
        One per rate term (``"H1>"`` and ``"H1<"`` for the forward and back halves of equilibrium H1).
    stoichiometry : ndarray, shape (n_state, n_terms)
    """

    def __init__(self, network: ReactionNetwork, terms: list[_Term], state_names: list[str], n_species: int,
                 carrier: int, carrier_ref: float, fixed: Mapping[str, float], temperature: float, ph: float):
        self.network = network
        self.state_names = state_names
        self.n_species = n_species
        self.term_ids = [t.id for t in terms]
        self.temperature = temperature
        self.ph = ph
        self.fixed_concentrations = dict(fixed)
        n, m = len(state_names), len(terms)
        self.stoichiometry = np.zeros((n, m))
        for j, t in enumerate(terms):
            for i, nu in t.stoich.items():
                self.stoichiometry[i, j] += nu
        self._kind = np.array([t.kind for t in terms], dtype=np.int64)
        self._k = np.array([t.k for t in terms], dtype=float)
        ptr = [0]
        idx: list[int] = []
        par: list[float] = []
        for t in terms:
            for i, p in t.entries:
                idx.append(i)
                par.append(p)
            ptr.append(len(idx))
        self._ptr = np.array(ptr, dtype=np.int64)
        self._idx = np.array(idx, dtype=np.int64)
        self._par = np.array(par, dtype=float)
        self._enzyme = np.array([t.enzyme for t in terms], dtype=np.int64)
        self._carrier = int(carrier)
        self._carrier_ref = float(carrier_ref)
        self._buf = np.zeros(m)
        self.index = {name: i for i, name in enumerate(state_names)}

    def rates(self, y: np.ndarray) -> np.ndarray:
        """Rate of every term [mol m⁻³ s⁻¹] at state ``y``."""
        out = np.zeros(len(self.term_ids))
        K.rates(np.asarray(y, dtype=float), self._kind, self._k, self._ptr, self._idx, self._par, self._enzyme,
                self._carrier, self._carrier_ref, out)
        return out

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        """dy/dt."""
        K.rates(y, self._kind, self._k, self._ptr, self._idx, self._par, self._enzyme, self._carrier,
                self._carrier_ref, self._buf)
        return self.stoichiometry @ self._buf

    def rate_jacobian(self, y: np.ndarray) -> np.ndarray:
        """∂r/∂y, shape (n_terms, n_state)."""
        out = K.empty_jacobian(len(self.term_ids), len(self.state_names))
        K.rate_jacobian(np.asarray(y, dtype=float), self._kind, self._k, self._ptr, self._idx, self._par,
                        self._enzyme, self._carrier, self._carrier_ref, out)
        return out

    def jacobian(self, t: float, y: np.ndarray) -> np.ndarray:
        """∂(dy/dt)/∂y (analytic)."""
        return self.stoichiometry @ self.rate_jacobian(y)

    def initial_state(self, initial: Mapping[str, float]) -> np.ndarray:
        """State vector from species concentrations [mol m⁻³] (counters start at 0)."""
        y = np.zeros(len(self.state_names))
        for name, value in initial.items():
            if name not in self.index or name.startswith(("net:", "cum:")):
                if name in self.fixed_concentrations:
                    raise FerroKitInputError(f"initial: {name} is held by the buffer (set pH), not an initial value")
                if name in self.network.species and self.network.species[name].role == "solvent":
                    raise FerroKitInputError(f"initial: {name} is the solvent")
                continue  # a species of a reaction set that is not included
            v = float(value)
            if not (math.isfinite(v) and v >= 0):
                raise FerroKitInputError(f"initial concentration of {name} must be finite and ≥ 0, got {value!r}")
            y[self.index[name]] = v
        return y

    def solve(self, y0: np.ndarray, times: np.ndarray, *, method: str = "Radau", rtol: float = 1e-7,
              atol: float = 1e-14):
        """Integrate from 0 to ``times[-1]``; returns the scipy OdeResult (``y`` at ``times``)."""
        check_choice("method", method, ("Radau", "BDF", "LSODA"))
        check_range("rtol", rtol, 1e-12, 1e-2)
        check_positive("atol", atol)
        sol = solve_ivp(self.rhs, (0.0, float(times[-1])), y0, method=method, t_eval=times, jac=self.jacobian,
                        rtol=rtol, atol=atol)
        if not sol.success:
            raise RuntimeError(f"the stiff solver failed: {sol.message}")
        return sol


def _fixed_concentrations(network: ReactionNetwork, ph: float) -> dict[str, float]:
    h = 10.0**-ph  # M
    out = {}
    for name in network.species_in_use():
        sp = network.species_info(name)
        if sp.role == "fixed":
            if name == "H+":
                out[name] = h * 1e3
            elif name == "OH-":
                out[name] = WATER_ION_PRODUCT / h * 1e3
            else:
                raise FerroKitInputError(f"species {name}: only H+ and OH- can be 'fixed' (buffered)")
    return out


def assemble(network: ReactionNetwork, *, temperature: float, ph: float, surface_area: float = 0.0,
             carrier: str | None = None, carrier_initial: float = 0.0) -> KineticSystem:
    """Assemble ``network`` at ``temperature`` [K], ``ph`` and particle surface area per volume [m² m⁻³].

    ``carrier`` names the species whose amount carries the particle surface (``"Fe(s)"`` for dissolving
    particles): the surface then scales as :math:`a(t) = a_0 (x/x_0)^{2/3}` (shrinking particles), with
    :math:`x_0` = ``carrier_initial``.
    """
    check_range("temperature", temperature, 250.0, 400.0, unit="K")
    check_range("ph", ph, 0.0, 14.0)
    check_range("surface_area", surface_area, 0.0, 1e12, unit="m2/m3")
    fixed = _fixed_concentrations(network, ph)
    names = network.species_in_use()
    species = [n for n in names if network.species_info(n).role in ("dynamic", "catalyst")]
    counters = [n for n in names if network.species_info(n).role in ("fixed", "solvent")]
    state = species + [f"net:{n}" for n in counters]
    has_oh = HYDROXYL in species
    if has_oh:
        state.append(f"cum:{HYDROXYL}")
    index = {n: i for i, n in enumerate(species)}
    cidx = {n: len(species) + i for i, n in enumerate(counters)}
    carrier_i = -1
    if carrier is not None and carrier in index and carrier_initial > 0:
        carrier_i = index[carrier]
    terms: list[_Term] = []
    for r in network.reactions:
        terms.extend(_terms(network, r, temperature, fixed, index, cidx, surface_area))
    if has_oh:
        oh = index[HYDROXYL]
        cum = len(state) - 1
        terms = [_Term(t.id, t.kind, t.k, t.entries, t.enzyme,
                       {**t.stoich, cum: t.stoich[oh]} if t.stoich.get(oh, 0.0) > 0 else t.stoich) for t in terms]
    return KineticSystem(network, terms, state, len(species), carrier_i, carrier_initial, fixed, temperature, ph)


def _stoich(reactants: Sequence[tuple[str, float]], products: Sequence[tuple[str, float]], index, cidx):
    out: dict[int, float] = {}
    for sign, side in ((-1.0, reactants), (1.0, products)):
        for name, nu in side:
            i = index.get(name, cidx.get(name))
            out[i] = out.get(i, 0.0) + sign * nu
    return {i: v for i, v in out.items() if v != 0.0}


def _terms(network, r: Reaction, temperature, fixed, index, cidx, surface_area) -> list[_Term]:
    k = r.rate_constant(temperature)
    role = {n: network.species_info(n).role for n, _ in (*r.reactants, *r.products)}
    if r.rate_law == "equilibrium":
        kf_factor = 1.0  # K_dyn = K Π fixed reactants / Π fixed products (SI)
        for n, nu in r.reactants:
            if role[n] == "fixed":
                kf_factor *= fixed[n] ** nu
        for n, nu in r.products:
            if role[n] == "fixed":
                kf_factor /= fixed[n] ** nu
        k_dyn = k * kf_factor
        fwd = tuple((index[n], nu) for n, nu in r.reactants if role[n] in ("dynamic", "catalyst"))
        back = tuple((index[n], nu) for n, nu in r.products if role[n] in ("dynamic", "catalyst"))
        s = _stoich(r.reactants, r.products, index, cidx)
        return [_Term(f"{r.id}>", K.MASS_ACTION, k_dyn * r.relaxation, fwd, -1, s),
                _Term(f"{r.id}<", K.MASS_ACTION, r.relaxation, back, -1, {i: -v for i, v in s.items()})]
    orders = r.reactant_orders()
    entries: list[tuple[int, float]] = []
    kind = _KIND[r.rate_law]
    if kind in (K.MASS_ACTION, K.SURFACE):
        for n, o in orders.items():
            if role[n] == "fixed":
                k *= fixed[n] ** o
            elif role[n] in ("dynamic", "catalyst") and o != 0.0:
                entries.append((index[n], o))
        if kind == K.SURFACE:
            k *= surface_area
    else:
        for n, _ in r.reactants:
            if role[n] == "fixed":
                k *= fixed[n] / (r.km[n] + fixed[n])
            elif role[n] in ("dynamic", "catalyst"):
                entries.append((index[n], r.km[n]))
    if kind == K.PING_PONG and len(entries) != 2:
        raise FerroKitInputError(f"reaction {r.id}: ping_pong needs two dynamic substrates (not H+/OH-)")
    enzyme = index[r.enzyme] if r.enzyme else -1
    return [_Term(r.id, kind, k, tuple(entries), enzyme, _stoich(r.reactants, r.products, index, cidx))]
