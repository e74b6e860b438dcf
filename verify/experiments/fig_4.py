"""Figures 4.1 and 4.2 of the thesis (Section 4.1 and 4.4): auto-balancing in practice.

fig-4.1 (line 3772): GD on the unregularized matrix factorization (4.1) vs the regularized (4.3)
from a random initialization: loss and ||U||_F / ||V||_F over iterations.  The source does not
print the sizes; here d1 = d2 = 20, r = 5 (full) or d1 = d2 = 10, r = 3 (scaled), init entries
N(0, 0.1^2), as drawn and with ||V_0||_F rescaled to ||U_0||_F, eta = 0.05/sigma_1(M*) (constant),
regularizer weight 1/8 (Ge et al.).  What gradient flow conserves is ||U||^2 - ||V||^2 (Cor. 4.1),
so the ratio is constant only when that difference is ~0 at the start.

fig-4.2 (line 4114): a 3-layer ReLU network f(x) = W3 relu(W2 relu(W1 x)), 1000 -> 100 -> 100 -> 10,
1,000 points, quadratic loss, 10,000 GD iterations (full=True).  Balanced initialization: entry
variances 1e-4 * (n_out^(3) n_in^(3)) / (n_out^(h) n_in^(h)) so that E||W_h||_F^2 is the same for all h
(= 0.1 at full size; the printed variances are illegible in the OCR); unbalanced: every entry
N(0, 1e-4) (E||W_h||_F^2 = 10, 1, 0.1 at full size: the differences ~9 quoted in the text).  The
data are not described in the source: x ~ N(0, I/d0), y ~ N(0, I), loss (1/2m) sum ||f(x)-y||^2,
eta = 0.2 (constant).  The final norms (42.90/43.76/43.68 and 55.50/45.65/45.46 in the source)
depend on these unknowns and are not compared.  Scaled default: 200 -> 40 -> 40 -> 10, 200 points,
5,000 iterations (~30 s); the registered check uses 60 -> 20 -> 20 -> 5, 60 points, 3,000 iterations.
"""
from __future__ import annotations

import csv
import functools
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from analytic import balance as B

from . import experiment


# ----------------------------------------------------------------------------- fig 4.1
@functools.lru_cache(maxsize=None)
def _mf_runner(T, every, objective):
    """jitted (U0, V0, M, eta) -> rows (loss, ||U||/||V||, ||U||^2 - ||V||^2) every ``every`` steps."""
    import optax

    def run(U0, V0, M, eta):
        opt = B.gd_transform(eta)

        def loss(uv):
            return (B.mf_loss if objective == "plain" else B.mf_regularized_loss)(uv[0], uv[1], M)

        def stats(uv):
            nu, nv = jnp.sum(uv[0] ** 2), jnp.sum(uv[1] ** 2)
            return jnp.stack([B.mf_loss(uv[0], uv[1], M), jnp.sqrt(nu / nv), nu - nv])

        def chunk(c, _):
            def step(c2, _):
                uv, s = c2
                upd, s = opt.update(jax.grad(loss)(uv), s, uv)
                return (optax.apply_updates(uv, upd), s), None

            c, _ = jax.lax.scan(step, c, None, length=every)
            return c, stats(c[0])

        uv = (U0, V0)
        _, tr = jax.lax.scan(chunk, (uv, opt.init(uv)), None, length=T // every)
        return jnp.concatenate([stats(uv)[None], tr], axis=0)

    return jax.jit(run)


def mf_curves(d1=10, d2=10, r=3, T=3000, every=10, seed=0, init_std=0.1, c_step=0.05, equalize=False):
    """GD on (4.1) and (4.3) from the same init; rows (loss, ||U||_F/||V||_F, ||U||_F^2 - ||V||_F^2)."""
    rng = np.random.default_rng(seed)
    q1, _ = np.linalg.qr(rng.normal(size=(d1, r)))
    q2, _ = np.linalg.qr(rng.normal(size=(d2, r)))
    M = (q1 * np.linspace(1.0, 0.5, r)) @ q2.T
    if init_std == "matched":  # E||U_0||_F^2 = ||M*||_* (the norm of the balanced solution)
        init_std = float(np.sqrt(np.sum(np.linalg.svd(M)[1]) / (max(d1, d2) * r)))
    U0, V0 = rng.normal(size=(d1, r)) * init_std, rng.normal(size=(d2, r)) * init_std
    if equalize:  # ||V_0||_F = ||U_0||_F: no initial imbalance
        V0 = V0 * (np.linalg.norm(U0) / np.linalg.norm(V0))
    eta = c_step / float(np.linalg.norm(M, 2))
    its = np.arange(0, T + 1, every)[: T // every + 1]
    return dict(iteration=its, plain=np.asarray(_mf_runner(T, every, "plain")(U0, V0, M, eta)),
                regularized=np.asarray(_mf_runner(T, every, "regularized")(U0, V0, M, eta)),
                m_norm2=float(np.sum(M ** 2)), init_std=init_std, nuclear=float(np.sum(np.linalg.svd(M)[1])),
                init_norm2=float(np.sum(U0 ** 2)))


def judge_fig41(c):
    """Both objectives reach relative loss <= 1e-8; on (4.1) ||U||^2 - ||V||^2 stays within 1e-2 ||M*||_F
    of its initial value (the discretized invariant) and ||U_t||/||V_t|| stays within 5% of its
    initial value ('the ratio between norms remains a constant')."""
    p, g = c["plain"], c["regularized"]
    rel = lambda a: a[-1, 0] / (c["m_norm2"] / 2)  # noqa: E731
    info = {"init_std": c["init_std"], "init_norm2_over_nuclear": c["init_norm2"] / c["nuclear"],
            "final_rel_loss_plain": float(rel(p)), "final_rel_loss_regularized": float(rel(g)),
            "ratio_initial_plain": float(p[0, 1]), "ratio_range_plain": [float(p[:, 1].min()), float(p[:, 1].max())],
            "ratio_final_regularized": float(g[-1, 1]),
            "diff_drift_plain": float(np.max(np.abs(p[:, 2] - p[0, 2])))}
    converged = info["final_rel_loss_plain"] <= 1e-8 and info["final_rel_loss_regularized"] <= 1e-8
    conserved = info["diff_drift_plain"] <= 1e-2 * np.sqrt(c["m_norm2"])
    constant = max(abs(x / p[0, 1] - 1) for x in info["ratio_range_plain"]) <= 0.05
    info.update(converged=converged, difference_conserved=bool(conserved), ratio_constant=bool(constant))
    return bool(converged and conserved and constant), info


FIG41_INITS = (False, True)  # init N(0, 0.1^2) as drawn / with ||V_0||_F rescaled to ||U_0||_F


@experiment("fig-4.1", title="MF: GD on (4.1) vs the regularized (4.3): loss and ||U||_F/||V||_F")
def fig_4_1(out_dir: Path, profile, seed: int, progress=None, full: bool = False) -> dict:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    kw = dict(d1=20, d2=20, r=5, T=40000, every=40) if full else dict(d1=10, d2=10, r=3, T=6000, every=10)
    res = {}
    for s0 in FIG41_INITS:
        if progress:
            progress(f"fig-4.1: GD on (4.1) and (4.3), equalized init {s0}, {kw}")
        res[s0] = mf_curves(seed=seed, init_std=0.1, equalize=s0, **kw)
    csv_path = out_dir / "fig-4.1.csv"
    with open(csv_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["equalized_init", "iteration", "loss_plain", "ratio_plain", "normdiff_plain", "loss_reg", "ratio_reg",
                    "normdiff_reg"])
        for s0, c in res.items():
            for i, it in enumerate(c["iteration"]):
                w.writerow([s0, int(it), *c["plain"][i], *c["regularized"][i]])
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for s0, ls in zip(FIG41_INITS, ("-", "--")):
        c = res[s0]
        ax[0].semilogy(c["iteration"], c["plain"][:, 0], "r" + ls, label=f"(4.1), equalized init {s0}")
        ax[0].semilogy(c["iteration"], c["regularized"][:, 0], "b" + ls, label=f"(4.3), equalized init {s0}")
        ax[1].plot(c["iteration"], c["plain"][:, 1], "r" + ls, label=f"(4.1), equalized init {s0}")
        ax[1].plot(c["iteration"], c["regularized"][:, 1], "b" + ls, label=f"(4.3), equalized init {s0}")
    ax[0].set_xlabel("iteration"); ax[0].set_ylabel("1/2 ||UV^T - M*||_F^2"); ax[0].legend(fontsize=7)
    ax[1].set_xlabel("iteration"); ax[1].set_ylabel("||U||_F / ||V||_F"); ax[1].legend(fontsize=7)
    fig.tight_layout()
    png = out_dir / "fig-4.1.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    infos = {f"equalized_init={s0}": judge_fig41(c)[1] for s0, c in res.items()}
    txt = "; ".join(f"equalized init {s0}: ratio {i['ratio_initial_plain']:.3f} -> range [{i['ratio_range_plain'][0]:.3f}, "
                    f"{i['ratio_range_plain'][1]:.3f}], rel. loss {i['final_rel_loss_plain']:.1e}/"
                    f"{i['final_rel_loss_regularized']:.1e}" for s0, i in zip(FIG41_INITS, infos.values()))
    return {"files": [str(csv_path), str(png)], **infos,
            "text": f"fig-4.1 ({'full' if full else 'scaled'} {kw}): {txt}. The conserved quantity is ||U||^2 - ||V||^2; "
                    f"the ratio stays constant (~1) only when the initial imbalance ||U_0||^2 - ||V_0||^2 is ~0."}


# ----------------------------------------------------------------------------- fig 4.2
FULL_DIMS = (1000, 100, 100, 10)
SCALED_DIMS = (200, 40, 40, 10)
TINY_DIMS = (60, 20, 20, 5)  # used by the registered check (a few seconds)


@functools.lru_cache(maxsize=None)
def _relu3_runner(T, every):
    """jitted (W1, W2, W3, x, y, eta) -> ||W_h||_F^2 and loss every ``every`` steps (one compile per shape)."""
    import optax

    def run(Ws, x, y, eta):
        def loss(W):
            z = B.homogeneous_act(x @ W[0].T, 0.0)
            z = B.homogeneous_act(z @ W[1].T, 0.0)
            return 0.5 * jnp.mean(jnp.sum((z @ W[2].T - y) ** 2, axis=1))

        opt = B.gd_transform(eta)

        def chunk(c, _):
            def step(c2, _):
                W, s = c2
                upd, s = opt.update(jax.grad(loss)(W), s, W)
                return (optax.apply_updates(W, upd), s), None

            c, _ = jax.lax.scan(step, c, None, length=every)
            W = c[0]
            return c, jnp.stack([jnp.sum(W[0] ** 2), jnp.sum(W[1] ** 2), jnp.sum(W[2] ** 2), loss(W)])

        _, tr = jax.lax.scan(chunk, (Ws, opt.init(Ws)), None, length=T // every)
        first = jnp.stack([jnp.sum(Ws[0] ** 2), jnp.sum(Ws[1] ** 2), jnp.sum(Ws[2] ** 2), loss(Ws)])
        return jnp.concatenate([first[None], tr], axis=0)

    return jax.jit(run)


def relu3_curves(dims=SCALED_DIMS, m=200, T=5000, every=10, seed=0, balanced=True, eta=0.2):
    """GD on the 3-layer ReLU net; returns iterations and rows (||W_1||^2, ||W_2||^2, ||W_3||^2, loss)."""
    d0, h1, h2, o = dims
    rng = np.random.default_rng(seed)
    shapes = [(h1, d0), (h2, h1), (o, h2)]
    # expected ||W_h||_F^2 as at full size: balanced 0.1 each; unbalanced 10, 1, 0.1 (variance 1e-4 at full size)
    target = (0.1, 0.1, 0.1) if balanced else (10.0, 1.0, 0.1)
    Ws = tuple(jnp.asarray(rng.normal(size=sh) * np.sqrt(t / (sh[0] * sh[1]))) for t, sh in zip(target, shapes))
    x = rng.normal(size=(m, d0)) / np.sqrt(d0)
    y = rng.normal(size=(m, o))
    curves = np.asarray(_relu3_runner(T, every)(Ws, x, y, eta))
    its = np.arange(0, T + 1, every)[: T // every + 1]
    return dict(iteration=its, curves=curves, dims=dims, m=m, eta=eta)


def judge_fig42(bal, unb):
    """Balanced: max_t |(||W_h||^2 - ||W_h+1||^2)| <= 2% of the final mean ||W_h||^2 (source: 0.14 vs ~43);
    unbalanced: the differences change by <= 5% of their final norms (source: 'change very little')
    and the final ratios ||W_h||^2/||W_h+1||^2 are within [0.8, 1.25] (source: 1.22 and 1.004)."""
    cb, cu = bal["curves"], unb["curves"]
    db = np.abs(cb[:, :2] - cb[:, 1:3])
    du = cu[:, :2] - cu[:, 1:3]
    fin_b = float(np.mean(cb[-1, :3]))
    fin_u = float(np.mean(cu[-1, :3]))
    ratios = cu[-1, :2] / cu[-1, 1:3]
    info = {"balanced_final_norms2": cb[-1, :3].tolist(), "balanced_max_abs_diff": float(db.max()),
            "unbalanced_final_norms2": cu[-1, :3].tolist(), "unbalanced_initial_norms2": cu[0, :3].tolist(),
            "unbalanced_max_diff_change": float(np.max(np.abs(du - du[0]))), "unbalanced_final_ratios": ratios.tolist(),
            "final_loss_balanced": float(cb[-1, 3]), "final_loss_unbalanced": float(cu[-1, 3]),
            "initial_loss": float(cb[0, 3])}
    ok = (info["balanced_max_abs_diff"] <= 0.02 * fin_b and info["unbalanced_max_diff_change"] <= 0.05 * fin_u
          and bool(np.all((ratios >= 0.8) & (ratios <= 1.25))) and info["final_loss_balanced"] < 0.5 * info["initial_loss"])
    return ok, info


@experiment("fig-4.2", title="3-layer ReLU net: balancedness of layer norms, balanced vs unbalanced init")
def fig_4_2(out_dir: Path, profile, seed: int, progress=None, full: bool = False) -> dict:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    kw = dict(dims=FULL_DIMS, m=1000, T=10000, every=20) if full else dict(dims=SCALED_DIMS, m=200, T=5000, every=10)
    if progress:
        progress(f"fig-4.2: balanced init, {kw}")
    bal = relu3_curves(seed=seed, balanced=True, **kw)
    if progress:
        progress("fig-4.2: unbalanced init")
    unb = relu3_curves(seed=seed, balanced=False, **kw)
    ok, info = judge_fig42(bal, unb)
    csv_path = out_dir / "fig-4.2.csv"
    with open(csv_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["iteration", "init", "W1_F2", "W2_F2", "W3_F2", "loss", "absdiff12", "absdiff23", "ratio12", "ratio23"])
        for name, c in (("balanced", bal), ("unbalanced", unb)):
            for it, row in zip(c["iteration"], c["curves"]):
                w.writerow([int(it), name, *row, abs(row[0] - row[1]), abs(row[1] - row[2]), row[0] / row[1], row[1] / row[2]])
    fig, ax = plt.subplots(2, 2, figsize=(10, 7))
    for j, (name, c) in enumerate((("balanced", bal), ("unbalanced", unb))):
        cu = c["curves"]
        ax[0, j].plot(c["iteration"], np.abs(cu[:, 0] - cu[:, 1]), label="| ||W1||^2 - ||W2||^2 |")
        ax[0, j].plot(c["iteration"], np.abs(cu[:, 1] - cu[:, 2]), label="| ||W2||^2 - ||W3||^2 |")
        ax[0, j].set_title(f"{name} init: squared-norm differences"); ax[0, j].legend(); ax[0, j].set_xlabel("iteration")
        ax[1, j].plot(c["iteration"], cu[:, 0] / cu[:, 1], label="||W1||^2/||W2||^2")
        ax[1, j].plot(c["iteration"], cu[:, 1] / cu[:, 2], label="||W2||^2/||W3||^2")
        ax[1, j].set_yscale("log"); ax[1, j].set_title(f"{name} init: ratios"); ax[1, j].legend()
        ax[1, j].set_xlabel("iteration")
    fig.tight_layout()
    png = out_dir / "fig-4.2.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return {"files": [str(csv_path), str(png)], "reproduced": ok, **info,
            "text": (f"fig-4.2 ({'full' if full else 'scaled'} {kw['dims']}, m={kw['m']}, T={kw['T']}): balanced final "
                     f"||W_h||^2 = {np.round(info['balanced_final_norms2'], 2).tolist()}, max |diff| = "
                     f"{info['balanced_max_abs_diff']:.3g}; unbalanced final {np.round(info['unbalanced_final_norms2'], 2).tolist()}, "
                     f"ratios {np.round(info['unbalanced_final_ratios'], 3).tolist()} (source: 42.90/43.76/43.68 and "
                     f"55.50/45.65/45.46 on undisclosed data)")}
