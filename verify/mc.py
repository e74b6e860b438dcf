"""Chunked, jitted Monte Carlo with running mean / variance, vmapped over parameter batches and
sharded over ``jax.devices()``.

``sample(key, p)`` returns one draw (a pytree of arrays).  The estimator splits ``key`` into
``n_chunks`` chunk keys (``n_chunks`` rounded up to a multiple of 8, so 1, 2, 4 or 8 devices
split them evenly and see *the same draws*), each device scans over its chunks, a chunk is a
``vmap`` of ``sample`` over ``chunk`` sub-keys, and chunk statistics are merged with Chan's
parallel update (mean and centred second moment), so no ``n x dim`` array is ever held.
The same key gives the same estimate on one device or several (up to float round-off in the
order of the final merge).
"""
from __future__ import annotations

import collections
import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax.sharding import Mesh, PartitionSpec as P

TRACE_COUNTS: collections.Counter = collections.Counter()
CHUNK_MULTIPLE = 8


class Estimate(NamedTuple):
    mean: object  # pytree like one draw
    se: object  # standard error of the mean, same pytree
    n: int  # number of draws


class _Stats(NamedTuple):
    n: jax.Array
    mean: object
    m2: object


def _merge(a: _Stats, b: _Stats) -> _Stats:
    n = a.n + b.n
    wb = b.n / n
    delta = jax.tree.map(lambda x, y: y - x, a.mean, b.mean)
    mean = jax.tree.map(lambda x, d: x + d * wb, a.mean, delta)
    m2 = jax.tree.map(lambda x, y, d: x + y + d * d * a.n * wb, a.m2, b.m2, delta)
    return _Stats(n, mean, m2)


def _chunk_stats(sample, key, p, chunk):
    keys = jax.random.split(key, chunk)
    draws = jax.vmap(sample, in_axes=(0, None))(keys, p)
    draws = jax.tree.map(lambda x: jnp.asarray(x, jnp.float64), draws)
    mean = jax.tree.map(lambda x: jnp.mean(x, axis=0), draws)
    m2 = jax.tree.map(lambda x, m: jnp.sum((x - m) ** 2, axis=0), draws, mean)
    return _Stats(jnp.asarray(chunk, jnp.float64), mean, m2)


def _scan_stats(sample, chunk_keys, p, chunk):
    first = _chunk_stats(sample, chunk_keys[0], p, chunk)

    def body(acc, k):
        return _merge(acc, _chunk_stats(sample, k, p, chunk)), None

    acc, _ = jax.lax.scan(body, first, chunk_keys[1:])
    return acc


def n_chunks_for(n: int, chunk: int) -> int:
    c = max(1, -(-int(n) // int(chunk)))
    return -(-c // CHUNK_MULTIPLE) * CHUNK_MULTIPLE


def _finish(st: _Stats) -> Estimate:
    var = jax.tree.map(lambda m2: m2 / (st.n - 1.0), st.m2)
    se = jax.tree.map(lambda v: jnp.sqrt(v / st.n), var)
    return st.mean, se


def _device_count_for(n_chunks: int, devices) -> int:
    nd = len(devices)
    while nd > 1 and n_chunks % nd:
        nd -= 1
    return nd


@functools.lru_cache(maxsize=None)
def _build(sample: Callable, chunk: int, n_chunks: int, batched: bool, devices: tuple, name: str):
    n_dev = len(devices)
    per = n_chunks // n_dev
    mesh = Mesh(devices, ("d",))

    def local(keys, p):  # keys: (1, per) block on one device
        TRACE_COUNTS[name] += 1
        if batched:
            st = jax.vmap(lambda pp: _scan_stats(sample, keys[0], pp, chunk))(p)
            st = st._replace(n=st.n[0])  # the count is shared by the batch
            return jax.tree.map(lambda x: x[None], st)
        st = _scan_stats(sample, keys[0], p, chunk)
        return jax.tree.map(lambda x: x[None], st)

    sharded = jax.shard_map(local, mesh=mesh, in_specs=(P("d"), P()), out_specs=P("d"),
                            check_vma=False)

    @jax.jit
    def run(key, p):
        keys = jax.random.split(key, n_chunks).reshape(n_dev, per)
        st = sharded(keys, p)
        acc = jax.tree.map(lambda x: x[0], st)
        for i in range(1, n_dev):
            acc = _merge(acc, jax.tree.map(lambda x: x[i], st))
        return _finish(acc)

    return run


def estimate(sample: Callable, key, p, n: int, *, chunk: int = 4096, batched: bool = False,
             devices=None, name: str | None = None) -> Estimate:
    """Monte Carlo mean and standard error of ``sample(key, p)`` over ``>= n`` draws.

    ``batched=True``: every leaf of ``p`` has a leading batch axis; the estimate is vmapped over it
    (common random numbers across the batch).  Compiled once per (sample, chunk, n_chunks, shapes).
    """
    chunk = int(min(chunk, max(1, n)))
    nc = n_chunks_for(n, chunk)
    devs = jax.devices() if devices is None else devices
    nd = _device_count_for(nc, devs)
    run = _build(sample, chunk, nc, batched, tuple(devs[:nd]), name or getattr(sample, "__qualname__", "sample"))
    mean, se = run(key, p)
    return Estimate(mean, se, nc * chunk)
