"""SLP maps: consistency with predict_slp, optimum under the H·f limit, resizing, plot, bad input."""

import numpy as np
import pytest

from ferrokit._shared.validation import FerroKitInputError
from ferrokit.hyperthermia import predict_slp, slp_map
from ferrokit.materials import Particle

P = Particle(composition="Fe3O4", core_diameter=10e-9, core_sigma=0.1,
             coating={"material": "PEG", "thickness": 5e-9})
CORES = np.array([8e-9, 12e-9, 16e-9, 20e-9])
FREQS = np.array([5e4, 1e5, 3e5])
AMPS = np.array([2e3, 4e3, 8e3, 1.6e4])


def test_map_cells_equal_predict_slp_and_optimum_is_the_allowed_maximum():
    m = slp_map(P, core_diameters=CORES, frequencies=FREQS, amplitudes=AMPS, hf_limit=5e9)
    assert m.slp.shape == (4, 3, 4)
    brute = np.empty(m.slp.shape)
    for i, d in enumerate(CORES):
        p = Particle.model_validate({**P.model_dump(), "core_diameter": d})
        for j, f in enumerate(FREQS):
            for k, h in enumerate(AMPS):
                r = predict_slp(p, frequency=f, amplitude=h)
                brute[i, j, k] = r.slp
                assert m.model[i, j, k] == r.model
    np.testing.assert_allclose(m.slp, brute, rtol=1e-10)
    allowed = (FREQS[:, None] * AMPS[None, :]) <= 5e9
    best = np.max(np.where(allowed[None], brute, -np.inf))
    assert m.optimum["slp"] == pytest.approx(best, rel=1e-12)
    assert m.optimum["hf"] <= 5e9
    # one continuous model everywhere; the cells span pure LRT (w = 0) to master equation (w ≈ 1)
    assert set(m.model.ravel().tolist()) == {"unified"}
    assert m.blend_weight.min() < 1e-5 and m.blend_weight.max() > 0.9
    assert m.optimum["blend_weight"] == pytest.approx(m.blend_weight[tuple(m.optimum["index"])])


def test_stricter_limit_gives_lower_or_equal_optimum_and_none_when_nothing_allowed():
    loose = slp_map(P, core_diameters=CORES, frequencies=FREQS, amplitudes=AMPS, hf_limit=5e9)
    strict = slp_map(P, core_diameters=CORES, frequencies=FREQS, amplitudes=AMPS, hf_limit=4.85e8)
    assert strict.optimum["slp"] <= loose.optimum["slp"]
    assert strict.optimum["frequency"] * strict.optimum["amplitude"] <= 4.85e8
    none = slp_map(P, core_diameters=CORES, frequencies=FREQS, amplitudes=AMPS, hf_limit=1e6)
    assert none.optimum is None and "no cell" in none.notes[0]


def test_given_hydrodynamic_size_keeps_its_shell():
    p = Particle(composition="Fe3O4", core_diameter=10e-9, hydrodynamic_diameter=40e-9)
    m = slp_map(p, core_diameters=[10e-9, 20e-9], frequencies=[1e5], amplitudes=[1e3])
    # the 20 nm cell must match a particle of d_H = 50 nm (shell 30 nm kept)
    r = predict_slp(Particle(composition="Fe3O4", core_diameter=20e-9, hydrodynamic_diameter=50e-9),
                    frequency=1e5, amplitude=1e3)
    assert m.slp[1, 0, 0] == pytest.approx(r.slp, rel=1e-12)


def test_to_dict_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = slp_map(P, core_diameters=CORES, frequencies=FREQS, amplitudes=AMPS, hf_limit=5e9)
    d = m.to_dict()
    assert d["slp"]["unit"] == "W/kg Fe" and np.array(d["slp"]["value"]).shape == (4, 3, 4)
    assert "slp" not in m.to_dict(include_arrays=False)
    fig = m.plot()
    assert len(fig.axes) == 6  # three panels and their colour bars
    plt.close(fig)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"core_diameters": []}, "core_diameters"),
    ({"core_diameters": [12e-9, 8e-9]}, "core_diameters"),
    ({"frequencies": [1e5, np.nan]}, "frequencies"),
    ({"amplitudes": [-1.0, 1e3]}, "amplitudes"),
    ({"hf_limit": 0.0}, "hf_limit"),
    ({"model": "x"}, "model"),
    ({"core_diameters": [0.8e-9]}, "core size"),  # dead layer 0.5 nm leaves no magnetic core
])
def test_bad_input(kwargs, name):
    args = {"core_diameters": CORES, "frequencies": FREQS, "amplitudes": AMPS}
    args.update(kwargs)
    with pytest.raises(FerroKitInputError, match=name):
        slp_map(P, **args)
