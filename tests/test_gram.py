"""Engine-level tests of analytic/gram.py and analytic/gaussian.py: closed forms vs independent
computations, the Mehler fast path vs brute-force quadrature, compile-once, and bad input."""
import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from analytic import gaussian, gram
from analytic.errors import InvalidParameter


def _unit(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_fast_arccos_matches_numpy():
    x = np.concatenate([np.linspace(-1, 1, 20001), 1 - np.logspace(-16, -1, 200), -1 + np.logspace(-16, -1, 200)])
    err = np.abs(np.asarray(gaussian.fast_arccos(jnp.asarray(x))) - np.arccos(x))
    assert err.max() <= 8 * np.finfo(float).eps * np.pi


def test_h_inf_is_arc_cosine_kernel_and_psd():
    X = _unit(6, 4)
    H = np.asarray(gram.h_inf(X))
    G = X @ X.T
    # arccos is infinitely ill-conditioned at 1: x.x = 1 - ulp moves H_ii by ~1e-8
    np.testing.assert_allclose(np.diag(H), 0.5, rtol=0, atol=1e-7)
    np.testing.assert_allclose(H, G * np.asarray(gaussian.relu_dkernel(1.0, G, 1.0)), atol=1e-7)
    off = ~np.eye(6, dtype=bool)
    np.testing.assert_allclose(H[off], (G * np.asarray(gaussian.relu_dkernel(1.0, G, 1.0)))[off], atol=1e-13)
    assert np.linalg.eigvalsh(H)[0] > 0


def test_c_sigma_computed():
    assert gram.c_sigma("relu") == pytest.approx(2.0, abs=1e-15)
    z, w = gaussian.gh_rule(150)
    ref = 1 / np.sum(w * np.logaddexp(0, z) ** 2)
    assert gram.c_sigma("softplus") == pytest.approx(ref, rel=1e-13)
    assert gram.c_sigma("erf") == pytest.approx(1 / float(gaussian.erf_kernel(1.0, 1.0, 1.0)), rel=1e-14)


def test_mehler_matches_brute_unequal_variances():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(5, 3)) * np.array([[0.6], [1.0], [1.3], [0.8], [1.5]])
    K = jnp.asarray(Z @ Z.T)
    for deriv in (False, True):
        a = gaussian.pair_gram("softplus", K, deriv=deriv, method="mehler")
        b = gaussian.pair_gram("softplus", K, deriv=deriv, method="brute", q=64)
        # variances up to ~4 and sigmoid's poles at +-i pi: both rules are near 1e-11 here
        assert float(jnp.max(jnp.abs(a - b))) < 1e-10


def test_mehler_matches_erf_closed_form():
    X = _unit(6, 3, seed=2)
    K = jnp.asarray(X @ X.T) * 1.3
    for deriv in (False, True):
        a = gaussian.pair_gram("erf", K, deriv=deriv, method="mehler")
        b = gaussian.pair_gram("erf", K, deriv=deriv, method="closed")
        assert float(jnp.max(jnp.abs(a - b))) < 1e-14


def test_relu_closed_vs_brute_converges():
    X = _unit(4, 3, seed=3)
    a = gram.fc_kernel(X, 2, "relu")
    e = [float(jnp.max(jnp.abs(gram.fc_kernel(X, 2, "relu", method="brute") - a)))]
    assert e[0] < 0.05  # the kink makes brute-force Gauss-Hermite converge only algebraically


def test_last_layer_gram_matches_explicit_formula():
    X = jnp.asarray(_unit(4, 3, seed=4))
    m, H = 32, 3
    params = gram.init_params(jax.random.key(0), "fc", 3, m, H)
    G = gram.last_layer_gram(params, X, "fc", "softplus")
    cs = gram.c_sigma("softplus")
    _, hs = jax.vmap(lambda x: gram.fc_forward(params, x, "softplus", cs))(X)
    xh = hs[H - 1]
    D = jax.nn.sigmoid(xh @ params["W"][-1].T) * params["a"]  # (n, m)
    G2 = cs / m * (D @ D.T) * (xh @ xh.T)
    assert float(jnp.max(jnp.abs(G - G2))) < 1e-13


def test_general_kernel_reduces_to_fc_and_resnet():
    X = _unit(4, 3, seed=5)
    cs = gram.c_sigma("tanh")
    P0 = jnp.asarray(X @ X.T)[:, None, :, None]
    Kg, _ = gram.general_kernel(P0, [0.0, 0.0], [math.sqrt(cs)] * 2, "tanh", q=1)
    _, Kf = gram.fc_kernel(X, 3, "tanh", layers=True)
    assert float(jnp.max(jnp.abs(Kg[2][:, 0, :, 0] - Kf[2]))) < 1e-14


def test_patch_gram_matches_explicit_patches():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(2, 3, 5))
    S = gram.conv_inputs_gram(jnp.asarray(X))
    P = gram.patch_gram(S, 3)
    ph = [np.asarray(gram.patches(jnp.asarray(x), 3)) for x in X]
    ref = np.einsum("ial,jar->iljr", np.stack(ph), np.stack(ph))
    np.testing.assert_allclose(np.asarray(P), ref, atol=1e-13)


def test_fc_closed_compiles_once_per_shape():
    X = _unit(7, 3, seed=7)
    gram.fc_kernel(X, 3, "relu")
    n0 = gram._fc_closed._cache_size()
    gram.fc_kernel(_unit(7, 3, seed=8), 3, "relu")
    gram.fc_kernel(_unit(7, 3, seed=9), 3, "relu")
    assert gram._fc_closed._cache_size() == n0


def test_cheb_fit_and_clenshaw():
    fit = gaussian.cheb_fit(np.exp)
    assert fit is not None and fit[1] < 1e-14 and len(fit[0]) < 24
    t = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(np.asarray(gaussian.clenshaw(jnp.asarray(fit[0]), jnp.asarray(t))), np.exp(t),
                               rtol=1e-14)
    assert gaussian.cheb_fit(np.abs, nmax=64) is None  # kink: no geometric convergence, no fit


def test_relu_angle_map_is_the_arc_cosine_recursion():
    # well-conditioned angles: the naive rho recursion is accurate there
    th = np.linspace(0.2, 3.0, 57)
    r = np.cos(th)
    for _ in range(1, 4):
        r = (np.sqrt(1 - r * r) + (np.pi - np.arccos(r)) * r) / np.pi
    np.testing.assert_allclose(gram.relu_angle_map(th, 4), r * (np.pi - np.arccos(r)) / np.pi, rtol=0, atol=1e-14)
    # the Taylor branch of sin t - t cos t (t < 1) joins the direct formula; theta = 0 maps to 1 exactly
    below, above = gram._relu_angle_step(np.array([1.0 - 1e-12])), gram._relu_angle_step(np.array([1.0]))
    assert abs(float(below[0] - above[0])) < 1e-11
    assert gram.relu_angle_map(np.array([0.0]), 10)[0] == 1.0


@pytest.mark.parametrize("act, ref_method", [("relu", "closed"), ("softplus", "mehler"), ("erf", "closed"),
                                             ("tanh", "mehler")])
def test_fc_composed_map_matches_layer_by_layer(act, ref_method):
    X = _unit(gram.COMPOSED_MIN_N, 5, seed=12)
    a = gaussian.get(act)
    for H in (1, 2, 6):
        assert gram._fc_composed(jnp.asarray(X), H, a, gram.c_sigma(a)) is not None  # the fast path applies
        fast = np.asarray(gram.fc_kernel(X, H, act))
        slow = np.asarray(gram.fc_kernel(X, H, act, method=ref_method))
        assert np.max(np.abs(fast - slow)) <= 1e-13 * np.max(np.abs(slow))


def test_fc_composed_relu_diagonal_and_unequal_norms():
    X = _unit(gram.COMPOSED_MIN_N, 4, seed=13)
    K = np.asarray(gram.fc_kernel(X, 10, "relu"))
    np.testing.assert_allclose(np.diag(K), 1.0, rtol=0, atol=1e-14)  # rho_ii = 1 exactly: no 1e-8 kink error
    # norms 1 +- 5e-11 (inside UNIT_TOL): ReLU is homogeneous, the composed map still applies;
    # softplus falls back to layer by layer (per-row Hermite coefficients)
    Y = X * (1 + 5e-11 * np.random.default_rng(14).uniform(-1, 1, size=(X.shape[0], 1)))
    a = gaussian.get("softplus")
    assert gram._fc_composed(jnp.asarray(Y), 3, a, gram.c_sigma(a)) is None
    np.testing.assert_allclose(np.asarray(gram.fc_kernel(Y, 3, "relu")),
                               np.asarray(gram.fc_kernel(Y, 3, "relu", method="closed")), rtol=0, atol=1e-13)


def test_c_sigma_does_not_recompile():
    gram.c_sigma("softplus")
    n0 = gaussian.expect1._cache_size()
    for _ in range(3):
        gram.c_sigma("softplus")
    assert gaussian.expect1._cache_size() == n0


def test_two_layer_gd_runs_and_decreases():
    X = _unit(5, 4, seed=10)
    y = np.random.default_rng(10).normal(size=5)
    rng = np.random.default_rng(11)
    W0, a = rng.normal(size=(500, 4)), rng.choice([-1.0, 1.0], size=500)
    out = gram.two_layer_gd(jnp.asarray(W0), jnp.asarray(a), jnp.asarray(X), jnp.asarray(y), 0.1, 50)
    assert out["sq_err"][-1] < out["sq_err"][0]


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, msg", [
    (lambda: gram.h_inf(np.array([[1.0, 1.0], [0.0, 1.0]])), "unit norm"),
    (lambda: gram.fc_kernel(_unit(1, 3), 2), "n must be >= 2"),
    (lambda: gram.fc_kernel(_unit(3, 3), 0), "H must be an integer >= 1"),
    (lambda: gram.resnet_kernel(_unit(3, 3), 1), "H must be an integer >= 2"),
    (lambda: gram.fc_kernel(_unit(3, 3) * 2, 2), "unit norm"),
    (lambda: gram.fc_kernel(_unit(3, 3), 2, "abs"), "not differentiable"),
    (lambda: gram.fc_kernel(_unit(3, 3), 2, "nope"), "unknown activation"),
    (lambda: gram.conv_resnet_kernel(np.ones((3, 2, 4)), 3), "unit Frobenius norm"),
    (lambda: gram.conv_resnet_kernel(np.ones((3, 2, 4)) / math.sqrt(8), 3, q=2), "odd"),
    (lambda: gaussian.pair_gram("softplus", jnp.eye(3), method="simpson"), "method must be"),
    (lambda: gaussian.pair_gram("softplus", jnp.eye(3), method="closed"), "no closed form"),
    (lambda: gram.opnorm_tail_bound(1.0, 1.5, 10), "c_w0 must be > sqrt(c) + 1"),
    (lambda: gram.lipschitz_329("relu", 2.0), "Lipschitz and smooth"),
    (lambda: gaussian.condition_3_1_constants("relu"), "Condition 3.1"),
    (lambda: gram.two_layer_gd(np.ones((3, 2)), np.ones(3), _unit(2, 2), np.zeros(2), 0.0, 3), "eta must be > 0"),
    (lambda: gram.forward_fn("lstm"), "arch must be"),
])
def test_bad_input(call, msg):
    with pytest.raises(InvalidParameter, match=re.escape(msg)):
        call()
