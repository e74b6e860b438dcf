"""Value pins for analytic/gram.py (chapters 2-3), against independently computed references.

Written to kill mutants (ci/mutation.sh): every public formula is evaluated at generic points (non-unit
constants, H >= 3, unequal entries) and compared with a reference that does not reuse the module's code:

* the kernels of Definitions 3.1-3.3 by a plain-numpy recursion written from the definitions, with
  numpy's arccos in the arc-cosine closed forms and a Cholesky-parametrised 2-D Gauss-Hermite rule for
  activations without closed forms; per-pair 2x2 recursions for the tabulated 1-D map; hand-derived
  special cases (ReLU, H = 1: K = 2 H^inf);
* the networks by plain-numpy forward passes and hand-derived gradients;
* the bounds and constants of the technical lemmas by the printed formulas at generic arguments;
* input validation on both sides of every boundary.
"""
from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate
from scipy.special import erf as sp_erf

from analytic import gaussian, gram
from analytic.errors import InvalidParameter

from tests.gram_refs import GH_W as _W, GH_Z as _Z, PI, gh2 as _gh2
from tests.gram_refs import blocks as _blocks, patch_ref as _patch_ref, relu_dk as _relu_dk, relu_k as _relu_k
from tests.gram_refs import unit_conv as _conv, unit_rows as _unit


# ----------------------------------------------------------------------------- independent references
def _relu_mean(var):
    return np.sqrt(var) / math.sqrt(2 * PI)


def _erf_k(kii, kij, kjj):
    return 2 / PI * np.arcsin(2 * kij / np.sqrt((1 + 2 * kii) * (1 + 2 * kjj)))


def _erf_dk(kii, kij, kjj):
    return 4 / PI / np.sqrt((1 + 2 * kii) * (1 + 2 * kjj) - 4 * kij ** 2)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))


def _gh1(f, var):
    var = np.asarray(var, dtype=float)
    return np.sum(f(np.sqrt(var)[..., None] * _Z) * _W, axis=-1)


def _softplus_k(kii, kij, kjj):
    return _gh2(_softplus, _softplus, kii, kij, kjj)


def _softplus_dk(kii, kij, kjj):
    return _gh2(_sigmoid, _sigmoid, kii, kij, kjj)


def _softplus_mean(var):
    return _gh1(_softplus, var)


REF = {"relu": (_relu_k, _relu_dk, _relu_mean), "erf": (_erf_k, _erf_dk, lambda v: 0 * v),
       "softplus": (_softplus_k, _softplus_dk, _softplus_mean)}


def _cs_ref(name):
    if name == "relu":
        return 2.0
    if name == "erf":
        return 1 / (2 / PI * math.asin(2 / 3))
    val, _ = integrate.quad(lambda z: _softplus(z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * PI), -40, 40,
                            epsabs=0, epsrel=1e-13, limit=200)
    return 1 / val


def _fc_ref(X, H, name):
    k, dk, _ = REF[name]
    cs = _cs_ref(name)
    K = X @ X.T
    Ks = [K]
    for _ in range(1, H):
        K = cs * _blocks(k, K)
        Ks.append(K)
    return cs * K * _blocks(dk, K), Ks


def _resnet_ref(X, H, name, c_res):
    k, dk, mu = REF[name]
    cs = _cs_ref(name)
    t = c_res / H
    K0 = X @ X.T
    K = cs * _blocks(k, K0)
    b = math.sqrt(cs) * mu(np.diag(K0))
    Ks, bs = [K0, K], [b]
    for _ in range(2, H):
        E = mu(np.diag(K))
        n = K.shape[0]
        Kn = np.empty_like(K)
        for i in range(n):
            for j in range(n):
                Kn[i, j] = K[i, j] + t * (b[i] * E[j] + E[i] * b[j])
        K = Kn + t * t * _blocks(k, K)
        b = b + t * E
        Ks.append(K)
        bs.append(b)
    return t * t * K * _blocks(dk, K), Ks, bs


def _conv_ref(X, H, name, c_res, q):
    k, dk, mu = REF[name]
    cs = _cs_ref(name)
    t = c_res / H
    n, _, p = X.shape
    S = np.einsum("iak,jal->ikjl", X, X)

    def pair(kern, A):
        return _blocks(kern, A.reshape(n * p, n * p)).reshape(n, p, n, p)

    def dg(A):
        return np.diag(A.reshape(n * p, n * p)).reshape(n, p)

    A = _patch_ref(S, q)
    K = cs * pair(k, A)
    b = math.sqrt(cs) * mu(dg(A))
    for _ in range(2, H):
        A = _patch_ref(K, q)
        E = mu(dg(A))
        K = K + t * (np.einsum("il,jr->iljr", b, E) + np.einsum("il,jr->iljr", E, b)) + t * t * pair(k, A)
        b = b + t * E
    A = _patch_ref(K, q)
    M = A * pair(dk, A)
    return t * t * np.einsum("iljl->ij", M)


# ----------------------------------------------------------------------------- validation
def test_unit_tolerance_and_shapes():
    X = _unit(3, 4, seed=1)
    ok = X.copy()
    ok[1] *= 1 + 0.9 * gram.UNIT_TOL
    gram.fc_kernel(ok, 1, "relu")
    bad = X.copy()
    bad[1] *= 1 + 1.5 * gram.UNIT_TOL
    with pytest.raises(InvalidParameter, match="unit norm"):
        gram.fc_kernel(bad, 1, "relu")
    with pytest.raises(InvalidParameter, match=re.escape("(n, d) array")):
        gram.fc_kernel(X[0], 1, "relu")
    nan = X.copy()
    nan[0, 0] = np.nan
    with pytest.raises(InvalidParameter, match="finite"):
        gram.h_inf(nan)
    # h_inf accepts a single input (min_n = 1); the kernels need two
    np.testing.assert_allclose(np.asarray(gram.h_inf(X[:1])), [[0.5]], atol=1e-7)
    gram.fc_kernel(X[:2], 1, "relu")
    with pytest.raises(InvalidParameter, match=re.escape("n must be >= 2, got 1")):
        gram.fc_kernel(X[:1], 1, "relu")
    assert gram.UNIT_TOL == 1e-10


def test_depth_and_parameter_boundaries():
    X = _unit(3, 3, seed=2)
    gram.fc_kernel(X, np.int64(1), "relu")
    with pytest.raises(InvalidParameter, match=re.escape("H must be an integer >= 1, got 2.0")):
        gram.fc_kernel(X, 2.0, "relu")
    gram.resnet_kernel(X, 2, "relu")
    with pytest.raises(InvalidParameter, match=re.escape("c_res must be > 0")):
        gram.resnet_kernel(X, 3, "relu", c_res=0.0)
    gram.resnet_kernel(X, 3, "relu", c_res=1e-3)
    C = _conv(2, 2, 4, seed=17)
    for q in (-1, 0, 2):
        with pytest.raises(InvalidParameter, match="odd"):
            gram.conv_resnet_kernel(C, 2, "relu", q=q)
    with pytest.raises(InvalidParameter, match=re.escape("(n, d0, p) array")):
        gram.conv_resnet_kernel(C[0], 2, "relu")
    with pytest.raises(InvalidParameter, match=re.escape("n must be >= 2")):
        gram.conv_resnet_kernel(C[:1], 2, "relu")
    with pytest.raises(InvalidParameter, match=re.escape("H must be an integer >= 2")):
        gram.conv_resnet_kernel(C, 1, "relu")
    ok = C * (1 + 0.9 * gram.UNIT_TOL)
    gram.conv_resnet_kernel(ok, 2, "relu", c_res=0.5, q=3)
    with pytest.raises(InvalidParameter, match="unit Frobenius"):
        gram.conv_resnet_kernel(C * (1 + 1.5 * gram.UNIT_TOL), 2, "relu")
    assert gram.forward_fn("fc") is gram.fc_forward
    assert gram.forward_fn("resnet") is gram.resnet_forward
    assert gram.forward_fn("conv") is gram.conv_resnet_forward


def test_c_sigma_values():
    assert gram.c_sigma("relu") == pytest.approx(2.0, rel=1e-15)
    assert gram.c_sigma("erf") == pytest.approx(_cs_ref("erf"), rel=1e-14)
    assert gram.c_sigma("softplus") == pytest.approx(_cs_ref("softplus"), rel=1e-12)
    assert gram.c_sigma("quadratic") == pytest.approx(1 / 3, rel=1e-14)  # E z^4 = 3


# ----------------------------------------------------------------------------- chapter 2
def test_h_inf_lambda_0_h_finite():
    X = _unit(5, 3, seed=4)
    G = X @ X.T
    ref = G * (PI - np.arccos(np.clip(G, -1, 1))) / (2 * PI)
    H = np.asarray(gram.h_inf(X))
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_allclose(H[off], ref[off], rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.diag(H), 0.5, atol=1e-7)
    assert gram.lambda_0(X) == pytest.approx(float(np.linalg.eigvalsh(ref)[0]), abs=1e-7)
    rng = np.random.default_rng(5)
    W = rng.normal(size=(7, 3))
    Hf = np.asarray(gram.h_finite(W, X))
    ref_f = np.zeros((5, 5))
    for i in range(5):
        for j in range(5):
            cnt = sum(1.0 for r in range(7) if W[r] @ X[i] > 0 and W[r] @ X[j] > 0)
            ref_f[i, j] = X[i] @ X[j] * cnt / 7
    np.testing.assert_allclose(Hf, ref_f, rtol=1e-14, atol=1e-15)


def _u_np(W, a, X):
    return np.array([sum(a[r] * max(W[r] @ x, 0.0) for r in range(W.shape[0])) for x in X]) / math.sqrt(W.shape[0])


def _grad_np(W, a, X, y):
    m = W.shape[0]
    res = _u_np(W, a, X) - y
    g = np.zeros_like(W)
    for r in range(m):
        for i in range(X.shape[0]):
            if W[r] @ X[i] > 0:
                g[r] += res[i] * a[r] * X[i]
    return g / math.sqrt(m)


def test_two_layer_network_loss_and_gradient():
    rng = np.random.default_rng(6)
    X = _unit(4, 3, seed=6)
    W, a, y = rng.normal(size=(9, 3)), rng.normal(size=9), rng.normal(size=4)
    u = _u_np(W, a, X)
    np.testing.assert_allclose(np.asarray(gram.two_layer_u(jnp.asarray(W), jnp.asarray(a), jnp.asarray(X))), u,
                               rtol=1e-13)
    L = float(gram.two_layer_loss(jnp.asarray(W), jnp.asarray(a), jnp.asarray(X), jnp.asarray(y)))
    assert L == pytest.approx(0.5 * np.sum((u - y) ** 2), rel=1e-13)
    g = np.asarray(gram.two_layer_grad(jnp.asarray(W), jnp.asarray(a), jnp.asarray(X), jnp.asarray(y)))
    np.testing.assert_allclose(g, _grad_np(W, a, X, y), rtol=1e-12, atol=1e-14)


def test_two_layer_gd_records_every_step():
    rng = np.random.default_rng(7)
    n, d, m, steps, eta = 4, 3, 12, 6, 0.7
    X = _unit(n, d, seed=7)
    W0, a, y = rng.normal(size=(m, d)), rng.choice([-1.0, 1.0], size=m), rng.normal(size=n)
    out = gram.two_layer_gd(jnp.asarray(W0), jnp.asarray(a), jnp.asarray(X), jnp.asarray(y), eta, steps)
    W = W0.copy()
    S0 = X @ W0.T > 0
    sq, fl, di, lm = [], [], [], []
    for _ in range(steps):
        u = _u_np(W, a, X)
        S = X @ W.T > 0
        sq.append(np.sum((u - y) ** 2))
        fl.append(np.mean(S != S0))
        di.append(np.max(np.linalg.norm(W - W0, axis=1)))
        Hf = (X @ X.T) * (S.astype(float) @ S.T.astype(float)) / m
        lm.append(np.linalg.eigvalsh(Hf)[0])
        W = W - eta * _grad_np(W, a, X, y)
    assert max(fl) > 0  # the pin sees activation flips
    np.testing.assert_allclose(np.asarray(out["sq_err"]), sq, rtol=1e-11)
    np.testing.assert_allclose(np.asarray(out["flip_frac"]), fl, rtol=1e-6, atol=0)  # float32 mean
    np.testing.assert_allclose(np.asarray(out["max_dist"]), di, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(np.asarray(out["lmin"]), lm, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(np.asarray(out["W"]), W, rtol=1e-11, atol=1e-13)
    out2 = gram.two_layer_gd(jnp.asarray(W0), jnp.asarray(a), jnp.asarray(X), jnp.asarray(y), eta, steps,
                             track_lmin=False)
    assert np.all(np.isnan(np.asarray(out2["lmin"])))
    np.testing.assert_allclose(np.asarray(out2["sq_err"]), sq, rtol=1e-11)
    gram.two_layer_gd(jnp.asarray(W0), jnp.asarray(a), jnp.asarray(X), jnp.asarray(y), 1e-300, 1)


def test_chapter_2_scalars():
    X = _unit(5, 3, seed=8)
    y = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
    u0 = np.array([0.1, 0.2, -0.3, 0.4, 0.5])
    ref = math.sqrt(5) * np.linalg.norm(y - u0) / (math.sqrt(37) * 0.21)
    assert gram.r_prime(jnp.asarray(X), jnp.asarray(y), jnp.asarray(u0), 37, 0.21) == pytest.approx(ref, rel=1e-14)
    R = np.array([0.0, 0.013, 0.37, 1.9])
    np.testing.assert_allclose(np.asarray(gram.anticoncentration(R)), sp_erf(R / math.sqrt(2)), rtol=1e-14, atol=0)
    np.testing.assert_allclose(np.asarray(gram.anticoncentration_bound(R)), 2 * R / math.sqrt(2 * PI), rtol=1e-15)


# ----------------------------------------------------------------------------- chapter 3 kernels
@pytest.mark.parametrize("name", ["relu", "erf", "softplus"])
def test_fc_kernel_layer_by_layer(name):
    X = _unit(4, 3, seed=9)
    for H in (1, 2, 4):
        ref, Ks_ref = _fc_ref(X, H, name)
        tol = 1e-11 if name == "softplus" else 1e-13
        np.testing.assert_allclose(np.asarray(gram.fc_kernel(X, H, name)), ref, rtol=tol, atol=tol)
        KH, Ks = gram.fc_kernel(X, H, name, layers=True)
        np.testing.assert_allclose(np.asarray(KH), ref, rtol=tol, atol=tol)
        assert len(Ks) == H
        for A, B in zip(Ks, Ks_ref):
            np.testing.assert_allclose(np.asarray(A), B, rtol=tol, atol=tol)
    if name == "relu":  # by hand: H = 1 is 2 H^inf
        G = X @ X.T
        off = ~np.eye(4, dtype=bool)
        np.testing.assert_allclose(np.asarray(gram.fc_kernel(X, 1, "relu"))[off],
                                   (G * (PI - np.arccos(G)) / PI)[off], rtol=1e-13)


def _pair_recursion(d, r, H, name):
    """K^(H) entry of Definition 3.1 from its own 2x2 block [[d, r], [r, d]] (scalar recursion)."""
    k, dk, _ = REF[name]
    cs = _cs_ref(name)
    kii, kij = d, r
    for _ in range(1, H):
        kii, kij = cs * k(kii, kii, kii), cs * k(kii, kij, kii)
    return cs * kij * dk(kii, kij, kii)


@pytest.mark.parametrize("name", ["relu", "softplus"])
def test_fc_kernel_tabulated_map_per_pair(name):
    X = _unit(gram.COMPOSED_MIN_N, 5, seed=10)
    G = X @ X.T
    idx = [(0, 1), (3, 17), (5, 40), (63, 2), (10, 10), (20, 33)]
    for H in (2, 5):
        K = np.asarray(gram.fc_kernel(X, H, name))
        ref = np.array([_pair_recursion(1.0, np.clip(G[i, j], -1, 1) if i != j else 1.0, H, name) for i, j in idx])
        got = np.array([K[i, j] for i, j in idx])
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


def test_fc_composed_scales_homogeneously_for_relu():
    X = _unit(gram.COMPOSED_MIN_N, 4, seed=11)
    s = np.linspace(0.5, 2.0, X.shape[0])[:, None]
    Y = X * s
    a = gaussian.get("relu")
    K = np.asarray(gram._fc_composed(jnp.asarray(Y), 3, a, 2.0))
    ref, _ = _fc_ref(X, 3, "relu")
    # ReLU is positively homogeneous of degree 1 and c_sigma = 2 keeps the diagonal: K scales by s_i s_j
    np.testing.assert_allclose(K, ref * (s * s.T), rtol=1e-12, atol=1e-12)
    assert gram._relu_angle_series(3) is gram._relu_angle_series(3)


def test_relu_angle_step_against_the_direct_formula():
    # angles where the direct formula is well conditioned (both branches of the Taylor switch at 1)
    th = np.array([0.3, 0.55, 0.9, 0.999, 1.0, 1.3, 2.5])
    rho = (np.sin(th) + (PI - th) * np.cos(th)) / PI
    np.testing.assert_allclose(gram._relu_angle_step(th), np.arccos(rho), rtol=1e-12)
    for k, c in enumerate(gram._SIN_MINUS_TCOS, start=1):
        assert c == pytest.approx((-1) ** (k + 1) * 2 * k / math.factorial(2 * k + 1), rel=1e-15)
    assert len(gram._SIN_MINUS_TCOS) == 12


def test_fc_nodes_packing():
    a = gaussian.get("softplus")
    cs = _cs_ref("softplus")
    for m in (1, 3, 7):
        r = np.linspace(-0.8, 0.9, m)
        got = gram._fc_nodes(r, 2, a, cs, 1.3)
        ref = np.array([_pair_recursion(1.3, 1.3 * x, 2, "softplus") for x in r])
        np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-12)
    np.testing.assert_array_equal(gram._pad8(np.ones(3)), [1, 1, 1, 0, 0, 0, 0, 0])
    assert gram._pad8(np.ones(8)).size == 8 and gram._pad8(np.ones(9)).size == 16


def test_unit_corr():
    rng = np.random.default_rng(12)
    X = rng.normal(size=(4, 3)) * np.array([[0.5], [1.0], [2.0], [3.0]])
    rho, den = gram._unit_corr(jnp.asarray(X))
    nrm = np.linalg.norm(X, axis=1)
    ref = (X @ X.T) / np.outer(nrm, nrm)
    np.fill_diagonal(ref, 1.0)
    np.testing.assert_allclose(np.asarray(rho), ref, rtol=1e-14, atol=1e-15)
    assert np.all(np.diag(np.asarray(rho)) == 1.0)
    np.testing.assert_allclose(np.asarray(den), np.outer(nrm, nrm), rtol=1e-14)


@pytest.mark.parametrize("name", ["relu", "softplus"])
def test_resnet_kernel(name):
    X = _unit(3, 3, seed=13)
    for H, c_res in ((2, 0.5), (3, 0.7), (5, 1.3)):
        ref, Ks_ref, bs_ref = _resnet_ref(X, H, name, c_res)
        tol = 1e-11 if name == "softplus" else 1e-13
        np.testing.assert_allclose(np.asarray(gram.resnet_kernel(X, H, name, c_res=c_res)), ref, rtol=tol, atol=tol)
        KH, Ks, bs = gram.resnet_kernel(X, H, name, c_res=c_res, layers=True)
        np.testing.assert_allclose(np.asarray(KH), ref, rtol=tol, atol=tol)
        assert len(Ks) == H and len(bs) == H - 1
        for A, B in zip(Ks, Ks_ref):
            np.testing.assert_allclose(np.asarray(A), B, rtol=tol, atol=tol)
        for A, B in zip(bs, bs_ref):
            np.testing.assert_allclose(np.asarray(A), B, rtol=tol, atol=tol)


def test_patch_gram_against_loops():
    rng = np.random.default_rng(14)
    S = rng.normal(size=(2, 4, 2, 4))
    for q in (1, 3, 5):
        np.testing.assert_allclose(np.asarray(gram.patch_gram(jnp.asarray(S), q)), _patch_ref(S, q), rtol=1e-14,
                                   atol=1e-14)


def test_patches_against_loops():
    rng = np.random.default_rng(15)
    x = rng.normal(size=(2, 4))
    for q in (1, 3, 5):
        half = (q - 1) // 2
        ref = np.zeros((q * 2, 4))
        for s in range(q):
            for l in range(4):
                src = l + s - half
                if 0 <= src < 4:
                    ref[s * 2:(s + 1) * 2, l] = x[:, src]
        np.testing.assert_array_equal(np.asarray(gram.patches(jnp.asarray(x), q)), ref)


def test_general_kernel_with_skip_against_loops():
    X = _conv(2, 2, 4, seed=16)
    S = np.einsum("iak,jal->ikjl", X, X)
    Ds, sc = [0.0, 1.0, 0.6], [1.3, 0.4, 0.7]
    Ks, bs = gram.general_kernel(jnp.asarray(S), Ds, sc, "relu", q=3)
    n, p = 2, 4
    K, b = S, np.zeros((n, p))
    assert len(Ks) == 4 and len(bs) == 3
    for h, (D, s) in enumerate(zip(Ds, sc)):
        A = _patch_ref(K, 3).reshape(n * p, n * p)
        E2 = s * s * _blocks(_relu_k, A).reshape(n, p, n, p)
        E = s * _relu_mean(np.diag(A)).reshape(n, p)
        K = D * D * K + D * (np.einsum("il,jr->iljr", b, E) + np.einsum("il,jr->iljr", E, b)) + E2
        b = D * b + E
        np.testing.assert_allclose(np.asarray(Ks[h + 1]), K, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(np.asarray(bs[h]), b, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name, q, H, c_res", [("relu", 3, 4, 0.8), ("softplus", 1, 3, 1.1), ("relu", 5, 3, 0.6)])
def test_conv_resnet_kernel(name, q, H, c_res):
    X = _conv(2, 2, 4, seed=17)
    ref = _conv_ref(X, H, name, c_res, q)
    got = np.asarray(gram.conv_resnet_kernel(X, H, name, c_res=c_res, q=q))
    np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-13)
    KH, Ks, bs = gram.conv_resnet_kernel(X, H, name, c_res=c_res, q=q, layers=True)
    np.testing.assert_allclose(np.asarray(KH), ref, rtol=1e-11, atol=1e-13)
    assert len(Ks) == H and len(bs) == H - 1
    np.testing.assert_allclose(np.asarray(Ks[0]), np.einsum("iak,jal->ikjl", X, X), rtol=1e-14)


# ----------------------------------------------------------------------------- chapter 3 networks
def _sp(x):
    return np.logaddexp(0.0, x)


def test_init_params_shapes_and_law():
    d, m, H, p, q = 3, 40, 3, 4, 5
    fc = gram.init_params(jax.random.key(1), "fc", d, m, H)
    assert [w.shape for w in fc["W"]] == [(m, d), (m, m), (m, m)] and fc["a"].shape == (m,)
    cv = gram.init_params(jax.random.key(1), "conv", d, 6, 2, p=p, q=q)
    assert [w.shape for w in cv["W"]] == [(6, q * d), (6, q * 6)] and cv["a"].shape == (6, p)
    allv = np.concatenate([np.asarray(w).ravel() for w in fc["W"]] + [np.asarray(fc["a"])])
    assert abs(allv.mean()) < 4 / math.sqrt(allv.size) and abs(allv.var() - 1) < 0.1
    # independent draws per layer and for a
    flat = [np.asarray(w).ravel()[:m] for w in fc["W"][1:]] + [np.asarray(fc["a"])]
    assert not np.allclose(flat[0], flat[1]) and not np.allclose(flat[1], flat[2])


def test_forward_passes_against_numpy():
    rng = np.random.default_rng(18)
    d, m, H = 3, 6, 3
    Ws = [rng.normal(size=(m, d))] + [rng.normal(size=(m, m)) for _ in range(H - 1)]
    a = rng.normal(size=m)
    x = _unit(1, d, seed=18)[0]
    cs = 1.7
    params = {"W": [jnp.asarray(w) for w in Ws], "a": jnp.asarray(a)}
    h = x
    for w in Ws:
        h = math.sqrt(cs / m) * _sp(w @ h)
    f, hs = gram.fc_forward(params, jnp.asarray(x), "softplus", cs)
    assert float(f) == pytest.approx(a @ h, rel=1e-13) and len(hs) == H + 1
    np.testing.assert_allclose(np.asarray(hs[-1]), h, rtol=1e-13)
    f_default, _ = gram.fc_forward(params, jnp.asarray(x), "softplus")
    h2 = x
    for w in Ws:
        h2 = math.sqrt(_cs_ref("softplus") / m) * _sp(w @ h2)
    assert float(f_default) == pytest.approx(a @ h2, rel=1e-12)
    # ResNet
    c_res = 0.9
    h = math.sqrt(cs / m) * _sp(Ws[0] @ x)
    for w in Ws[1:]:
        h = h + c_res / (H * math.sqrt(m)) * _sp(w @ h)
    f, hs = gram.resnet_forward(params, jnp.asarray(x), "softplus", cs, c_res=c_res)
    assert float(f) == pytest.approx(a @ h, rel=1e-13) and len(hs) == H + 1
    np.testing.assert_allclose(np.asarray(hs[0]), x)
    h05 = math.sqrt(cs / m) * _sp(Ws[0] @ x)  # the default c_res is 1/2 (Sec. 3.2's choice)
    for w in Ws[1:]:
        h05 = h05 + 0.5 / (H * math.sqrt(m)) * _sp(w @ h05)
    assert float(gram.resnet_forward(params, jnp.asarray(x), "softplus", cs)[0]) == pytest.approx(a @ h05, rel=1e-13)
    # conv ResNet, q = 3, p = 4
    p, q, d0 = 4, 3, 2
    Wc = [rng.normal(size=(m, q * d0))] + [rng.normal(size=(m, q * m)) for _ in range(H - 1)]
    ac = rng.normal(size=(m, p))
    xc = _conv(1, d0, p, seed=19)[0]

    def phi(z):
        zp = np.pad(z, ((0, 0), (1, 1)))
        return np.concatenate([zp[:, s:s + p] for s in range(q)], axis=0)

    h = math.sqrt(cs / m) * _sp(Wc[0] @ phi(xc))
    for w in Wc[1:]:
        h = h + c_res / (H * math.sqrt(m)) * _sp(w @ phi(h))
    pc = {"W": [jnp.asarray(w) for w in Wc], "a": jnp.asarray(ac)}
    f, hs = gram.conv_resnet_forward(pc, jnp.asarray(xc), "softplus", cs, c_res=c_res, q=q)
    assert float(f) == pytest.approx(float(np.sum(ac * h)), rel=1e-13) and len(hs) == H + 1
    h05 = math.sqrt(cs / m) * _sp(Wc[0] @ phi(xc))
    for w in Wc[1:]:
        h05 = h05 + 0.5 / (H * math.sqrt(m)) * _sp(w @ phi(h05))
    f05 = gram.conv_resnet_forward(pc, jnp.asarray(xc), "softplus", cs)[0]  # defaults c_res = 1/2, q = 3
    assert float(f05) == pytest.approx(float(np.sum(ac * h05)), rel=1e-13)


def test_last_layer_and_layer_grams_resnet_conv():
    rng = np.random.default_rng(20)
    d, m, H, c_res = 3, 5, 3, 0.8
    X = _unit(3, d, seed=20)
    Ws = [rng.normal(size=(m, d))] + [rng.normal(size=(m, m)) for _ in range(H - 1)]
    a = rng.normal(size=m)
    params = {"W": [jnp.asarray(w) for w in Ws], "a": jnp.asarray(a)}
    cs = _cs_ref("softplus")
    G = np.asarray(gram.last_layer_gram(params, jnp.asarray(X), "resnet", "softplus", c_res=c_res))
    hs_all = []
    for x in X:
        h = math.sqrt(cs / m) * _sp(Ws[0] @ x)
        hs = [x, h]
        for w in Ws[1:]:
            h = h + c_res / (H * math.sqrt(m)) * _sp(w @ h)
            hs.append(h)
        hs_all.append(hs)
    hm = np.stack([hs[H - 1] for hs in hs_all])  # inputs of the last layer
    D = _sigmoid(hm @ Ws[-1].T) * a * c_res / (H * math.sqrt(m))
    np.testing.assert_allclose(G, (D @ D.T) * (hm @ hm.T), rtol=1e-11)
    Ls = gram.layer_grams(params, jnp.asarray(X), "resnet", "softplus", c_res=c_res)
    assert len(Ls) == H + 1
    for h in range(H + 1):
        Z = np.stack([hs[h] for hs in hs_all])
        np.testing.assert_allclose(np.asarray(Ls[h]), Z @ Z.T, rtol=1e-12)
    # conv: pixel Grams of every layer
    p, q = 4, 3
    pc = gram.init_params(jax.random.key(3), "conv", 2, 4, 2, p=p, q=q)
    Xc = jnp.asarray(_conv(2, 2, p, seed=21))
    Lc = gram.layer_grams(pc, Xc, "conv", "softplus")
    assert Lc[0].shape == (2, p, 2, p)
    np.testing.assert_allclose(np.asarray(Lc[0]), np.einsum("iak,jal->ikjl", np.asarray(Xc), np.asarray(Xc)),
                               rtol=1e-14, atol=1e-15)
    hs = [np.asarray(gram.conv_resnet_forward(pc, x, "softplus")[1][-1]) for x in Xc]
    np.testing.assert_allclose(np.asarray(Lc[-1]), np.einsum("iak,jal->ikjl", np.stack(hs), np.stack(hs)),
                               rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- technical lemmas
def test_opnorm_tail_bound():
    c, cw, m = 2.3, 3.1, 17
    assert gram.opnorm_tail_bound(c, cw, m) == pytest.approx(math.exp(-(cw - math.sqrt(c) - 1) ** 2 * m / 2), rel=1e-14)
    assert gram.opnorm_tail_bound(4.0, 3.0 + 1e-12, 5) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(InvalidParameter, match="c_w0 must be"):
        gram.opnorm_tail_bound(4.0, 3.0, 5)


def test_tensor_power_matrix():
    rng = np.random.default_rng(22)
    V = rng.normal(size=(3, 2))
    for k in (1, 2, 3):
        ref = []
        for v in V:
            t = v
            for _ in range(k - 1):
                t = np.kron(t, v)
            ref.append(t)
        np.testing.assert_allclose(np.asarray(gram.tensor_power_matrix(V, k)), np.stack(ref, axis=1), rtol=1e-14)
    assert gram.tensor_power_matrix(V, 3).shape == (8, 3)


def test_product_bound_projection_and_lipschitz_constants():
    assert float(gram.product_perturbation_bound([0.1, 0.25, 0.4], [1.5, 2.5, 0.7])) == pytest.approx(
        (1.1 * 1.25 * 1.4 - 1) * 1.5 * 2.5 * 0.7, rel=1e-14)
    g, x = np.array([0.3, -1.2, 2.5]), np.array([1.5, 0.4, -0.7])
    z = np.asarray(gram.project_out(g, x))
    np.testing.assert_allclose(z, g - (g @ x) / (x @ x) * x, rtol=1e-14)
    assert abs(z @ x) < 1e-14
    c = 2.7
    assert gram.lipschitz_328("sigmoid", c) == pytest.approx(0.25 * math.sqrt(2 / PI) * math.sqrt(c) / 2, rel=1e-15)
    assert gram.lipschitz_328("softplus", c) == pytest.approx(math.sqrt(2 / PI) * math.sqrt(c) / 2, rel=1e-15)
    L, beta, s0 = 0.25, 1 / (6 * math.sqrt(3)), 0.5  # sigmoid
    M = s0 + L * math.sqrt(2 * c / PI)
    assert gram.lipschitz_329("sigmoid", c) == pytest.approx(math.sqrt(beta ** 2 * M ** 2 / 2 + L ** 4 / 2), rel=1e-15)
    M = math.log(2) + math.sqrt(2 * c / PI)
    assert gram.lipschitz_329("softplus", c) == pytest.approx(math.sqrt(0.0625 * M ** 2 / 2 + 0.5), rel=1e-15)
    with pytest.raises(InvalidParameter, match="not Lipschitz"):
        gram.lipschitz_328("quadratic", c)


def test_perturbation_bounds_and_radii():
    for cc, h in ((1.7, 4), (0.45, 3), (3.0, 1)):
        assert gram.g_c(cc, h) == pytest.approx((cc ** h - 1) / (cc - 1), rel=1e-14)
    assert gram.g_c(1.7, 0) == 0.0
    cs, L, cx0, cw0, R = 1.9, 0.8, 1.3, 1.1, 0.013
    cx = 2 * math.sqrt(cs) * L * cw0
    assert gram.fc_perturbation_bound(cs, L, cx0, cw0, R, 3) == pytest.approx(
        math.sqrt(cs) * L * cx0 * (1 + cx + cx * cx) * R, rel=1e-14)
    c_res = 0.6
    for q in (1, 3):
        ref = (math.sqrt(cs * q) * L + cx0 / cw0) * math.exp(2 * c_res * cw0 * L * math.sqrt(q)) * R
        assert gram.resnet_perturbation_bound(cs, L, cx0, cw0, R, c_res, q) == pytest.approx(ref, rel=1e-14)
    assert gram.resnet_perturbation_bound(cs, L, cx0, cw0, R, c_res) == pytest.approx(
        (math.sqrt(cs) * L + cx0 / cw0) * math.exp(2 * c_res * cw0 * L) * R, rel=1e-14)
    a20, H, n, res0, lam0, m = 1.4, 3, 7, 2.2, 0.17, 1000
    assert gram.fc_weight_radius(cx0, a20, 1.6, H, n, res0, lam0, m) == pytest.approx(
        16 * cx0 * a20 * 1.6 ** 3 * math.sqrt(7) * res0 / (lam0 * math.sqrt(1000)), rel=1e-14)
    for q in (1, 3):
        ref = (16 * c_res * cx0 * a20 * L * math.sqrt(q) * math.exp(2 * c_res * cw0 * L * math.sqrt(q))
               * math.sqrt(n) * res0 / (H * lam0 * math.sqrt(m)))
        got = gram.resnet_weight_radius(c_res, cx0, a20, L, cw0, H, n, res0, lam0, m, q)
        assert got == pytest.approx(ref, rel=1e-14)
    assert gram.resnet_weight_radius(c_res, cx0, a20, L, cw0, H, n, res0, lam0, m) == pytest.approx(
        16 * c_res * cx0 * a20 * L * math.exp(2 * c_res * cw0 * L) * math.sqrt(n) * res0 / (H * lam0 * math.sqrt(m)),
        rel=1e-14)
