"""Deep linear networks and the rank-constrained shallow problem (essay Section 2.1.1, lines 42-92),
plus the cross-entropy remark of the essay's introduction (line 32).

Conventions follow the essay: a finite dataset ``X`` in R^{d_0 x m} (columns are data points), targets
``Y`` in R^{d_H x m}; weights ``W_k`` in R^{d_k x d_{k-1}}, given as a list ``[W_1, ..., W_H]``.
The expectation of eqs. (2)-(4) is the empirical mean over the m columns:

    L_shallow(R) = 1/(2m) ||Y - R X||_F^2,      L_deep(W_{1:H}) = L_shallow(W_H ... W_1).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .errors import ndim, require


# ----------------------------------------------------------------------------- validation
def check_data(X, Y):
    """X: d_0 x m, Y: d_H x m, m >= 1, finite."""
    require(ndim(X) == 2, f"X must be a 2-D array d_0 x m, got shape {getattr(X, 'shape', None)}")
    require(ndim(Y) == 2, f"Y must be a 2-D array d_H x m, got shape {getattr(Y, 'shape', None)}")
    require(X.shape[1] >= 1 and X.shape[0] >= 1, f"data must be non-empty: X has shape {X.shape}")
    require(X.shape[1] == Y.shape[1],
            f"X and Y must have the same number m of columns, got {X.shape[1]} and {Y.shape[1]}")


def check_widths(Ws, X=None, Y=None):
    """Consecutive layers must chain: W_k is d_k x d_{k-1}; every width >= 1; H >= 1."""
    require(len(Ws) >= 1, "a deep linear network needs H >= 1 weight matrices, got 0")
    for k, W in enumerate(Ws, start=1):
        require(ndim(W) == 2, f"W_{k} must be 2-D, got shape {getattr(W, 'shape', None)}")
        require(min(W.shape) >= 1, f"widths must be >= 1, W_{k} has shape {W.shape}")
    for k in range(1, len(Ws)):
        require(Ws[k].shape[1] == Ws[k - 1].shape[0],
                f"layer shapes must chain: W_{k + 1} is {Ws[k].shape}, needs {Ws[k].shape[0]} x {Ws[k - 1].shape[0]}")
    if X is not None:
        require(Ws[0].shape[1] == X.shape[0], f"W_1 has {Ws[0].shape[1]} columns but X has d_0 = {X.shape[0]} rows")
    if Y is not None:
        require(Ws[-1].shape[0] == Y.shape[0], f"W_H has {Ws[-1].shape[0]} rows but Y has d_H = {Y.shape[0]} rows")


def dims_of(Ws) -> list[int]:
    return [int(Ws[0].shape[1])] + [int(W.shape[0]) for W in Ws]


def bottleneck(dims) -> int:
    """d_p = min_k d_k (essay line 60: p in Argmin_k d_k), over all layers including input and output."""
    require(len(dims) >= 2 and min(dims) >= 1, f"widths must be >= 1 and at least two of them, got {list(dims)}")
    return int(min(dims))


# ----------------------------------------------------------------------------- losses
def product(Ws):
    """R = W_H ... W_1 (essay line 62)."""
    R = Ws[0]
    for W in Ws[1:]:
        R = W @ R
    return R


def shallow_loss(R, X, Y):
    """Eq. (2)/(4), empirical: 1/(2m) ||Y - R X||_F^2 (essay lines 44, 58)."""
    check_data(X, Y)
    require(ndim(R) == 2 and tuple(R.shape) == (Y.shape[0], X.shape[0]),
            f"R must be d_H x d_0 = {Y.shape[0]} x {X.shape[0]}, got shape {getattr(R, 'shape', None)}")
    m = X.shape[1]
    return 0.5 * jnp.sum((Y - R @ X) ** 2) / m


def deep_loss(Ws, X, Y):
    """Eq. (3): L_deep(W_{1:H}) = L_shallow(W_H ... W_1) (essay line 54)."""
    check_widths(Ws, X, Y)
    return shallow_loss(product(Ws), X, Y)


def shallow_hessian(X, d_out: int):
    """Hessian of L_shallow w.r.t. R (row-major vec): I_{d_out} (x) Sigma_xx, Sigma_xx = X X^T / m.

    Essay line 46 (Sigma_xx (x) I in the column-major convention)."""
    m = X.shape[1]
    return jnp.kron(jnp.eye(d_out), X @ X.T / m)


def normal_solution(X, Y):
    """Minimiser of L_shallow without rank constraint: R = Y X^T (X X^T)^+ (minimum-norm one)."""
    return Y @ X.T @ jnp.linalg.pinv(X @ X.T)


def rank_constrained_optimum(X, Y, r: int):
    """Eckart-Young / reduced-rank regression: (min value, minimiser R*) of eq. (4) with rk R <= r.

    With Yhat = Y P_X (P_X the projector onto the row space of X), the optimum is
    1/(2m) (||Y||_F^2 - sum_{i <= r} s_i(Yhat)^2) and R* = [Yhat]_r X^+ ([.]_r: best rank-r truncation).
    """
    require(int(r) >= 0, f"rank bound r must be >= 0, got {r}")
    check_data(X, Y)
    m = X.shape[1]
    Xp = jnp.linalg.pinv(X)
    Yhat = Y @ Xp @ X
    U, s, Vt = jnp.linalg.svd(Yhat, full_matrices=False)
    r = min(int(r), s.shape[0])
    value = 0.5 * (jnp.sum(Y ** 2) - jnp.sum(s[:r] ** 2)) / m
    Yr = (U[:, :r] * s[:r]) @ Vt[:r]
    return value, Yr @ Xp


def project_rank(R, r: int):
    """Best rank-r approximation of R (truncated SVD) -- the projection onto {rk R <= r}."""
    U, s, Vt = jnp.linalg.svd(R, full_matrices=False)
    keep = (jnp.arange(s.shape[0]) < r).astype(R.dtype)
    return (U * (s * keep)) @ Vt


def factorize(R, dims):
    """W_1..W_H with W_H ... W_1 = R exactly, for rk R <= min(dims) (the many-to-one map of line 62).

    R = U S V^T; W_1 = J_1 S^{1/2} V^T, W_l = J_l J_{l-1}^T, W_H = U S^{1/2} J_{H-1}^T, J_l = [I_k; 0]."""
    dims = [int(d) for d in dims]
    require(len(dims) >= 2, f"need at least input and output widths, got {dims}")
    require(tuple(R.shape) == (dims[-1], dims[0]), f"R must be d_H x d_0 = {dims[-1]} x {dims[0]}, got {R.shape}")
    k = bottleneck(dims)
    U, s, Vt = jnp.linalg.svd(R, full_matrices=False)
    kk = min(k, s.shape[0])
    Us = U[:, :kk] * jnp.sqrt(s[:kk])
    Vs = jnp.sqrt(s[:kk])[:, None] * Vt[:kk]
    H = len(dims) - 1
    if H == 1:
        return [R]

    def J(d):
        return jnp.eye(d, kk)

    Ws = [J(dims[1]) @ Vs]
    for l in range(2, H):
        Ws.append(J(dims[l]) @ J(dims[l - 1]).T)
    Ws.append(Us @ J(dims[H - 1]).T)
    return Ws


def rescale(Ws, i: int, j: int, c):
    """The rescaling symmetry of line 68: W_i -> c W_i, W_j -> W_j / c (0-based i != j, c != 0)."""
    require(i != j, f"rescaling needs two different layers, got i = j = {i}")
    out = list(Ws)
    out[i] = Ws[i] * c
    out[j] = Ws[j] / c
    return out


def lift_h2(W1bar, W2bar, R):
    """Proof step of Lu & Kawaguchi Thm 2.1 (essay lines 88-92), H = 2, rk(W2bar W1bar) = d_p:
    for R near Rbar = W2bar W1bar with rk R <= d_p, W2 = R W1bar^+, W1 = W2^+ R give W2 W1 = R and
    (W1, W2) -> (W1bar, W2bar) as R -> Rbar."""
    W2 = R @ jnp.linalg.pinv(W1bar)
    W1 = jnp.linalg.pinv(W2) @ R
    return W1, W2


# ----------------------------------------------------------------------------- training
def init_deep(key, dims, scale: float = 1.0):
    """Gaussian init, W_k ~ N(0, scale^2 / d_{k-1})."""
    require(len(dims) >= 2 and min(dims) >= 1, f"widths must be >= 1 and at least two of them, got {list(dims)}")
    keys = jax.random.split(key, len(dims) - 1)
    return [jax.random.normal(k, (dims[i + 1], dims[i])) * scale / np.sqrt(dims[i]) for i, k in enumerate(keys)]


def train_deep(Ws0, X, Y, lr: float, steps: int, optimizer: str = "sgd"):
    """Plain GD (optax.sgd) or Adam on L_deep, one jitted lax.scan; returns (final Ws, loss trace).

    Looks ``deep_loss`` up in this module at trace time (so a mutated loss is honoured)."""
    import analytic.linear as lin

    opt = optax.sgd(lr) if optimizer == "sgd" else optax.adam(lr)
    state = opt.init(Ws0)

    def step(carry, _):
        Ws, st = carry
        l, g = jax.value_and_grad(lin.deep_loss)(Ws, X, Y)
        upd, st = opt.update(g, st, Ws)
        return (optax.apply_updates(Ws, upd), st), l

    (Ws, _), trace = jax.lax.scan(step, (Ws0, state), None, length=steps)
    return Ws, trace


# ----------------------------------------------------------------------------- cross-entropy (line 32)
def logistic_loss(theta, X, labels):
    """Binary cross-entropy of a linear classifier: mean_i log(1 + exp(-y_i theta . x_i)), y in {+-1}.

    X: d x m (columns are points).  Essay line 32: no global minimum in any finite ball."""
    z = labels * (theta @ X)
    return jnp.mean(jnp.logaddexp(0.0, -z))
