"""Benchmark: K^(H) (Definition 3.1) for n = 1000 unit inputs in d = 100, H = 10.

ReLU by the arc-cosine closed form; softplus by the Mehler (Hermite) expansion whose coefficients
come from 200-point Gauss-Hermite quadrature.  Error against a high-order reference: for softplus
the Mehler expansion at a stricter truncation (1e-30, all 160 terms) with 300-point coefficient
quadrature, and the brute-force 2-D Gauss-Hermite rule (Q = 64) on a 100-point subset; for ReLU
the brute-force rule is the cross-check (its error decays only algebraically in Q: the kink).
Timings are warm (second call; the first call compiles).
"""
from __future__ import annotations

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


def _timed(fn, reps=3):
    jax.block_until_ready(fn())  # compile
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t0)
    return out, min(ts)


def _rel(a, b):
    return float(jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b)))


@benchmark("gram")
def bench_gram(n: int = 1000, d: int = 100, H: int = 10) -> dict:
    X = _data(n, d)
    K_relu, t_relu = _timed(lambda: gram.fc_kernel(X, H, "relu"))
    K_sp, t_sp = _timed(lambda: gram.fc_kernel(X, H, "softplus"))
    # high-order reference for softplus: stricter truncation, more quadrature nodes
    old = (gaussian.MEHLER_Q, gaussian.MEHLER_TOL)
    try:
        gaussian.MEHLER_Q, gaussian.MEHLER_TOL = 300, 1e-300
        ref = gram.fc_kernel(X, H, "softplus")
    finally:
        gaussian.MEHLER_Q, gaussian.MEHLER_TOL = old
    sub = X[:100]
    sub_fast = gram.fc_kernel(sub, H, "softplus")
    sub_brute = gram.fc_kernel(sub, H, "softplus", method="brute")
    sub_relu_brute = gram.fc_kernel(sub, H, "relu", method="brute")
    return {
        "n": n, "d": d, "H": H,
        "relu_closed_s": round(t_relu, 4),
        "softplus_mehler_s": round(t_sp, 4),
        "softplus_rel_err_vs_high_order": _rel(K_sp, ref),
        "softplus_rel_err_vs_brute_Q48_subset100": _rel(sub_fast, sub_brute),
        "relu_closed_vs_brute_Q48_subset100": _rel(gram.fc_kernel(sub, H, "relu"), sub_relu_brute),
    }
