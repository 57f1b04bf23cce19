"""simulate_cdt: particle coupling, surface catalysis, hyperthermia, GOx/starvation, GSH, ferroptosis, bad input."""

import json
import math

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.chemistry import (
    CDTResult,
    gox_molar_concentration,
    load_network,
    simulate_cdt,
    surface_area_concentration,
    surface_to_volume_ratio,
)
from ferrokit.materials import Particle, oxide_volume_fraction

MAG = Particle(composition="Fe3O4", core_diameter=10e-9)


def test_surface_area_concentration_hand_calculation():
    # 0.5 mM Fe as magnetite: phi = c M_Fe/(w_Fe rho), w_Fe = 3 x 55.845/231.53, X-ray density ~5.2 g/cm3
    comp = MAG.composition_info
    assert comp.iron_mass_fraction == pytest.approx(3 * 55.845 / 231.533, rel=1e-4)
    assert 5100 < comp.density < 5250
    phi = 0.5 * 55.845e-3 / (comp.iron_mass_fraction * comp.density)
    assert oxide_volume_fraction(0.5, "Fe3O4") == pytest.approx(phi, rel=1e-4)
    assert surface_area_concentration(MAG, 0.5) == pytest.approx(6 / 10e-9 * oxide_volume_fraction(0.5, "Fe3O4"))
    cube = Particle(composition="Fe3O4", core_diameter=10e-9, shape="cube")
    octa = Particle(composition="Fe3O4", core_diameter=10e-9, shape="octahedron")
    assert surface_to_volume_ratio(cube) == pytest.approx(6e8)
    # regular octahedron of edge a: S = 2 sqrt(3) a^2, V = sqrt(2)/3 a^3
    assert surface_to_volume_ratio(octa) == pytest.approx(2 * math.sqrt(3) / (math.sqrt(2) / 3) / 10e-9)


def test_polydisperse_surface_to_volume_against_numerical_integration():
    p = Particle(composition="Fe3O4", core_diameter=10e-9, core_sigma=0.3)
    x = np.linspace(-8, 8, 20001)  # standard normal variable of ln d
    d = 10e-9 * np.exp(0.3 * x)
    w = np.exp(-x * x / 2)
    expected = 6 * np.trapezoid(w * d**2, x) / np.trapezoid(w * d**3, x)
    assert surface_to_volume_ratio(p) == pytest.approx(expected, rel=1e-9)


def test_surface_decomposition_is_first_order_and_catalase_like():
    # surface set alone: -d[H2O2]/dt = (k_c + 2 k_r) a [H2O2]; O2 gained = 0.5 k_c/(k_c + 2 k_r) x H2O2 lost
    net = load_network(include=["surface"])
    t = 310.15
    kc, kr = net.reaction("S1c").rate_constant(t), net.reaction("S1r").rate_constant(t)
    a = surface_area_concentration(MAG, 2.0)
    res = simulate_cdt(particle=MAG, iron_concentration=2.0, ph=7.0, temperature=t, include=["surface"],
                       initial={"H2O2": 0.1, "O2": 0.05}, duration=7200.0, n_times=5)
    h = res.concentrations["H2O2"]
    assert h == pytest.approx(0.1 * np.exp(-(kc + 2 * kr) * a * res.times), rel=1e-6)
    gained = res.concentrations["O2"] - 0.05
    assert gained == pytest.approx(0.5 * kc / (kc + 2 * kr) * (0.1 - h), rel=1e-6, abs=1e-15)
    # surface Ea 32.8 kJ/mol (Lin & Gurol 1998): the 37 -> 43 C factor of the first-order constant
    assert net.reaction("S1c").rate_constant(316.15) / kc == pytest.approx(math.exp(32.8e3 / 8.314462618 * (
        1 / 310.15 - 1 / 316.15)), rel=1e-9)


def test_hyperthermia_raises_the_fenton_hydroxyl_production_by_the_R3_factor():
    kwargs = dict(iron_concentration=0.05, ph=6.5, include=["fenton"], initial={"H2O2": 0.1}, duration=1.0,
                  n_times=2)
    r37 = simulate_cdt(temperature=310.15, **kwargs)
    r43 = simulate_cdt(temperature=316.15, **kwargs)
    # initial OH* production is k3 [Fe2+][H2O2]: the ratio is the R3 Arrhenius factor, 1.30 (SCIENCE.md §5)
    assert r43.hydroxyl_production_rate[0] / r37.hydroxyl_production_rate[0] == pytest.approx(1.30, abs=0.005)
    assert r43.total_hydroxyl > r37.total_hydroxyl


def test_gox_cascade_starvation_and_hypoxia():
    gox = gox_molar_concentration(10e-3)
    assert gox == pytest.approx(10e-3 / 160.0)
    common = dict(iron_concentration=0.0, ph=6.5, temperature=310.15, include=["gox"], gox=gox, duration=600.0,
                  n_times=11)
    normoxic = simulate_cdt(initial={"glucose": 5.0, "O2": 0.2}, **common)
    hypoxic = simulate_cdt(initial={"glucose": 5.0, "O2": 0.05}, **common)
    # one H2O2 and one gluconate per glucose; O2-limited: the H2O2 made cannot exceed the O2 available
    for res, o2 in ((normoxic, 0.2), (hypoxic, 0.05)):
        used = 5.0 - res.concentrations["glucose"]
        assert res.concentrations["gluconate"] == pytest.approx(used, rel=1e-6, abs=1e-12)
        assert res.concentrations["H2O2"] == pytest.approx(used, rel=1e-6, abs=1e-12)
        assert res.final("H2O2") <= o2 * (1 + 1e-6)
        assert res.fixed_production["H+"][-1] == pytest.approx(used[-1], rel=1e-6)  # gluconic acid acidifies
    assert hypoxic.final("H2O2") < normoxic.final("H2O2")
    # with O2 resupply (perfusion) glucose keeps being consumed: starvation therapy
    fed = simulate_cdt(initial={"glucose": 5.0, "O2": 0.05}, oxygen_supply_rate=0.05, **{**common,
                                                                                        "duration": 3600.0})
    assert fed.final("glucose") < 5.0 - 10 * (5.0 - hypoxic.final("glucose"))


def test_catalase_like_particles_relieve_hypoxia_for_gox():
    kwargs = dict(ph=6.5, temperature=310.15, include=["surface", "gox"], gox=gox_molar_concentration(10e-3),
                  initial={"glucose": 5.0, "O2": 0.05, "H2O2": 1.0}, duration=3600.0, n_times=5)
    without = simulate_cdt(iron_concentration=0.0, **kwargs)
    with_np = simulate_cdt(particle=MAG, iron_concentration=5.0, **kwargs)
    assert with_np.final("gluconate") > 2 * without.final("gluconate")


def test_gsh_scavenges_hydroxyl_and_protects_against_ferroptosis():
    def run(gsh, fe2):
        return simulate_cdt(iron_concentration=fe2, ph=6.5, temperature=310.15,
                            include=["fenton", "gsh", "ferroptosis"], initial={"H2O2": 0.5, "GSH": gsh},
                            duration=1800.0, n_times=31)

    low, high = run(0.1, 0.5), run(5.0, 0.5)
    assert high.final("GSSG") > low.final("GSSG") * 5  # GSH takes the OH*: more GSSG
    assert high.final("LOOH") < low.final("LOOH")
    assert high.ferroptosis_index[-1] < low.ferroptosis_index[-1]
    # more Fe2+, more lipid peroxidation (iron-driven propagation F2 and more OH*)
    assert run(0.1, 2.0).final("LOOH") > low.final("LOOH")
    # glutathione moieties conserved through GSH + OH*, GS* recombination and GPX4 (2 GSH per LOOH)
    glut = low.concentrations["GSH"] + low.concentrations["GS*"] + 2 * low.concentrations["GSSG"]
    assert np.allclose(glut, 0.1, atol=1e-8)


def test_fe3_gsh_reduction_input_regenerates_fe2():
    kwargs = dict(iron_concentration=0.1, dissolved_iron="Fe3+", ph=6.5, temperature=310.15,
                  include=["fenton", "gsh"], initial={"H2O2": 0.1, "GSH": 2.0}, duration=600.0, n_times=5)
    off = simulate_cdt(**kwargs)
    on = simulate_cdt(fe3_gsh_rate=1e-2, **kwargs)  # 10 M-1 s-1, an explicit input (no literature value)
    assert on.total_hydroxyl > 10 * off.total_hydroxyl
    assert on.rate_constants["G3"] == 1e-2


def test_de_laat_gallard_qualitative_behaviour_at_low_pH():
    # Fe(III)-initiated H2O2 decomposition (pH 1-3): slow, first order in total iron, faster at pH 3 than 2
    def loss(fe, ph):
        r = simulate_cdt(iron_concentration=fe, dissolved_iron="Fe3+", ph=ph, temperature=298.15,
                         initial={"H2O2": 10.0}, duration=600.0, n_times=3, include=["fenton", "fe3_homogeneous"])
        return 10.0 - r.final("H2O2"), r

    l1, r = loss(0.1, 3.0)
    l2, _ = loss(0.2, 3.0)
    assert "fe3_homogeneous" in r.reaction_sets
    assert 0 < l1 < 0.5  # slow route: < 5 % of 10 mM H2O2 in 10 min with 0.1 mM Fe(III)
    assert l2 / l1 == pytest.approx(2.0, rel=0.15)  # ~first order in Fe(III) (chain length varies a little)
    assert loss(0.1, 2.0)[0] < l1
    # starting from Fe(II) the same total iron decomposes H2O2 much faster at first (Fenton R3 >> R1)
    fe2 = simulate_cdt(iron_concentration=0.1, ph=3.0, temperature=298.15, initial={"H2O2": 10.0}, duration=600.0,
                       n_times=3, include=["fenton", "fe3_homogeneous"])
    assert 10.0 - fe2.final("H2O2") > 1.5 * l1


def test_default_network_depends_on_ph_and_result_serialises(tmp_path):
    res = simulate_cdt(particle=MAG, iron_concentration=0.5, ph=6.5, temperature=310.15, duration=600.0,
                       initial={"H2O2": 0.1, "GSH": 2.0, "glucose": 5.0, "O2": 0.05},
                       gox=gox_molar_concentration(10e-3), n_times=11)
    assert isinstance(res, CDTResult)
    assert "fe3_homogeneous" not in res.reaction_sets and any("pH 6.5" in n for n in res.notes)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["summary"]["total_hydroxyl"]["unit"] == "mol/m3"
    assert d["summary"]["total_hydroxyl"]["value"] == pytest.approx(res.total_hydroxyl)
    assert np.all(np.diff(res.cumulative_hydroxyl) >= -1e-15)
    acid = simulate_cdt(iron_concentration=0.5, ph=3.0, temperature=310.15, duration=60.0, initial={"H2O2": 1.0},
                        n_times=3)
    assert "fe3_homogeneous" in acid.reaction_sets
    import matplotlib

    matplotlib.use("Agg")
    fig = res.plot()
    assert len(fig.axes) >= 2


@pytest.mark.parametrize("kwargs, fragment", [
    ({"iron_concentration": float("nan")}, "iron_concentration"),
    ({"iron_concentration": -1.0}, "iron_concentration"),
    ({"ph": 12.0}, "ph must lie in"),
    ({"temperature": 37.0}, "temperature must lie in"),
    ({"duration": 0.0}, "duration must lie in"),
    ({"initial": {"H2O2": -1.0}}, "initial[H2O2]"),
    ({"initial": {"Unobtainium": 1.0}}, "unknown species Unobtainium"),
    ({"initial": {"H+": 1.0}}, "held by the buffer"),
    ({"dissolution_rate": 1e-3}, "needs a particle"),
    ({"particle": "Fe3O4"}, "must be a ferrokit.materials.Particle"),
    ({"network": load_network(include=["fenton"]), "include": ["fenton"]}, "either network or include"),
    ({"rate_overrides": {"R99": 1.0}}, "R99"),
    ({"gox": 1e-4, "include": ["fenton"]}, "gox > 0 needs"),
    ({"n_times": 1}, "n_times"),
    ({"dissolved_iron": "Fe4+"}, "dissolved_iron"),
])
def test_bad_input_names_the_parameter(kwargs, fragment):
    base = dict(iron_concentration=0.1, ph=6.5, temperature=310.15, initial={"H2O2": 0.1}, duration=10.0)
    with pytest.raises(FerroKitInputError, match=fragment.replace("[", r"\[").replace("]", r"\]")
                       .replace("+", r"\+")):
        simulate_cdt(**{**base, **kwargs})
