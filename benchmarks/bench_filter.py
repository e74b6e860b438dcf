"""Speed of the chapter-6 Monte Carlo, exact-constant and GD code (analytic/filter.py)."""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp

from analytic import filter as F
from verify import mc
from verify.bench import benchmark


def _timed(fn, *a):
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn(*a))
    return out, time.perf_counter() - t0


@benchmark("filter")
def bench_filter() -> dict:
    res = {}
    # 1. Monte Carlo of (A_{w,w*}, A_{w,-w*}) for Gaussian Z in R^8 via verify.mc (chunked scan)
    w, ws = jnp.linspace(-1.0, 1.0, 8), jnp.ones(8)

    def sample(key, p):
        return F.region_term(jax.random.normal(key, (8,)), p[0], p[1])

    n = 1_000_000
    _, t_first = _timed(lambda: mc.estimate(sample, jax.random.key(0), (w, ws), n).mean)
    _, t = _timed(lambda: mc.estimate(sample, jax.random.key(1), (w, ws), n).mean)
    res.update(mc_compile_plus_run_s=round(t_first, 3), mc_run_s=round(t, 3), mc_draws_per_s=round(n / t))
    # 2. quadrature constants of the Section 6.4 mixture (2 x 512 angles x 6 Gauss-Legendre pieces)
    _, t_first = _timed(lambda: F.mixture_constants(1.0, 0.5)["step"])
    _, t = _timed(lambda: F.mixture_constants(0.7, 0.5)["step"])
    res.update(mixture_constants_first_s=round(t_first, 3), mixture_constants_s=round(t, 4))
    # 3. exact constants of an empirical patch measure (n = 1024, k = 4: ~8k breakpoints)
    Zs = jax.vmap(lambda k: F.sample_patches(k, 4, 0.5, 0.1))(jax.random.split(jax.random.key(2), 1024))
    _, t_first = _timed(lambda: F.constants_2d(Zs, 0.3)["gamma"])
    _, t = _timed(lambda: F.constants_2d(Zs, 0.3)["gamma"])
    res.update(constants_2d_first_s=round(t_first, 3), constants_2d_s=round(t, 4))
    # 4. population GD on the patch model (lax.scan, exact empirical gradient)
    T = 2000
    run = jax.jit(lambda w0: F.gd(lambda v: F.patch_grad_from_moments(v, jnp.array([1.0, 0.0]),
                                                                      F.patch_moments(v, jnp.array([1.0, 0.0]), Zs)),
                                  w0, 0.5, T))
    _, t_first = _timed(run, jnp.array([0.8, 0.3]))
    _, t = _timed(run, jnp.array([0.7, 0.2]))
    res.update(gd_compile_plus_run_s=round(t_first, 3), gd_steps_per_s=round(T / t))
    return res
