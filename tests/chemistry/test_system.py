"""Engine: analytic Jacobian, conservation, analytic kinetics limits, equilibria, enzyme rate laws."""

import math

import numpy as np
import pytest

from ferrokit.chemistry import DEFAULT_SETS, assemble, load_network, simulate_cdt
from ferrokit.materials import Particle

M = 1e3  # mol/m3 per mol/L


def _random_state(system, rng):
    y = np.zeros(len(system.state_names))
    for i, name in enumerate(system.state_names[:system.n_species]):
        y[i] = rng.uniform(0.05, 2.0) if not name.endswith("*") and "*" not in name else rng.uniform(1e-6, 1e-4)
    return y


@pytest.mark.parametrize("ph, sets", [(3.0, [*DEFAULT_SETS, "ferryl"]), (6.5, ["fenton", "surface", "gox", "gsh"])])
def test_analytic_jacobian_matches_finite_differences(tmp_path, ph, sets):
    net = load_network(include=sets)
    if "gsh" in sets:  # add a ping-pong (true bi-bi) enzyme and a dissolving particle to cover every kernel branch
        extra = tmp_path / "pp.csv"
        extra.write_text("id,equation,rate_law,k,k_unit,params\n"
                         "P1,glucose + GSH -> GSSG,ping_pong,5,s-1,enzyme=GOx; Km[glucose]=2 mM; Km[GSH]=0.5 mM\n"
                         "D1,Fe(s) -> Fe2+,mass_action,1e-3,s-1,\n")
        user = load_network(extra)
        net = net.with_reactions(*user.reactions)
    system = assemble(net, temperature=315.0, ph=ph, surface_area=5e3, carrier="Fe(s)", carrier_initial=1.0)
    y = _random_state(system, np.random.default_rng(1))
    # term by term: dr_j/dy_i against central differences of each rate (no cancellation between terms)
    drdy = system.rate_jacobian(y)
    r0 = system.rates(y)
    for i in range(system.n_species):
        h = 1e-6 * y[i]
        yp, ym = y.copy(), y.copy()
        yp[i] += h
        ym[i] -= h
        fd = (system.rates(yp) - system.rates(ym)) / (2 * h)
        # truncation error ~ (h/y)^2 ~ 1e-12 relative; round-off ~ 1e-16 |r|/h; 1e-7 of r/y is ample
        tol = 1e-7 * (np.abs(r0) / y[i]) + 1e-300
        assert np.all(np.abs(drdy[:, i] - fd) <= tol), (system.state_names[i], np.abs(drdy[:, i] - fd).max())
    # the ODE Jacobian is N dr/dy
    assert np.allclose(system.jacobian(0.0, y), system.stoichiometry @ drdy, rtol=1e-14, atol=0)


def _element_totals(res, net, element):
    total = np.zeros_like(res.times)
    for name, conc in res.concentrations.items():
        sp = net.species_info(name)
        if sp.role == "catalyst":
            continue
        n = (sp.formula or {}).get(element, 0.0) if element != "charge" else (sp.charge or 0.0)
        total += n * conc
    for name, prod in res.fixed_production.items():
        sp = net.species_info(name)
        total += (sp.formula.get(element, 0.0) if element != "charge" else sp.charge) * prod
    return total


def test_conservation_of_iron_glutathione_elements_and_charge_at_pH3():
    net = load_network(include=["fenton", "fe3_homogeneous", "surface", "gox", "gsh"])
    p = Particle(composition="Fe3O4", core_diameter=10e-9)
    res = simulate_cdt(particle=p, iron_concentration=0.5, ph=3.0, temperature=310.15, network=net,
                       initial={"Fe2+": 0.2, "Fe3+": 0.3, "H2O2": 2.0, "GSH": 1.0, "glucose": 5.0, "O2": 0.2},
                       gox=6.25e-5, fe3_gsh_rate=1e-3, duration=1800.0, n_times=31)
    c = res.concentrations
    iron = (c["Fe2+"] + c["Fe3+"] + c["FeOH2+"] + c["Fe(OH)2+"] + 2 * c["Fe2(OH)2(4+)"] + c["Fe(III)(HO2)2+"]
            + c["Fe(III)(OH)(HO2)+"])
    # linear invariants are kept by the implicit solver to within rtol (1e-7) of the largest state
    assert np.allclose(iron, 0.5, rtol=0, atol=1e-7)
    glut = c["GSH"] + c["GS*"] + 2 * c["GSSG"]
    assert np.allclose(glut, 1.0, rtol=0, atol=1e-7)
    assert glut[-1] == pytest.approx(1.0) and c["GSH"][-1] < 0.99  # something actually happened
    for element in ("O", "H", "C", "charge"):
        tot = _element_totals(res, net.with_reactions(), element)
        assert np.allclose(tot, tot[0], rtol=0, atol=1e-6 * max(1.0, abs(tot[0]))), element


def test_iron_conserved_with_dissolution_and_magnetite_releases_one_third_as_fe2():
    p = Particle(composition="Fe3O4", core_diameter=10e-9)
    res = simulate_cdt(particle=p, iron_concentration=1.0, ph=5.0, temperature=310.15, include=["fenton"],
                       initial={}, dissolution_rate=1e-3, duration=3000.0, n_times=11)
    c = res.concentrations
    assert np.allclose(c["Fe(s)"] + c["Fe2+"] + c["Fe3+"], 1.0, atol=1e-7)
    # first-order release: Fe(s) = exp(-k t)
    assert c["Fe(s)"][-1] == pytest.approx(math.exp(-3.0), rel=1e-5)
    # no oxidant: Fe2+/(Fe2+ + Fe3+) stays the Fe(II) fraction of magnetite, 1/3
    assert c["Fe2+"][-1] / (c["Fe2+"][-1] + c["Fe3+"][-1]) == pytest.approx(1 / 3, rel=1e-6)


def test_second_order_fenton_reaction_matches_the_closed_form(tmp_path):
    f = tmp_path / "r3.csv"
    f.write_text("id,equation,rate_law,k,k_unit\nR3,Fe2+ + H2O2 -> Fe3+ + OH* + OH-,mass_action,63,M-1 s-1\n")
    net = load_network(f)
    a0, b0, k = 0.5, 0.2, 0.063  # mol/m3 and m3 mol-1 s-1 (63 M-1 s-1)
    res = simulate_cdt(iron_concentration=a0, ph=3.0, temperature=298.15, network=net, initial={"H2O2": b0},
                       duration=120.0, n_times=7)
    t = res.times
    # A + B -> P: b(t) = (a0 - b0) b0 / (a0 exp((a0 - b0) k t) - b0)
    expected = (a0 - b0) * b0 / (a0 * np.exp((a0 - b0) * k * t) - b0)
    assert np.allclose(res.concentrations["H2O2"], expected, rtol=1e-5)
    # every R3 event makes one OH*: the cumulative dose is the H2O2 consumed
    assert np.allclose(res.cumulative_hydroxyl, b0 - expected, rtol=1e-5, atol=1e-12)
    # the production rate is k [Fe2+][H2O2] (the quantitative check: 63 M-1 s-1, De Laat & Gallard / Gallard 1998)
    assert res.hydroxyl_production_rate[0] == pytest.approx(k * a0 * b0, rel=1e-12)


def test_pseudo_first_order_h2o2_decay_with_excess_fe2_in_the_full_network():
    # 10 mM Fe2+, 0.1 mM H2O2, pH 3: OH* is scavenged by Fe2+ (R4), so H2O2 decays with k3 [Fe2+]0 and
    # Fe2+ is consumed 2:1 (Fenton stoichiometry Fe2+ + OH* -> Fe3+, the classical 2 Fe2+ per H2O2)
    res = simulate_cdt(iron_concentration=10.0, ph=3.0, temperature=298.15, include=["fenton"],
                       initial={"H2O2": 0.1}, duration=5.0, n_times=11)
    k_obs = -np.polyfit(res.times, np.log(res.concentrations["H2O2"]), 1)[0]
    # 63 M-1 s-1 x 10 mM = 0.63 s-1; competing R5/R6 change it by ~1e-3; Fe2+ depletion by < 2 %
    assert k_obs == pytest.approx(0.063 * 10.0, rel=0.02)
    d_fe = 10.0 - res.concentrations["Fe2+"][-1]
    d_h2o2 = 0.1 - res.concentrations["H2O2"][-1]
    assert d_fe / d_h2o2 == pytest.approx(2.0, rel=0.01)


def _analytic_fe3_speciation(fe_total, h2o2, ph):
    """Equilibrium Fe(III) speciation (mol/L) from the source constants; quadratic in [Fe3+] (dimer)."""
    h = 10.0**-ph
    k1, k2, k3, ke1, ke2 = 2.9e-3, 7.62e-7, 0.8e-3, 3.1e-3, 2.0e-4
    lin = 1 + k1 / h + k2 / h**2 + ke1 * h2o2 / h + ke2 * k1 * h2o2 / h**2
    quad = 2 * k3 / h**2  # K3 = [dimer][H+]^2/[Fe3+]^2 (M)
    x = (-lin + math.sqrt(lin**2 + 4 * quad * fe_total)) / (2 * quad)
    return {"Fe3+": x, "FeOH2+": k1 * x / h, "Fe(OH)2+": k2 * x / h**2, "Fe2(OH)2(4+)": k3 * x * x / h**2,
            "Fe(III)(HO2)2+": ke1 * x * h2o2 / h, "Fe(III)(OH)(HO2)+": ke2 * k1 * x / h * h2o2 / h}


@pytest.mark.parametrize("ph", [2.0, 2.5, 3.0])
def test_fast_equilibrium_pairs_reach_the_de_laat_gallard_speciation(ph):
    fe, h2o2 = 0.2e-3, 10e-3  # mol/L
    res = simulate_cdt(iron_concentration=fe * M, dissolved_iron="Fe3+", ph=ph, temperature=298.15,
                       include=["fe3_homogeneous"], initial={"H2O2": h2o2 * M}, duration=0.05, n_times=2)
    expected = _analytic_fe3_speciation(fe, h2o2, ph)
    for name, value in expected.items():
        # relaxation 1e4 s-1: equilibrated within 1 ms; R1/R2 (2.7e-3 s-1) shift it by < 1e-4 in 50 ms
        assert res.final(name) == pytest.approx(value * M, rel=2e-4), name


def test_fe3_route_effective_rate_constant_and_its_ph_dependence():
    # SCIENCE.md §5 / source row R1: k_eff = k_R1 K_E1/[H+] per free Fe3+ = 8.4e-3 M-1 s-1 at pH 3 (derived),
    # x10 per pH unit up (x0.1 per unit down) while the homogeneous route holds (pH 1-3)
    def k_eff(ph):
        res = simulate_cdt(iron_concentration=0.1, dissolved_iron="Fe3+", ph=ph, temperature=298.15,
                           include=["fe3_homogeneous"], initial={"H2O2": 10.0}, duration=0.05, n_times=2)
        rate = 2.7e-3 * res.final("Fe(III)(HO2)2+")  # R1 rate, mol m-3 s-1
        return rate / (res.final("Fe3+") * res.final("H2O2")) * M  # M-1 s-1

    assert k_eff(3.0) == pytest.approx(8.37e-3, rel=2e-3)
    assert k_eff(2.0) / k_eff(3.0) == pytest.approx(0.1, rel=1e-3)
    assert k_eff(1.0) / k_eff(2.0) == pytest.approx(0.1, rel=1e-3)


def test_superoxide_acid_base_pair_gives_pKa_4_8(tmp_path):
    f = tmp_path / "ab.csv"
    f.write_text("id,equation,rate_law,k,k_unit\nR10,HO2* -> O2*- + H+,mass_action,1.58e5,s-1\n"
                 "R11,O2*- + H+ -> HO2*,mass_action,1.0e10,M-1 s-1\n")
    for ph in (4.0, 4.8, 6.0):
        res = simulate_cdt(iron_concentration=0.0, ph=ph, temperature=298.15, network=load_network(f),
                           initial={"HO2*": 1e-3}, duration=1e-3, n_times=2)
        ratio = res.final("O2*-") / res.final("HO2*")
        assert math.log10(ratio) == pytest.approx(ph - math.log10(1e10 / 1.58e5), abs=1e-4)


def test_gox_michaelis_menten_limits_and_hypoxia():
    net = load_network(include=["gox"])
    kcat = net.reaction("G1").rate_constant(310.15)
    e = 1e-4  # mol/m3 GOx

    def rate(glc, o2):
        s = assemble(net, temperature=310.15, ph=6.5)
        y = s.initial_state({"glucose": glc, "O2": o2, "GOx": e})
        return s.rates(y)[s.term_ids.index("G1")]

    assert rate(1e5, 1e5) == pytest.approx(kcat * e, rel=1e-3)  # both saturating: V = kcat [E]
    # glucose << Km (25 mM): first order in glucose, kcat/Km
    assert rate(0.01, 1e5) == pytest.approx(kcat * e * 0.01 / 25.0, rel=1e-3)
    # hypoxia: 0.05 mM O2 against 0.2 mM (Km 0.25 mM): ratio of saturations (0.05/0.30)/(0.2/0.45)
    assert rate(5.0, 0.05) / rate(5.0, 0.2) == pytest.approx((0.05 / 0.30) / (0.2 / 0.45), rel=1e-12)
    # GOx x1.44 from 37 to 43 C (Beltrame 2004 Ea 49.6 kJ/mol) in the assembled system
    s43 = assemble(net, temperature=316.15, ph=6.5)
    y = s43.initial_state({"glucose": 5.0, "O2": 0.2, "GOx": e})
    assert s43.rates(y)[0] / rate(5.0, 0.2) == pytest.approx(1.44, abs=0.005)


def test_ping_pong_rate_law_hand_calculation(tmp_path):
    f = tmp_path / "pp.csv"
    f.write_text("id,equation,rate_law,k,k_unit,params\n"
                 "P,A + B -> C,ping_pong,100,s-1,enzyme=E; Km[A]=2 mM; Km[B]=0.5 mM\n")
    s = assemble(load_network(f), temperature=298.15, ph=7.0)
    y = s.initial_state({"A": 1.0, "B": 0.25, "E": 1e-3})
    # v = kcat E AB/(KB A + KA B + AB) = 100 * 1e-3 * 0.25 / (0.5 + 0.5 + 0.25)
    assert s.rates(y)[0] == pytest.approx(0.1 * 0.25 / 1.25, rel=1e-12)
