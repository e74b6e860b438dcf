"""Value pins for analytic/linear.py (essay Section 2.1.1), against independently computed references.

Written to kill mutants (ci/mutation.sh): every formula is evaluated at generic (non-symmetric,
rank-deficient where it matters) points and compared with a plain-numpy re-derivation (explicit
loops over layers / entries, ``numpy.linalg.lstsq`` instead of ``pinv``, an Eckart-Young value
from the eigenvalues of ``Y P_X Y^T``), with closed forms worked out by hand, or with a gradient
step done by hand; the validation helpers are exercised on both sides of every boundary.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic  # noqa: F401  (float64)
from analytic import linear as L
from analytic.errors import InvalidParameter


def _g(seed):
    return np.random.default_rng(seed)


def _prod_np(Ws):
    R = np.eye(Ws[0].shape[1])
    for W in Ws:
        R = np.asarray(W) @ R
    return R


def _loss_np(R, X, Y):
    m = X.shape[1]
    tot = 0.0
    for i in range(m):  # explicit sum over the data points
        e = Y[:, i] - R @ X[:, i]
        tot += float(e @ e)
    return tot / (2 * m)


# ----------------------------------------------------------------------------- validation boundaries
def test_check_data_accepts_the_smallest_and_rejects_the_rest():
    L.check_data(jnp.ones((1, 1)), jnp.ones((1, 1)))
    L.check_data(jnp.ones((3, 1)), jnp.ones((2, 1)))
    for X, Y, msg in [
        (jnp.ones((0, 3)), jnp.ones((1, 3)), "non-empty"),
        (jnp.ones((2, 0)), jnp.ones((1, 0)), "non-empty"),
        (jnp.ones((2, 3)), jnp.ones((1, 2)), "same number m of columns"),
        (jnp.ones((2, 3)), jnp.ones((1, 4)), "same number m of columns"),
        (jnp.ones(3), jnp.ones((1, 3)), "X must be a 2-D"),
        (jnp.ones((1, 2, 3)), jnp.ones((1, 3)), "X must be a 2-D"),
        (jnp.ones((2, 3)), jnp.ones(3), "Y must be a 2-D"),
        (jnp.ones((2, 3)), jnp.ones((1, 1, 3)), "Y must be a 2-D"),
        ([[1.0]], jnp.ones((1, 1)), "X must be a 2-D"),
    ]:
        with pytest.raises(InvalidParameter, match=msg):
            L.check_data(X, Y)


def test_check_widths_boundaries():
    L.check_widths([jnp.ones((1, 1))])
    L.check_widths([jnp.ones((1, 1))], X=jnp.ones((1, 4)), Y=jnp.ones((1, 4)))
    L.check_widths([jnp.ones((2, 3)), jnp.ones((4, 2)), jnp.ones((1, 4))], X=jnp.ones((3, 5)), Y=jnp.ones((1, 5)))
    bad = [
        (([],), {}, "H >= 1"),
        (([jnp.ones(3)],), {}, "W_1 must be 2-D"),
        (([jnp.ones((2, 3)), jnp.ones((1, 1, 2))],), {}, "W_2 must be 2-D"),
        (([jnp.ones((0, 3))],), {}, "widths must be >= 1, W_1"),
        (([jnp.ones((2, 0))],), {}, "widths must be >= 1, W_1"),
        (([jnp.ones((2, 3)), jnp.ones((2, 0))],), {}, "widths must be >= 1, W_2"),
        # the first pair does not chain (a loop starting at the second pair would miss it)
        (([jnp.ones((2, 3)), jnp.ones((4, 5)), jnp.ones((1, 4))],), {}, "W_2 is"),
        # only the last pair does not chain
        (([jnp.ones((2, 3)), jnp.ones((4, 2)), jnp.ones((1, 3))],), {}, "W_3 is"),
        (([jnp.ones((2, 3))],), {"X": jnp.ones((4, 5))}, "W_1 has 3 columns"),
        (([jnp.ones((2, 3))],), {"Y": jnp.ones((3, 5))}, "W_H has 2 rows"),
        (([jnp.ones((2, 3)), jnp.ones((4, 2))],), {"X": jnp.ones((3, 5)), "Y": jnp.ones((2, 5))}, "W_H has 4 rows"),
    ]
    for args, kw, msg in bad:
        with pytest.raises(InvalidParameter, match=msg):
            L.check_widths(*args, **kw)


def test_check_widths_messages_name_the_required_shape():
    """W_{k+1} must be d_{k+1} x d_k: the message names both, read off the neighbouring layers."""
    with pytest.raises(InvalidParameter, match=r"W_2 is \(4, 5\), needs 4 x 2$"):
        L.check_widths([jnp.ones((2, 3)), jnp.ones((4, 5)), jnp.ones((1, 4))])
    with pytest.raises(InvalidParameter, match=r"W_3 is \(6, 7\), needs 6 x 4$"):
        L.check_widths([jnp.ones((2, 3)), jnp.ones((4, 2)), jnp.ones((6, 7))])
    with pytest.raises(InvalidParameter, match=r"W_1 has 3 columns but X has d_0 = 4 rows$"):
        L.check_widths([jnp.ones((2, 3))], X=jnp.ones((4, 5)))
    with pytest.raises(InvalidParameter, match=r"W_H has 2 rows but Y has d_H = 3 rows$"):
        L.check_widths([jnp.ones((2, 3))], Y=jnp.ones((3, 5)))
    with pytest.raises(InvalidParameter, match=r"widths must be >= 1, W_2 has shape \(0, 2\)$"):
        L.check_widths([jnp.ones((2, 3)), jnp.ones((0, 2))])


@pytest.mark.parametrize("call,msg", [
    (lambda: L.check_data(jnp.ones(3), jnp.ones((1, 3))), r"X must be a 2-D array d_0 x m, got shape \(3,\)"),
    (lambda: L.check_data(jnp.ones((1, 3)), jnp.ones(3)), r"Y must be a 2-D array d_H x m, got shape \(3,\)"),
    (lambda: L.check_data(jnp.ones((0, 3)), jnp.ones((1, 3))), r"data must be non-empty: X has shape \(0, 3\)"),
    (lambda: L.check_data(jnp.ones((2, 3)), jnp.ones((1, 4))), r"same number m of columns, got 3 and 4"),
    (lambda: L.check_widths([jnp.ones((2, 3)), jnp.ones(4)]), r"W_2 must be 2-D, got shape \(4,\)"),
    (lambda: L.bottleneck([3]), r"at least two of them, got \[3\]"),
    (lambda: L.shallow_loss(jnp.ones((2, 2)), jnp.ones((3, 5)), jnp.ones((4, 5))),
     r"R must be d_H x d_0 = 4 x 3, got shape \(2, 2\)"),
    (lambda: L.rank_constrained_optimum(jnp.ones((2, 3)), jnp.ones((1, 3)), -2), r"r must be >= 0, got -2$"),
    (lambda: L.factorize(jnp.ones((3, 3)), (3,)), r"need at least input and output widths, got \[3\]"),
    (lambda: L.factorize(jnp.ones((3, 4)), [3, 2, 4]), r"R must be d_H x d_0 = 4 x 3, got \(3, 4\)"),
    (lambda: L.rescale([jnp.ones((2, 2))] * 3, 2, 2, 2.0), r"got i = j = 2$"),
    (lambda: L.init_deep(jax.random.key(0), (3, 0)), r"at least two of them, got \[3, 0\]"),
])
def test_linear_messages(call, msg):
    with pytest.raises(InvalidParameter, match=msg):
        call()


def test_dims_of_and_bottleneck():
    Ws = [jnp.ones((2, 5)), jnp.ones((7, 2)), jnp.ones((3, 7))]
    assert L.dims_of(Ws) == [5, 2, 7, 3]
    assert L.dims_of([jnp.ones((4, 6))]) == [6, 4]
    assert all(type(d) is int for d in L.dims_of(Ws))
    assert L.bottleneck([5, 2, 7, 3]) == 2
    assert L.bottleneck([1, 1]) == 1
    assert L.bottleneck([4, 9, 6, 3]) == 3
    assert L.bottleneck((8, 5)) == 5
    for dims in ([3], [], [3, 0, 2], [0, 1]):
        with pytest.raises(InvalidParameter, match="widths must be >= 1"):
            L.bottleneck(dims)


# ----------------------------------------------------------------------------- losses
def test_product_order_and_losses():
    g = _g(11)
    Ws = [g.standard_normal(s) for s in ((3, 4), (5, 3), (2, 5))]
    np.testing.assert_allclose(np.asarray(L.product([jnp.asarray(W) for W in Ws])), _prod_np(Ws), rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(np.asarray(L.product([jnp.asarray(Ws[0])])), Ws[0])
    X, Y = g.standard_normal((4, 6)), g.standard_normal((2, 6))
    R = _prod_np(Ws)
    ref = _loss_np(R, X, Y)
    assert float(L.shallow_loss(*(jnp.asarray(a) for a in (R, X, Y)))) == pytest.approx(ref, rel=1e-13)
    assert float(L.deep_loss([jnp.asarray(W) for W in Ws], jnp.asarray(X), jnp.asarray(Y))) == pytest.approx(ref, rel=1e-12)
    # a hand value: R = [1 2], X = [[1, 0], [0, 1]], Y = [[0, 5]]: residuals (-1, 3), loss (1 + 9) / 4
    assert float(L.shallow_loss(jnp.array([[1.0, 2.0]]), jnp.eye(2), jnp.array([[0.0, 5.0]]))) == 2.5
    for R_bad in (jnp.ones((2, 3)), jnp.ones((3, 4)), jnp.ones(8)):
        with pytest.raises(InvalidParameter, match="R must be d_H x d_0"):
            L.shallow_loss(R_bad, jnp.asarray(X), jnp.asarray(Y))


def test_shallow_hessian_entrywise():
    g = _g(12)
    X = g.standard_normal((3, 5))
    d_out, d_in, m = 2, 3, 5
    H = np.asarray(L.shallow_hessian(jnp.asarray(X), d_out))
    ref = np.zeros((d_out * d_in, d_out * d_in))
    for i in range(d_out):          # d^2 L / dR_ij dR_kl = delta_ik (1/m) sum_n X_jn X_ln
        for j in range(d_in):
            for k in range(d_out):
                for l in range(d_in):
                    if i == k:
                        ref[i * d_in + j, k * d_in + l] = sum(X[j, n] * X[l, n] for n in range(m)) / m
    np.testing.assert_allclose(H, ref, rtol=1e-13, atol=1e-15)


# ----------------------------------------------------------------------------- optima
def _lstsq_min_norm(X, Y):
    """Minimum-norm R minimising ||Y - R X||: the lstsq solution of X^T R^T = Y^T."""
    return np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T


def test_normal_solution_against_lstsq_full_and_rank_deficient():
    g = _g(13)
    X, Y = g.standard_normal((3, 8)), g.standard_normal((2, 8))
    np.testing.assert_allclose(np.asarray(L.normal_solution(jnp.asarray(X), jnp.asarray(Y))), _lstsq_min_norm(X, Y),
                               rtol=1e-11, atol=1e-12)
    Xd = g.standard_normal((4, 2)) @ g.standard_normal((2, 8))   # rank 2 < d_0 = 4: the minimum-norm one
    np.testing.assert_allclose(np.asarray(L.normal_solution(jnp.asarray(Xd), jnp.asarray(Y))), _lstsq_min_norm(Xd, Y),
                               rtol=1e-9, atol=1e-10)


def _eckart_young_np(X, Y, r):
    """Value of min_{rk R <= r} 1/(2m) ||Y - R X||^2 via the eigenvalues of Y P_X Y^T (P_X by lstsq)."""
    m = X.shape[1]
    Q, _ = np.linalg.qr(X.T)                     # orthonormal basis of the row space of X (X full row rank)
    Yh = Y @ Q @ Q.T
    ev = np.sort(np.linalg.eigvalsh(Yh @ Yh.T))[::-1]
    return (np.sum(Y * Y) - np.sum(ev[:r])) / (2 * m)


@pytest.mark.parametrize("r", [0, 1, 2, 3, 7])
def test_rank_constrained_optimum_value_and_minimiser(r):
    g = _g(14)
    X, Y = g.standard_normal((4, 9)), g.standard_normal((3, 9))
    val, Rs = L.rank_constrained_optimum(jnp.asarray(X), jnp.asarray(Y), r)
    Rs = np.asarray(Rs)
    ref = _eckart_young_np(X, Y, min(r, 3))
    assert float(val) == pytest.approx(ref, rel=1e-11)
    assert Rs.shape == (3, 4)
    assert np.linalg.matrix_rank(Rs, tol=1e-9) == min(r, 3)
    assert _loss_np(Rs, X, Y) == pytest.approx(ref, rel=1e-11, abs=1e-14)
    if r == 0:
        assert float(val) == pytest.approx(np.sum(Y * Y) / 18, rel=1e-14) and np.all(np.abs(Rs) < 1e-15)
    if r >= 3:
        np.testing.assert_allclose(Rs, _lstsq_min_norm(X, Y), atol=1e-11)


def test_rank_constrained_optimum_rank_deficient_data():
    """X of rank 1: Yhat = Y P_X has rank 1, the optimum for every r >= 1 is least squares, minimum norm."""
    g = _g(15)
    X = np.outer(g.standard_normal(3), g.standard_normal(6))
    Y = g.standard_normal((2, 6))
    x = X[0] / np.linalg.norm(X[0])
    for r in (1, 2):
        val, Rs = L.rank_constrained_optimum(jnp.asarray(X), jnp.asarray(Y), r)
        ref = (np.sum(Y * Y) - np.sum((Y @ x) ** 2)) / 12
        assert float(val) == pytest.approx(ref, rel=1e-11)
        np.testing.assert_allclose(np.asarray(Rs), _lstsq_min_norm(X, Y), atol=1e-10)
    with pytest.raises(InvalidParameter, match="r must be >= 0"):
        L.rank_constrained_optimum(jnp.asarray(X), jnp.asarray(Y), -1)
    with pytest.raises(InvalidParameter, match="same number m"):
        L.rank_constrained_optimum(jnp.asarray(X), jnp.asarray(Y[:, :5]), 1)


def test_project_rank_against_numpy_truncated_svd():
    g = _g(16)
    R = g.standard_normal((4, 3)) * np.array([3.0, 1.0, 0.2])
    U, s, Vt = np.linalg.svd(R, full_matrices=False)
    for r in range(0, 5):
        ref = sum(s[i] * np.outer(U[:, i], Vt[i]) for i in range(min(r, 3))) if r else np.zeros_like(R)
        got = np.asarray(L.project_rank(jnp.asarray(R), r))
        np.testing.assert_allclose(got, ref, atol=1e-13)
        assert np.linalg.matrix_rank(got, tol=1e-10) == min(r, 3)


# ----------------------------------------------------------------------------- factorizations and symmetries
def test_factorize_exact_blocks():
    """R = diag-like (2 x 3) with singular values 4 and 1: the factors are the balanced ones, J-padded."""
    R = np.array([[4.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    W1, W2, W3 = (np.asarray(W) for W in L.factorize(jnp.asarray(R), [3, 4, 2, 2]))
    # kk = 2; |W1| = J_4 S^{1/2} V^T, W2 = J_2 J_4^T, W3 = U S^{1/2} J_2^T (up to the SVD's signs)
    np.testing.assert_allclose(np.abs(W1), [[2, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]], atol=1e-15)
    np.testing.assert_array_equal(W2, [[1, 0, 0, 0], [0, 1, 0, 0]])
    np.testing.assert_allclose(np.abs(W3), [[2, 0], [0, 1]], atol=1e-15)
    np.testing.assert_allclose(W3 @ W2 @ W1, R, atol=1e-15)
    # balancedness W_{l+1}^T W_{l+1} = W_l W_l^T (for the nonzero block), the property of the S^{1/2} split
    np.testing.assert_allclose(W3.T @ W3, (W2 @ W1) @ (W2 @ W1).T, atol=1e-14)


@pytest.mark.parametrize("dims", [(3, 2), (4, 1, 2), (2, 5, 6, 3), (4, 3, 5, 2, 4, 3)])
def test_factorize_shapes_product_and_middle_factors(dims):
    g = _g(17)
    k = min(dims)
    R = g.standard_normal((dims[-1], k)) @ g.standard_normal((k, dims[0]))
    Ws = [np.asarray(W) for W in L.factorize(jnp.asarray(R), dims)]
    assert [W.shape for W in Ws] == [(dims[i + 1], dims[i]) for i in range(len(dims) - 1)]
    np.testing.assert_allclose(_prod_np(Ws), R, atol=1e-12)
    if len(dims) == 2:
        np.testing.assert_array_equal(Ws[0], R)
    kk = min(k, dims[0], dims[-1])
    for l in range(1, len(Ws) - 1):  # W_l = J_l J_{l-1}^T: identity on the first kk coordinates, zero elsewhere
        ref = np.zeros((dims[l + 1], dims[l]))
        ref[:kk, :kk] = np.eye(kk)
        np.testing.assert_array_equal(Ws[l], ref)
    # balanced: ||W_1||_F^2 = ||W_H||_F^2 = nuclear norm of R
    nuc = np.sum(np.linalg.svd(R, compute_uv=False))
    if len(dims) > 2:
        assert np.sum(Ws[0] ** 2) == pytest.approx(nuc, rel=1e-12)
        assert np.sum(Ws[-1] ** 2) == pytest.approx(nuc, rel=1e-12)


def test_factorize_rejects():
    with pytest.raises(InvalidParameter, match="need at least input and output widths"):
        L.factorize(jnp.ones((3, 3)), [3])
    with pytest.raises(InvalidParameter, match="R must be"):
        L.factorize(jnp.ones((3, 4)), [3, 2, 4])
    with pytest.raises(InvalidParameter, match="widths must be >= 1"):
        L.factorize(jnp.ones((2, 3)), [3, 0, 2])


def test_rescale_values():
    g = _g(18)
    Ws = [jnp.asarray(g.standard_normal(s)) for s in ((2, 3), (4, 2), (3, 4))]
    out = L.rescale(Ws, 2, 0, 4.0)
    np.testing.assert_array_equal(np.asarray(out[2]), np.asarray(Ws[2]) * 4.0)
    np.testing.assert_array_equal(np.asarray(out[0]), np.asarray(Ws[0]) / 4.0)
    assert out[1] is Ws[1] and out is not Ws
    assert len(out) == 3
    np.testing.assert_allclose(_prod_np(out), _prod_np(Ws), atol=1e-13)
    with pytest.raises(InvalidParameter, match="two different layers, got i = j = 0"):
        L.rescale(Ws, 0, 0, 2.0)


def test_lift_h2_against_numpy_pinv_formula():
    g = _g(19)
    W1b, W2b = g.standard_normal((2, 4)), g.standard_normal((3, 2))
    R = W2b @ W1b + 1e-3 * np.outer(g.standard_normal(3), g.standard_normal(4))   # rank 2 only near Rbar
    R = np.asarray(L.project_rank(jnp.asarray(R), 2))
    W1, W2 = (np.asarray(a) for a in L.lift_h2(jnp.asarray(W1b), jnp.asarray(W2b), jnp.asarray(R)))
    W2r = R @ np.linalg.lstsq(W1b.T, np.eye(4), rcond=None)[0].T     # R W1b^+ (W1b full row rank)
    W1r = np.linalg.lstsq(W2r, R, rcond=None)[0]                       # W2^+ R (W2 full column rank)
    np.testing.assert_allclose(W2, W2r, atol=1e-11)
    np.testing.assert_allclose(W1, W1r, atol=1e-11)
    np.testing.assert_allclose(W2 @ W1, R, atol=1e-11)
    assert W1.shape == (2, 4) and W2.shape == (3, 2)


# ----------------------------------------------------------------------------- training
def test_init_deep_shapes_scale_and_keys():
    key = jax.random.key(5)
    dims = [3, 5, 2]
    Ws = L.init_deep(key, dims, scale=2.0)
    keys = jax.random.split(key, 2)
    assert [tuple(W.shape) for W in Ws] == [(5, 3), (2, 5)]
    for i, (W, k) in enumerate(zip(Ws, keys)):
        ref = np.asarray(jax.random.normal(k, (dims[i + 1], dims[i]))) * 2.0 / math.sqrt(dims[i])
        np.testing.assert_allclose(np.asarray(W), ref, rtol=1e-15)
    # the variance scale^2 / d_{k-1}, by Monte Carlo on a big layer
    W = np.asarray(L.init_deep(jax.random.key(1), [400, 500], scale=0.5)[0])
    assert abs(W.var() - 0.25 / 400) < 6 * (0.25 / 400) * math.sqrt(2 / W.size)
    assert abs(W.mean()) < 6 * math.sqrt(0.25 / 400 / W.size)
    with pytest.raises(InvalidParameter, match="at least two"):
        L.init_deep(key, [3])
    assert len(L.init_deep(key, [1, 1])) == 1


def _grad_np(Ws, X, Y):
    """Gradient of 1/(2m)||Y - W_H..W_1 X||^2 in W_k: -(1/m) (W_H..W_{k+1})^T (Y - R X) X^T (W_{k-1}..W_1)^T."""
    m = X.shape[1]
    E = Y - _prod_np(Ws) @ X
    out = []
    for k in range(len(Ws)):
        A = _prod_np(Ws[k + 1:]) if k + 1 < len(Ws) else np.eye(Ws[-1].shape[0])
        B = _prod_np(Ws[:k]) if k > 0 else np.eye(Ws[0].shape[1])
        out.append(-(A.T @ E @ X.T @ B.T) / m)
    return out


def test_train_deep_gd_and_adam_by_hand():
    g = _g(20)
    X, Y = g.standard_normal((3, 6)), g.standard_normal((2, 6))
    Ws0 = [g.standard_normal((4, 3)) * 0.5, g.standard_normal((2, 4)) * 0.5]
    lr = 0.05
    Ws, trace = L.train_deep([jnp.asarray(W) for W in Ws0], jnp.asarray(X), jnp.asarray(Y), lr, 3)
    ref, losses = [W.copy() for W in Ws0], []
    for _ in range(3):
        losses.append(_loss_np(_prod_np(ref), X, Y))
        ref = [W - lr * G for W, G in zip(ref, _grad_np(ref, X, Y))]
    np.testing.assert_allclose(np.asarray(trace), losses, rtol=1e-12)
    for W, Wr in zip(Ws, ref):
        np.testing.assert_allclose(np.asarray(W), Wr, rtol=1e-11, atol=1e-13)
    # Adam, one step: m_hat = g, v_hat = g^2, update -lr g / (|g| + 1e-8)
    Wa, ta = L.train_deep([jnp.asarray(W) for W in Ws0], jnp.asarray(X), jnp.asarray(Y), lr, 1, optimizer="adam")
    assert float(ta[0]) == pytest.approx(_loss_np(_prod_np(Ws0), X, Y), rel=1e-13)
    for W, W0, G in zip(Wa, Ws0, _grad_np(Ws0, X, Y)):
        np.testing.assert_allclose(np.asarray(W), W0 - lr * G / (np.abs(G) + 1e-8), rtol=1e-10, atol=1e-12)


def test_logistic_loss_values():
    X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]])
    lab = np.array([1.0, -1.0, -1.0, 1.0])
    theta = np.array([0.7, -0.4])
    z = lab * (theta @ X)
    ref = np.mean([math.log1p(math.exp(-zi)) for zi in z])
    assert float(L.logistic_loss(jnp.asarray(theta), jnp.asarray(X), jnp.asarray(lab))) == pytest.approx(ref, rel=1e-14)
    # theta = 0: log 2 for every point; a large margin: exp(-z) to first order (no overflow for z << 0)
    assert float(L.logistic_loss(jnp.zeros(2), jnp.asarray(X), jnp.asarray(lab))) == pytest.approx(math.log(2), rel=1e-15)
    assert float(L.logistic_loss(jnp.array([1000.0]), jnp.array([[1.0]]), jnp.array([-1.0]))) == pytest.approx(1000.0)
    assert float(L.logistic_loss(jnp.array([40.0]), jnp.array([[1.0]]), jnp.array([1.0]))) == pytest.approx(math.exp(-40), rel=1e-12)
