"""Value pins for analytic/gram_extra.py (chapter 3: printed forms of Definitions 3.2 / 3.3, the
Condition 3.1 witnesses, Lemma 3.30's constant, the linearised GD step), against independently
computed references.

Written to kill mutants (ci/mutation.sh): the printed kernels are re-derived in plain numpy from the
formulas in the docstrings (arc-cosine closed forms with numpy's arccos, a Cholesky-parametrised
Gauss-Hermite rule for softplus, explicit loops for the patch sums) and evaluated OFF the unit sphere
and with H >= 4, where every pairing and every index matters; the witnesses are compared with scipy
quadrature and hand-derived values; the constants with the printed formulas at generic arguments.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate

from analytic import gaussian, gram
from analytic import gram_extra as GX
from analytic.errors import InvalidParameter

from tests.gram_refs import GH_W as _W, GH_Z as _Z, PI, blocks as _blocks, gh2, patch_ref as _patch_ref, relu_dk as _relu_dk
from tests.gram_refs import relu_k as _relu_k, unit_conv as _conv, unit_rows as _unit


# ----------------------------------------------------------------------------- independent references
def _gh2(f, kii, kij, kjj):
    return gh2(f, f, kii, kij, kjj)


def _sp(x):
    return np.logaddexp(0.0, x)


def _sig(x):
    return 0.5 * (1 + np.tanh(x / 2))


def _sp_cs():
    val, _ = integrate.quad(lambda z: _sp(z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * PI), -40, 40,
                            epsabs=0, epsrel=1e-13, limit=200)
    return 1 / val


REF = {
    "relu": (_relu_k, _relu_dk, lambda v: np.sqrt(v / (2 * PI)), lambda: 2.0),
    "softplus": (lambda a, b, c: _gh2(_sp, a, b, c), lambda a, b, c: _gh2(_sig, a, b, c),
                 lambda v: np.sum(_sp(np.sqrt(np.asarray(v))[..., None] * _Z) * _W, axis=-1), _sp_cs),
}


def _resnet_printed_ref(X, H, name, c_res):
    k, dk, mu, cs_f = REF[name]
    cs, t = cs_f(), c_res / H
    K0 = X @ X.T
    K = cs * _blocks(k, K0)
    b = math.sqrt(cs) * mu(np.diag(K0))
    for _ in range(2, H):
        E = mu(np.diag(K))
        n = K.shape[0]
        cross = np.array([[b[i] * E[i] + b[j] * E[j] for j in range(n)] for i in range(n)])  # b_i with E s(u_i)
        K = K + t * cross + t * t * _blocks(k, K)
        b = b + t * E
    return t * t * K * _blocks(dk, K)


def _conv_printed_ref(X, H, name, c_res, q):
    k, dk, mu, cs_f = REF[name]
    cs, t = cs_f(), c_res / H
    n, _, p = X.shape

    def pair(kern, A):
        return _blocks(kern, A.reshape(n * p, n * p)).reshape(n, p, n, p)

    def dg(A):
        return np.diag(A.reshape(n * p, n * p)).reshape(n, p)

    K = _patch_ref(np.einsum("iak,jal->ikjl", X, X), q)
    b = math.sqrt(cs) * mu(dg(K))
    K = cs * pair(k, K)
    for _ in range(2, H):
        E = mu(dg(K))
        Hh = K + t * (np.einsum("il,jr->iljr", b, E) + np.einsum("il,jr->iljr", E, b)) + t * t * pair(k, K)
        b = b + t * E
        K = _patch_ref(Hh, q)
    return np.einsum("iljl->ij", K * pair(dk, K)), t


# ----------------------------------------------------------------------------- Definition 3.2, printed
@pytest.mark.parametrize("name", ["relu", "softplus"])
def test_resnet_printed_off_the_sphere(name):
    X = _unit(3, 3, seed=1) * np.array([[0.6], [1.0], [1.7]])
    for H, c_res in ((2, 0.5), (4, 0.9)):
        ref = _resnet_printed_ref(X, H, name, c_res)
        got = np.asarray(GX.resnet_kernel_printed(X, H, name, c_res=c_res, unit_check=False))
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-13)  # variances up to 2.9: GH ~ 1e-11
    U = _unit(3, 3, seed=2)
    np.testing.assert_allclose(np.asarray(GX.resnet_kernel_printed(U, 3, name, c_res=0.7)),
                               _resnet_printed_ref(U, 3, name, 0.7), rtol=1e-11, atol=1e-13)


def test_resnet_printed_validation():
    X = _unit(3, 3, seed=3)
    with pytest.raises(InvalidParameter, match="unit norm"):
        GX.resnet_kernel_printed(X * 1.5, 3, "relu")
    with pytest.raises(InvalidParameter, match="H must be an integer >= 2"):
        GX.resnet_kernel_printed(X, 1, "relu")
    GX.resnet_kernel_printed(X, 2, "relu")


# ----------------------------------------------------------------------------- Definition 3.3, printed
@pytest.mark.parametrize("name, H, q, c_res", [("relu", 2, 3, 0.5), ("relu", 4, 3, 0.8), ("relu", 3, 5, 1.2),
                                               ("softplus", 3, 1, 0.6)])
def test_conv_printed_against_numpy(name, H, q, c_res):
    X = _conv(2, 2, 4, seed=4)
    ref, t = _conv_printed_ref(X, H, name, c_res, q)
    got = np.asarray(GX.conv_resnet_kernel_printed(X, H, name, c_res=c_res, q=q))
    np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-13)
    got_r = np.asarray(GX.conv_resnet_kernel_printed(X, H, name, c_res=c_res, q=q, restore_factor=True))
    np.testing.assert_allclose(got_r, t * t * ref, rtol=1e-11, atol=1e-15)


def test_conv_printed_validation():
    X = _conv(2, 2, 4, seed=4)
    with pytest.raises(InvalidParameter, match="H must be an integer >= 2"):
        GX.conv_resnet_kernel_printed(X, 1, "relu")
    for q in (0, 2, -1):
        with pytest.raises(InvalidParameter, match="odd"):
            GX.conv_resnet_kernel_printed(X, 2, "relu", q=q)
    with pytest.raises(InvalidParameter, match="unit Frobenius"):
        GX.conv_resnet_kernel_printed(X * 1.1, 2, "relu")


# ----------------------------------------------------------------------------- witnesses
def test_smooth_abs_witness():
    assert GX.SMOOTH_ABS_EPS == 0.1
    x = np.array([-3.0, -0.05, 0.0, 0.2, 4.0])
    np.testing.assert_allclose(np.asarray(GX.SMOOTH_ABS.f(jnp.asarray(x))), np.sqrt(x * x + 0.01), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(GX.SMOOTH_ABS.df(jnp.asarray(x))), x / np.sqrt(x * x + 0.01), rtol=1e-15)
    a = GX.SMOOTH_ABS
    assert (a.name, a.analytic, a.polynomial, a.lipschitz, a.smooth, a.at_zero) == \
        ("smooth-abs", True, False, 1.0, 10.0, 0.1)
    assert a.kernel is None and a.dkernel is None and "smooth-abs" not in gaussian.ACTIVATIONS
    for var in (0.05, 0.8, 3.0):
        def f(z):
            return math.sqrt(var * z * z + 0.01) * math.exp(-z * z / 2) / math.sqrt(2 * PI)
        num = 2 * sum(integrate.quad(f, lo, hi, epsabs=0, epsrel=1e-13, limit=400)[0]
                      for lo, hi in ((0, 0.5), (0.5, 10), (10, 40)))
        assert float(GX.smooth_abs_mean(var)) == pytest.approx(num, rel=1e-12)
    np.testing.assert_allclose(GX.smooth_abs_mean(np.array([0.05, 0.8])),
                               [float(GX.smooth_abs_mean(0.05)), float(GX.smooth_abs_mean(0.8))], rtol=1e-15)


def test_identity_witness():
    a = GX.IDENTITY
    assert (a.name, a.analytic, a.polynomial, a.lipschitz, a.smooth, a.at_zero) == \
        ("identity", True, True, 1.0, 0.0, 0.0)
    x = jnp.array([-1.5, 0.0, 2.5])
    np.testing.assert_array_equal(np.asarray(a.f(x)), [-1.5, 0.0, 2.5])
    np.testing.assert_array_equal(np.asarray(a.df(x)), [1.0, 1.0, 1.0])
    assert float(a.kernel(0.3, -0.7, 2.0)) == -0.7
    np.testing.assert_array_equal(np.asarray(a.dkernel(0.3, jnp.array([-0.7, 0.2]), 2.0)), [1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(a.mean(jnp.array([0.3, 2.0]))), [0.0, 0.0])
    assert "identity" not in gaussian.ACTIVATIONS


# ----------------------------------------------------------------------------- constants and the GD step
def test_lipschitz_330_by_hand():
    # identity: C_3.28 = sqrt(2/pi) sqrt(c)/2, C_3.29 = sqrt(0 + 1/2); c = 8 makes 3.28 the larger one
    for c, p in ((8.0, 1), (8.0, 3), (2.0, 2), (0.5, 5)):
        c328 = math.sqrt(2 / PI) * math.sqrt(c) / 2
        ref = 2 * math.sqrt(p) * max(c328, math.sqrt(0.5))
        assert GX.lipschitz_330(GX.IDENTITY, c, p) == pytest.approx(ref, rel=1e-15)
    M = math.log(2) + math.sqrt(2 * 3.0 / PI)
    c329 = math.sqrt(0.0625 * M * M / 2 + 0.5)
    assert GX.lipschitz_330("softplus", 3.0, 4) == pytest.approx(4 * max(math.sqrt(2 / PI) * math.sqrt(3) / 2, c329),
                                                                 rel=1e-15)


def test_linearised_step_and_explicit_step():
    u = np.array([0.3, -1.1, 2.0])
    y = np.array([1.0, 0.5, -0.2])
    Gm = np.array([[2.0, 0.3, -0.4], [0.3, 1.5, 0.7], [-0.4, 0.7, 3.1]])
    eta = 0.37
    ref = [u[i] - eta * sum(Gm[i, j] * (u[j] - y[j]) for j in range(3)) for i in range(3)]
    np.testing.assert_allclose(np.asarray(GX.linearised_output_step(jnp.asarray(u), jnp.asarray(Gm), jnp.asarray(y),
                                                                    eta)), ref, rtol=1e-14)
    assert GX.explicit_step(0.37, 2.9) == pytest.approx(0.37 / (16 * 2.9 * 2.9), rel=1e-15)
