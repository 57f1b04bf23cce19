"""Mouse PBPK after 5 mg/kg IV: %ID per organ, passive vs active targeting -> docs/img/pk_organs.png."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from ferrokit.pk import Dosing, TumourTargeting, mouse_parameters, simulate_pbpk

p = mouse_parameters()
dose = Dosing.per_body_weight(5e-6, p)
passive = simulate_pbpk(p, dose, duration=168 * 3600.0)
tg = TumourTargeting(kon=1e3, koff=1e-4, receptor_density=1e-5, particle_mass=5e-21)
active = simulate_pbpk(p.with_targeting(tg), dose, duration=168 * 3600.0)
fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))
passive.plot(axs[0])
active.plot(axs[1], organs=("plasma", "liver", "spleen", "tumour"))
out = Path(__file__).resolve().parents[1] / "docs" / "img" / "pk_organs.png"
fig.tight_layout()
fig.savefig(out, dpi=120)
print(f"wrote {out}; tumour %ID at 168 h: passive {passive.percent_id['tumour'][-1]:.3g}, "
      f"active {active.percent_id['tumour'][-1]:.3g}")
