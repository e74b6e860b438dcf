"""Analytic layer of the essay (analytic/linear.py, analytic/wide.py): oracles and bad input."""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic  # noqa: F401  (float64)
from analytic import linear, wide
from analytic.errors import InvalidParameter


def _rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- deep linear
def test_rank_constrained_optimum_matches_brute_force_r1():
    """Eckart-Young value vs a brute-force search over rank-1 R = u v^T (alternating least squares, many starts)."""
    g = _rng(1)
    X, Y = g.standard_normal((3, 7)), g.standard_normal((2, 7))
    val, Rs = linear.rank_constrained_optimum(jnp.asarray(X), jnp.asarray(Y), 1)
    best = np.inf
    for _ in range(20):
        v = g.standard_normal(3)
        for _ in range(200):  # ALS: exact minimisation in u then in v
            z = v @ X
            u = Y @ z / (z @ z)
            A = np.kron(np.outer(X @ X.T, [1]).reshape(3, 3), u @ u)
            v = np.linalg.solve(A, X @ Y.T @ u)
        best = min(best, 0.5 * np.sum((Y - np.outer(u, v) @ X) ** 2) / 7)
    assert abs(best - float(val)) <= 1e-10 * (1 + abs(best))
    assert np.linalg.matrix_rank(np.asarray(Rs)) <= 1
    assert abs(float(linear.shallow_loss(Rs, jnp.asarray(X), jnp.asarray(Y))) - float(val)) < 1e-12


def test_rank_constrained_full_rank_is_least_squares():
    g = _rng(2)
    X, Y = jnp.asarray(g.standard_normal((3, 9))), jnp.asarray(g.standard_normal((4, 9)))
    val, Rs = linear.rank_constrained_optimum(X, Y, 3)
    Rn = linear.normal_solution(X, Y)
    np.testing.assert_allclose(np.asarray(Rs), np.asarray(Rn), atol=1e-12)


@pytest.mark.parametrize("dims", [(4, 2, 3), (3, 1, 1, 3), (5, 3, 2, 4, 2)])
def test_factorize_product_is_exact(dims):
    g = _rng(3)
    k = min(dims)
    R = jnp.asarray(g.standard_normal((dims[-1], k)) @ g.standard_normal((k, dims[0])))
    Ws = linear.factorize(R, dims)
    assert [tuple(W.shape) for W in Ws] == [(dims[i + 1], dims[i]) for i in range(len(dims) - 1)]
    np.testing.assert_allclose(np.asarray(linear.product(Ws)), np.asarray(R), atol=1e-12)


def test_rescale_and_lift():
    g = _rng(4)
    Ws = [jnp.asarray(g.standard_normal(s)) for s in ((2, 4), (3, 2))]
    W2 = linear.rescale(Ws, 0, 1, 3.0)
    np.testing.assert_allclose(np.asarray(linear.product(W2)), np.asarray(linear.product(Ws)), atol=1e-12)
    R = linear.product(Ws)
    W1, W2 = linear.lift_h2(Ws[0], Ws[1], R)
    np.testing.assert_allclose(np.asarray(W2 @ W1), np.asarray(R), atol=1e-12)
    np.testing.assert_allclose(np.asarray(W1), np.asarray(Ws[0]), atol=1e-10)


def test_logistic_loss_positive_and_scaling():
    X = jnp.asarray([[1.0, -1.0, 2.0]])
    lab = jnp.asarray([1.0, -1.0, 1.0])
    ls = [float(linear.logistic_loss(jnp.asarray([c]), X, lab)) for c in (1.0, 2.0, 4.0)]
    assert ls[0] > ls[1] > ls[2] > 0


@pytest.mark.parametrize("call,msg", [
    (lambda: linear.check_data(jnp.ones((2, 3)), jnp.ones((1, 4))), "same number m of columns"),
    (lambda: linear.check_data(jnp.ones((2, 0)), jnp.ones((1, 0))), "non-empty"),
    (lambda: linear.check_data(jnp.ones(3), jnp.ones((1, 3))), "2-D"),
    (lambda: linear.check_widths([jnp.ones((2, 3)), jnp.ones((2, 4))]), "chain"),
    (lambda: linear.check_widths([]), "H >= 1"),
    (lambda: linear.check_widths([jnp.ones((2, 3))], X=jnp.ones((4, 5))), "d_0"),
    (lambda: linear.bottleneck([3, 0, 2]), "widths must be >= 1"),
    (lambda: linear.factorize(jnp.ones((3, 4)), [4, 2, 2]), "R must be"),
    (lambda: linear.rescale([jnp.ones((2, 2))] * 2, 1, 1, 2.0), "two different layers"),
    (lambda: linear.rank_constrained_optimum(jnp.ones((2, 3)), jnp.ones((1, 3)), -1), "r must be >= 0"),
    (lambda: linear.init_deep(jax.random.key(0), [3, 0, 2]), "widths must be >= 1"),
])
def test_linear_bad_input(call, msg):
    with pytest.raises(InvalidParameter, match=msg):
        call()


# ----------------------------------------------------------------------------- wide
def test_sigmoid_pair_dependency_is_exact_and_bias_breaks_it():
    g = _rng(5)
    X = jnp.asarray([[1.0, -1.0, 0.0]])
    for d1 in (3, 5):
        F = wide.features([jnp.asarray(g.standard_normal((d1, 1)) * 3)], X)
        assert int(wide.numerical_rank(F)) == 2
        assert float(jnp.max(jnp.abs(wide.sigmoid_pair_dependency(F)))) < 1e-15
        Fb = wide.features([jnp.asarray(g.standard_normal((d1, 1)) * 3)], X, bs=[jnp.asarray(g.standard_normal(d1))])
        assert int(wide.numerical_rank(Fb)) == 3


def test_relu_gram_matches_jacobian_and_hinf_matches_mc():
    g = _rng(6)
    X = g.standard_normal((4, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X = jnp.asarray(X)
    W, a = jnp.asarray(g.standard_normal((50000, 3))), jnp.asarray(np.sign(g.standard_normal(50000)))
    H = np.asarray(wide.gram(W, X, a))
    Hinf = np.asarray(wide.h_inf_relu(X))
    # Monte Carlo over 50000 neurons: entries are means of bounded indicators -> se <= 0.5/sqrt(m)
    assert np.max(np.abs(H - Hinf)) <= 6 * 0.5 / np.sqrt(50000)
    Ws = W[:7]
    J = jax.jit(jax.jacrev(lambda W: wide.predictions(W, a[:7], X)))(Ws).reshape(4, -1)
    np.testing.assert_allclose(np.asarray(J @ J.T), np.asarray(wide.gram(Ws, X, a[:7])), atol=1e-13)


def test_neuron_grads_and_hessian_match_autodiff():
    g = _rng(7)
    X = jnp.asarray(g.standard_normal((3, 2)))
    W, a, y = jnp.asarray(g.standard_normal((5, 2))), jnp.asarray([1.0, -1, 1, 1, -1]), jnp.asarray(g.standard_normal(3))
    f = jax.jit(lambda W: (wide.neuron_grads(W, a, X, y), jax.grad(wide.loss)(W, a, X, y),
                           jax.hessian(wide.loss)(W, a, X, y).reshape(10, 10), wide.hessian_printed(W, a, X)))
    g1, g2, Ha, Hp = (np.asarray(v) for v in f(W))
    np.testing.assert_allclose(g1, g2, atol=1e-13)
    np.testing.assert_allclose(Ha, Hp, atol=1e-13)


def test_lemma35_bound_holds_on_random_nets():
    g = _rng(8)
    for dims in ((2, 4, 3, 2), (3, 4, 2)):
        Ws = [jnp.asarray(g.standard_normal((dims[i + 1], dims[i]))) for i in range(len(dims) - 1)]
        X, Y = jnp.asarray(g.standard_normal((dims[0], 4))), jnp.asarray(g.standard_normal((dims[-1], 4)))
        gr = jax.jit(jax.grad(lambda W: wide.net_loss([Ws[0], W] + Ws[2:], X, Y)))(Ws[1])
        res = jnp.linalg.norm(wide.net_output(Ws, X) - Y)
        assert float(jnp.linalg.norm(gr)) >= float(wide.lemma35_lower_bound(Ws, X, 1)) * float(res)


@pytest.mark.parametrize("call,msg", [
    (lambda: wide.check_features_input([jnp.ones((3, 2))], jnp.ones((3, 4))), "chain"),
    (lambda: wide.check_features_input([jnp.ones((3, 2))], jnp.ones((2, 0))), "non-empty"),
    (lambda: wide.check_features_input([jnp.ones((0, 2))], jnp.ones((2, 3))), "widths >= 1"),
    (lambda: wide.check_features_input([jnp.ones((3, 2))], jnp.ones((2, 3)), bs=[jnp.ones(2)]), "b_1 must have shape"),
    (lambda: wide.check_two_layer(jnp.ones((0, 3)), jnp.ones(0), jnp.ones((4, 3))), "width m must be >= 1"),
    (lambda: wide.check_two_layer(jnp.ones((5, 3)), jnp.ones(5), jnp.ones((4, 2))), "d = 3"),
    (lambda: wide.check_two_layer(jnp.ones((5, 3)), jnp.ones(4), jnp.ones((4, 3))), "a must have shape"),
    (lambda: wide.check_two_layer(jnp.ones((5, 3)), jnp.ones(5), jnp.ones((0, 3))), "n >= 1"),
    (lambda: wide.check_two_layer(jnp.ones((5, 3)), jnp.ones(5), jnp.ones((4, 3)), jnp.ones(3)), "y must have shape"),
    (lambda: wide.activation("gelu"), "activation must be one of"),
    (lambda: wide.lemma35_lower_bound([jnp.ones((2, 2))] * 2, jnp.ones((2, 3)), 2), "1 <= k <= H-1"),
    (lambda: wide.check_width(0), "width m must be >= 1"),
])
def test_wide_bad_input(call, msg):
    with pytest.raises(InvalidParameter, match=msg):
        call()


@pytest.mark.parametrize("call,msg", [
    (lambda: linear.deep_loss([jnp.ones((2, 3)), jnp.ones((2, 4))], jnp.ones((3, 5)), jnp.ones((2, 5))), "chain"),
    (lambda: linear.deep_loss([jnp.ones((2, 3))], jnp.ones((3, 5)), jnp.ones((2, 4))), "same number m"),
    (lambda: linear.shallow_loss(jnp.ones((2, 2)), jnp.ones((3, 5)), jnp.ones((2, 5))), "R must be"),
    (lambda: linear.rank_constrained_optimum(jnp.ones((3, 0)), jnp.ones((2, 0)), 1), "non-empty"),
    (lambda: wide.features([jnp.ones((3, 2))], jnp.ones((3, 4))), "chain"),
    (lambda: wide.loss(jnp.ones((5, 3)), jnp.ones(5), jnp.ones((4, 2)), jnp.ones(4)), "d = 3"),
    (lambda: wide.loss(jnp.ones((5, 3)), jnp.ones(5), jnp.ones((0, 3)), jnp.ones(0)), "n >= 1"),
    (lambda: wide.gram(jnp.ones((5, 3)), jnp.ones((4, 2))), "share d"),
    (lambda: jax.jit(lambda W: linear.deep_loss([W], jnp.ones((3, 5)), jnp.ones((2, 5))))(jnp.ones((2, 4))), "d_0"),
])
def test_public_functions_reject_bad_input(call, msg):
    with pytest.raises(InvalidParameter, match=msg):
        call()
