"""``ferrokit design``: train, evaluate (paper-grouped CV) and apply data-driven design models (SAR, r1, r2)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ferrokit import __version__
from ferrokit._shared.validation import FerroKitInputError
from ferrokit.cli._common import console, err_console, handle_errors, print_json
from ferrokit.io.atomic import write_text_atomic

app = typer.Typer(
    help="Data-driven design: models of SAR, r1, r2 trained on literature (DiMag) and your data, "
         "validated with cross-validation grouped by paper.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Target = Annotated[str, typer.Option("--target", "-t", help="What to model: sar, r1 or r2.")]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (SI values with units).")]
_UNITS = {"sar": ("W/g", 1e-3), "r1": ("mM-1 s-1", 1.0), "r2": ("mM-1 s-1", 1.0)}


@app.callback()
def _group() -> None:
    """Data-driven design models."""


def _target(target: str) -> str:
    from ferrokit.design import TARGETS

    t = target.strip().lower()
    if t not in TARGETS:
        raise FerroKitInputError(f"--target must be one of {', '.join(TARGETS)}; got {target!r}")
    return t


def _progress(text: str, quiet: bool):
    prog = Progress(SpinnerColumn(), TextColumn(text), TimeElapsedColumn(), console=err_console,
                    transient=True, disable=quiet)
    return prog


def _training_table(target: str, data: list[Path] | None, literature: bool):
    from ferrokit.design import load_dimag, read_design_csv

    table = load_dimag(target) if literature else None
    for path in data or []:
        extra = read_design_csv(path, target)
        table = extra if table is None else table.concat(extra)
    if table is None:
        raise FerroKitInputError("no training data: keep the literature table or pass --data FILE")
    return table


@app.command("train")
@handle_errors
def train(
    target: Target,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write (.joblib or .pkl).")],
    data: Annotated[list[Path] | None, typer.Option("--data", help="Your measurements (CSV; repeatable).")] = None,
    literature: Annotated[bool, typer.Option(help="Include the shipped DiMag table.")] = True,
    features: Annotated[str, typer.Option(help="baseline (default: scores higher on paper-grouped CV) or hybrid "
                                                "(plain + physics features).")] = "baseline",
    model_kind: Annotated[str | None, typer.Option(
        "--model", help="gb (gradient boosting, depth tuned by grouped CV, conformal intervals), pgb (paper-aware "
        "boosted stumps, monotone in the physics inputs, conformal intervals), pgbc (sar only: pgb averaged over "
        "3 paper fractions, fitted to the loss per field cycle SAR/f), pgbh (sar only: averaged over 5 paper "
        "fractions, fitted to SAR/(fH)) or gp (Gaussian process on the physics "
        "residual, uses the hybrid features). Default: pgbh for sar, pgb for r1, gb for r2 (gb whenever "
        "--max-depth is given).")] = None,
    max_depth: Annotated[int | None, typer.Option(min=1, max=3, help="Tree depth; default: tuned by grouped CV.")
                         ] = None,
    alpha: Annotated[float, typer.Option(help="Interval miscoverage (0.1 → 90 % intervals).")] = 0.1,
    n_estimators: Annotated[int, typer.Option(min=10, max=2000, help="Boosting stages (depth 3; ×2 at depth 1 "
                                              "and for the pgb stumps).")] = 150,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    json_out: Json = False,
) -> None:
    """Train a model (log10 target, intervals from paper-grouped folds or the GP) and save it."""
    from ferrokit.design import MODELS, save_model, train_model
    from ferrokit.design.models import default_model

    t = _target(target)
    kind = default_model(t, max_depth) if model_kind is None else model_kind.strip().lower()
    if kind not in MODELS:
        raise FerroKitInputError(f"--model must be one of {', '.join(MODELS)}; got {model_kind!r}")
    if out.suffix not in (".joblib", ".pkl"):
        raise FerroKitInputError(f"--out must end in .joblib or .pkl, got {out.name!r}")
    table = _training_table(t, data, literature)
    with _progress(f"training {t} model", json_out) as prog:
        prog.add_task("train")
        model = train_model(table, feature_set=features, alpha=alpha, n_estimators=n_estimators, rng=seed,
                            model=kind, max_depth=max_depth)
    save_model(model, out)
    if json_out:
        print_json({"model": str(out), **model.to_dict(), "data": table.summary(),
                    "ferrokit_version": __version__})
        return
    p = model.provenance
    how = (f"GP, prior mean {p['gp']['a']:.2f}·{p['gp']['physics_feature']} + {p['gp']['b']:.2f}" if kind == "gp"
           else f"paper-aware stumps, ≥ {p['min_papers_per_side']} paper(s) per split side" if kind == "pgb"
           else (f"mean of paper-aware stumps with ≥ {', '.join(map(str, p['min_papers_per_side']))} papers per "
                 "split side, on log10(SAR/f)") if kind == "pgbc"
           else (f"mean of paper-aware stumps with ≥ {', '.join(map(str, p['min_papers_per_side']))} papers per "
                 "split side, on log10(SAR/(fH))") if kind == "pgbh"
           else f"gradient boosting, depth {p['max_depth']}")
    console.print(f"trained {t} ({model.feature_set}; {how}) on {p['n_rows']} rows from {p['n_groups']} papers "
                  f"({p['n_rejected']} rows rejected; see 'ferrokit design data --report'); "
                  f"paper-grouped out-of-fold R²(log) {p['grouped_oof_r2_log']:.3f}; "
                  + ("GP predictive intervals" if kind == "gp" else
                     f"{100 * (1 - alpha):g} % interval ×/÷ {10 ** model.q_log10:.3g}") + f" → {out}")


@app.command("evaluate")
@handle_errors
def evaluate_cmd(
    target: Target,
    data: Annotated[list[Path] | None, typer.Option("--data", help="Your measurements (CSV; repeatable).")] = None,
    literature: Annotated[bool, typer.Option(help="Include the shipped DiMag table.")] = True,
    repeats: Annotated[int, typer.Option(min=1, max=50, help="Repeats of grouped K-fold.")] = 5,
    folds: Annotated[int, typer.Option(min=2, max=20, help="K folds.")] = 5,
    n_estimators: Annotated[int, typer.Option(min=10, max=2000, help="Boosting stages.")] = 150,
    max_depth: Annotated[int | None, typer.Option(min=1, max=3, help="Tree depth; default: tuned inside each "
                                                  "training fold by grouped CV (nested).")] = None,
    gp: Annotated[bool, typer.Option("--gp", help="Also cross-validate the GP with a physics prior mean (slow).")
                  ] = False,
    models: Annotated[str | None, typer.Option("--models", help="Boosting models to compare on the same folds, "
                                               "comma-separated: gb, pgb, pgbc, pgbh (the last two sar only). "
                                               "Default: gb,pgb (and pgbc,pgbh for sar).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    json_out: Json = False,
) -> None:
    """Paper-grouped R² of log10(target) ± spread, baseline vs hybrid (vs GP), and the random-split contrast."""
    from ferrokit.design import evaluate
    from ferrokit.design.models import boosting_models

    t = _target(target)
    kinds = None if models is None else tuple(m.strip().lower() for m in models.split(",") if m.strip())
    allowed = boosting_models(t)
    if kinds is not None and (not kinds or any(k not in allowed for k in kinds) or len(set(kinds)) != len(kinds)):
        raise FerroKitInputError(f"--models must be a comma-separated list of distinct {', '.join(allowed)} "
                                 f"for {t}; got {models!r}")
    table = _training_table(t, data, literature)
    with _progress(f"cross-validating {t} (grouped ×{repeats}, random ×1)", json_out) as prog:
        prog.add_task("cv")
        ev = evaluate(table, repeats=repeats, n_splits=folds, n_estimators=n_estimators, rng=seed,
                      max_depth=max_depth, gp=gp, models=kinds)
    if json_out:
        print_json(ev.to_dict())
        return
    tab = Table(title=f"{t}: R² of log10({t}), {ev.n_rows} rows, {ev.n_groups} papers, {folds}-fold")
    for col in ("model", "features", "split", "R²(log) mean", "± sd", "repeats", "90 % interval coverage"):
        tab.add_column(col)
    for s in ev.scores:
        cov = s.to_dict().get("interval_coverage_mean")
        tab.add_row(s.model, s.feature_set, s.split + (" (reported)" if s.split == "grouped" else " (contrast)"),
                    f"{s.mean:.3f}", f"{s.std:.3f}", str(len(s.r2_log)), "" if cov is None else f"{cov:.2f}")
    console.print(tab)
    for d in ev.to_dict()["paired_vs_gb"]:
        console.print(f"{d['model']} − gb ({d['feature_set']}, same folds): grouped R²(log) "
                      f"{d['mean']:+.3f} ± {d['std']:.3f} over {len(d['per_repeat'])} repeats")


@app.command("predict")
@handle_errors
def predict_cmd(
    target: Target,
    rows: Annotated[Path, typer.Argument(help="CSV of particles (DiMag layout or FerroKit schema).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Predictions CSV to write.")],
    model: Annotated[Path | None, typer.Option("--model", help="Model file; default: train on DiMag now.")] = None,
    json_out: Json = False,
) -> None:
    """One prediction with its interval per input row, in input order (extra columns ignored)."""
    from ferrokit.design import load_dimag, load_model, read_design_csv, train_model

    t = _target(target)
    table = read_design_csv(rows, t, need_target=False, need_group=False)
    if table.rejected:
        first = table.rejected[0]
        raise FerroKitInputError(f"{rows.name}: {len(table.rejected)} row(s) cannot be predicted; "
                                 f"first: line {first.line}: {first.reason}")
    if model is not None:
        m = load_model(model)
    else:
        with _progress(f"training {t} model on DiMag", json_out) as prog:
            prog.add_task("train")
            m = train_model(load_dimag(t))
    if m.target != t:
        raise FerroKitInputError(f"--model predicts {m.target}, not {t}")
    pred = m.predict(table)
    unit, factor = _UNITS[t]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["line", "composition", f"{t} ({unit})", f"{t}_low ({unit})", f"{t}_high ({unit})"])
    for ln, comp, v, lo, hi in zip(pred.lines, table.text["composition"], pred.value, pred.low, pred.high,
                                   strict=True):
        w.writerow([ln, comp, f"{v * factor:.6g}", f"{lo * factor:.6g}", f"{hi * factor:.6g}"])
    write_text_atomic(out, buf.getvalue())
    if json_out:
        print_json({**pred.to_dict(), "out": str(out), "ferrokit_version": __version__})
        return
    console.print(f"{len(pred.value)} {t} predictions ({100 * (1 - pred.alpha):g} % intervals) → {out}")


@app.command("data")
@handle_errors
def data_cmd(
    target: Target,
    data: Annotated[Path | None, typer.Option("--data", help="Check your file instead of the shipped table.")] = None,
    report: Annotated[bool, typer.Option("--report", help="List every rejected row with its reason.")] = False,
    json_out: Json = False,
) -> None:
    """Summarise a design table (rows, papers) and, with --report, the rejected rows and why."""
    from ferrokit.design import load_dimag, read_design_csv

    t = _target(target)
    table = read_design_csv(data, t) if data is not None else load_dimag(t)
    if json_out:
        out = table.to_dict() if report else table.summary()
        print_json({**out, "ferrokit_version": __version__})
        return
    s = table.summary()
    console.print(f"{t}: {s['rows']} valid rows from {s['groups']} papers; {s['rejected']} rejected")
    for reason, n in s["rejected_by_reason"].items():
        console.print(f"  {n:4d} × {reason}")
    if report:
        tab = Table(title="rejected rows")
        for col in ("source", "line", "doi", "reason"):
            tab.add_column(col, overflow="fold")
        for r in table.rejected:
            tab.add_row(r.source, str(r.line), r.doi, r.reason)
        console.print(tab)


def _read_design_config(path: Path, schema):
    from ferrokit._shared.schema import validate_model
    from ferrokit.study.config import read_yaml_mapping

    if path.is_dir():
        raise FerroKitInputError(f"{path}: is a directory, not a config file")
    return validate_model(schema, read_yaml_mapping(path), where=path.name)


Plot = Annotated[Path | None, typer.Option("--plot", help="Write a figure (PNG/PDF/SVG).")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Also write the JSON result to this file.")]


@app.command("sensitivity")
@handle_errors
def sensitivity_cmd(
    config: Annotated[Path, typer.Argument(help="Sensitivity config YAML (see examples/design_sensitivity.yaml).")],
    json_out: Json = False,
    plot: Plot = None,
    out: Out = None,
) -> None:
    """Global sensitivity (Sobol, Morris, PAWN/delta) of the physics SLP/r2 or of a trained surrogate."""
    from ferrokit.cli._common import write_figure_and_json
    from ferrokit.design.sensitivity import SensitivityConfig, run_sensitivity

    cfg = _read_design_config(config, SensitivityConfig)
    with _progress(f"sensitivity of the {cfg.model} model ({', '.join(cfg.methods)})", json_out) as prog:
        prog.add_task("sensitivity")
        rep = run_sensitivity(cfg)
    payload = rep.to_dict() | {"config": str(config)}
    write_figure_and_json(plot=plot, plotter=rep.plot, out=out, payload=payload)
    if json_out:
        print_json(payload)
        return
    for r in rep.results:
        key, conf = r.main
        tab = Table(title=f"{r.model}: {r.output} — {r.method} ({r.n_evaluations} runs)")
        tab.add_column("input")
        tab.add_column(key)
        tab.add_column(f"± ({100 * r.conf_level:g} % CI)")
        for name in r.ranking():
            i = r.names.index(name)
            tab.add_row(name, f"{r.indices[key][i]:.3f}", f"{r.indices[conf][i]:.3f}")
        console.print(tab)


@app.command("optimize")
@handle_errors
def optimize_cmd(
    config: Annotated[Path, typer.Argument(help="Inverse-design config YAML (see examples/design_optimize.yaml).")],
    json_out: Json = False,
    plot: Plot = None,
    out: Out = None,
) -> None:
    """Constrained search maximising SLP and r2: Pareto front, ranked candidates, next batch to synthesise."""
    from ferrokit.cli._common import write_figure_and_json
    from ferrokit.design.inverse import OptimizeConfig, optimize

    cfg = _read_design_config(config, OptimizeConfig)
    with _progress("inverse design (physics SLP and r2, DiTox viability)", json_out) as prog:
        prog.add_task("optimize")
        res = optimize(cfg)
    payload = res.to_dict() | {"config": str(config)}
    write_figure_and_json(plot=plot, plotter=res.plot, out=out, payload=payload)
    if json_out:
        print_json(payload)
        return
    console.print(f"{len(res.x)} designs evaluated, {int(res.feasible.sum())} feasible, {len(res.front)} on the "
                  f"Pareto front; viability model grouped R² {res.viability_model['cv']['r2_grouped']:.2f}")
    tab = Table(title=f"ranked candidates ({res.settings['ranking']}); 5–95 % from physics-parameter uncertainty")
    for col in ("#", "Zn x", "core nm", "d_h nm", "f kHz", "H kA/m", "SLP W/g (5–95 %)", "r2 mM⁻¹s⁻¹ (5–95 %)",
                "viability", "batch"):
        tab.add_column(col)
    batch_keys = {(b["core_size"], b["frequency"]): b["batch_order"] for b in res.batch}
    for k, c in enumerate(res.candidates, 1):
        u = c["uncertainty"]
        tab.add_row(str(k), f"{c['zn_fraction']:.2f}", f"{c['core_size'] * 1e9:.1f}",
                    f"{c['hydrodynamic_size'] * 1e9:.1f}", f"{c['frequency'] / 1e3:.0f}", f"{c['amplitude'] / 1e3:.1f}",
                    f"{c['slp'] / 1e3:.0f} ({u['slp_q05'] / 1e3:.0f}–{u['slp_q95'] / 1e3:.0f})",
                    f"{c['r2']:.0f} ({u['r2_q05']:.0f}–{u['r2_q95']:.0f})", f"{c['viability']:.2f}",
                    str(batch_keys.get((c["core_size"], c["frequency"]), "")))
    console.print(tab)
