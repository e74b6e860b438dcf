"""Value pins for analytic/gaussian.py (the Gaussian expectations of chapters 2-3), against
independently computed references.

Written to kill mutants (ci/mutation.sh): every rule is evaluated at generic points (unequal
variances, correlations away from 0 and +-1) and compared with a reference that does not reuse the
module's code:

* exponential test functions, whose Gaussian expectations and Hermite coefficients are known in closed
  form: E[e^{a u + b v}] = exp((a^2 kii + 2 a b kij + b^2 kjj)/2), E[e^{c sqrt(v) z} h_k(z)] =
  e^{c^2 v/2} (c sqrt v)^k / sqrt(k!); E[cos u cos v] likewise;
* scipy quadrature and exact rational arithmetic (fractions) for the constants;
* numpy's Hermite / Chebyshev / polynomial routines for the series machinery;
* the constants of Condition 3.1 by dense sampling of sigma' and sigma'' (autodiff);
* input validation on both sides of every boundary.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpy.polynomial import chebyshev as C
from numpy.polynomial import hermite_e as He
from scipy import integrate

from analytic import gaussian as G
from analytic.errors import InvalidParameter

PI = math.pi


def _quad_mean(f, var=1.0):
    val, _ = integrate.quad(lambda z: f(math.sqrt(var) * z) * math.exp(-z * z / 2) / math.sqrt(2 * PI), -40, 40,
                            epsabs=0, epsrel=1e-13, limit=400, points=[0.0])
    return val


def _exp2(a, b, kii, kij, kjj):
    return np.exp((a * a * kii + 2 * a * b * kij + b * b * kjj) / 2)


def _coscos(kii, kij, kjj):
    return 0.5 * (np.exp(-(kii + kjj - 2 * kij) / 2) + np.exp(-(kii + kjj + 2 * kij) / 2))


KII, KIJ, KJJ = np.array([0.7, 1.3, 2.1]), np.array([0.35, -0.9, 1.2]), np.array([1.1, 0.8, 1.9])


# ----------------------------------------------------------------------------- arcsin / arccos
def test_asin_taylor_and_economised_coefficients():
    for k, c in enumerate(G._ASIN_TAYLOR):
        exact = Fraction(math.factorial(2 * k), 4 ** k * math.factorial(k) ** 2 * (2 * k + 1))
        assert c == pytest.approx(float(exact), rel=1e-15)
    assert len(G._ASIN_TAYLOR) == 27 and len(G._ASIN_COEF) == 13
    s = np.linspace(1e-3, 0.5, 2001)
    approx = s * np.polynomial.polynomial.polyval(s * s, G._ASIN_COEF)
    assert np.max(np.abs(approx - np.arcsin(s)) / np.arcsin(s)) < 1.5e-15


def test_fast_arccos_exact_points_and_branches():
    x = jnp.array([1.0, -1.0, 0.0, 0.5, -0.5, 0.5 + 1e-12, 0.5 - 1e-12, 0.3, -0.8, 0.99])
    np.testing.assert_allclose(np.asarray(G.fast_arccos(x)), np.arccos(np.asarray(x)), rtol=2e-15, atol=1e-15)
    assert float(G.fast_arccos(jnp.array(1.0))) == 0.0
    assert float(G.fast_arccos(jnp.array(-1.0))) == pytest.approx(PI, rel=1e-16)
    # slightly outside [-1, 1] (round-off in a Gram matrix): clamped, not NaN
    assert float(G.fast_arccos(jnp.array(1.0 + 1e-15))) == 0.0


# ----------------------------------------------------------------------------- closed forms
def _gh2_np(f, g, kii, kij, kjj, q=120):
    z, w = He.hermegauss(q)
    w = w / math.sqrt(2 * PI)
    a = np.sqrt(kii)[:, None, None]
    b = (kij / np.sqrt(kii))[:, None, None]
    c = np.sqrt(kjj - kij ** 2 / kii)[:, None, None]
    z1, z2 = z[:, None], z[None, :]
    return np.sum(f(a * z1) * g(b * z1 + c * z2) * (w[:, None] * w[None, :]), axis=(-2, -1))


def test_relu_closed_forms():
    den = np.sqrt(KII * KJJ)
    t = np.arccos(KIJ / den)
    np.testing.assert_allclose(np.asarray(G.relu_kernel(KII, KIJ, KJJ)),
                               den * (np.sin(t) + (PI - t) * np.cos(t)) / (2 * PI), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(G.relu_dkernel(KII, KIJ, KJJ)), (PI - t) / (2 * PI), rtol=1e-14)
    # by hand: rho = 1 gives E relu(u)^2 = var / 2, rho = -1 gives 0, the step kernel 1/2 and 0
    assert float(G.relu_kernel(1.7, 1.7, 1.7)) == pytest.approx(0.85, rel=1e-15)
    assert float(G.relu_kernel(1.0, -1.0, 1.0)) == pytest.approx(0.0, abs=1e-16)
    assert float(G.relu_dkernel(1.0, 1.0, 1.0)) == 0.5 and float(G.relu_dkernel(2.0, -2.0, 2.0)) == 0.0
    # degenerate variance: no NaN
    assert float(G.relu_kernel(0.0, 0.0, 1.0)) == 0.0
    rho, den0 = G._safe_rho(0.0, 0.3, 1.0)
    assert float(rho) == pytest.approx(0.3) and float(den0) == 0.0
    rho, _ = G._safe_rho(1.0, 3.0, 1.0)
    assert float(rho) == 1.0
    for v in (0.3, 2.5):
        assert float(G.relu_mean(v)) == pytest.approx(_quad_mean(lambda x: max(x, 0.0), v), rel=1e-12)


def test_erf_and_quadratic_closed_forms():
    ref = _gh2_np(lambda x: np.asarray(jax.scipy.special.erf(x)), lambda x: np.asarray(jax.scipy.special.erf(x)),
                  KII, KIJ, KJJ)
    np.testing.assert_allclose(np.asarray(G.erf_kernel(KII, KIJ, KJJ)), ref, rtol=1e-11)
    assert float(G.erf_kernel(0.7, 0.35, 1.1)) == pytest.approx(
        2 / PI * math.asin(0.7 / math.sqrt((1 + 1.4) * (1 + 2.2))), rel=1e-15)
    de = lambda x: 2 / math.sqrt(PI) * np.exp(-x * x)  # noqa: E731
    np.testing.assert_allclose(np.asarray(G.erf_dkernel(KII, KIJ, KJJ)), _gh2_np(de, de, KII, KIJ, KJJ), rtol=1e-11)
    sq = lambda x: x * x  # noqa: E731
    np.testing.assert_allclose(np.asarray(G.quad_kernel(KII, KIJ, KJJ)), _gh2_np(sq, sq, KII, KIJ, KJJ, q=8),
                               rtol=1e-13)
    np.testing.assert_allclose(np.asarray(G.QUADRATIC.dkernel(KII, KIJ, KJJ)), 4 * KIJ, rtol=1e-15)


ALL = ["relu", "softplus", "erf", "tanh", "sigmoid", "quadratic", "abs"]


def test_activation_registry_flags_and_values():
    assert list(G.ACTIVATIONS) == ALL
    flags = {n: (G.get(n).analytic, G.get(n).polynomial) for n in ALL}
    assert flags == {"relu": (False, False), "softplus": (True, False), "erf": (True, False), "tanh": (True, False),
                     "sigmoid": (True, False), "quadratic": (True, True), "abs": (False, False)}
    assert G.get("abs").df is None and G.get("abs").lipschitz == 1.0 and G.get("abs").at_zero == 0.0
    assert G.get("abs").smooth is None and G.get("relu").smooth is None
    assert G.get("quadratic").lipschitz is None
    x = np.array([-2.3, -0.4, 0.0, 0.6, 1.9])
    ref = {"relu": np.maximum(x, 0), "softplus": np.logaddexp(0, x), "erf": np.asarray(jax.scipy.special.erf(x)),
           "tanh": np.tanh(x), "sigmoid": 1 / (1 + np.exp(-x)), "quadratic": x * x, "abs": np.abs(x)}
    for n in ALL:
        np.testing.assert_allclose(np.asarray(G.get(n).f(jnp.asarray(x))), ref[n], rtol=1e-14, atol=1e-16)
    np.testing.assert_array_equal(np.asarray(G.get("relu").df(jnp.asarray(x))), [0, 0, 0, 1, 1])
    assert G.get("relu").df(jnp.asarray(x)).dtype == jnp.float64
    xs = jnp.asarray(x[x != 0])
    for n in ("softplus", "erf", "tanh", "sigmoid", "quadratic"):
        a = G.get(n)
        np.testing.assert_allclose(np.asarray(a.df(xs)), np.asarray(jax.vmap(jax.grad(a.f))(xs)), rtol=1e-13)
    assert repr(G.get("tanh")) == "Activation(tanh)"
    assert G.get(G.SOFTPLUS) is G.SOFTPLUS
    with pytest.raises(InvalidParameter, match=re.escape("unknown activation 'gelu'")):
        G.get("gelu")
    assert G.derivative("tanh") is G.TANH.df
    with pytest.raises(InvalidParameter, match="not differentiable"):
        G.derivative("abs")


def test_condition_3_1_constants_by_sampling():
    z = jnp.linspace(-8, 8, 160001)
    for n in ("softplus", "erf", "tanh", "sigmoid"):
        a = G.get(n)
        d1 = jax.vmap(jax.grad(a.f))(z)
        d2 = jax.vmap(jax.grad(jax.grad(a.f)))(z)
        assert float(jnp.max(jnp.abs(d1))) == pytest.approx(a.lipschitz, rel=1e-3), n
        assert float(jnp.max(jnp.abs(d2))) == pytest.approx(a.smooth, rel=1e-6), n
        assert abs(float(a.f(0.0))) == pytest.approx(a.at_zero, abs=1e-15), n
    assert G.condition_3_1_constants("softplus") == (math.log(2.0), 1.0, 0.25)
    with pytest.raises(InvalidParameter, match="Condition 3.1"):
        G.condition_3_1_constants("quadratic")


@pytest.mark.parametrize("name", ["relu", "softplus", "erf", "tanh", "sigmoid", "quadratic"])
def test_means_and_second_moments(name):
    a = G.get(name)
    f = {"relu": lambda x: max(x, 0.0), "softplus": lambda x: math.log1p(math.exp(x)) if x < 30 else x,
         "erf": math.erf, "tanh": math.tanh, "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
         "quadratic": lambda x: x * x}[name]
    var = np.array([0.4, 1.7])
    np.testing.assert_allclose(np.asarray(G.mean(name, var)), [_quad_mean(f, v) for v in var], rtol=1e-12, atol=1e-15)
    assert G.mean(name, var).shape == (2,)
    np.testing.assert_allclose(float(G.second_moment(a, 1.7)), _quad_mean(lambda x: f(x) ** 2, 1.7), rtol=1e-12)
    if name == "softplus":
        assert float(G.mean(name, 1.7, q=2)) != pytest.approx(_quad_mean(f, 1.7), rel=1e-6)
        assert float(G.second_moment(name, 1.7, q=2)) != pytest.approx(_quad_mean(lambda x: f(x) ** 2, 1.7), rel=1e-6)
    assert G._squared(a.f) is G._squared(a.f)


# ----------------------------------------------------------------------------- quadrature
def test_gh_rule_and_hermite_table():
    z, w = G.gh_rule(1)
    np.testing.assert_array_equal(z, [0.0])
    np.testing.assert_allclose(w, [1.0])
    z, w = G.gh_rule(5)  # exact to degree 9
    for k, m in ((0, 1), (2, 1), (4, 3), (6, 15), (8, 105), (3, 0)):
        assert float(np.sum(w * z ** k)) == pytest.approx(m, abs=1e-12)
    with pytest.raises(InvalidParameter, match="must be >= 1"):
        G.gh_rule(0)
    for k in (1, 2, 7):
        h = G.hermite_table(9, k)
        z, _ = G.gh_rule(9)
        ref = np.stack([He.hermeval(z, np.eye(k)[j]) / math.sqrt(math.factorial(j)) for j in range(k)])
        np.testing.assert_allclose(h, ref, rtol=1e-12, atol=1e-12)


def test_expect1_and_brute():
    var = jnp.array([0.3, 1.0, 2.6])
    np.testing.assert_allclose(np.asarray(G.expect1(jnp.cos, var)), np.exp(-np.asarray(var) / 2), rtol=1e-14)
    assert float(G.expect1(jnp.cos, 2.6, q=3)) != pytest.approx(math.exp(-1.3), rel=1e-4)
    e = np.asarray(G.expect2_brute(jnp.cos, jnp.cos, KII, KIJ, KJJ))
    np.testing.assert_allclose(e, _coscos(KII, KIJ, KJJ), rtol=1e-13)
    f, g = (lambda u: jnp.exp(0.4 * u)), (lambda v: jnp.exp(-0.7 * v))
    np.testing.assert_allclose(np.asarray(G.expect2_brute(f, g, KII, KIJ, KJJ)), _exp2(0.4, -0.7, KII, KIJ, KJJ),
                               rtol=1e-13)
    lin = lambda u: u  # noqa: E731
    np.testing.assert_allclose(np.asarray(G.expect2_brute(lin, lin, KII, KIJ, KJJ, q=4)), KIJ, rtol=1e-13)
    # rho = 1 exactly (the sqrt(1 - rho^2) branch at 0)
    assert float(G.expect2_brute(jnp.cos, jnp.cos, 1.3, 1.3, 1.3)) == pytest.approx(_coscos(1.3, 1.3, 1.3), rel=1e-13)


def test_hermite_coeffs_of_exponentials():
    c, v = 0.6, 1.4
    f = lambda x: jnp.exp(c * x)  # noqa: E731
    cf = np.asarray(G.hermite_coeffs(f, v, 20, 60))
    ref = [math.exp(c * c * v / 2) * (c * math.sqrt(v)) ** k / math.sqrt(math.factorial(k)) for k in range(20)]
    np.testing.assert_allclose(cf, ref, rtol=1e-12, atol=1e-15)
    full = np.asarray(G.hermite_coeffs(f, jnp.array([v, 0.5])))
    assert full.shape == (2, G.MEHLER_KMAX)
    np.testing.assert_allclose(full[0, :20], ref, rtol=1e-12, atol=1e-15)
    assert (G.MEHLER_Q, G.MEHLER_KMAX, G.MEHLER_TOL) == (200, 160, 1e-17)


def _trunc_ref(cf, cg, tol):
    prod = np.abs(np.asarray(cf) * np.asarray(cg)).reshape(-1, np.shape(cf)[-1]).max(axis=0)
    scale = 1.0 + prod.sum()
    for K in range(prod.size + 1):
        if prod[K:].sum() <= tol * scale:
            break
    K = min(prod.size, max(8, 8 * math.ceil(K / 8)))
    return K


def test_truncation():
    k = np.arange(64)
    for r, tol in ((0.5, 1e-17), (0.3, 1e-10), (0.05, 1e-6), (0.9, 1e-17), (0.7, 1e-3)):
        cf = r ** k
        assert G.truncation(cf, cf, tol) == _trunc_ref(cf, cf, tol), (r, tol)
    cf = 0.5 ** k
    assert G.truncation(cf, cf) == _trunc_ref(cf, cf, G.MEHLER_TOL)
    assert G.truncation(np.zeros(64), np.zeros(64)) == 8
    assert G.truncation(np.ones(20), np.ones(20), 0.0) == 20
    rows = np.stack([0.2 ** k, 0.6 ** k])
    assert G.truncation(rows, rows, 1e-12) == _trunc_ref(rows[1], rows[1], 1e-12)
    # the tolerance is relative to 1 + sum |f_k g_k|: one large leading term moves the cut (by hand:
    # tail_k ~ 2^(1-k) <= 1e-10 (1e4 + 1) from k = 21 on, rounded up to 24; relative to 1 it would be 40)
    cf = np.sqrt(np.concatenate([[1e4], 0.5 ** np.arange(1, 64)]))
    assert G.truncation(cf, cf, 1e-10) == 24
    # exactly at the tolerance: accepted (<=)
    cf = np.array([1.0, 0.5] + [0.0] * 14)
    assert G.truncation(cf, cf, 0.25 / 2.25) == 8


def test_horner_helpers():
    rng = np.random.default_rng(3)
    c = rng.normal(size=10)
    rho = jnp.asarray(rng.uniform(-1, 1, size=(3, 3)))
    for kk in (1, 4, 10):
        np.testing.assert_allclose(np.asarray(G._horner_scalar(jnp.asarray(c), rho, kk)),
                                   np.polynomial.polynomial.polyval(np.asarray(rho), c[:kk]), rtol=1e-13, atol=1e-14)
    cf, cg = rng.normal(size=(3, 10)), rng.normal(size=(3, 10))
    got = np.asarray(G._horner_outer(jnp.asarray(cf), jnp.asarray(cg), rho, 6))
    ref = np.array([[np.polynomial.polynomial.polyval(float(rho[i, j]), cf[i, :6] * cg[j, :6]) for j in range(3)]
                    for i in range(3)])
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-14)


def _gram(scales, seed=4):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(len(scales), 3))
    Z = Z / np.linalg.norm(Z, axis=1, keepdims=True) * np.sqrt(np.asarray(scales))[:, None]
    return Z @ Z.T


@pytest.mark.parametrize("scales", [[1.3] * 4, [0.6, 1.0, 1.7, 2.2]])
def test_mehler_gram_exponentials(scales):
    K = _gram(scales)
    d = np.diag(K)
    a, b = 0.5, -0.8
    f, g = (lambda u: jnp.exp(a * u)), (lambda v: jnp.exp(b * v))
    out, info = G.mehler_gram(f, g, jnp.asarray(K), return_info=True)
    np.testing.assert_allclose(np.asarray(out), _exp2(a, b, d[:, None], K, d[None, :]), rtol=1e-13)
    assert info["terms"] % 8 == 0 and 8 <= info["terms"] < G.MEHLER_KMAX and info["dropped_tail"] < 1e-16
    same = np.asarray(G.mehler_gram(f, f, jnp.asarray(K)))
    np.testing.assert_allclose(same, _exp2(a, a, d[:, None], K, d[None, :]), rtol=1e-13)
    out2, info2 = G.mehler_gram(jnp.cos, jnp.cos, jnp.asarray(K), kmax=16, return_info=True)
    assert info2["terms"] == 16 and info2["dropped_tail"] == 0.0
    full = np.asarray(G.mehler_gram(jnp.cos, jnp.cos, jnp.asarray(K)))
    np.testing.assert_allclose(full, _coscos(d[:, None], K, d[None, :]), rtol=1e-13, atol=1e-15)
    assert np.max(np.abs(np.asarray(out2) - full)) > 1e-13  # 16 terms are too few
    _, info3 = G.mehler_gram(jnp.cos, jnp.cos, jnp.asarray(K), kmax=160, tol=1e-3, return_info=True)
    assert info3["terms"] < 40 and 0 < info3["dropped_tail"] < 1e-2
    with pytest.raises(InvalidParameter, match="diagonal must be > 0"):
        G.mehler_gram(jnp.cos, jnp.cos, jnp.diag(jnp.array([1.0, 0.0])))


def test_pair_gram_methods():
    K = jnp.asarray(_gram([0.6, 1.0, 1.7]))
    d = np.diag(np.asarray(K))
    Kn = np.asarray(K)
    ref = np.asarray(G.relu_kernel(d[:, None], Kn, d[None, :]))
    np.testing.assert_allclose(np.asarray(G.pair_gram("relu", K)), ref, rtol=1e-15)
    np.testing.assert_allclose(np.asarray(G.pair_gram("relu", K, deriv=True)),
                               np.asarray(G.relu_dkernel(d[:, None], Kn, d[None, :])), rtol=1e-15)
    ref_e = np.asarray(G.erf_kernel(d[:, None], Kn, d[None, :]))
    np.testing.assert_allclose(np.asarray(G.pair_gram("erf", K, method="mehler")), ref_e, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(G.pair_gram("erf", K, method="brute", q=64)), ref_e, rtol=1e-8)
    assert np.max(np.abs(np.asarray(G.pair_gram("erf", K, method="brute", q=3)) - ref_e)) > 1e-6
    sp = np.asarray(G.pair_gram("softplus", K))
    di, dj = np.broadcast_to(d[:, None], Kn.shape).ravel(), np.broadcast_to(d[None, :], Kn.shape).ravel()
    sp_b = _gh2_np(lambda x: np.logaddexp(0, x), lambda x: np.logaddexp(0, x), di, Kn.ravel(), dj,
                   q=90).reshape(Kn.shape)
    np.testing.assert_allclose(sp, sp_b, rtol=1e-11)
    with pytest.raises(InvalidParameter, match="must be square"):
        G.pair_gram("relu", jnp.ones((2, 3)))
    with pytest.raises(InvalidParameter, match="must be square"):
        G.pair_gram("relu", jnp.ones(3))


# ----------------------------------------------------------------------------- Chebyshev series
def test_lobatto_and_cheb_coeffs():
    for m in (1, 4, 7):
        x = G.lobatto(m)
        np.testing.assert_allclose(x, np.cos(PI * np.arange(m + 1) / m), rtol=0, atol=1e-15)
    assert G.lobatto(4)[2] == 0.0 and G.lobatto(6)[3] == 0.0
    c_true = np.array([0.3, -1.1, 0.0, 0.7, 0.25, -0.4])
    for m in (5, 8):
        x = G.lobatto(m)
        c = G.cheb_coeffs(C.chebval(x, c_true))
        np.testing.assert_allclose(c, np.concatenate([c_true, np.zeros(m + 1 - 6)]), atol=1e-14)
    x = G.lobatto(9)
    v = np.exp(x)
    np.testing.assert_allclose(C.chebval(x, G.cheb_coeffs(v)), v, rtol=1e-14)  # interpolates
    m = 6
    j = np.arange(m + 1)
    D = G._dct1(m)
    assert D.shape == (m + 1, m + 1)
    np.testing.assert_allclose(D @ np.cos(2 * np.arccos(G.lobatto(m))), np.eye(m + 1)[2], atol=1e-14)
    np.testing.assert_allclose(D @ np.ones(m + 1), np.eye(m + 1)[0], atol=1e-14)
    np.testing.assert_allclose(D @ np.cos(m * PI * j / m), np.eye(m + 1)[m], atol=1e-14)


def test_cheb_fit():
    c, err = G.cheb_fit(np.exp)
    assert err <= 64 * np.finfo(float).eps * math.e
    t = np.linspace(-1, 1, 201)
    np.testing.assert_allclose(C.chebval(t, c), np.exp(t), rtol=1e-14)
    c_true = np.array([0.3, -1.1, 0.0, 0.7, 0.25, -0.4])
    c, err = G.cheb_fit(lambda x: C.chebval(x, c_true))
    np.testing.assert_allclose(c, c_true, atol=1e-14)  # trailing zeros dropped
    c, _ = G.cheb_fit(lambda x: 0 * x + 2.5)
    np.testing.assert_allclose(c, [2.5])
    c, _ = G.cheb_fit(lambda x: 0 * x)
    assert len(c) == 1 and c[0] == 0.0
    assert G.cheb_fit(lambda x: 1 / x) is None  # not finite (x = 0 is a node)
    # Runge function: needs degree ~ 150 for full precision; n0 = nmax = 32 is not enough
    runge = lambda x: 1 / (1 + 25 * x * x)  # noqa: E731
    assert G.cheb_fit(runge, n0=32, nmax=32) is None
    c, err = G.cheb_fit(runge)
    assert err <= 64 * np.finfo(float).eps and 64 < len(c) <= 257
    c6, err = G.cheb_fit(runge, rtol=1e-6, nmax=128)  # passes at N = 128, fewer coefficients kept
    c9, _ = G.cheb_fit(runge, rtol=1e-9, nmax=128)
    assert err < 1e-10 and 60 < len(c6) < len(c9) < 129
    assert np.max(np.abs(C.chebval(t, c6) - runge(t))) <= 0.25e-6
    assert G.cheb_fit(runge, rtol=1e-6, nmax=64) is None


def test_clenshaw():
    rng = np.random.default_rng(5)
    t = jnp.asarray(rng.uniform(-1, 1, size=(4, 5)))
    for n in (1, 2, 3, 9):
        c = rng.normal(size=n)
        got = np.asarray(G.clenshaw(jnp.asarray(c), t))
        assert got.shape == (4, 5)
        np.testing.assert_allclose(got, C.chebval(np.asarray(t), c), rtol=1e-13, atol=1e-14)


def test_brute_default_is_the_48_point_rule():
    # ReLU's kink makes the tensor rule converge slowly, so its order is visible: the default is
    # the 48 x 48 rule (computed here with numpy's nodes), and pair_gram passes its own q = 48
    kii, kij, kjj = np.array([1.3]), np.array([0.4]), np.array([0.9])
    relu = lambda x: np.maximum(x, 0.0)  # noqa: E731
    ref48 = _gh2_np(relu, relu, kii, kij, kjj, q=48)
    ref49 = _gh2_np(relu, relu, kii, kij, kjj, q=49)
    assert abs(ref48[0] - ref49[0]) > 1e-7
    got = float(G.expect2_brute(G.RELU.f, G.RELU.f, kii, kij, kjj)[0])
    assert got == pytest.approx(ref48[0], rel=1e-13)
    K = jnp.array([[1.3, 0.4], [0.4, 0.9]])
    assert float(G.pair_gram("relu", K, method="brute")[0, 1]) == pytest.approx(ref48[0], rel=1e-13)


def test_mean_default_is_the_96_point_rule():
    # |u| has no closed-form mean registered: gaussian.mean falls back to the q = 96 rule, whose
    # error at the kink (~1e-4) makes the order visible; numpy's 96 nodes give the reference
    z, w = He.hermegauss(96)
    w = w / w.sum()
    ref = float(np.sum(np.abs(math.sqrt(1.7) * z) * w))
    z2, w2 = He.hermegauss(97)
    assert abs(ref - float(np.sum(np.abs(math.sqrt(1.7) * z2) * w2 / w2.sum()))) > 1e-7
    assert float(G.mean("abs", 1.7)) == pytest.approx(ref, rel=1e-13)
    assert float(G.expect1(jnp.abs, 1.7)) == pytest.approx(ref, rel=1e-13)
    assert float(G.mean("abs", 1.7)) == pytest.approx(math.sqrt(2 * 1.7 / PI), rel=1e-2)
