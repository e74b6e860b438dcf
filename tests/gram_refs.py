"""NumPy references shared by the Gram tests (tests/test_gram_extra.py, tests/test_analytic_pins_gram*.py):
random unit inputs and plain-loop / Gauss-Hermite versions of the kernels, none reusing analytic/ code."""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

PI = math.pi


def unit_rows(n, d, seed=0):
    """n random unit vectors in R^d (rows)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def unit_conv(n, d0, p, seed=0):
    """n random (d0, p) conv inputs of unit Frobenius norm."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d0, p))
    return X / np.sqrt(np.sum(X ** 2, axis=(1, 2), keepdims=True))


def relu_k(kii, kij, kjj):
    den = np.sqrt(kii * kjj)
    t = np.arccos(np.clip(kij / den, -1.0, 1.0))
    return den * (np.sin(t) + (PI - t) * np.cos(t)) / (2 * PI)


def relu_dk(kii, kij, kjj):
    t = np.arccos(np.clip(kij / np.sqrt(kii * kjj), -1.0, 1.0))
    return (PI - t) / (2 * PI)


GH_Z, GH_W = hermegauss(70)
GH_W = GH_W / math.sqrt(2 * PI)


def gh2(f, g, kii, kij, kjj):
    """E[f(u) g(v)] by a Cholesky-parametrised 70 x 70 Gauss-Hermite rule: u = sqrt(kii) z1,
    v = (kij / sqrt(kii)) z1 + sqrt(kjj - kij^2/kii) z2 (broadcast over 1-D arrays)."""
    kii, kij, kjj = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (kii, kij, kjj)))
    a = np.sqrt(kii)[..., None, None]
    b = (kij / np.sqrt(kii))[..., None, None]
    c = np.sqrt(np.maximum(kjj - kij ** 2 / kii, 0.0))[..., None, None]
    z1, z2 = GH_Z[:, None], GH_Z[None, :]
    return np.sum(f(a * z1) * g(b * z1 + c * z2) * (GH_W[:, None] * GH_W[None, :]), axis=(-2, -1))


def blocks(kern, K):
    """kern(K_ii, K_ij, K_jj) for every pair."""
    d = np.diag(K)
    return kern(d[:, None], K, d[None, :])


def patch_ref(S, q):
    """The patch Gram by explicit loops: out[:, l, :, r] = sum_s S[:, l+s, :, r+s] (zero padded)."""
    p = S.shape[1]
    half = (q - 1) // 2
    out = np.zeros_like(S)
    for l in range(p):
        for r in range(p):
            for s in range(-half, half + 1):
                if 0 <= l + s < p and 0 <= r + s < p:
                    out[:, l, :, r] += S[:, l + s, :, r + s]
    return out
