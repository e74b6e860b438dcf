"""Essay benchmarks: vmapped GD restarts on deep linear nets (gap to the Eckart-Young optimum) and the
Monte Carlo rank test of sigma(W X).  ``python -m verify bench essay-deep-linear-restarts essay-rank-mc``."""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

import analytic  # noqa: F401
from analytic import linear, wide
from verify.bench import benchmark


@benchmark("essay-deep-linear-restarts")
def deep_linear_restarts(starts: int = 1024, steps: int = 3000):
    """1024 GD runs (optax.sgd, lr 0.1, one jitted lax.scan, vmapped) on a deep linear net 4-2-3-3, m = 8:
    compile and run times, and the distribution of the final gap to the Eckart-Young value."""
    g = np.random.default_rng(0)
    dims = (4, 2, 3, 3)
    X, Y = jnp.asarray(g.standard_normal((4, 8))), jnp.asarray(g.standard_normal((3, 8)))
    val = float(linear.rank_constrained_optimum(X, Y, linear.bottleneck(dims))[0])
    Ws0 = [jnp.asarray(g.standard_normal((starts, dims[i + 1], dims[i])) / np.sqrt(dims[i])) for i in range(3)]

    def one(Ws):
        Ws, tr = linear.train_deep(Ws, X, Y, 0.08, steps)
        return linear.deep_loss(Ws, X, Y)

    f = jax.jit(jax.vmap(one))
    t0 = time.perf_counter()
    f = f.lower(Ws0).compile()
    tc = time.perf_counter() - t0
    t0 = time.perf_counter()
    LT = np.asarray(f(Ws0))
    tr = time.perf_counter() - t0
    gap = LT - val
    return {"starts": starts, "steps": steps, "compile_s": round(tc, 3), "run_s": round(tr, 3),
            "gap_median": float(np.median(gap)), "gap_q99": float(np.quantile(gap, .99)),
            "gap_max": float(gap.max()), "frac_gap_below_1e-9": float(np.mean(gap <= 1e-9))}


@benchmark("essay-rank-mc")
def rank_mc(draws: int = 20000):
    """rk sigma(W X + b) for 20000 random (W, b), d0 = 2, m = d1 = 8, plus the bias-free [x, -x, 0] counterexample."""
    g = np.random.default_rng(1)
    X = jnp.asarray(g.standard_normal((2, 8)))
    W = jnp.asarray(g.standard_normal((draws, 8, 2)))
    b = jnp.asarray(g.standard_normal((draws, 8)))
    f = jax.jit(jax.vmap(lambda W, b: wide.features([W], X, "sigmoid", [b])))
    t0 = time.perf_counter()
    F = np.asarray(f(W, b))
    s = np.linalg.svd(F, compute_uv=False)
    deficient = int(np.sum(s[:, -1] <= s[:, 0] * 8 * np.finfo(float).eps))
    t = time.perf_counter() - t0
    Xc = X.at[:, 1].set(-X[:, 0]).at[:, 2].set(0.0)
    Fc = np.asarray(jax.vmap(lambda W: wide.features([W], Xc))(W[:1000]))
    sc = np.linalg.svd(Fc, compute_uv=False)
    return {"draws": draws, "wall_s_features_and_svd": round(t, 3), "deficient_with_bias": deficient,
            "min_smallest_singular_value": float(s[:, -1].min()),
            "bias_free_pairs_deficient_of_1000": int(np.sum(sc[:, -1] <= sc[:, 0] * 8 * np.finfo(float).eps))}
