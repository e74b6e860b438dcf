"""Value pins for analytic/balance.py (chapter 4), against independently computed references.

Written to kill mutants (ci/mutation.sh): every formula is evaluated at generic points and compared
with a plain-numpy re-derivation (loops over layers / entries, not the module's vectorised code),
with autodiff / finite differences, or with values worked out by hand; the validation helpers are
exercised on both sides of every boundary.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic.balance as B
from analytic.errors import InvalidParameter

RNG = np.random.default_rng(2024)


def _layers(widths, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(widths[h + 1], widths[h])) for h in range(len(widths) - 1)]


def _act_np(z, name):
    if name == "tanh":
        return np.tanh(z)
    if name == "softplus":
        return np.log1p(np.exp(z))
    slope = {"relu": 0.0, "leaky_relu": 0.1, "linear": 1.0}[name] if isinstance(name, str) else name
    return np.where(z >= 0, z, slope * z)


def _forward_np(Ws, x, acts):
    z = x
    for h, w in enumerate(Ws):
        z = z @ w.T
        if h < len(Ws) - 1:
            z = _act_np(z, acts[h])
    return z


# ----------------------------------------------------------------------------- activations
def test_activation_table():
    assert B.HOMOGENEOUS == {"relu": 0.0, "leaky_relu": 0.1, "linear": 1.0}
    assert B.slope_of("relu") == 0.0 and B.slope_of("linear") == 1.0
    assert 0.0 < B.slope_of("leaky_relu") < 1.0
    assert set(B.NON_HOMOGENEOUS) == {"tanh", "softplus"}
    assert B.DEPTH_MAX == 5 and B.WIDTH_BUCKETS == (4, 8, 16)
    assert B.ACT_CODES == {"homogeneous": 0, "tanh": 1, "softplus": 2}


def test_homogeneous_act_values_and_homogeneity():
    x = jnp.array([-2.0, -0.5, 0.0, 0.25, 3.0])
    np.testing.assert_array_equal(np.asarray(B.homogeneous_act(x, 0.3)), [-0.6, -0.15, 0.0, 0.25, 3.0])
    np.testing.assert_array_equal(np.asarray(B.homogeneous_act(x, 0.0)), [0.0, 0.0, 0.0, 0.25, 3.0])
    # sigma(x) = sigma'(x) x, with the right-derivative convention at 0
    for s in (0.0, 0.1, 1.0):
        d = jax.vmap(jax.grad(lambda t: B.homogeneous_act(t, s)))(x)
        np.testing.assert_allclose(np.asarray(d * x), np.asarray(B.homogeneous_act(x, s)))
        assert float(jax.grad(lambda t: B.homogeneous_act(t, s))(0.0)) == 1.0


def test_nonhomogeneous_act_and_activation_codes():
    z = jnp.array([-1.5, -0.2, 0.0, 0.7])
    np.testing.assert_allclose(np.asarray(B.nonhomogeneous_act("tanh")(z)), np.tanh(np.asarray(z)), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(B.nonhomogeneous_act("softplus")(z)), np.log1p(np.exp(np.asarray(z))), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(B.activation(z, 0.2, 0)), [-0.3, -0.04, 0.0, 0.7], rtol=1e-15)
    np.testing.assert_allclose(np.asarray(B.activation(z, 0.2, 1)), np.tanh(np.asarray(z)), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(B.activation(z, 0.2, 2)), np.log1p(np.exp(np.asarray(z))), rtol=1e-14)


# ----------------------------------------------------------------------------- architectures
def test_width_bucket_boundaries():
    assert B.width_bucket((1, 2)) == 4
    assert B.width_bucket((4, 1)) == 4
    assert B.width_bucket((5, 2)) == 8
    assert B.width_bucket((2, 8, 3)) == 8
    assert B.width_bucket((9,)) == 16
    assert B.width_bucket((16, 1)) == 16
    with pytest.raises(InvalidParameter, match="widths must be <= 16, got max 17"):
        B.width_bucket((17,))


def test_validate_widths_boundaries():
    assert B.validate_widths([3.0, 2, 1]) == (3, 2, 1)   # depth 2 (minimum), cast to int
    assert B.validate_widths((1, 1, 1, 1, 1, 1)) == (1,) * 6   # depth 5 = DEPTH_MAX, width 1 allowed
    with pytest.raises(InvalidParameter, match="depth N = len\\(widths\\)-1 must be in \\[2, 5\\], got 1"):
        B.validate_widths((3, 2))
    with pytest.raises(InvalidParameter, match="got 6"):
        B.validate_widths((1,) * 7)
    with pytest.raises(InvalidParameter, match="every width must be >= 1"):
        B.validate_widths((3, 2, 0))


def test_validate_layers():
    assert B.validate_layers([np.zeros((4, 3)), np.zeros((2, 4))]) == (3, 4, 2)
    assert B.validate_layers([np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((5, 1))]) == (1, 1, 1, 5)
    with pytest.raises(InvalidParameter, match="need at least 2 layers, got 1"):
        B.validate_layers([np.zeros((2, 2))])
    with pytest.raises(InvalidParameter, match="every layer must be a matrix"):
        B.validate_layers([np.zeros((2, 2)), np.zeros(2)])
    with pytest.raises(InvalidParameter, match=r"W\^\(3\) has 3 columns but W\^\(2\) has 2 rows"):
        B.validate_layers([np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((1, 3))])


def test_mask_and_padding_by_hand():
    m = B.mask_for((3, 2, 1))
    assert m.shape == (5, 4, 4)
    exp = np.zeros((5, 4, 4))
    exp[0, :2, :3] = 1
    exp[1, :1, :2] = 1
    np.testing.assert_array_equal(m, exp)
    assert B.mask_for((3, 2, 1), P=8).shape == (5, 8, 8)
    Ws = _layers((3, 2, 1), 0)
    W, mask, widths = B.pad_layers(Ws)
    assert widths == (3, 2, 1) and W.shape == (5, 4, 4)
    np.testing.assert_array_equal(np.asarray(mask), exp)
    np.testing.assert_array_equal(np.asarray(W)[0, :2, :3], Ws[0])
    np.testing.assert_array_equal(np.asarray(W)[1, :1, :2], Ws[1])
    assert float(jnp.sum(jnp.abs(W))) == pytest.approx(np.abs(Ws[0]).sum() + np.abs(Ws[1]).sum())
    W8, mask8, _ = B.pad_layers(Ws, P=8)
    assert W8.shape == (5, 8, 8) and float(jnp.sum(mask8)) == 8.0
    B.pad_layers([np.zeros((4, 4)), np.zeros((4, 4))], P=4)   # P equal to the widest layer is allowed
    np.testing.assert_array_equal(np.asarray(B.active_layers(mask)), [1, 1, 0, 0, 0])


@pytest.mark.parametrize("widths,acts", [
    ((3, 5, 4, 2), ("leaky_relu", "relu")),
    ((2, 3, 3, 3, 3, 2), ("linear", 0.4, "tanh", "softplus")),
    ((4, 6, 1), ("tanh",)),
])
def test_forward_matches_numpy_reference(widths, acts):
    Ws = _layers(widths, 1)
    W, mask, _ = B.pad_layers(Ws)
    P = W.shape[1]
    x = RNG.normal(size=(7, widths[0]))
    xp = np.zeros((7, P)); xp[:, : widths[0]] = x
    slopes = np.zeros(B.DEPTH_MAX)
    codes = np.zeros(B.DEPTH_MAX, dtype=np.int32)
    for h, a in enumerate(acts):
        if a in ("tanh", "softplus"):
            codes[h] = B.ACT_CODES[a]
        else:
            slopes[h] = B.HOMOGENEOUS[a] if isinstance(a, str) else a
    out = np.asarray(B.forward(W, mask, jnp.asarray(xp), jnp.asarray(slopes), jnp.asarray(codes)))
    np.testing.assert_allclose(out[:, : widths[-1]], _forward_np(Ws, x, acts), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(out[:, widths[-1]:], 0.0)


def test_loss_squared_and_logistic_by_hand():
    Ws = _layers((3, 4, 2), 2)
    W, mask, _ = B.pad_layers(Ws)
    x = RNG.normal(size=(5, 3))
    xp = np.zeros((5, 4)); xp[:, :3] = x
    y = np.zeros((5, 4)); y[:, :2] = np.sign(RNG.normal(size=(5, 2)))
    y[:, 2:] = 7.0   # padded targets must not count
    om = np.zeros((5, 4)); om[:, :2] = 1.0
    f = _forward_np(Ws, x, ("relu",))
    sl = jnp.zeros(B.DEPTH_MAX)
    sq = 0.5 * np.sum((f - y[:, :2]) ** 2)
    lg = np.sum(np.log1p(np.exp(-y[:, :2] * f)))
    assert float(B.loss(W, mask, xp, y, om, sl, 1.0)) == pytest.approx(sq, rel=1e-12)
    assert float(B.loss(W, mask, xp, y, om, sl, 0.0)) == pytest.approx(lg, rel=1e-12)
    assert float(B.loss(W, mask, xp, y, om, sl, 0.25)) == pytest.approx(0.25 * sq + 0.75 * lg, rel=1e-12)
    B.require_data(np.zeros((1, 4)))
    with pytest.raises(InvalidParameter, match="at least 1 sample, got 0"):
        B.require_data(np.zeros((0, 4)))


# ----------------------------------------------------------------------------- conservation laws
def test_balances_by_loops_full_depth():
    widths = (3, 4, 2, 3, 4, 2)   # depth 5: every pair (h, h+1) is in the network
    Ws = _layers(widths, 3)
    W, mask, _ = B.pad_layers(Ws)
    nb = np.asarray(B.neuron_balance(W, mask))
    lb = np.asarray(B.layer_balance(W, mask))
    assert nb.shape == (4, 4) and lb.shape == (4,)
    for h in range(4):
        for i in range(widths[h + 1]):
            q = sum(Ws[h][i, j] ** 2 for j in range(widths[h])) - sum(Ws[h + 1][m, i] ** 2 for m in range(widths[h + 2]))
            assert nb[h, i] == pytest.approx(q, rel=1e-12)
        assert np.all(nb[h, widths[h + 1]:] == 0)
        assert lb[h] == pytest.approx(np.sum(Ws[h] ** 2) - np.sum(Ws[h + 1] ** 2), rel=1e-12)
        Mb = np.asarray(B.matrix_balance(W, mask, h))
        P = W.shape[1]
        ref = np.zeros((P, P))
        ref[: widths[h + 1], : widths[h + 1]] = Ws[h] @ Ws[h].T - Ws[h + 1].T @ Ws[h + 1]
        np.testing.assert_allclose(Mb, ref, rtol=1e-12, atol=1e-12)
    # garbage in padded entries is masked out
    Wg = W + 5.0 * (1 - mask)
    np.testing.assert_allclose(np.asarray(B.neuron_balance(Wg, mask)), nb, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(B.layer_balance(Wg, mask)), lb, rtol=1e-12)


def test_flow_derivative_and_scale_by_finite_differences():
    widths = (3, 4, 2)
    W, mask, _ = B.pad_layers(_layers(widths, 4))
    x = np.zeros((6, 4)); x[:, :3] = RNG.normal(size=(6, 3))
    y = np.zeros((6, 4)); y[:, :2] = RNG.normal(size=(6, 2))
    om = np.zeros((6, 4)); om[:, :2] = 1.0
    codes = jnp.full(B.DEPTH_MAX, 1, dtype=jnp.int32)   # tanh: Q is not conserved, dQ/dt != 0
    sl = jnp.zeros(B.DEPTH_MAX)
    Q = lambda w: B.layer_balance(w, mask)  # noqa: E731
    Lf = lambda w: B.loss(w, mask, x, y, om, sl, 1.0, codes)  # noqa: E731
    dq = np.asarray(B.flow_derivative(Q, Lf, W, mask))
    g = np.asarray(jax.grad(Lf)(W)) * np.asarray(mask)
    h = 1e-6
    fd = (np.asarray(Q(W - h * g)) - np.asarray(Q(W + h * g))) / (2 * h)
    np.testing.assert_allclose(dq, fd, rtol=1e-6, atol=1e-9)
    assert np.max(np.abs(dq)) > 1e-3
    sc = np.asarray(B.flow_derivative_scale(Q, Lf, W, mask))
    J = np.asarray(jax.jacfwd(Q)(W))   # (4, 5, P, P)
    ref = np.sum(np.abs(J) * np.abs(g)[None], axis=(1, 2, 3))
    np.testing.assert_allclose(sc, ref, rtol=1e-12)
    assert np.all(sc >= np.abs(dq) - 1e-12)


# ----------------------------------------------------------------------------- shared weights
def test_shared_weights_and_norms():
    g = np.array([[0, 2, 1], [3, 0, 0], [1, 1, 0]])
    v = jnp.array([10.0, 20.0, 30.0])
    np.testing.assert_array_equal(np.asarray(B.shared_weight_matrix(v, g)), [[0, 20, 10], [30, 0, 0], [10, 10, 0]])
    c = B.conv_map(4, 2, 6)
    exp = np.zeros((6, 6), dtype=np.int32)
    for i in range(3):
        exp[i, i], exp[i, i + 1] = 1, 2
    np.testing.assert_array_equal(c, exp)
    np.testing.assert_array_equal(B.conv_map(3, 3, 4)[0, :3], [1, 2, 3])   # r = n_in allowed
    np.testing.assert_array_equal(B.conv_map(3, 1, 4)[:3, :3], np.eye(3))  # r = 1 allowed
    with pytest.raises(InvalidParameter, match="filter size r must be in \\[1, n_in=3\\], got 0"):
        B.conv_map(3, 0, 4)
    V = np.zeros((5, 4)); V[0, :2] = [1.0, 2.0]; V[1, :3] = [1.0, 1.0, 1.0]; V[2, 0] = -2.0
    np.testing.assert_allclose(np.asarray(B.shared_norms_balance(jnp.asarray(V))), [2.0, -1.0, 4.0, 0.0])


# ----------------------------------------------------------------------------- matrix factorization
U0 = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
V0 = np.array([[0.5, -1.0], [2.0, 1.0]])
M0 = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]])


def test_mf_losses_by_hand():
    R = U0 @ V0.T - M0
    assert B.mf_loss(U0, V0, M0) == pytest.approx(0.5 * np.sum(R ** 2), rel=1e-15)
    D = U0.T @ U0 - V0.T @ V0
    assert B.mf_regularized_loss(U0, V0, M0) == pytest.approx(0.5 * np.sum(R ** 2) + np.sum(D ** 2) / 8, rel=1e-15)
    # jax inputs give the same values
    assert float(B.mf_loss(*map(jnp.asarray, (U0, V0, M0)))) == pytest.approx(0.5 * np.sum(R ** 2), rel=1e-14)
    assert float(B.mf_regularized_loss(*map(jnp.asarray, (U0, V0, M0)))) == pytest.approx(
        0.5 * np.sum(R ** 2) + np.sum(D ** 2) / 8, rel=1e-14)
    np.testing.assert_allclose(B.balancedness(U0, V0), D, rtol=1e-15)


def test_xp_dispatch():
    assert B._xp(np.zeros(2), 1.0, 2, np.float64(1.0), np.int64(2)) is np
    assert B._xp(np.zeros(2), jnp.zeros(2)) is jnp
    assert isinstance(B.mf_loss(U0, V0, M0), (float, np.floating))


def test_mf_grads_and_step_against_autodiff():
    gU, gV = B.mf_grads(U0, V0, M0)
    aU, aV = jax.grad(lambda u, v: 0.5 * jnp.sum((u @ v.T - M0) ** 2), argnums=(0, 1))(jnp.asarray(U0), jnp.asarray(V0))
    np.testing.assert_allclose(gU, np.asarray(aU), rtol=1e-14)
    np.testing.assert_allclose(gV, np.asarray(aV), rtol=1e-14)
    U1, V1 = B.mf_gd_step(U0, V0, M0, 0.05)
    np.testing.assert_allclose(U1, U0 - 0.05 * np.asarray(aU), rtol=1e-14)
    np.testing.assert_allclose(V1, V0 - 0.05 * np.asarray(aV), rtol=1e-14)


def test_balance_step_bound_value_and_validity():
    eta = 0.07
    R = U0 @ V0.T - M0
    exp = np.linalg.norm(U0.T @ U0 - V0.T @ V0) + eta ** 2 * (np.sum(V0 ** 2) + np.sum(U0 ** 2)) * np.sum(R ** 2)
    assert B.balance_step_bound(U0, V0, M0, eta) == pytest.approx(exp, rel=1e-14)
    assert float(B.balance_step_bound(*map(jnp.asarray, (U0, V0, M0)), eta)) == pytest.approx(exp, rel=1e-13)
    U1, V1 = B.mf_gd_step(U0, V0, M0, eta)
    assert np.linalg.norm(U1.T @ U1 - V1.T @ V1) <= exp
    np.testing.assert_allclose(B.balance_after_step(U0, V0, M0, eta), U1.T @ U1 - V1.T @ V1, atol=1e-13)


def test_schedules_and_constants_by_hand():
    assert B.thm44_step(0.0, 4.0, 1.0, 1.0) == pytest.approx(0.02, rel=1e-15)
    assert B.thm44_step(1.0, 4.0, 1.0, 1.0) == pytest.approx(0.01, rel=1e-15)
    assert B.thm44_step(0.0, 8.0, 2.0, 4.0) == pytest.approx(2.0 / (100 * 8.0), rel=1e-15)
    assert B.thm44_init_var(1.0, 2, 1) == pytest.approx(0.025, rel=1e-15)
    assert B.thm44_init_var(3.0, 1, 1) == pytest.approx(0.3, rel=1e-15)   # d = r = 1 allowed
    for bad, needle in (((1.0, 0, 1), "d and r must be >= 1"), ((1.0, 2, 0), "d and r must be >= 1"),
                        ((-1.0, 2, 1), "eps must be > 0")):
        with pytest.raises(InvalidParameter, match=needle):
            B.thm44_init_var(*bad)
    assert B.lemma41_norm_bound(4.0, 3.0) == pytest.approx(30.0, rel=1e-15)
    assert B.smoothness(1.0, 2.0) == pytest.approx(16.0, rel=1e-15)
    assert B.claim42_beta(4.0, 1.0) == pytest.approx(134.0, rel=1e-15)
    assert B.claim42_beta(1.0, 0.5) == pytest.approx(34.0, rel=1e-15)
    assert B.thm45_init_scale(2.0, 8.0, 2) == pytest.approx(4.0, rel=1e-15)
    assert B.thm45_init_scale(1.0, 1.0, 1) == pytest.approx(1.0, rel=1e-15)
    assert B.thm45_step(0.5, 2.0) == pytest.approx(0.25, rel=1e-15)
    for args in ((0.0, 1.0, 1), (1.0, 0.0, 1), (1.0, 1.0, 0)):
        with pytest.raises(InvalidParameter, match="need c_init > 0"):
            B.thm45_init_scale(*args)
    with pytest.raises(InvalidParameter, match="need c_step > 0"):
        B.thm45_step(1.0, 0.0)
    # |a - b| <= c (a + b) with a/b = 100 is the boundary: c = 99/101
    a, b = 100.0, 1.0
    assert B.lemma45_ratio_bound() == pytest.approx(abs(a - b) / (a + b), rel=1e-15)


def test_hessian_matrix_numpy_and_jax_paths_agree():
    H = B.mf_hessian_matrix(U0, V0, M0)
    assert isinstance(H, np.ndarray)
    Hj = np.asarray(B.mf_hessian_matrix(*map(jnp.asarray, (U0, V0, M0))))
    np.testing.assert_allclose(H, Hj, rtol=1e-14)
    DU, DV = RNG.normal(size=(3, 2)), RNG.normal(size=(2, 2))
    d = np.concatenate([DU.ravel(), DV.ravel()])
    assert B.mf_hessian_form(U0, V0, M0, DU, DV) == pytest.approx(d @ H @ d, rel=1e-12)


def test_balanced_factors_and_stationary_points():
    rng = np.random.default_rng(9)
    M = rng.normal(size=(4, 2)) @ rng.normal(size=(2, 3))   # rank 2
    U, V = B.balanced_factors(M, 2)
    np.testing.assert_allclose(U @ V.T, M, atol=1e-12)
    np.testing.assert_allclose(U.T @ U, V.T @ V, atol=1e-12)   # balanced
    s = np.linalg.svd(M, compute_uv=False)
    np.testing.assert_allclose(np.diag(U.T @ U), s[:2], rtol=1e-12)
    Uj, Vj = B.balanced_factors(jnp.asarray(M), 2)
    np.testing.assert_allclose(np.asarray(Uj) @ np.asarray(Vj).T, M, atol=1e-12)
    for sub in ([1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 1.0]):
        Us, Vs = B.stationary_point(M, 2, np.array(sub))
        gU, gV = B.mf_grads(Us, Vs, M)
        assert np.max(np.abs(gU)) < 1e-12 and np.max(np.abs(gV)) < 1e-12
        np.testing.assert_array_equal(Us[:, np.array(sub) == 0], 0.0)


def test_procrustes_numpy_and_jax():
    rng = np.random.default_rng(12)
    Wst = rng.normal(size=(6, 3))
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    np.testing.assert_allclose(B.procrustes(Wst @ Q, Wst), Q, atol=1e-12)
    np.testing.assert_allclose(np.asarray(B.procrustes(jnp.asarray(Wst @ Q), jnp.asarray(Wst))), Q, atol=1e-12)


# ----------------------------------------------------------------------------- rank-1 dynamics
def test_rank1_stats_by_hand():
    us, vs = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.6, 0.8])
    u, v = np.array([2.0, 3.0, 4.0]), np.array([1.0, 0.6, 0.8])
    np.testing.assert_allclose(B.rank1_stats(u, v, us, vs), [2.0, 5.0, 1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(np.asarray(B.rank1_stats(*map(jnp.asarray, (u, v, us, vs)))), [2.0, 5.0, 1.0, 1.0], rtol=1e-15)


def test_rank1_recursion_with_a_negative_factor():
    """1 - eta ||v||^2 < 0: the complement norm picks up |.|; the printed form goes negative."""
    s = np.array([0.5, 0.3, 1.5, 0.4])
    eta, s1 = 0.8, 2.0
    nv = 1.5 ** 2 + 0.4 ** 2          # 2.41
    nu = 0.5 ** 2 + 0.3 ** 2          # 0.34
    exp = [(1 - eta * nv) * 0.5 + eta * s1 * 1.5, abs(1 - eta * nv) * 0.3,
           (1 - eta * nu) * 1.5 + eta * s1 * 0.5, abs(1 - eta * nu) * 0.4]
    np.testing.assert_allclose(B.rank1_recursion(s, eta, s1), exp, rtol=1e-15)
    exp_p = [exp[0], (1 - eta * nv) * 0.3, exp[2], (1 - eta * nu) * 0.4]
    np.testing.assert_allclose(B.rank1_recursion_printed(s, eta, s1), exp_p, rtol=1e-15)
    # the true recursion: GD on a rank-1 problem in R^2 with u, v perpendicular parts along e2
    us, vs = np.array([1.0, 0.0]), np.array([1.0, 0.0])
    u, v = np.array([0.5, 0.3]), np.array([1.5, 0.4])
    U1, V1 = B.mf_gd_step(u[:, None], v[:, None], s1 * np.outer(us, vs), eta)
    np.testing.assert_allclose(B.rank1_stats(U1[:, 0], V1[:, 0], us, vs), exp, rtol=1e-13)


def test_h_xi_and_next_by_hand():
    s = np.array([0.9, 0.2, 1.1, 0.5])
    a, ap, b, bp = s
    s1, eta = 1.5, 0.1
    np.testing.assert_allclose(B.h_xi(s, s1), [a * b - s1, ap ** 2 + bp ** 2], rtol=1e-15)
    # (4.24) follows from (4.23): apply the recursion and evaluate h, xi
    nxt = B.rank1_recursion(s, eta, s1)
    np.testing.assert_allclose(B.h_xi_next(s, eta, s1), B.h_xi(nxt, s1), rtol=1e-13)
    h, xi = a * b - s1, ap ** 2 + bp ** 2
    np.testing.assert_allclose(B.h_xi_next_printed(s, eta, s1)[0] - B.h_xi_next(s, eta, s1)[0], eta * xi * h, rtol=1e-12)
    np.testing.assert_allclose(B.h_xi_next_printed(s, eta, s1)[1], B.h_xi(nxt, s1)[1], rtol=1e-13)
    sj = jnp.asarray(s)
    np.testing.assert_allclose(np.asarray(B.h_xi_next(sj, eta, s1)), B.h_xi_next(s, eta, s1), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(B.h_xi_next_printed(sj, eta, s1)), B.h_xi_next_printed(s, eta, s1), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(B.rank1_recursion_printed(sj, eta, s1)), B.rank1_recursion_printed(s, eta, s1), rtol=1e-14)


def test_gd_transform_is_plain_gd():
    tx = B.gd_transform(lambda t: 0.1 / (t + 1.0))
    p = jnp.array([1.0, -2.0])
    st = tx.init(p)
    g = jnp.array([0.5, 4.0])
    upd, st = tx.update(g, st, p)
    np.testing.assert_allclose(np.asarray(upd), [-0.05, -0.4], rtol=1e-15)
    upd, st = tx.update(g, st, p)
    np.testing.assert_allclose(np.asarray(upd), [-0.025, -0.2], rtol=1e-15)
    assert math.isclose(B.lemma45_ratio_bound(), 99 / 101)
