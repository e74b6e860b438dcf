"""Figures 7.3 (d = 5) and 7.4 (d = 10): GD vs perturbed GD (Algorithm 2) on the octopus, varying L.

Hyper-parameters (Section 7.5, L7333; the OCR is garbled, read as in Du et al. 2017):
eta = 1/(4L) for both, PGD t_thres = 1, g_thres = gamma e/100, r = e/100; gamma = 1, tau = e (Step 1);
L in {2, e, 4} (the text: "vary L"; the values are not legible).  Inits uniform in [-1,1]^d.

Note: eta = 1/(4L) exceeds 1/l of the construction (l ~ 12.75 L, see def-7.2), and with
1 - 2 eta L = 1/2 the coordinates that wait for their saddle halve every step; after ~1074 steps
they underflow to exactly 0 in float64 and GD never escapes that saddle.  The GD curves stop
descending there; the escape-time growth factors are measured on the resolved saddles.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import jax
import numpy as np

from analytic import saddle as S

from . import experiment

E = math.e
GAMMA, TAU = 1.0, E
L_VALUES = (2.0, E, 4.0)
HYPER = {"eta": "1/(4L)", "t_thres": 1, "g_thres": "gamma*e/100", "r": "e/100", "gamma": GAMMA, "tau": "e",
         "L": list(L_VALUES), "init": "uniform [-1,1]^d"}


def _col_median(D):
    """Median over runs of each column, ignoring NaN (runs that never escaped); NaN for a column with
    no finite entry (without numpy's All-NaN RuntimeWarning)."""
    D = np.asarray(D, np.float64)
    out = np.full(D.shape[1:], np.nan)
    ok = np.isfinite(D).any(axis=0)
    if ok.any():
        out[ok] = np.nanmedian(D[:, ok], axis=0)
    return out


def _hp(L):
    return dict(eta=1.0 / (4.0 * L), r=E / 100, g_thres=GAMMA * E / 100, t_thres=1)


def gd_cap(d: int, full: bool) -> int:
    return (40_000 if full else 6_000) if d <= 5 else (60_000 if full else 6_000)


def _durations(T):
    T = np.asarray(T, np.float64)
    prev = np.concatenate([np.zeros((T.shape[0], 1)), T[:, :-1]], axis=1)
    return np.where((T >= 0) & (prev >= 0), T - prev, np.nan)


def escape_stats(d: int, Ls=L_VALUES, *, n_init: int = 16, max_steps: int = 6000, seed: int = 0) -> dict:
    """Per L: GD and PGD escape times per saddle (vmapped while_loop), growth factors vs theory."""
    out = {}
    for i, L in enumerate(Ls):
        hp = _hp(L)
        x0 = jax.random.uniform(jax.random.key(seed + i), (n_init, d), minval=-1.0, maxval=1.0)
        kw = dict(step_bound=1.0 / (2 * L), step_what="1/(2L) (Lemma 7.2; the experiments' 1/(4L) exceeds 1/l)")
        gd = S.run_escape(x0, L, GAMMA, TAU, hp["eta"], max_steps=max_steps, **kw)
        pgd = S.run_escape(x0, L, GAMMA, TAU, hp["eta"], max_steps=max_steps, pgd=True,
                           key=jax.random.key(seed + 100 + i), r=hp["r"], g_thres=hp["g_thres"],
                           t_thres=hp["t_thres"], **kw)
        A = np.asarray(gd["A"], np.float64)
        ratios = []
        for k in range(d - 1):
            okk = (A[:, k] > 0) & (A[:, k + 1] >= 0)
            if okk.any():
                ratios.append(A[okk, k + 1] / A[okk, k])
        Dg, Dp = _durations(gd["T"]), _durations(pgd["T"])
        med_g, med_p = _col_median(Dg), _col_median(Dp)
        growth = [float(med_g[k + 1] / med_g[k]) for k in range(d - 1)
                  if np.isfinite(med_g[k]) and np.isfinite(med_g[k + 1]) and med_g[k] > 0]
        Tp, Tg = np.asarray(pgd["T"])[:, -1], np.asarray(gd["T"])[:, -1]
        later = med_p[1:]
        eta = hp["eta"]
        out[float(L)] = {
            "kappa": float(S.escape_ratio(L, GAMMA)),
            "discrete_prediction": 1 + math.log(1 / (1 - 2 * eta * L)) / math.log(1 + 2 * eta * GAMMA),
            "gd_min_ratio": float(min(r.min() for r in ratios)) if ratios else None,
            "gd_median_growth": float(np.median(growth[1:] if len(growth) > 1 else growth)) if growth else None,
            "gd_growth_per_stage": growth,
            "gd_median_stage_durations": [None if not np.isfinite(v) else float(v) for v in med_g],
            "gd_saddles_escaped_median": float(np.median(np.sum(np.asarray(gd["T"]) >= 0, axis=1))),
            "pgd_median_stage_durations": [None if not np.isfinite(v) else float(v) for v in med_p],
            "pgd_all_reached": bool(np.all(Tp >= 0)),
            "pgd_faster": bool(np.all((Tp >= 0) & ((Tg < 0) | (Tp < Tg)))),
            "pgd_constant": bool(np.all(np.isfinite(later)) and later.max() <= 2.0 * later.min()),
            "pgd_median_total": float(np.median(Tp)),
        }
    return out


def _curves(d, L, n_steps, stride, seed):
    hp = _hp(L)
    x0 = jax.random.uniform(jax.random.key(seed), (1, d), minval=-1.0, maxval=1.0)
    kw = dict(step_bound=1.0 / (2 * L), step_what="1/(2L)")
    gd = np.asarray(S.run_values(x0, L, GAMMA, TAU, hp["eta"], n_steps=n_steps, stride=stride, **kw))[0]
    pgd = np.asarray(S.run_values(x0, L, GAMMA, TAU, hp["eta"], n_steps=n_steps, stride=stride, pgd=True,
                                  key=jax.random.key(seed + 1), r=hp["r"], g_thres=hp["g_thres"],
                                  t_thres=hp["t_thres"], **kw))[0]
    return np.arange(len(gd)) * stride, gd, pgd


def _run(fig_id, d, out_dir: Path, profile, seed, progress, full):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_steps = gd_cap(d, full)
    stride = 10 if not full else 20
    n_init = 64 if full else max(8, int(16 * profile.scale))
    curves = {}
    for L in L_VALUES:
        if progress:
            progress(f"{fig_id}: curves L={L:.3g}")
        curves[L] = _curves(d, L, n_steps, stride, seed)
    if progress:
        progress(f"{fig_id}: escape statistics over {n_init} inits")
    stats = escape_stats(d, L_VALUES, n_init=n_init, max_steps=n_steps, seed=seed)
    csv_path = out_dir / f"{fig_id}.csv"
    with open(csv_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["L", "method", "iteration", "f"])
        for L, (ts, gd, pgd) in curves.items():
            for t, a in zip(ts, gd):
                w.writerow([f"{L:.6g}", "GD", int(t), f"{a:.10g}"])
            for t, a in zip(ts, pgd):
                w.writerow([f"{L:.6g}", "PGD", int(t), f"{a:.10g}"])
    stats_path = out_dir / f"{fig_id}-escape.csv"
    with open(stats_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["L", "kappa=(L+gamma)/gamma", "discrete_prediction", "gd_median_growth", "gd_min_ratio",
                    "gd_median_stage_durations", "pgd_median_stage_durations"])
        for L, r in stats.items():
            w.writerow([f"{L:.6g}", f"{r['kappa']:.4f}", f"{r['discrete_prediction']:.4f}", r["gd_median_growth"],
                        r["gd_min_ratio"], r["gd_median_stage_durations"], r["pgd_median_stage_durations"]])
    fig, axes = plt.subplots(1, len(L_VALUES), figsize=(5 * len(L_VALUES), 4))
    for ax, (L, (ts, gd, pgd)) in zip(axes, curves.items()):
        ax.plot(ts, gd, label="GD")
        ax.plot(ts, pgd, label="PGD")
        ax.set_title(f"d={d}, L={L:.3g}, gamma=1, tau=e")
        ax.set_xlabel("iteration")
        ax.set_ylabel("f(x_t)")
        ax.legend()
    fig.tight_layout()
    png = out_dir / f"{fig_id}.png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    lines = [f"{fig_id}: d={d}, {n_steps} steps, hyper-parameters {HYPER}"]
    for L, r in stats.items():
        lines.append(f"L={L:.3g}: GD growth per saddle (median) {r['gd_median_growth']}, min A_(k+1)/A_k "
                     f"{r['gd_min_ratio']}, theory (L+gamma)/gamma = {r['kappa']:.3f} (discrete "
                     f"{r['discrete_prediction']:.3f}); PGD median stage durations {r['pgd_median_stage_durations']}")
    return {"files": [str(csv_path), str(stats_path), str(png)], "text": "\n".join(lines), "stats": stats,
            "hyper_parameters": HYPER}


@experiment("fig-7.3", title="GD vs PGD on the counter-example, d = 5, varying L")
def fig_7_3(out_dir, profile, seed: int = 0, progress=None, full: bool = False):
    return _run("fig-7.3", 5, out_dir, profile, seed, progress, full)


@experiment("fig-7.4", title="GD vs PGD on the counter-example, d = 10, varying L")
def fig_7_4(out_dir, profile, seed: int = 0, progress=None, full: bool = False):
    return _run("fig-7.4", 10, out_dir, profile, seed, progress, full)
