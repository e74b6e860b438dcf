"""Value pins for analytic/wide.py (essay Sections 2.1.2 and 2.2), against independent references.

Written to kill mutants (ci/mutation.sh): every formula is evaluated at generic points and compared
with a plain-numpy re-derivation (explicit loops over neurons / data points / layers instead of the
module's vectorised code), with closed forms worked out by hand (the arc-cosine kernel at chosen
angles, sigmoid values at 0, ranks of diagonal matrices at the tolerance), and the validation
helpers are exercised on both sides of every boundary.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic  # noqa: F401  (float64)
from analytic import wide as W
from analytic.errors import InvalidParameter

EPS = np.finfo(np.float64).eps


def _g(seed):
    return np.random.default_rng(seed)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _act_np(name):
    return {"sigmoid": _sig, "relu": lambda z: np.maximum(z, 0.0), "identity": lambda z: z, "tanh": np.tanh,
            "softplus": lambda z: np.log1p(np.exp(z))}[name]


# ----------------------------------------------------------------------------- activations
def test_activation_values():
    z = np.array([-3.0, -0.5, 0.0, 0.25, 2.0])
    for name in ("sigmoid", "relu", "identity", "tanh", "softplus"):
        np.testing.assert_allclose(np.asarray(W.activation(name)(jnp.asarray(z))), _act_np(name)(z), rtol=1e-15, atol=0)
    assert float(W.sigmoid(0.0)) == 0.5
    np.testing.assert_array_equal(np.asarray(W.relu(jnp.asarray(z))), [0.0, 0.0, 0.0, 0.25, 2.0])
    assert W.identity(z) is z
    assert W.activation("tanh") is jnp.tanh and W.activation("softplus") is jax.nn.softplus
    for bad in ("gelu", "Sigmoid", ""):
        with pytest.raises(InvalidParameter, match="activation must be one of"):
            W.activation(bad)


# ----------------------------------------------------------------------------- feature matrices
def test_check_features_input_boundaries():
    W.check_features_input([jnp.ones((1, 1))], jnp.ones((1, 1)))
    W.check_features_input([jnp.ones((1, 1))], jnp.ones((1, 1)), bs=[jnp.ones(1)])
    W.check_features_input([jnp.ones((3, 2)), jnp.ones((1, 3))], jnp.ones((2, 4)), bs=[jnp.ones(3), jnp.ones(1)])
    bad = [
        (([jnp.ones((3, 2))], jnp.ones(2)), {}, "X must be 2-D"),
        (([jnp.ones((3, 2))], jnp.ones((2, 3, 1))), {}, "X must be 2-D"),
        (([jnp.ones((3, 0))], jnp.ones((0, 3))), {}, "non-empty"),
        (([jnp.ones((3, 2))], jnp.ones((2, 0))), {}, "non-empty"),
        (([], jnp.ones((2, 3))), {}, "at least one weight matrix"),
        (([jnp.ones(2)], jnp.ones((2, 3))), {}, "W_1 must be a 2-D"),
        (([jnp.ones((0, 2))], jnp.ones((2, 3))), {}, "W_1 must be a 2-D"),
        (([jnp.ones((3, 2)), jnp.ones((0, 3))], jnp.ones((2, 3))), {}, "W_2 must be a 2-D"),
        (([jnp.ones((3, 2))], jnp.ones((3, 3))), {}, "W_1 has 2 columns, needs 3"),
        (([jnp.ones((3, 2)), jnp.ones((2, 2))], jnp.ones((2, 3))), {}, "W_2 has 2 columns, needs 3"),
        (([jnp.ones((3, 2)), jnp.ones((2, 3))], jnp.ones((2, 3))), {"bs": [jnp.ones(3)]}, "one bias per layer"),
        (([jnp.ones((3, 2))], jnp.ones((2, 3))), {"bs": [jnp.ones(3), jnp.ones(3)]}, "one bias per layer"),
        (([jnp.ones((3, 2)), jnp.ones((2, 3))], jnp.ones((2, 3))), {"bs": [jnp.ones(3), jnp.ones(3)]}, "b_2 must have"),
        (([jnp.ones((3, 2))], jnp.ones((2, 3))), {"bs": [jnp.ones((3, 1))]}, "b_1 must have"),
    ]
    for args, kw, msg in bad:
        with pytest.raises(InvalidParameter, match=msg):
            W.check_features_input(*args, **kw)


def _features_np(Ws, X, act="sigmoid", bs=None):
    F = np.asarray(X, dtype=float)
    for k, Wk in enumerate(Ws):
        Z = np.zeros((Wk.shape[0], F.shape[1]))
        for i in range(Wk.shape[0]):
            for j in range(F.shape[1]):
                Z[i, j] = Wk[i] @ F[:, j] + (bs[k][i] if bs is not None else 0.0)
        F = _act_np(act)(Z)
    return F


@pytest.mark.parametrize("act", ["sigmoid", "relu", "tanh"])
def test_features_and_net_against_loops(act):
    g = _g(31)
    Ws = [g.standard_normal(s) for s in ((4, 3), (2, 4), (3, 2))]
    bs = [g.standard_normal(4), g.standard_normal(2), g.standard_normal(3)]
    X, Y = g.standard_normal((3, 5)), g.standard_normal((3, 5))
    J = lambda xs: [jnp.asarray(x) for x in xs]  # noqa: E731
    np.testing.assert_allclose(np.asarray(W.features(J(Ws), jnp.asarray(X), act)), _features_np(Ws, X, act),
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(np.asarray(W.features(J(Ws), jnp.asarray(X), act, J(bs))), _features_np(Ws, X, act, bs),
                               rtol=1e-13, atol=1e-15)
    # net_output: linear last layer, the biases of the hidden layers only
    out = Ws[-1] @ _features_np(Ws[:-1], X, act, bs[:-1])
    np.testing.assert_allclose(np.asarray(W.net_output(J(Ws), jnp.asarray(X), J(bs), act)), out, rtol=1e-13, atol=1e-14)
    out0 = Ws[-1] @ _features_np(Ws[:-1], X, act)
    np.testing.assert_allclose(np.asarray(W.net_output(J(Ws), jnp.asarray(X), act=act)), out0, rtol=1e-13, atol=1e-14)
    ref = 0.5 * np.sum((Y - out) ** 2)
    assert float(W.net_loss(J(Ws), jnp.asarray(X), jnp.asarray(Y), J(bs), act)) == pytest.approx(ref, rel=1e-13)


def test_net_output_single_layer_and_default_sigmoid():
    g = _g(32)
    W1, X = g.standard_normal((2, 3)), g.standard_normal((3, 4))
    np.testing.assert_allclose(np.asarray(W.net_output([jnp.asarray(W1)], jnp.asarray(X))), W1 @ X, rtol=1e-14)
    W2 = g.standard_normal((1, 2))
    np.testing.assert_allclose(np.asarray(W.net_output([jnp.asarray(W1), jnp.asarray(W2)], jnp.asarray(X))),
                               W2 @ _sig(W1 @ X), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(W.features([jnp.asarray(W1)], jnp.asarray(X))), _sig(W1 @ X), rtol=1e-13)
    # a hand value: W = [[0]] gives sigma(0) = 1/2 everywhere; loss 1/2 sum (y - W2 . 1/2)^2
    assert float(W.net_loss([jnp.zeros((2, 1)), jnp.array([[1.0, 3.0]])], jnp.ones((1, 2)), jnp.array([[0.0, 4.0]]))) \
        == 0.5 * (4.0 + 4.0)


def test_singular_values_rank_and_tolerance():
    g = _g(33)
    F = g.standard_normal((5, 3)) @ np.diag([4.0, 1.0, 0.0]) @ g.standard_normal((3, 3))
    ref = np.linalg.svd(F, compute_uv=False)
    np.testing.assert_allclose(np.asarray(W.singular_values(jnp.asarray(F))), ref, rtol=1e-13, atol=1e-13)
    assert float(W.rank_tolerance(jnp.asarray(F))) == pytest.approx(ref[0] * 5 * EPS, rel=1e-13)
    assert int(W.numerical_rank(jnp.asarray(F))) == 2
    # traced: the jnp path gives the same
    assert int(jax.jit(W.numerical_rank)(jnp.asarray(F))) == 2
    np.testing.assert_allclose(np.asarray(jax.jit(W.singular_values)(jnp.asarray(F))), ref, rtol=1e-12, atol=1e-12)
    assert W._xp(jnp.asarray(F)) is np
    # exactly at the tolerance (diagonal: exact singular values): s = s_max * max(shape) * eps is NOT counted
    D = np.diag([1.0, 3 * EPS, 0.0])[:, :2]                 # 3 x 2: tolerance 1 * 3 * eps
    assert float(W.rank_tolerance(D)) == 3 * EPS
    assert int(W.numerical_rank(D)) == 1
    assert int(W.numerical_rank(np.diag([1.0, 4 * EPS, 0.0])[:, :2])) == 2
    assert int(jax.jit(W.numerical_rank)(jnp.asarray(D))) == 1
    assert int(W.numerical_rank(np.diag([2.0, 5.0]))) == 2
    assert int(W.numerical_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))) == 1


def test_sigmoid_pair_dependency_formula():
    F = np.array([[1.0, 2.0, 0.5, 9.0], [0.25, -1.0, 3.0, 9.0]])
    np.testing.assert_array_equal(np.asarray(W.sigmoid_pair_dependency(jnp.asarray(F))), [2.0, -6.75])


# ----------------------------------------------------------------------------- Lemma 3.5 coefficient
def _lemma35_np(Ws, X, k, bs=None):
    Ws = [np.asarray(w) for w in Ws]
    H = len(Ws)
    F = np.asarray(X)
    Fs, Zs = {}, {}
    for l in range(1, H):
        Z = Ws[l - 1] @ F + (0.0 if bs is None else np.asarray(bs[l - 1])[:, None])
        F = _sig(Z)
        Fs[l], Zs[l] = F, Z
    m = X.shape[1]
    Fk = Fs[k]
    coef = np.linalg.svd(Fk, compute_uv=False)[m - 1] if Fk.shape[0] >= m else 0.0
    for l in range(k + 1, H):
        s = _sig(Zs[l])
        coef *= np.min(s * (1 - s))
    for l in range(k + 2, H + 1):
        Wl = Ws[l - 1]
        coef *= np.linalg.svd(Wl, compute_uv=False)[Wl.shape[0] - 1] if Wl.shape[0] <= Wl.shape[1] else 0.0
    return coef


@pytest.mark.parametrize("dims,k", [((2, 5, 4, 3, 2), 1), ((2, 5, 4, 3, 2), 2), ((2, 5, 4, 6, 2), 3),
                                    ((3, 6, 2), 1), ((3, 6, 5, 7, 1), 1), ((3, 2, 4), 1), ((2, 4, 3, 5, 2), 1)])
def test_lemma35_lower_bound_against_numpy(dims, k):
    g = _g(34)
    Ws = [g.standard_normal((dims[i + 1], dims[i])) for i in range(len(dims) - 1)]
    bs = [g.standard_normal(d) for d in dims[1:]]
    X = g.standard_normal((dims[0], 4))
    J = lambda xs: [jnp.asarray(x) for x in xs]  # noqa: E731
    for b in (None, bs):
        ref = _lemma35_np(Ws, X, k, b)
        got = float(W.lemma35_lower_bound(J(Ws), jnp.asarray(X), k, None if b is None else J(b)))
        assert got == pytest.approx(ref, rel=1e-11, abs=1e-300)
    if dims == (3, 6, 5, 7, 1) or dims == (3, 2, 4) or dims == (2, 4, 3, 5, 2):
        assert _lemma35_np(Ws, X, k) == 0.0      # a wide W_l (l >= k+2), or d_k < m: the bound is vacuous
    else:
        assert _lemma35_np(Ws, X, k) > 0.0


def test_lemma35_integer_like_k():
    """k given as a numpy integer (e.g. drawn from an array) gives the same coefficient as a Python int."""
    g = _g(36)
    dims = (2, 5, 4, 3)
    Ws = [jnp.asarray(g.standard_normal((dims[i + 1], dims[i]))) for i in range(3)]
    X = g.standard_normal((2, 3))
    for k in (1, 2):
        ref = _lemma35_np(Ws, X, k)
        assert ref > 0
        for kk in (k, np.int64(k), np.int32(k)):
            assert float(W.lemma35_lower_bound(Ws, jnp.asarray(X), kk)) == pytest.approx(ref, rel=1e-11)


def test_lemma35_k_range():
    Ws = [jnp.ones((2, 2))] * 3
    X = jnp.ones((2, 3))
    for k in (0, 3, -1):
        with pytest.raises(InvalidParameter, match="1 <= k <= H-1 = 2"):
            W.lemma35_lower_bound(Ws, X, k)
    W.lemma35_lower_bound(Ws, X, 1)
    W.lemma35_lower_bound(Ws, X, 2)


# ----------------------------------------------------------------------------- two-layer ReLU net
def test_check_two_layer_boundaries():
    W.check_two_layer(jnp.ones((1, 1)), jnp.ones(1), jnp.ones((1, 1)), jnp.ones(1))
    W.check_two_layer(jnp.ones((3, 2)), jnp.ones(3), jnp.ones((1, 2)))
    bad = [
        ((jnp.ones(3), jnp.ones(3), jnp.ones((2, 3))), "W must be m x d"),
        ((jnp.ones((3, 2)), jnp.ones(3), jnp.ones(2)), "X must be n x d"),
        ((jnp.ones((0, 2)), jnp.ones(0), jnp.ones((2, 2))), "width m must be >= 1"),
        ((jnp.ones((3, 2)), jnp.ones(3), jnp.ones((0, 2))), "need n >= 1"),
        ((jnp.ones((3, 2)), jnp.ones(3), jnp.ones((2, 3))), "W is m x d with d = 2"),
        ((jnp.ones((3, 2)), jnp.ones(2), jnp.ones((2, 2))), "a must have shape"),
        ((jnp.ones((3, 2)), jnp.ones((3, 1)), jnp.ones((2, 2))), "a must have shape"),
        ((jnp.ones((3, 2)), jnp.ones(3), jnp.ones((2, 2)), jnp.ones(3)), "y must have shape"),
        ((jnp.ones((3, 2)), jnp.ones(3), jnp.ones((2, 2)), jnp.ones((2, 1))), "y must have shape"),
    ]
    for args, msg in bad:
        with pytest.raises(InvalidParameter, match=msg):
            W.check_two_layer(*args)


def _pred_np(Wm, a, X, act="relu"):
    m = Wm.shape[0]
    f = _act_np(act)
    return np.array([sum(a[r] * f(Wm[r] @ x) for r in range(m)) / math.sqrt(m) for x in X])


def _ind(w, x):
    return 1.0 if w @ x >= 0 else 0.0


@pytest.fixture(scope="module")
def relu_data():
    g = _g(35)
    X = g.standard_normal((4, 3))
    Wm = g.standard_normal((6, 3))
    X[1] = [0.5, 0.25, -1.5]
    Wm[0] = [0.25, -0.5, 0.0]      # w_0 . x_1 = 0 exactly (dyadic: no rounding, FMA or not): a tie counts as active
    a = np.array([1.0, -1.0, 1.0, 1.0, -1.0, 1.0])
    y = g.standard_normal(4)
    return Wm, a, X, y


def test_predictions_and_loss(relu_data):
    Wm, a, X, y = relu_data
    for act in ("relu", "sigmoid", "tanh"):
        u = _pred_np(Wm, a, X, act)
        np.testing.assert_allclose(np.asarray(W.predictions(jnp.asarray(Wm), jnp.asarray(a), jnp.asarray(X), act)), u,
                                   rtol=1e-13, atol=1e-15)
        assert float(W.loss(jnp.asarray(Wm), jnp.asarray(a), jnp.asarray(X), jnp.asarray(y), act)) == \
            pytest.approx(0.5 * np.sum((u - y) ** 2), rel=1e-13)
    # a hand value: m = 4, all neurons w = (1, 0), a = +1: u = 4 relu(x_0) / 2
    assert float(W.predictions(jnp.tile(jnp.array([[1.0, 0.0]]), (4, 1)), jnp.ones(4), jnp.array([[3.0, 1.0]]))[0]) == 6.0
    with pytest.raises(InvalidParameter, match="y must have shape"):
        W.loss(jnp.asarray(Wm), jnp.asarray(a), jnp.asarray(X), jnp.ones(3))


def test_gram_against_loops(relu_data):
    Wm, a, X, _ = relu_data
    m, n = Wm.shape[0], X.shape[0]
    assert Wm[0] @ X[1] == 0.0
    for aa in (None, a, np.array([0.5, -2.0, 0.0, 1.0, 3.0, -1.0])):
        ref = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                w2 = [1.0 if aa is None else aa[r] ** 2 for r in range(m)]
                ref[i, j] = X[i] @ X[j] * sum(w2[r] * _ind(Wm[r], X[i]) * _ind(Wm[r], X[j]) for r in range(m)) / m
        got = W.gram(jnp.asarray(Wm), jnp.asarray(X), None if aa is None else jnp.asarray(aa))
        np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-13, atol=1e-15)
    W.gram(jnp.ones((1, 2)), jnp.ones((1, 2)))
    for Wb, Xb, msg in [(jnp.ones((5, 3)), jnp.ones((4, 2)), "share d"), (jnp.ones(3), jnp.ones((4, 3)), "share d"),
                        (jnp.ones((5, 3)), jnp.ones(3), "share d"), (jnp.ones((0, 3)), jnp.ones((4, 3)), "need m >= 1"),
                        (jnp.ones((5, 3)), jnp.ones((0, 3)), "need m >= 1")]:
        with pytest.raises(InvalidParameter, match=msg):
            W.gram(Wb, Xb)


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_gram_act_against_loops(relu_data, act):
    Wm, a, X, _ = relu_data
    a = a * np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])
    m, n = Wm.shape[0], X.shape[0]
    d = (lambda z: _sig(z) * (1 - _sig(z))) if act == "sigmoid" else (lambda z: 1 - np.tanh(z) ** 2)
    ref = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ref[i, j] = X[i] @ X[j] * sum(a[r] ** 2 * d(Wm[r] @ X[i]) * d(Wm[r] @ X[j]) for r in range(m)) / m
    got = W.gram_act(jnp.asarray(Wm), jnp.asarray(a), jnp.asarray(X), act)
    np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-12, atol=1e-15)
    if act == "sigmoid":
        np.testing.assert_allclose(np.asarray(W.gram_act(jnp.asarray(Wm), jnp.asarray(a), jnp.asarray(X))), ref, rtol=1e-12)


def test_h_inf_relu_closed_forms():
    # unit vectors at angles 0, 60, 90, 120, 180 degrees from e_1: kernel x.y (pi - arccos(x.y)) / (2 pi)
    ang = np.array([0.0, 60.0, 90.0, 120.0, 180.0]) * math.pi / 180
    X = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    H = np.asarray(W.h_inf_relu(jnp.asarray(X)))
    row0 = [0.5, 0.5 * (2 / 3) / 2, 0.0, -0.5 * (1 / 3) / 2, 0.0]   # cos * (pi - theta) / (2 pi)
    np.testing.assert_allclose(H[0], row0, atol=1e-15)
    for i in range(5):
        for j in range(5):
            c = np.clip(X[i] @ X[j], -1, 1)
            assert H[i, j] == pytest.approx(c * (math.pi - math.acos(c)) / (2 * math.pi), abs=1e-15)
    # the clip: |x.y| > 1 (not unit vectors) is clipped to +-1 instead of giving nan
    Hc = np.asarray(W.h_inf_relu(jnp.array([[2.0, 0.0], [-2.0, 0.0]])))
    np.testing.assert_allclose(Hc, [[0.5, 0.0], [0.0, 0.5]], atol=1e-15)


def test_neuron_grads_and_printed_hessian_against_loops(relu_data):
    Wm, a, X, y = relu_data
    m, d = Wm.shape
    u = _pred_np(Wm, a, X)
    ref = np.zeros((m, d))
    for r in range(m):
        for j in range(X.shape[0]):
            ref[r] += (u[j] - y[j]) * a[r] * X[j] * _ind(Wm[r], X[j]) / math.sqrt(m)
    np.testing.assert_allclose(np.asarray(W.neuron_grads(*(jnp.asarray(v) for v in (Wm, a, X, y)))), ref,
                               rtol=1e-12, atol=1e-14)
    Hp = np.asarray(W.hessian_printed(jnp.asarray(Wm), jnp.asarray(a), jnp.asarray(X)))
    Href = np.zeros((m * d, m * d))
    for r in range(m):
        for s in range(m):
            blk = sum(np.outer(x, x) * _ind(Wm[r], x) * _ind(Wm[s], x) for x in X)
            Href[r * d:(r + 1) * d, s * d:(s + 1) * d] = a[r] * a[s] * blk / m
    np.testing.assert_allclose(Hp, Href, rtol=1e-12, atol=1e-14)


def test_grad_bounds():
    u, y = np.array([1.0, -2.0, 0.5, 3.0]), np.array([0.0, 1.0, 0.5, -1.0])
    assert float(W.grad_bound_l1(jnp.asarray(u), jnp.asarray(y), 9)) == pytest.approx(8.0 / 3.0, rel=1e-15)
    assert float(W.grad_bound_l2(jnp.asarray(u), jnp.asarray(y), 9)) == pytest.approx(
        math.sqrt(4 / 9) * math.sqrt(1 + 9 + 0 + 16), rel=1e-15)


def test_wavy_and_its_lipschitz_constant():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    c = np.array([0.5, -0.25, 2.0])
    V = np.array([[1.0, 0.0], [1.0, 2.0], [-0.5, 0.5]])
    x = np.array([0.3, -0.7])
    ref = 0.5 * x @ A @ x + sum(c[k] * math.cos(V[k] @ x) for k in range(3))
    assert float(W.wavy(*(jnp.asarray(v) for v in (x, A, c, V)))) == pytest.approx(ref, rel=1e-14)
    lip = (5 + math.sqrt(5)) / 2 + 0.5 * 1 + 0.25 * 5 + 2.0 * 0.5    # ||A||_2 = largest eigenvalue of A
    assert float(W.wavy_lipschitz(*(jnp.asarray(v) for v in (A, c, V)))) == pytest.approx(lip, rel=1e-14)


def test_check_width():
    W.check_width(1)
    W.check_width(2.0)
    for m in (0, -3, 0.5):
        with pytest.raises(InvalidParameter, match="width m must be >= 1"):
            W.check_width(m)
