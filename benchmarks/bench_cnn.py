"""Chapter 5 speed: Monte Carlo throughput of the CNN sample loss (brute force vs projection sampler),
the full Table 5.1 reproduction, and the cold start of ``python -m verify lemma 5.2``.

Run from the repository root: ``python -m verify bench cnn-mc cnn-table cnn-cli`` (or ``python -m
benchmarks.bench_cnn``).  Numbers depend on the machine and its load: CPU time is reported beside wall time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import analytic  # noqa: F401  (x64)
from analytic import cnn, cnn_fast
from verify import mc
from verify.bench import benchmark

K, P = 20, 25


def _params(key, batch=None):
    shape = () if batch is None else (batch,)
    k1, k2, k3, k4 = jax.random.split(key, 4)
    return {"v": jax.random.normal(k1, shape + (P,)), "a": jax.random.normal(k2, shape + (K,)),
            "w_star": jax.random.normal(k3, shape + (P,)), "a_star": jax.random.normal(k4, shape + (K,))}


def _rate(sample, p, n, batched=False, reps=3, chunk=8192):
    key = jax.random.key(0)
    t0 = time.perf_counter()
    est = mc.estimate(sample, key, p, n, chunk=chunk, batched=batched)
    jax.block_until_ready(est.mean)
    cold = time.perf_counter() - t0
    best, cpu = np.inf, np.inf
    for r in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        est = mc.estimate(sample, jax.random.key(r + 1), p, n, chunk=chunk, batched=batched)
        jax.block_until_ready(est.mean)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return est, best, cpu, cold


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def fast_rate_here(chunk: int = 2048) -> dict:
    """The projection sampler's rate in THIS process, over however many devices it has (run by
    ``_fast_rate_sharded`` in a child started with LEMMACHECK_HOST_DEVICES)."""
    p1 = _params(jax.random.key(1))
    ef, tf, cf, _ = _rate(cnn_fast.sample_loss_fast_p, p1, 1 << 22, chunk=chunk)
    exact = float(cnn.population_loss(p1["v"], p1["a"], p1["w_star"], p1["a_star"]))
    ev, tv, _, _ = _rate(cnn_fast.sample_loss_fast_p, _params(jax.random.key(2), 64), 1 << 18, batched=True, chunk=2048)
    return {"samples_per_s": round(ef.n / tf), "cpu_samples_per_s": round(ef.n / cf), "devices": len(jax.devices()),
            "batched64_param_samples_per_s": round(64 * ev.n / tv),
            "mean": float(ef.mean), "z_vs_closed_form": round(abs(float(ef.mean) - exact) / float(ef.se), 2)}


def _fast_rate_sharded(n_dev: int, one_thread: bool) -> dict:
    """The same estimator sharded over ``n_dev`` XLA host devices (one per core), in a child process
    (the device count is fixed when JAX starts its CPU backend)."""
    env = dict(os.environ, LEMMACHECK_HOST_DEVICES=str(n_dev), JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"))
    if one_thread:  # each device computes on one thread: the cores are used by the devices, not by XLA's pool
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false").strip()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = "import json, benchmarks.bench_cnn as b; print(json.dumps(b.fast_rate_here()))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root)
    if r.returncode:
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


@benchmark("cnn-mc")
def bench_mc() -> dict:
    """Samples/s of the sample-loss estimator, k=20, p=25, float64 (targets: fast >= 2e6/s; 64 parameter
    sets vmapped >= 8e6 parameter-samples/s).  ``fast_samples_per_s`` is one XLA CPU device (XLA's own
    intra-op threads); ``fast_sharded_Ndev_samples_per_s`` is the same estimator with the CPU split into
    one host device per core (``LEMMACHECK_HOST_DEVICES=N``, one thread each): verify.mc shards the
    chunks over them, so both cores draw in parallel."""
    p1 = _params(jax.random.key(1))
    n_b, n_f = 1 << 18, 1 << 22
    eb, tb, cb, _ = _rate(cnn_fast.sample_loss_brute_p, p1, n_b)
    ef, tf, cf, _ = _rate(cnn_fast.sample_loss_fast_p, p1, n_f)
    exact = float(cnn.population_loss(p1["v"], p1["a"], p1["w_star"], p1["a_star"]))
    ee, te, ce, _ = _rate(cnn_fast.sample_loss_erfinv_p, p1, n_f // 2)
    pb = _params(jax.random.key(2), 64)
    n_v = 1 << 18
    ev, tv, cv, _ = _rate(cnn_fast.sample_loss_fast_p, pb, n_v, batched=True, chunk=2048)  # 64 x 2048 x k fits in cache
    n_dev = _cores()
    sh = _fast_rate_sharded(n_dev, one_thread=True)
    return {"brute_samples_per_s": round(eb.n / tb), "fast_samples_per_s": round(ef.n / tf),
            f"fast_sharded_{n_dev}dev_samples_per_s": sh.get("samples_per_s", sh.get("error")),
            "fast_sharded_z_vs_closed_form": sh.get("z_vs_closed_form"),
            f"batched64_sharded_{n_dev}dev_param_samples_per_s": sh.get("batched64_param_samples_per_s"),
            "speedup": round((ef.n / tf) / (eb.n / tb), 1),
            "erfinv_draws_samples_per_s": round(ee.n / te),
            "batched64_param_samples_per_s": round(64 * ev.n / tv),
            "brute_cpu_samples_per_s": round(eb.n / cb), "fast_cpu_samples_per_s": round(ef.n / cf),
            "batched64_cpu_param_samples_per_s": round(64 * ev.n / cv),
            "z_fast_vs_closed_form": round(abs(float(ef.mean) - exact) / float(ef.se), 2),
            "z_brute_vs_closed_form": round(abs(float(eb.mean) - exact) / float(eb.se), 2),
            "z_erfinv_vs_closed_form": round(abs(float(ee.mean) - exact) / float(ee.se), 2),
            "devices": len(jax.devices())}


@benchmark("cnn-table")
def bench_table() -> dict:
    """Full Table 5.1 (36 cells x 5000 inits, exact 5-scalar dynamics), wall and CPU seconds (target < 60 s)."""
    t0, c0 = time.perf_counter(), time.process_time()
    g, s, u, smax = cnn_fast.table_counts(jax.random.key(0), 5000)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    cnn_fast.table_counts(jax.random.key(1), 5000)
    warm = time.perf_counter() - t0
    return {"table_wall_s_cold": round(wall, 2), "table_cpu_s_cold": round(cpu, 2), "table_wall_s_warm": round(warm, 2),
            "runs": int(g.sum() + s.sum() + u.sum()), "undecided": int(u.sum()), "max_steps": int(smax.max()),
            "max_abs_diff_vs_published": round(float(np.max(np.abs(g / 5000 - cnn_fast.TABLE_PUBLISHED))), 3)}


@benchmark("cnn-cli")
def bench_cli() -> dict:
    """Cold wall time of ``python -m verify lemma 5.2`` (process start to verdict; target < 15 s)."""
    env = dict(os.environ, JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"))
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "verify", "lemma", "5.2"], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    return {"lemma_5.2_cold_wall_s": round(wall, 2), "exit_code": r.returncode}


if __name__ == "__main__":
    for fn in (bench_mc, bench_table, bench_cli):
        print(fn.__name__, fn(), flush=True)
