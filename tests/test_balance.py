"""analytic/balance.py: closed forms against autodiff / direct computation, padding invariance, and
clear InvalidParameter errors on bad input."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic.balance as B
from analytic.errors import InvalidParameter


def _net(widths, seed=0, P=None):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(widths[h + 1], widths[h])) for h in range(len(widths) - 1)]
    return Ws, B.pad_layers(Ws, P)


def test_padding_does_not_change_the_network():
    Ws, (W, mask, widths) = _net((3, 5, 4, 2))
    x = np.random.default_rng(1).normal(size=(6, 3))
    ref = x
    for h, w in enumerate(Ws):
        ref = ref @ w.T
        if h < len(Ws) - 1:
            ref = np.maximum(ref, 0.0)
    xp = np.zeros((6, W.shape[1]))
    xp[:, :3] = x
    out = np.asarray(B.forward(W, mask, xp, jnp.zeros(B.DEPTH_MAX)))
    np.testing.assert_allclose(out[:, :2], ref, rtol=1e-12, atol=1e-12)
    assert np.all(out[:, 2:] == 0)


def test_neuron_and_layer_balance_match_direct_sums():
    Ws, (W, mask, _) = _net((4, 6, 3, 5))
    nb = np.asarray(B.neuron_balance(W, mask))
    for h in range(2):
        direct = np.sum(Ws[h] ** 2, axis=1) - np.sum(Ws[h + 1] ** 2, axis=0)
        np.testing.assert_allclose(nb[h, : len(direct)], direct, rtol=1e-12)
    lb = np.asarray(B.layer_balance(W, mask))
    np.testing.assert_allclose(lb[:2], [np.sum(Ws[0] ** 2) - np.sum(Ws[1] ** 2), np.sum(Ws[1] ** 2) - np.sum(Ws[2] ** 2)])
    assert np.all(lb[2:] == 0) and np.all(nb[2:] == 0)


def test_flow_derivative_is_zero_for_relu_and_not_for_tanh():
    _, (W, mask, _) = _net((4, 6, 5, 3), seed=2, P=8)
    rng = np.random.default_rng(3)
    x = np.zeros((8, 8)); x[:, :4] = rng.normal(size=(8, 4))
    y = np.zeros((8, 8)); y[:, :3] = rng.normal(size=(8, 3))
    om = np.zeros((8, 8)); om[:, :3] = 1
    sl = jnp.zeros(B.DEPTH_MAX)
    for code, zero in ((0, True), (1, False)):
        codes = jnp.full(B.DEPTH_MAX, code, dtype=jnp.int32)
        dq = B.flow_derivative(lambda w: B.neuron_balance(w, mask),
                               lambda w: B.loss(w, mask, x, y, om, sl, 1.0, codes), W, mask)
        assert (float(jnp.max(jnp.abs(dq))) < 1e-10) == zero


def test_shared_weight_matrix_and_conv_map():
    g = B.conv_map(5, 3, 8)
    v = jnp.array([1.0, 2.0, 3.0] + [0.0] * 5)
    W = np.asarray(B.shared_weight_matrix(v, g))
    assert W.shape == (8, 8)
    np.testing.assert_array_equal(W[0, :5], [1, 2, 3, 0, 0])
    np.testing.assert_array_equal(W[2, :5], [0, 0, 1, 2, 3])
    assert np.all(W[3:] == 0)


def test_hessian_matrix_matches_autodiff_and_quadratic_form():
    rng = np.random.default_rng(4)
    U, V, M = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(3, 4))
    f = lambda w: B.mf_loss(w[:6].reshape(3, 2), w[6:].reshape(4, 2), M)  # noqa: E731
    H = np.asarray(jax.hessian(f)(jnp.concatenate([U.ravel(), V.ravel()])))
    np.testing.assert_allclose(B.mf_hessian_matrix(U, V, M), H, atol=1e-12)
    DU, DV = rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    d = np.concatenate([DU.ravel(), DV.ravel()])
    np.testing.assert_allclose(B.mf_hessian_form(U, V, M, DU, DV), d @ H @ d, rtol=1e-12)


def test_balance_after_step_and_procrustes():
    rng = np.random.default_rng(5)
    U, V, M = rng.normal(size=(4, 2)), rng.normal(size=(3, 2)), rng.normal(size=(4, 3))
    U2, V2 = B.mf_gd_step(U, V, M, 0.2)
    np.testing.assert_allclose(B.balancedness(U2, V2), B.balance_after_step(U, V, M, 0.2), atol=1e-12)
    Ws = rng.normal(size=(7, 2))
    Q, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    np.testing.assert_allclose(B.procrustes(Ws @ Q, Ws), Q, atol=1e-12)


def test_rank1_recursions():
    rng = np.random.default_rng(6)
    d = 5
    us, vs = (x / np.linalg.norm(x) for x in rng.normal(size=(2, d)))
    u, v = rng.normal(size=(2, d)) * 0.3
    s1, eta = 2.0, 0.1
    s = np.asarray(B.rank1_stats(u, v, us, vs))
    U2, V2 = B.mf_gd_step(u[:, None], v[:, None], s1 * np.outer(us, vs), eta)
    s2 = np.asarray(B.rank1_stats(np.asarray(U2)[:, 0], np.asarray(V2)[:, 0], us, vs))
    np.testing.assert_allclose(B.rank1_recursion(s, eta, s1), s2, atol=1e-14)
    np.testing.assert_allclose(B.h_xi_next(s, eta, s1), B.h_xi(s2, s1), atol=1e-13)
    # the printed (4.24) misses -eta xi h
    diff = np.asarray(B.h_xi_next_printed(s, eta, s1) - B.h_xi_next(s, eta, s1))[0]
    h, xi = np.asarray(B.h_xi(s, s1))
    np.testing.assert_allclose(diff, eta * xi * h, rtol=1e-10)


# ----------------------------------------------------------------------------- bad input
def test_mismatched_layer_shapes():
    with pytest.raises(InvalidParameter, match="layer shapes must chain"):
        B.pad_layers([np.zeros((4, 3)), np.zeros((2, 5))])


def test_non_homogeneous_activation_rejected():
    with pytest.raises(InvalidParameter, match="positively homogeneous"):
        B.slope_of("tanh")
    with pytest.raises(InvalidParameter, match="non-homogeneous activation must be one of"):
        B.nonhomogeneous_act("relu")


def test_empty_data_rejected():
    _, (W, mask, _) = _net((3, 4, 2), P=4)
    with pytest.raises(InvalidParameter, match="at least 1 sample"):
        B.loss(W, mask, np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 4)), jnp.zeros(B.DEPTH_MAX), 1.0)


def test_bad_widths_and_parameters():
    with pytest.raises(InvalidParameter, match="depth"):
        B.validate_widths((3, 2))
    with pytest.raises(InvalidParameter, match="width must be >= 1"):
        B.validate_widths((3, 0, 2))
    with pytest.raises(InvalidParameter, match="widths must be <= 16"):
        B.width_bucket((3, 17, 2))
    with pytest.raises(InvalidParameter, match="padded width P"):
        B.pad_layers([np.zeros((5, 3)), np.zeros((2, 5))], P=4)
    with pytest.raises(InvalidParameter, match="filter size"):
        B.conv_map(3, 5, 8)
    with pytest.raises(InvalidParameter, match="eps must be > 0"):
        B.thm44_init_var(0.0, 4, 1)
    with pytest.raises(InvalidParameter, match="c_step > 0"):
        B.thm45_step(0.0, 1.0)
