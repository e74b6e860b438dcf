"""Benchmarks for chapter 4 (auto-balancing).

``balance_1000``: the conservation-law check of Theorem 4.1 / Corollary 4.1 over 1000 random fully
connected architectures (depth 2-5, widths 1-16, ReLU / leaky ReLU / linear per layer, squared or
logistic loss, 8 data points).  Architectures are grouped by width bucket (4 / 8 / 16), zero-padded
to it, and each bucket runs as one vmapped, jitted call: one compile per bucket (counted by
tracing).  Reports wall time (cold, including compiles, and warm), compiles, and the worst
|dQ/dt| / round-off bound (must be < 1).

``fig42_scaled``: the scaled fig-4.2 run (200 -> 40 -> 40 -> 10, 200 points, 5,000 GD steps, both
initializations).
"""
from __future__ import annotations

import collections
import math
import time

import jax
import jax.numpy as jnp
import numpy as np

from analytic import balance as B
from verify import tolerance
from verify.bench import benchmark

N_ARCH = 1000
M = 8
TRACES: collections.Counter = collections.Counter()


def random_architectures(n=N_ARCH, seed=0):
    rng = np.random.default_rng(seed)
    acts = list(B.HOMOGENEOUS)
    out = []
    for _ in range(n):
        N = int(rng.integers(2, B.DEPTH_MAX + 1))
        widths = tuple(int(w) for w in rng.integers(1, 17, size=N + 1))
        out.append(dict(widths=widths, acts=tuple(rng.choice(acts, size=N - 1)), loss=int(rng.integers(0, 2)),
                        seed=int(rng.integers(0, 2**31 - 1))))
    return out


def build(p, P):
    rng = np.random.default_rng(p["seed"])
    w = p["widths"]
    N = len(w) - 1
    W, mask, _ = B.pad_layers([rng.normal(size=(w[h + 1], w[h])) / math.sqrt(w[h]) for h in range(N)], P)
    x = np.zeros((M, P)); x[:, : w[0]] = rng.normal(size=(M, w[0]))
    om = np.zeros((M, P)); om[:, : w[-1]] = 1.0
    y = rng.normal(size=(M, P)) * om if p["loss"] else np.where(rng.normal(size=(M, P)) > 0, 1.0, -1.0) * om
    sl = np.zeros(B.DEPTH_MAX)
    sl[: N - 1] = [B.slope_of(a) for a in p["acts"]]
    return np.asarray(W), np.asarray(mask), x, y, om, sl, float(p["loss"])


def _one(W, mask, x, y, om, sl, mix):
    TRACES[W.shape[-1]] += 1  # runs at trace time only

    def L(w):
        return B.loss(w, mask, x, y, om, sl, mix)

    outs = []
    for Q in (lambda w: B.neuron_balance(w, mask), lambda w: B.layer_balance(w, mask)):
        outs.append((B.flow_derivative(Q, L, W, mask).ravel(), B.flow_derivative_scale(Q, L, W, mask).ravel()))
    return jnp.concatenate([o[0] for o in outs]), jnp.concatenate([o[1] for o in outs])


_batched = jax.jit(jax.vmap(_one))


def check_all(archs):
    groups = collections.defaultdict(list)
    for p in archs:
        groups[B.width_bucket(p["widths"])].append(p)
    worst = 0.0
    n_ops = 4 * 16 * B.DEPTH_MAX
    for P, ps in sorted(groups.items()):
        cols = list(zip(*[build(p, P) for p in ps]))
        dq, sc = _batched(*[jnp.asarray(np.stack(c)) for c in cols])
        ratio = np.abs(np.asarray(dq)) / tolerance.roundoff_tol(np.asarray(sc), n_ops)
        worst = max(worst, float(ratio.max()))
    return worst, {P: len(ps) for P, ps in groups.items()}


@benchmark("balance_1000")
def balance_1000():
    archs = random_architectures()
    TRACES.clear()
    t0 = time.perf_counter()
    worst, sizes = check_all(archs)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    check_all(archs)
    warm = time.perf_counter() - t0
    return {"architectures": len(archs), "buckets": dict(sorted(sizes.items())), "compiles": dict(sorted(TRACES.items())),
            "cold_s": round(cold, 2), "warm_s": round(warm, 2), "worst_error_over_roundoff": worst,
            "all_conserved": worst < 1.0, "target_s": 60}


@benchmark("fig42_scaled")
def fig42_scaled():
    from verify.experiments import fig_4 as F

    t0 = time.perf_counter()
    b = F.relu3_curves(balanced=True)
    u = F.relu3_curves(balanced=False)
    ok, info = F.judge_fig42(b, u)
    return {"wall_run_s": round(time.perf_counter() - t0, 2), "reproduced": ok,
            "balanced_max_abs_diff": round(info["balanced_max_abs_diff"], 4),
            "unbalanced_final_ratios": [round(r, 4) for r in info["unbalanced_final_ratios"]]}
