"""Hypothesis strategies shared by the statements: unit vectors, angles, datasets, architectures.

Shapes are drawn from small fixed buckets (``DIMS``, ``KS``, ...) so that a jitted function
compiles once per bucket, not once per example.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DIMS = (2, 3, 5, 8)
KS = (2, 4, 8)
PS = (2, 4, 8)
NS = (3, 5, 8)

_F = dict(allow_nan=False, allow_infinity=False, allow_subnormal=False)


def floats(lo: float, hi: float, **kw) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, **_F, **kw)


def bucket(values) -> st.SearchStrategy[int]:
    """One size from a fixed bucket (shrinks toward the first)."""
    return st.sampled_from(tuple(values))


def vectors(dim: int, lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, (dim,), elements=floats(lo, hi))


def matrices(rows: int, cols: int, lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, (rows, cols), elements=floats(lo, hi))


def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def unit_vectors(dim: int, min_norm: float = 1e-3) -> st.SearchStrategy[np.ndarray]:
    """Unit vectors in R^dim (a box draw, rejected near 0, normalised)."""
    return vectors(dim, -1.0, 1.0).filter(lambda v: np.linalg.norm(v) > min_norm).map(_normalise)


def angles(lo: float = 0.0, hi: float = np.pi) -> st.SearchStrategy[float]:
    return floats(lo, hi)


def unit_vector_at_angle(u: np.ndarray, phi: float, rng_vec: np.ndarray) -> np.ndarray:
    """The unit vector at angle ``phi`` from unit ``u`` in the plane of ``u`` and ``rng_vec``."""
    r = rng_vec - (rng_vec @ u) * u
    nr = np.linalg.norm(r)
    if nr < 1e-12:
        r = np.zeros_like(u)
        r[np.argmin(np.abs(u))] = 1.0
        r = r - (r @ u) * u
        nr = np.linalg.norm(r)
    r = r / nr
    return np.cos(phi) * u + np.sin(phi) * r


@st.composite
def unit_datasets(draw, n: int, dim: int, min_angle: float = 0.0):
    """n unit vectors in R^dim with pairwise angle (to +-) at least ``min_angle`` radians."""
    xs = [draw(unit_vectors(dim))]
    while len(xs) < n:
        x = draw(unit_vectors(dim))
        if all(np.arccos(min(1.0, abs(float(x @ y)))) >= min_angle for y in xs):
            xs.append(x)
        else:
            from hypothesis import assume
            assume(False)
    return np.stack(xs)


def widths(lo: int = 1, hi: int = 16) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


def architectures(depth_lo: int = 2, depth_hi: int = 5, width_lo: int = 1, width_hi: int = 16):
    """Layer widths [d_0, ..., d_N] of a feed-forward network."""
    return st.integers(depth_lo, depth_hi).flatmap(
        lambda N: st.lists(st.integers(width_lo, width_hi), min_size=N + 1, max_size=N + 1))
