"""Wide networks of the essay (Section 2.1.2, lines 96-173; Section 2.2, lines 175-287).

Two conventions, as in the essay:
* sigmoid nets, eq. (7)/(8): data ``X`` in R^{d_0 x m} (columns are points), ``F_k = sigma(W_k ... sigma(W_1 X))``;
  optional biases ``b_k`` (Nguyen & Hein's networks have them; the essay's (7)/(8) do not).
* the two-layer ReLU net of Du et al., eq. (9): rows ``x_i`` of ``X`` in R^{n x d``, weights ``W`` in
  R^{m x d`` (rows ``w_r``), ``a`` in {+-1}^m, ``u_i = f(W, a, x_i) = m^{-1/2} sum_r a_r [w_r^T x_i]_+``,
  ``L(W) = 1/2 sum_i (u_i - y_i)^2`` (eq. (10)).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .errors import ndim, require


# ----------------------------------------------------------------------------- activations
def sigmoid(z):
    """sigma(z) = (1 + exp(-z))^{-1} (essay line 109)."""
    return jax.nn.sigmoid(z)


def relu(z):
    return jnp.maximum(z, 0.0)


def identity(z):
    return z


def activation(name: str):
    """Look an activation up by name in this module at call time (so mutant tests can patch it)."""
    import analytic.wide as w

    require(name in ("sigmoid", "relu", "identity", "tanh", "softplus"),
            f"activation must be one of sigmoid, relu, identity, tanh, softplus; got {name!r}")
    if name == "tanh":
        return jnp.tanh
    if name == "softplus":
        return jax.nn.softplus
    return getattr(w, name)


# ----------------------------------------------------------------------------- feature matrices
def check_features_input(Ws, X, bs=None):
    require(ndim(X) == 2, f"X must be 2-D (d_0 x m), got shape {getattr(X, 'shape', None)}")
    require(X.shape[0] >= 1 and X.shape[1] >= 1, f"data must be non-empty: X has shape {X.shape}")
    require(len(Ws) >= 1, "need at least one weight matrix")
    d = X.shape[0]
    for k, W in enumerate(Ws, start=1):
        require(ndim(W) == 2 and min(W.shape) >= 1,
                f"W_{k} must be a 2-D array with widths >= 1, got shape {getattr(W, 'shape', None)}")
        require(W.shape[1] == d, f"layer shapes must chain: W_{k} has {W.shape[1]} columns, needs {d}")
        d = W.shape[0]
    if bs is not None:
        require(len(bs) == len(Ws), f"need one bias per layer: {len(bs)} biases for {len(Ws)} layers")
        for k, (W, b) in enumerate(zip(Ws, bs), start=1):
            require(tuple(b.shape) == (W.shape[0],), f"b_{k} must have shape ({W.shape[0]},), got {b.shape}")


def features(Ws, X, act: str = "sigmoid", bs=None):
    """F_k = sigma(W_k sigma(... sigma(W_1 X + b_1) ...) + b_k) in R^{d_k x m} (essay lines 115, 131)."""
    check_features_input(Ws, X, bs)
    s = activation(act)
    F = X
    for k, W in enumerate(Ws):
        Z = W @ F
        if bs is not None:
            Z = Z + bs[k][:, None]
        F = s(Z)
    return F


def _xp(F):
    return jnp if isinstance(F, jax.core.Tracer) else np


def singular_values(F):
    """Singular values (numpy for concrete arrays -- no per-shape compilation; jnp under tracing)."""
    xp = _xp(F)
    return xp.linalg.svd(F if xp is jnp else np.asarray(F, dtype=np.float64), compute_uv=False)


def rank_tolerance(F):
    """numpy's matrix_rank default: s_max * max(shape) * eps."""
    s = singular_values(F)
    return s[0] * max(F.shape) * np.finfo(np.float64).eps


def numerical_rank(F):
    """Number of singular values above ``rank_tolerance`` (the default of ``numpy.linalg.matrix_rank``)."""
    s = singular_values(F)
    return _xp(F).sum(s > s[0] * max(F.shape) * np.finfo(np.float64).eps)


def sigmoid_pair_dependency(F):
    """For columns computed from inputs (x, -x, 0) by a bias-free sigmoid layer:
    sigma(Wx) + sigma(-Wx) - 2 sigma(0) = 0 exactly (sigma(-z) = 1 - sigma(z)), so rk F < m.
    Returns the residual vector of that linear relation."""
    return F[:, 0] + F[:, 1] - 2.0 * F[:, 2]


# ----------------------------------------------------------------------------- sigmoid net, eq. (7)/(8)
def net_output(Ws, X, bs=None, act: str = "sigmoid"):
    """W_H sigma(W_{H-1} ... sigma(W_1 X)) (linear output layer), shape d_H x m."""
    if len(Ws) == 1:
        return Ws[0] @ X
    F = features(Ws[:-1], X, act, None if bs is None else bs[:-1])
    return Ws[-1] @ F


def net_loss(Ws, X, Y, bs=None, act: str = "sigmoid"):
    """Eq. (7) (H = 2): 1/2 ||Y - W_2 sigma(W_1 X)||_F^2; eq. (8) for deeper nets (printed without the
    1/2 -- a constant factor that changes neither critical points nor zero sets; we keep the 1/2)."""
    return 0.5 * jnp.sum((Y - net_output(Ws, X, bs, act)) ** 2)


def lemma35_lower_bound(Ws, X, k: int, bs=None):
    """Quantitative form of Nguyen & Hein Lemma 3.5 (essay line 139), sigmoid net, linear output:

        ||grad_{W_{k+1}} L||_F >= s_m(F_k) * prod_{l=k+1}^{H-1} min sigma'(Z_l) * prod_{l=k+2}^{H} s_{d_l}(W_l)
                                   * ||W_H F_{H-1} - Y||_F,

    so at a critical point with rk F_k = m and rk W_l = d_l (l >= k+2) the loss is zero.  Returns the
    coefficient multiplying the residual norm (k is 1-based: F_k is the output of layer k)."""
    H = len(Ws)
    require(1 <= k <= H - 1, f"k must satisfy 1 <= k <= H-1 = {H - 1}, got {k}")
    F = X
    coef = 1.0
    for l in range(1, H):
        Z = Ws[l - 1] @ F
        if bs is not None:
            Z = Z + bs[l - 1][:, None]
        if l >= k + 1:
            s = sigmoid(Z)
            coef = coef * jnp.min(s * (1.0 - s))
        F = sigmoid(Z)
        if l == k:
            sv = jnp.linalg.svd(F, compute_uv=False)
            coef = coef * (sv[F.shape[1] - 1] if F.shape[0] >= F.shape[1] else 0.0)
    for l in range(k + 2, H + 1):
        W = Ws[l - 1]
        sv = jnp.linalg.svd(W, compute_uv=False)
        coef = coef * (sv[W.shape[0] - 1] if W.shape[0] <= W.shape[1] else 0.0)
    return coef


# ----------------------------------------------------------------------------- two-layer ReLU net (Du et al.)
def check_two_layer(W, a, X, y=None):
    require(ndim(W) == 2, f"W must be m x d, got shape {getattr(W, 'shape', None)}")
    require(ndim(X) == 2, f"X must be n x d, got shape {getattr(X, 'shape', None)}")
    require(W.shape[0] >= 1, f"width m must be >= 1, got {W.shape[0]}")
    require(X.shape[0] >= 1, f"need n >= 1 data points, got {X.shape[0]}")
    require(W.shape[1] == X.shape[1], f"W is m x d with d = {W.shape[1]} but inputs have d = {X.shape[1]}")
    require(tuple(a.shape) == (W.shape[0],), f"a must have shape (m,) = ({W.shape[0]},), got {a.shape}")
    if y is not None:
        require(tuple(y.shape) == (X.shape[0],), f"y must have shape (n,) = ({X.shape[0]},), got {y.shape}")


def predictions(W, a, X, act: str = "relu"):
    """u_i = f(W, a, x_i) = m^{-1/2} sum_r a_r sigma(w_r^T x_i) (eq. (9), line 181)."""
    check_two_layer(W, a, X)
    s = activation(act)
    m = W.shape[0]
    return s(X @ W.T) @ a / jnp.sqrt(m)


def loss(W, a, X, y, act: str = "relu"):
    """Eq. (10): L(W) = 1/2 sum_i (f(W, a, x_i) - y_i)^2 (line 185)."""
    check_two_layer(W, a, X, y)
    return 0.5 * jnp.sum((predictions(W, a, X, act) - y) ** 2)


def gram(W, X, a=None):
    """H(t) of eq. (12) (line 237): H_ij = x_i^T x_j (1/m) sum_r a_r^2 [w_r^T x_i >= 0, w_r^T x_j >= 0]
    (a_r^2 = 1 for a in {+-1}^m)."""
    require(ndim(W) == 2 and ndim(X) == 2 and W.shape[1] == X.shape[1],
            f"W (m x d) and X (n x d) must share d, got shapes {getattr(W, 'shape', None)} and {getattr(X, 'shape', None)}")
    require(W.shape[0] >= 1 and X.shape[0] >= 1, f"need m >= 1 and n >= 1, got m = {W.shape[0]}, n = {X.shape[0]}")
    m = W.shape[0]
    ind = (X @ W.T >= 0).astype(X.dtype)  # n x m
    if a is not None:
        ind = ind * jnp.abs(a)[None, :]
    return (X @ X.T) * (ind @ ind.T) / m


def gram_act(W, a, X, act: str = "sigmoid"):
    """H(t) for a smooth activation: H_ij = x_i^T x_j (1/m) sum_r a_r^2 sigma'(w_r^T x_i) sigma'(w_r^T x_j)."""
    s = activation(act)
    m = W.shape[0]
    dz = jax.vmap(jax.vmap(jax.grad(lambda z: s(z))))(X @ W.T)  # n x m
    D = dz * a[None, :]
    return (X @ X.T) * (D @ D.T) / m


def h_inf_relu(X):
    """H^inf_ij = x_i.x_j (pi - arccos(x_i.x_j)) / (2 pi) for unit x (line 257; arc-cosine kernel)."""
    G = jnp.clip(X @ X.T, -1.0, 1.0)
    return G * (jnp.pi - jnp.arccos(G)) / (2 * jnp.pi)


def neuron_grads(W, a, X, y):
    """dL/dw_r = m^{-1/2} sum_j (u_j - y_j) a_r x_j [w_r^T x_j >= 0] (line 279), shape m x d."""
    m = W.shape[0]
    r = predictions(W, a, X) - y
    ind = (X @ W.T >= 0).astype(X.dtype)  # n x m
    return (a[:, None] * ((ind * r[:, None]).T @ X)) / jnp.sqrt(m)


def grad_bound_l1(u, y, m):
    """Middle term of line 279: m^{-1/2} ||u - y||_1."""
    return jnp.sum(jnp.abs(u - y)) / jnp.sqrt(m)


def grad_bound_l2(u, y, m):
    """Line 279: sqrt(n/m) ||u - y||_2."""
    n = u.shape[0]
    return jnp.sqrt(n / m) * jnp.linalg.norm(u - y)


def hessian_printed(W, a, X):
    """The Hessian as printed at line 285 (md x md, row-major over (r, coordinate)):
    d^2L / dw_r dw_s = (1/m) sum_j a_r a_s x_j x_j^T [w_r^T x_j >= 0, w_s^T x_j >= 0]."""
    m, d = W.shape
    ind = (X @ W.T >= 0).astype(X.dtype)  # n x m
    J = (ind * a[None, :])[:, :, None] * X[:, None, :] / jnp.sqrt(m)  # n x m x d: du_j/dw_r
    J = J.reshape(X.shape[0], m * d)
    return J.T @ J


# ----------------------------------------------------------------------------- smooth test functions (line 277)
def wavy(x, A, c, V):
    """f(x) = 1/2 x^T A x + sum_k c_k cos(v_k . x): a non-convex smooth test function (A PSD)."""
    return 0.5 * x @ A @ x + jnp.sum(c * jnp.cos(V @ x))


def wavy_lipschitz(A, c, V):
    """A gradient-Lipschitz constant of ``wavy``: ||A||_2 + sum_k |c_k| ||v_k||^2."""
    return jnp.linalg.norm(A, 2) + jnp.sum(jnp.abs(c) * jnp.sum(V ** 2, axis=1))


def check_width(m):
    require(int(m) >= 1, f"width m must be >= 1, got {m}")
