"""Benchmark: K^(H) (Definition 3.1) for n = 1000 unit inputs in d = 100, H = 10 (GitHub issue #3).

Default path (``gram.fc_kernel``, method "auto"): with unit inputs every entry of K^(H) is one fixed
function G of the input correlation rho_ij, tabulated as a Chebyshev series (ReLU: in the angle
arccos(rho), where it is analytic) and evaluated by one matmul and one fused Clenshaw pass.  The
layer-by-layer paths it replaced are timed beside it: ReLU by the fused arc-cosine closed forms
(method "closed"), softplus by the Mehler (Hermite) expansion per layer (method "mehler").

Timings: ``*_warm_*`` = steady state, best of ``reps`` repeated calls on the same input after a first
call (the issue's targets, ReLU < 0.1 s and softplus < 1 s, refer to these); ``*_cold_*`` = that
first call (tracing, XLA compilation, the Chebyshev fit).  ``_wall_s`` is perf_counter, ``_cpu_s``
process_time (all threads; XLA splits the elementwise pass over the cores, so cpu > wall when idle,
and wall > cpu when other processes hold the cores).

Errors are max|K - K_ref| / max|K_ref| (``rel_err``) and, because K^(H) flattens with depth (softplus
H = 10: all entries within ~1.5e-5 of each other), also max|K - K_ref| / (max - min of K_ref)
(``err_over_spread``).  References: ReLU -- the closed-form layer recursion in 80-bit long double
(numpy), from a long-double Gram; softplus -- the layer-by-layer Mehler expansion at a stricter
truncation (all 160 terms) with 300-point coefficient quadrature, and the brute-force 2-D Gauss-Hermite
rule (Q = 48) on a 100-point subset (for ReLU that rule is only a rough cross-check: the kink makes it
converge algebraically in Q).
"""
from __future__ import annotations

import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from analytic import gaussian, gram
from verify.bench import benchmark


def _data(n=1000, d=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return jnp.asarray(X / np.linalg.norm(X, axis=1, keepdims=True))


def _clock(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = jax.block_until_ready(fn())
    return out, time.perf_counter() - t0, time.process_time() - c0


def _timed(fn, reps=5):
    """(result, {cold_wall, cold_cpu, warm_wall (best), warm_cpu (best), warm_wall_median})."""
    out, cw, cc = _clock(fn)
    ws, cs = [], []
    for _ in range(reps):
        out, w, c = _clock(fn)
        ws.append(w)
        cs.append(c)
    return out, {"cold_wall_s": cw, "cold_cpu_s": cc, "warm_wall_s": min(ws), "warm_cpu_s": min(cs),
                 "warm_wall_median_s": statistics.median(ws)}


def _rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _over_spread(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.ptp(b))


def relu_reference_longdouble(X, H):
    """K^(H) for ReLU (c_sigma = 2) by the arc-cosine layer recursion in 80-bit long double."""
    Xl = np.asarray(X).astype(np.longdouble)
    K = Xl @ Xl.T
    sd = np.sqrt(np.diag(K))
    den = np.outer(sd, sd)
    r = np.clip(K / den, -1, 1)
    np.fill_diagonal(r, 1)
    pi = np.arccos(np.longdouble(-1))
    for _ in range(1, H):
        r = (np.sqrt(np.maximum(1 - r * r, 0)) + (pi - np.arccos(r)) * r) / pi
    return den * r * (pi - np.arccos(r)) / pi


def _fmt(d, prefix):
    return {f"{prefix}_{k}": (round(v, 4) if v >= 1e-3 else float(f"{v:.3g}")) for k, v in d.items()}


@benchmark("gram")
def bench_gram(n: int = 1000, d: int = 100, H: int = 10) -> dict:
    X = _data(n, d)
    jax.block_until_ready(jnp.ones(2) + 1)  # backend start-up is not part of the cold numbers
    res: dict = {"n": n, "d": d, "H": H}
    K_relu, t = _timed(lambda: gram.fc_kernel(X, H, "relu"))
    res.update(_fmt(t, "relu"))
    K_sp, t = _timed(lambda: gram.fc_kernel(X, H, "softplus"))
    res.update(_fmt(t, "softplus"))
    # the layer-by-layer paths (the previous default), same input
    K_relu_layers, t = _timed(lambda: gram.fc_kernel(X, H, "relu", method="closed"), reps=3)
    res.update(_fmt({"warm_wall_s": t["warm_wall_s"], "warm_cpu_s": t["warm_cpu_s"]}, "relu_layerwise"))
    K_sp_layers, t = _timed(lambda: gram.fc_kernel(X, H, "softplus", method="mehler"), reps=3)
    res.update(_fmt({"warm_wall_s": t["warm_wall_s"], "warm_cpu_s": t["warm_cpu_s"]}, "softplus_layerwise"))

    ref = relu_reference_longdouble(X, H)
    res["relu_rel_err_vs_longdouble"] = _rel(K_relu, ref)
    res["relu_err_over_spread_vs_longdouble"] = _over_spread(K_relu, ref)
    res["relu_layerwise_rel_err_vs_longdouble"] = _rel(K_relu_layers, ref)

    old = (gaussian.MEHLER_Q, gaussian.MEHLER_TOL)
    try:  # high-order reference: stricter truncation, more quadrature nodes, layer by layer
        gaussian.MEHLER_Q, gaussian.MEHLER_TOL = 300, 1e-300
        sp_ref = gram.fc_kernel(X, H, "softplus", method="mehler")
    finally:
        gaussian.MEHLER_Q, gaussian.MEHLER_TOL = old
    res["softplus_rel_err_vs_high_order"] = _rel(K_sp, sp_ref)
    res["softplus_err_over_spread_vs_high_order"] = _over_spread(K_sp, sp_ref)
    res["softplus_layerwise_rel_err_vs_high_order"] = _rel(K_sp_layers, sp_ref)

    sub = X[:100]
    res["softplus_rel_err_vs_brute_Q48_subset100"] = _rel(gram.fc_kernel(sub, H, "softplus"),
                                                          gram.fc_kernel(sub, H, "softplus", method="brute"))
    res["relu_rel_err_vs_brute_Q48_subset100"] = _rel(gram.fc_kernel(sub, H, "relu"),
                                                      gram.fc_kernel(sub, H, "relu", method="brute"))
    return res
