"""Benchmark: GD and perturbed GD (Algorithm 2) on the chapter-7 octopus, d = 10, vmapped over
1000 initializations uniform in [-1,1]^d, each run until it reaches the minimum's basin or 10^5
steps (one jitted ``lax.while_loop``, one compile per method).

Hyper-parameters: L = tau = e, gamma = 1, the experiments' eta = 1/(4L) (Section 7.5; above 1/l of
the construction, allowed here up to Lemma 7.2's 1/(2L)), PGD r = e/100, g_thres = e/100,
t_thres = 1.  GD never leaves the 5th saddle in float64 (the waiting coordinates underflow), so it
runs the full 10^5 steps; PGD stops after a few hundred.  Target: < 30 s on 2 cores.
"""
from __future__ import annotations

import math
import time

import jax
import numpy as np

from analytic import saddle as S
from verify.bench import benchmark

E = math.e


def _run(pgd: bool, x0, max_steps):
    L = E
    kw = dict(max_steps=max_steps, step_bound=1 / (2 * L), step_what="1/(2L)")
    if pgd:
        kw.update(pgd=True, key=jax.random.key(1), r=E / 100, g_thres=E / 100, t_thres=1)
    t0 = time.perf_counter()
    out = jax.block_until_ready(S.run_escape(x0, L, 1.0, E, 1 / (4 * L), **kw))
    return out, time.perf_counter() - t0


@benchmark("saddle-gd-pgd")
def bench_saddle(n: int = 1000, d: int = 10, max_steps: int = 100_000) -> dict:
    x0 = jax.random.uniform(jax.random.key(0), (n, d), minval=-1.0, maxval=1.0)
    res = {"n_init": n, "d": d, "max_steps": max_steps}
    for name, pgd in (("gd", False), ("pgd", True)):
        out, t = _run(pgd, x0, max_steps)  # one compile for (n, d) + run
        steps = np.asarray(out["steps"])
        T = np.asarray(out["T"])
        res[f"{name}_wall_s"] = round(t, 3)
        res[f"{name}_max_steps_run"] = int(steps.max())
        res[f"{name}_saddles_escaped_median"] = float(np.median(np.sum(T >= 0, axis=1)))
        res[f"{name}_reached_minimum"] = int(np.sum(T[:, -1] >= 0))
        res[f"{name}_us_per_batched_step"] = round(1e6 * t / max(1, int(steps.max())), 2)
    res["total_s"] = round(res["gd_wall_s"] + res["pgd_wall_s"], 3)
    return res
