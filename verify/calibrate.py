"""``python -m verify calibrate``: the observed false-alarm rate of the Monte Carlo checks.

Runs every Monte Carlo check (a statement whose verdict evidence reports ``samples > 0``) over many
seeds.  The registered formulas are the correct ones (for an ``erratum`` the corrected part, for a
``conditional`` the part inside the condition), so every verdict that differs from the registry's
expectation is a **false alarm**.  Reported next to the designed rate ``ALPHA_PER_CHECK`` (per Monte
Carlo comparison; ``MAX_MC_COMPARISONS_PER_STATEMENT`` per statement):

* alarms / runs per statement and pooled, with a two-sided 95% Clopper-Pearson interval;
* because a designed rate of 2e-6 cannot be resolved with a few hundred runs, also the calibration
  of the worst z itself: for each Monte Carlo comparison the Bonferroni p-value of its worst z,
  ``p = min(1, m * 2 * Phi(-z))`` (m = compared coordinates x examples, from the tolerance string).
  Under a correct standard error p is (super-)uniform, so the fraction of runs with ``p < 0.05``
  must be at most about 5% (and ``p < 0.01`` at most about 1%); much more means the standard
  errors are too small (or the closed form is subtly wrong).

Not part of the default CI run (slow: statements x seeds).  Examples::

    python -m verify calibrate --seeds 20                 # every MC check, 20 seeds each
    python -m verify calibrate --chapter 5 --seeds 50 --out calib.json
    python -m verify calibrate --ids thm-5.2,remark-5.1 --seeds 100
"""
from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

from scipy.special import ndtr


def correct_units(d: dict, expect: str | None = None) -> list[dict]:
    """The Monte Carlo sub-verdicts of ``d`` that test a *correct* formula (leaves with samples > 0).

    ``expect`` (default: the verdict dict's own expectation) picks the part: erratum -> the corrected
    part (``parts[1]``), conditional -> the inside part (``parts[0]``), verified -> all leaves;
    refuted / inconclusive statements have no correct Monte Carlo formula to calibrate.
    """
    expect = expect if expect is not None else d.get("expect", "verified")
    parts = d.get("parts") or []
    if expect == "erratum":
        return correct_units(parts[1], "verified") if len(parts) >= 2 else []
    if expect == "conditional":
        return correct_units(parts[0], "verified") if parts else []
    if expect != "verified":
        return []
    if parts:
        out = []
        for p in parts:
            out += correct_units(p, "verified")
        return out
    e = d.get("evidence") or {}
    if (e.get("samples") or 0) > 0 and e.get("worst_z") is not None:
        return [d]
    return []


def bonferroni_m(tolerance: str) -> int:
    m = re.search(r"Bonferroni m=(\d+)", tolerance or "")
    return int(m.group(1)) if m else 1


def unit_pvalue(u: dict) -> float | None:
    """Bonferroni p-value of the worst z of one Monte Carlo comparison (conservative).

    None for a degenerate comparison: an infinite worst z in a comparison that passed means a
    coordinate with zero standard error (a deterministic quantity) that matched within float64
    round-off -- it says nothing about the calibration of the standard errors."""
    e = u.get("evidence") or {}
    z = e.get("worst_z")
    try:
        z = float(z)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(z):
        return None if u.get("verdict") == "verified" else 0.0
    m = bonferroni_m(e.get("tolerance", ""))
    return float(min(1.0, m * 2.0 * ndtr(-abs(z))))


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import beta

    a = 1 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def summarize(runs: dict[str, list[dict]]) -> dict:
    """Aggregate ``{statement id: [verdict dict per seed]}`` into per-statement and pooled numbers."""
    from . import tolerance

    rows, all_p, tot_runs, tot_alarms = [], [], 0, 0
    for sid, ds in runs.items():
        alarms = [d for d in ds if d.get("verdict") != d.get("expect")]
        allp = [unit_pvalue(u) for d in ds for u in correct_units(d)]
        ps = [p for p in allp if p is not None]
        degenerate = len(allp) - len(ps)
        all_p += ps
        tot_runs += len(ds)
        tot_alarms += len(alarms)
        lo, hi = clopper_pearson(len(alarms), len(ds)) if ds else (0.0, 1.0)
        rows.append({"id": sid, "runs": len(ds), "alarms": len(alarms), "alarm_rate": len(alarms) / max(len(ds), 1),
                     "alarm_ci95": [lo, hi], "alarm_seeds": [d.get("evidence", {}).get("seed") for d in alarms],
                     "mc_comparisons": len(ps), "degenerate_se0": degenerate, "frac_p_below_0.05": _frac(ps, 0.05),
                     "frac_p_below_0.01": _frac(ps, 0.01), "min_p": min(ps) if ps else None,
                     "max_worst_z": max((float(u["evidence"]["worst_z"]) for d in ds for u in correct_units(d)
                                         if math.isfinite(float(u["evidence"]["worst_z"]))), default=None),
                     "wall_s_mean": sum((d.get("evidence") or {}).get("wall_s", 0.0) for d in ds) / max(len(ds), 1)})
    lo, hi = clopper_pearson(tot_alarms, tot_runs) if tot_runs else (0.0, 1.0)
    k05 = sum(p < 0.05 for p in all_p)
    k01 = sum(p < 0.01 for p in all_p)
    return {
        "designed_alpha_per_comparison": tolerance.ALPHA_PER_CHECK,
        "designed_alpha_per_statement_max": tolerance.ALPHA_PER_CHECK * tolerance.MAX_MC_COMPARISONS_PER_STATEMENT,
        "statements": len(runs), "runs": tot_runs, "alarms": tot_alarms,
        "alarm_rate": tot_alarms / max(tot_runs, 1), "alarm_ci95": [lo, hi],
        "mc_comparisons": len(all_p), "degenerate_se0": sum(r["degenerate_se0"] for r in rows),
        "frac_p_below_0.05": _frac(all_p, 0.05), "frac_p_below_0.05_ci95": list(clopper_pearson(k05, len(all_p)))
        if all_p else None,
        "frac_p_below_0.01": _frac(all_p, 0.01), "frac_p_below_0.01_ci95": list(clopper_pearson(k01, len(all_p)))
        if all_p else None,
        "calibrated": bool(tot_alarms == 0 and (not all_p or clopper_pearson(k05, len(all_p))[0] <= 0.05)),
        "per_statement": rows,
    }


def _frac(ps, t):
    return (sum(p < t for p in ps) / len(ps)) if ps else None


def is_mc(d: dict) -> bool:
    def any_samples(x):
        return (x.get("evidence") or {}).get("samples", 0) > 0 or any(any_samples(p) for p in x.get("parts") or [])
    return any_samples(d)


def calibrate(statements, *, seeds: int = 20, first_seed: int = 1000, profile: str = "quick",
              progress=None, known_mc: set[str] | None = None) -> dict:
    """Run each Monte Carlo statement over ``seeds`` seeds.  A statement is kept when its first run
    reports samples > 0 (or it is in ``known_mc``)."""
    runs: dict[str, list[dict]] = {}
    skipped = []
    t0 = time.perf_counter()
    for st in statements:
        if known_mc is not None and st.id not in known_mc:
            skipped.append(st.id)
            continue
        ds = []
        for i in range(seeds):
            s = first_seed + i
            if progress:
                progress(f"{st.id} seed {s}")
            d = st.run(profile, seed=s).to_dict()
            if i == 0 and not is_mc(d):
                skipped.append(st.id)
                break
            ds.append(d)
            if progress:
                progress(None)
        if ds:
            runs[st.id] = ds
    out = summarize(runs)
    out.update({"profile": profile, "seeds": seeds, "first_seed": first_seed, "not_monte_carlo": skipped,
                "wall_s": time.perf_counter() - t0})
    return out


def render(res: dict, console=None):
    from rich.console import Console
    from rich.table import Table

    con = console or Console()

    def f(x, nd=3):
        return "-" if x is None else (f"{x:.{nd}g}" if isinstance(x, float) else str(x))

    t = Table(title=f"false-alarm calibration ({res['profile']} profile, {res['seeds']} seeds from {res['first_seed']})")
    for c in ("statement", "runs", "alarms", "alarm rate (95% CI)", "MC comparisons", "p<0.05", "p<0.01",
              "max worst z", "s/run"):
        t.add_column(c)
    for r in res["per_statement"]:
        t.add_row(r["id"], str(r["runs"]), f"[red]{r['alarms']}[/]" if r["alarms"] else "0",
                  f"{r['alarm_rate']:.3g} ({r['alarm_ci95'][0]:.2g}-{r['alarm_ci95'][1]:.2g})", str(r["mc_comparisons"]),
                  f(r["frac_p_below_0.05"]), f(r["frac_p_below_0.01"]), f(r["max_worst_z"]), f(r["wall_s_mean"]))
    con.print(t)
    lo, hi = res["alarm_ci95"]
    con.print(f"pooled: {res['alarms']} false alarms in {res['runs']} runs of {res['statements']} Monte Carlo "
              f"statements: rate {res['alarm_rate']:.3g} (95% CI {lo:.2g}-{hi:.2g}); designed <= "
              f"{res['designed_alpha_per_statement_max']:.2g} per statement ({res['designed_alpha_per_comparison']:g} per "
              f"comparison)")
    if res["mc_comparisons"]:
        c5, c1 = res["frac_p_below_0.05_ci95"], res["frac_p_below_0.01_ci95"]
        con.print(f"worst-z calibration over {res['mc_comparisons']} comparisons: P(p<0.05) = "
                  f"{res['frac_p_below_0.05']:.3f} (95% CI {c5[0]:.3f}-{c5[1]:.3f}; designed <= 0.05), P(p<0.01) = "
                  f"{res['frac_p_below_0.01']:.3f} (95% CI {c1[0]:.3f}-{c1[1]:.3f}; designed <= 0.01)")
    if res.get("degenerate_se0"):
        con.print(f"{res['degenerate_se0']} comparisons had a zero-standard-error coordinate matched within round-off "
                  "(infinite z, not a calibration datum)")
    con.print("[green]calibrated[/]" if res["calibrated"] else "[red]NOT calibrated: see the rows above[/]")
    if res["not_monte_carlo"]:
        con.print(f"[dim]{len(res['not_monte_carlo'])} statements without Monte Carlo evidence skipped[/]")


def add_parser(sub):
    from .cli import _nonneg_int, _profile

    sp = sub.add_parser("calibrate", help="false-alarm rate of the Monte Carlo checks over many seeds (slow)")
    sp.add_argument("--seeds", type=_nonneg_int, default=20, help="seeds per statement (default 20)")
    sp.add_argument("--first-seed", type=_nonneg_int, default=1000, help="first seed (default 1000)")
    sp.add_argument("--profile", type=_profile, default="quick", help="quick | ci | thorough")
    sp.add_argument("--chapter", type=str, default=None)
    sp.add_argument("--ids", type=str, default=None, help="comma-separated ids (default: every MC statement)")
    sp.add_argument("--mc-from", type=Path, default=None,
                    help="verdicts JSON (from `verify all --json` or report.json): take the MC statements from it "
                         "instead of probing each statement once")
    sp.add_argument("--out", type=Path, default=None, help="write the full result as JSON")
    sp.add_argument("--json", action="store_true")


def run(args) -> int:
    from . import registry
    from .cli import EXIT_MISMATCH, EXIT_OK, UsageError

    if args.seeds < 1:
        raise UsageError("--seeds must be >= 1")
    sts = registry.all_statements()
    if args.chapter:
        ch = args.chapter.strip().lower()
        ch = "5" if ch == "paper" else ch
        if ch not in registry.chapters():
            raise UsageError(f"unknown chapter {args.chapter!r}; chapters: {', '.join(registry.chapters())}")
        sts = [s for s in sts if s.chapter == ch]
    if args.ids:
        want = {registry.resolve(i.strip()) for i in args.ids.split(",") if i.strip()}
        sts = [s for s in sts if s.id in want]
    known = None
    if args.mc_from:
        from .report import read_verdicts_json
        if not args.mc_from.is_file():
            raise UsageError(f"--mc-from: no such file {args.mc_from}")
        known = {sid for sid, d in read_verdicts_json(args.mc_from).items() if is_mc(d)}
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    con = Console(stderr=args.json)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=con, transient=True, disable=not con.is_terminal) as prog:
        task = prog.add_task("calibrating", total=len(sts) * args.seeds)

        def progress(msg):
            if msg is None:
                prog.advance(task)
            else:
                prog.update(task, description=msg)
        res = calibrate(sts, seeds=args.seeds, first_seed=args.first_seed, profile=args.profile, progress=progress,
                        known_mc=known)
    from .verdict import _jsonable
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(_jsonable(res), indent=1))
    if args.json:
        print(json.dumps(_jsonable({k: v for k, v in res.items()})))
    else:
        render(res, con)
    return EXIT_OK if res["calibrated"] else EXIT_MISMATCH


def _register():
    from .cli import register_command
    register_command("calibrate", add_parser, run)


_register()
