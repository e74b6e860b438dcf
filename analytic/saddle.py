"""Chapter 7: the cubic-spline saddle construction ("tube" and "octopus"), GD and perturbed GD.

Source: thesis chapter 7 (gradient-descent-thesis.txt, lines ~6965-7862): Theorem 7.4 (cubic
Hermite interpolant, L7748), Lemma 7.4 (connectors g = g1(x_i) + g2(x_i) x_{i+1}^2, constant nu,
L7778), the tube (7.5)-(7.10) (L7410-7430), the octopus (7.12)-(7.18) (L7575-7625), the key
observation (7.3) (L7252), the warm-up examples of Section 7.3 (L7132), Algorithm 2 (L7050).

Everything here is a pure float64 JAX function of the point ``x`` and the parameters
(L, gamma, tau); ``f`` selects its region with ``jnp.where`` (no Python branching on traced
values), so ``jax.grad`` / ``jax.hessian`` / ``jax.jit`` / ``jax.vmap`` all work, for any d.

Indices in code are 0-based: "region k" (k = 0..d) is the set where the first k coordinates have
|x_j| >= 2 tau and |x_k| < 2 tau; inside it the k-th coordinate is either in the saddle part
(|x_k| <= tau, Eq. (7.6)/(7.8)) or in the connection part (tau < |x_k| < 2 tau, Eq. (7.7)/(7.9)).
Region d is the basin of the local minimum (Eq. (7.10)). The thesis' 1-based index i is k + 1.
"""
from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .errors import InvalidParameter, require

__all__ = [
    "InvalidParameter", "check_params", "check_step", "hermite_coeffs", "hermite", "connector_slope",
    "g1", "g2", "g2_prime", "g", "nu", "nu_closed_form", "f", "tube", "octopus", "piece",
    "region_index", "region_value", "grad_f", "saddle_point", "local_min", "escape_ratio", "hessian_bound", "key_observation_f",
    "warmup_f", "warmup_escape_count", "gd_step", "pgd_step", "run_escape", "run_values",
    "ball_uniform", "gd_transform",
]


# ----------------------------------------------------------------------------- parameter checks
def _concrete(v):
    """float(v) if v is a concrete number, None for a tracer."""
    try:
        return float(v)
    except (TypeError, jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        return None


def check_params(L, gamma, tau, d: int | None = None):
    """Validate (L, gamma, tau, d) of the construction; raise InvalidParameter naming the constraint.

    Constraints (Section 7.4.1 / Lemma 7.4): gamma > 0, L > gamma ("for L > gamma > 0"), tau > 0,
    d >= 1 (an integer).  Traced values are not checked (they cannot be, inside jit).
    """
    if d is not None:
        require(isinstance(d, (int, np.integer)) and not isinstance(d, bool),
                f"d must be an integer, got {type(d).__name__}")
        require(int(d) >= 1, f"d must be >= 1, got {d}")
    Lc, gc, tc = _concrete(L), _concrete(gamma), _concrete(tau)
    if tc is not None:
        require(math.isfinite(tc) and tc > 0, f"tau must be > 0, got {tc}")
    if gc is not None:
        require(math.isfinite(gc) and gc > 0, f"gamma must be > 0, got {gc}")
    if Lc is not None and gc is not None:
        require(math.isfinite(Lc) and Lc > gc, f"L must be > gamma (L > gamma > 0), got L={Lc}, gamma={gc}")


def hessian_bound(L, gamma):
    """An upper bound ``l`` on sup ||Hessian f||_op over the construction (gradient Lipschitz constant).

    Derived (Gershgorin, rows of the 2x2 connector block; every other diagonal entry is 2L or
    -2 gamma).  With u = (x_i - tau)/tau in [0, 1] and s = x_{i+1}/tau in [0, 1]:
      d^2 g/dx_i^2 = p'(x_i) + g2''(x_i) x_{i+1}^2,  |p'| <= 32 gamma/9 + 98 L/15,
                     |g2''| x_{i+1}^2 = 60 (L+gamma) |u(1-u)(1-2u)| s^2 <= 10 (L+gamma)/sqrt(3),
      d^2 g/dx_i dx_{i+1} = 2 g2'(x_i) x_{i+1},  |.| <= 2 * (15/8) (L+gamma),
      d^2 g/dx_{i+1}^2 = 2 g2(x_i) in [-2 gamma, 2 L].
    It does not depend on tau or d.  (Definition 7.2; the thesis only says l = poly(d).)
    """
    row1 = 32.0 * gamma / 9.0 + 98.0 * L / 15.0 + 10.0 * (L + gamma) / math.sqrt(3.0) + 3.75 * (L + gamma)
    row2 = 3.75 * (L + gamma) + 2.0 * L
    return max(row1, row2, 2.0 * L, 2.0 * gamma)


def check_step(eta, L, gamma, *, bound: float | None = None, what: str = "1/l"):
    """Require 0 < eta <= bound (default 1/l, l = ``hessian_bound(L, gamma)``)."""
    e = _concrete(eta)
    if e is None:
        return
    b = (1.0 / hessian_bound(float(L), float(gamma))) if bound is None else float(bound)
    require(math.isfinite(e) and e > 0, f"step size eta must be > 0, got {e}")
    require(e <= b * (1 + 1e-12), f"step size eta must be <= {what} = {b:.6g}, got {e}")


# ----------------------------------------------------------------------------- Theorem 7.4
def hermite_coeffs(y0, y1, f0, f1, d0, d1):
    """Coefficients (c0, c1, c2, c3) of the cubic Hermite interpolant, Theorem 7.4 (L7748).

    p(y) = c0 + c1 dy + c2 dy^2 + c3 dy^3, dy = y - y0, h = y1 - y0, S = (f1 - f0)/h:
      c0 = f(y0), c1 = f'(y0), c2 = (3S - f'(y1) - 2 f'(y0))/h, c3 = (-2S + f'(y1) + f'(y0))/h^2.
    Printed (OCR): "c3 = _25- [(1) - f'(wo) / (y1-y0)^2" -- the signs are garbled; the form above is
    the unique cubic with p(y0)=f0, p(y1)=f1, p'(y0)=d0, p'(y1)=d1 (solve the 2x2 system for c2, c3).
    """
    h = y1 - y0
    S = (f1 - f0) / h
    return f0, d0, (3.0 * S - d1 - 2.0 * d0) / h, (-2.0 * S + d1 + d0) / (h * h)


def hermite(y, y0, y1, f0, f1, d0, d1):
    """p(y) of Theorem 7.4 (L7748)."""
    c0, c1, c2, c3 = hermite_coeffs(y0, y1, f0, f1, d0, d1)
    dy = y - y0
    return c0 + dy * (c1 + dy * (c2 + dy * c3))


# ----------------------------------------------------------------------------- Lemma 7.4
def connector_slope(x, L, gamma, tau):
    """p(x) = g1'(x): the Hermite cubic of Lemma 7.4's proof (L7800) on [tau, 2 tau] with
    p(tau) = -2 gamma tau, p(2 tau) = -4 L tau, p'(tau) = -2 gamma, p'(2 tau) = 2 L.

    These are the values of d/dx_i of the neighbouring pieces: -gamma x_i^2 at x_i = tau and
    L (x_i - 4 tau)^2 at x_i = 2 tau (first and second derivatives).
    """
    return hermite(x, tau, 2.0 * tau, -2.0 * gamma * tau, -4.0 * L * tau, -2.0 * gamma, 2.0 * L)


def g1(x, L, gamma, tau):
    """g1(x) = (int p)(x) - (int p)(tau) - gamma tau^2 (Lemma 7.4 proof, L7806): the antiderivative
    of ``connector_slope`` with g1(tau) = -gamma tau^2 (value of -gamma x_i^2 at tau).

    Closed form of the antiderivative of the Hermite cubic in dy = x - tau:
      c0 dy + c1 dy^2/2 + c2 dy^3/3 + c3 dy^4/4 - gamma tau^2.
    A polynomial of degree 4 (Remark 7.1: degree <= 5).
    """
    c0, c1, c2, c3 = hermite_coeffs(tau, 2.0 * tau, -2.0 * gamma * tau, -4.0 * L * tau, -2.0 * gamma, 2.0 * L)
    dy = x - tau
    return dy * (c0 + dy * (c1 / 2.0 + dy * (c2 / 3.0 + dy * c3 / 4.0))) - gamma * tau * tau


def g2(x, L, gamma, tau):
    """The quintic g2 of Lemma 7.4 (L7815):
      g2(x) = -gamma - 10 (L+gamma) (x-2tau)^3/tau^3 - 15 (L+gamma) (x-2tau)^4/tau^4
              - 6 (L+gamma) (x-2tau)^5/tau^5.
    Printed (OCR): "g2(x_i) = - - BT 2y - 2r)t _ 6L+ = 2r)^5" (garbled).  Derivation: the conditions
    stated in the proof are g2(tau) = L, g2(2tau) = -gamma, g2'(tau) = g2'(2tau) = g2''(tau) =
    g2''(2tau) = 0 (so that L x_{i+1}^2 at x_i = tau and -gamma x_{i+1}^2 at x_i = 2tau are matched
    to second order); the unique quintic is -gamma - (L+gamma) s(v) with v = (x-2tau)/tau in [-1, 0]
    and s(v) = 10 v^3 + 15 v^4 + 6 v^5 (s(0) = 0, s(-1) = -1, s' = 30 v^2 (1+v)^2).  Its derivative
    g2'(x) = -30 (L+gamma) (x-2tau)^2 (x-tau)^2 / tau^5 matches the printed g2' (L7817).
    """
    v = (x - 2.0 * tau) / tau
    return -gamma - (L + gamma) * v ** 3 * (10.0 + v * (15.0 + 6.0 * v))


def g2_prime(x, L, gamma, tau):
    """g2'(x) = -30 (L+gamma) (x-2tau)^2 (x-tau)^2 / tau^5 as printed (L7817)."""
    return -30.0 * (L + gamma) * (x - 2.0 * tau) ** 2 * (x - tau) ** 2 / tau ** 5


def g(xi, xj, L, gamma, tau):
    """The connector g(x_i, x_{i+1}) = g1(x_i) + g2(x_i) x_{i+1}^2 (Lemma 7.4, L7778)."""
    return g1(xi, L, gamma, tau) + g2(xi, L, gamma, tau) * xj * xj


def nu(L, gamma, tau):
    """nu = -g1(2 tau) + 4 L tau^2 (Lemma 7.4 / Step 1, L7384): the drop of f across one connector,
    chosen so that g1(2 tau) = L (2tau - 4tau)^2 - nu (value match at x_i = 2 tau)."""
    return -g1(2.0 * tau, L, gamma, tau) + 4.0 * L * tau * tau


def nu_closed_form(L, gamma, tau):
    """nu = (37 L + 13 gamma) tau^2 / 6 (derived here, not printed): int_tau^{2tau} p = -(13L + 7gamma)
    tau^2/6, so g1(2tau) = -(13/6)(L+gamma) tau^2 and nu = 4 L tau^2 + (13/6)(L+gamma) tau^2."""
    return (37.0 * L + 13.0 * gamma) * tau * tau / 6.0


# ----------------------------------------------------------------------------- the tube / octopus
def _leading(mask):
    """Number of leading True entries along the last axis (first False index; d if none)."""
    d = mask.shape[-1]
    return jnp.where(jnp.all(mask, axis=-1), d, jnp.argmin(mask, axis=-1)).astype(jnp.int32)


def _signs(x, mirror: bool):
    if not mirror:
        return jnp.ones_like(x)
    return jnp.where(x >= 0, 1.0, -1.0).astype(x.dtype)


def region_index(x, tau, mirror: bool = True):
    """k(x) = number of leading coordinates with |x_j| >= 2 tau (0..d); region d is the basin of
    the minimum.  (x_j itself, not |x_j|, for the tube.)"""
    y = _signs(x, mirror) * x
    return _leading(y >= 2.0 * tau)


def f(x, L, gamma, tau, mirror: bool = True):
    """The counter-example f on the octopus D (Eqs. (7.14)-(7.18), L7590) -- or, with
    ``mirror=False``, the tube on D_0 (Eqs. (7.6)-(7.10), L7410).  ``x``: shape (d,), any d >= 1.

    With y = s * x, s_j = sign(x_j) (s_j = +1 at 0), k = region_index(x):
      sum_{j<k} L (y_j - 4 tau)^2 + [k<d] * ( -gamma y_k^2 + L y_{k+1}^2      if |x_k| <= tau
                                              g1(y_k) + g2(y_k) y_{k+1}^2     if tau < |x_k| < 2tau )
      + sum_{j>k+1} L y_j^2 - k nu.
    The mirrored octopus is the tube evaluated at y = |x| (Eq. (7.14): L(x_j + 4tau)^2 for x_j < 0,
    G(x_i, .) = g(-x_i, .), the x_{i+1}^2 terms are even); written with s held piecewise constant so
    that derivatives at x_j = 0 are those of the (even) polynomial, not of |x|.
    Outside D the value is the formula of the selected region (the thesis extends f by Whitney's
    theorem there, non-constructively; GD and PGD never leave D).
    """
    x = jnp.asarray(x)
    s = _signs(x, mirror)
    y = s * x
    k = _leading(y >= 2.0 * tau)
    yk = jnp.sum(jnp.where(jnp.arange(x.shape[-1]) == k, y, 0.0))  # y_k (0 when k == d)
    return region_value(y, k, yk > tau, L, gamma, tau)


def grad_f(x, L, gamma, tau, mirror: bool = True):
    """Closed-form gradient of ``f`` (the same region selection), for the GD / PGD loops: cheaper
    than reverse-mode autodiff through the ``jnp.where`` chain; equal to ``jax.grad(f)`` to round-off
    (tests/test_saddle.py).  With y = s x, df/dx_j = s_j * d(tube)/dy_j:
      j < k: 2L (y_j - 4tau); j = k: -2 gamma y_k or g1'(y_k) + g2'(y_k) y_{k+1}^2;
      j = k+1: 2 c y_{k+1} (c = g2(y_k) or L); j > k+1: 2 L y_j."""
    x = jnp.asarray(x)
    d = x.shape[-1]
    s = _signs(x, mirror)
    y = s * x
    idx = jnp.arange(d)
    k = _leading(y >= 2.0 * tau)
    onek = idx == k
    yk = jnp.sum(jnp.where(onek, y, 0.0))
    ynext = jnp.sum(jnp.where(idx == k + 1, y, 0.0))
    is_conn = (yk > tau) & (k < d)
    dk = jnp.where(is_conn, connector_slope(yk, L, gamma, tau) + g2_prime(yk, L, gamma, tau) * ynext * ynext,
                   -2.0 * gamma * yk)
    coef_next = jnp.where(is_conn, g2(yk, L, gamma, tau), L)
    gy = jnp.where(idx < k, 2.0 * L * (y - 4.0 * tau),
                   jnp.where(onek, dk, jnp.where(idx == k + 1, 2.0 * coef_next * y, 2.0 * L * y)))
    return s * gy


def region_value(y, k, connection, L, gamma, tau):
    """The formula of region (k, connection) of the tube at y (k, connection may be traced):
    Eq. (7.6)/(7.8) (saddle part) or (7.7)/(7.9) (connection part); k == d: Eq. (7.10).  Evaluated
    without checking that y lies in that region, so one-sided limits at a boundary are available."""
    d = y.shape[-1]
    idx = jnp.arange(d)
    onek = idx == k
    yk = jnp.sum(jnp.where(onek, y, 0.0))
    is_conn = jnp.asarray(connection) & (k < d)
    pre = L * (y - 4.0 * tau) ** 2
    post = L * y * y
    coef_next = jnp.where(is_conn, g2(yk, L, gamma, tau), L)
    term = jnp.where(idx < k, pre,
                     jnp.where(onek, jnp.where(is_conn, g1(y, L, gamma, tau), -gamma * y * y),
                               jnp.where(idx == k + 1, coef_next * y * y, post)))
    return jnp.sum(term) - jnp.asarray(k, y.dtype) * nu(L, gamma, tau)


def tube(x, L, gamma, tau):
    """f on D_0 (Eqs. (7.6)-(7.10)), no mirroring."""
    return f(x, L, gamma, tau, mirror=False)


def octopus(x, L, gamma, tau):
    """f on the octopus D (Eqs. (7.14)-(7.18))."""
    return f(x, L, gamma, tau, mirror=True)


def piece(x, k: int, connection: bool, L, gamma, tau):
    """Reference (Python-loop) implementation of ``region_value`` for static k: the formula of one
    region of the tube, evaluated without region selection.  ``k`` (Python int, 0-based): number of leading coordinates in
    the minimum's well; ``connection``: Eq. (7.7)/(7.9) instead of (7.6)/(7.8); k == d: Eq. (7.10).
    """
    d = x.shape[-1]
    out = -k * nu(L, gamma, tau)
    for j in range(d):
        if j < k:
            out = out + L * (x[j] - 4.0 * tau) ** 2
        elif j == k:
            out = out + (g1(x[j], L, gamma, tau) if connection else -gamma * x[j] ** 2)
        elif j == k + 1:
            out = out + (g2(x[k], L, gamma, tau) if connection else L) * x[j] ** 2
        else:
            out = out + L * x[j] ** 2
    return out


def saddle_point(k: int, d: int, tau):
    """The k-th stationary point of Lemma 7.1 (L7447): (4tau, ..., 4tau [k times], 0, ..., 0);
    k = d is the local minimum, k < d a strict saddle (Hessian eigenvalues 2L (d-1 times), -2 gamma)."""
    check_params(2.0, 1.0, tau, d)
    require(0 <= k <= d, f"k must be in [0, d], got {k}")
    return jnp.where(jnp.arange(d) < k, 4.0 * tau, 0.0).astype(jnp.float64)


def local_min(d: int, tau):
    return saddle_point(d, d, tau)


def escape_ratio(L, gamma):
    """(L + gamma)/gamma: the factor by which GD's time to escape the next saddle grows (Eq. (7.3)
    key observation, L7290; Lemma 7.2, L7457)."""
    return (L + gamma) / gamma


# ----------------------------------------------------------------------------- Section 7.3 / (7.3)
def warmup_f(x):
    """f(x1, x2) = x1^2 - x2^2 (Section 7.3, L7140): GD with eta = 1/4 gives x1/2, 3 x2/2."""
    return x[0] ** 2 - x[1] ** 2


def warmup_escape_count(x2):
    """First t with |x2^(t)| >= 1 for x2 <- 3 x2/2: ceil(log(1/|x2|)/log(3/2)) (0 if |x2| >= 1)."""
    a = np.abs(np.asarray(x2, dtype=np.float64))
    return np.maximum(0, np.ceil(np.log(1.0 / a) / np.log(1.5))).astype(np.int64)


def key_observation_f(x, L, gamma):
    """The discontinuous piecewise quadratic of Eq. (7.3) (L7252), on [0,3] x [0,3]:
      -gamma x1^2 + L x2^2            x1 in [0,1), x2 in [0,1)
      L (x1-2)^2 - gamma x2^2         x1 in [1,3], x2 in [0,1)
      L (x1-2)^2 + L (x2-2)^2         x1 in [1,3], x2 in [1,3]
    (region membership of the shared edges: the later piece).
    """
    x1, x2 = x[0], x[1]
    a = -gamma * x1 ** 2 + L * x2 ** 2
    b = L * (x1 - 2.0) ** 2 - gamma * x2 ** 2
    c = L * (x1 - 2.0) ** 2 + L * (x2 - 2.0) ** 2
    return jnp.where(x1 < 1.0, a, jnp.where(x2 < 1.0, b, c))


# ----------------------------------------------------------------------------- GD and Algorithm 2
def gd_transform(eta):
    """Plain GD (Eq. (7.1)) as an optax GradientTransformation (``optax.sgd``)."""
    import optax
    return optax.sgd(learning_rate=eta)


def gd_step(x, grad_fn, eta):
    """x <- x - eta grad f(x) (Eq. (7.1))."""
    return x - eta * grad_fn(x)


def ball_uniform(key, d: int, r):
    """xi ~ uniform on the Euclidean ball B_0(r) in R^d."""
    k1, k2 = jax.random.split(key)
    z = jax.random.normal(k1, (d,))
    u = jax.random.uniform(k2, ())
    return r * u ** (1.0 / d) * z / jnp.linalg.norm(z)


def pgd_step(x, t, t_noise, key, grad_fn, eta, r, g_thres, t_thres):
    """One iteration of Algorithm 2 (L7050), t = 1, 2, ...:
      if ||grad f(x)|| <= g_thres and t - t_noise > t_thres:  x <- x + xi, xi ~ unif(B_0(r)), t_noise <- t
      x <- x - eta grad f(x).
    Returns (x_new, t_noise_new, perturbed?)."""
    gx = grad_fn(x)
    perturb = (jnp.linalg.norm(gx) <= g_thres) & (t - t_noise > t_thres)
    xi = ball_uniform(jax.random.fold_in(key, t), x.shape[-1], r)
    xp = jnp.where(perturb, x + xi, x)
    gp = jnp.where(perturb, grad_fn(xp), gx)
    return xp - eta * gp, jnp.where(perturb, t, t_noise), perturb


_CHUNK = 32  # GD / PGD steps per while_loop iteration (the per-step guard keeps counts exact)  # pragma: no mutate (equivalent: any chunk size gives the same iterates and counts)


@partial(jax.jit, static_argnames=("max_steps", "mirror", "pgd", "stop_when_stuck"))
def _run_escape(x0, key, L, gamma, tau, eta, r, g_thres, t_thres, max_steps: int, mirror: bool, pgd: bool,
                stop_when_stuck: bool = False):
    d = x0.shape[-1]
    grad_fn = lambda z: grad_f(z, L, gamma, tau, mirror=mirror)  # noqa: E731
    idx = jnp.arange(d)

    def marks(x, t, T, A):
        y = jnp.abs(x) if mirror else x
        k = _leading(y >= 2.0 * tau)
        T = jnp.where((T < 0) & (k >= idx + 1), t, T)
        A = jnp.where((A < 0) & (k >= idx) & (y >= tau), t, A)
        return T, A, k

    def active(c):
        x, t, t_noise, T, A, k, n_pert, stuck = c
        return (t < max_steps) & (k < d) & ~stuck

    def step(c, _):
        x, t, t_noise, T, A, k, n_pert, stuck = c
        on = active(c)
        if pgd:
            xn, tn2, pert = pgd_step(x, t, t_noise, key, grad_fn, eta, r, g_thres, t_thres)
            n_pert = n_pert + (pert & on).astype(jnp.int32)
            t_noise = jnp.where(on, tn2, t_noise)
        else:
            xn = gd_step(x, grad_fn, eta)
        if stop_when_stuck and not pgd:  # an exact fixed point of GD: it can never move again
            stuck = stuck | (on & jnp.all(xn == x))
        xn = jnp.where(on, xn, x)
        t = t + on.astype(jnp.int32)
        T, A, k = marks(xn, t, T, A)
        return (xn, t, t_noise, T, A, k, n_pert, stuck), None

    def chunk(c):  # CHUNK steps per loop iteration: the loop test runs once per chunk
        return jax.lax.scan(step, c, None, length=_CHUNK)[0]

    T0 = -jnp.ones(d, jnp.int32)
    T0, A0, k0 = marks(x0, jnp.int32(0), T0, T0)
    init = (x0, jnp.int32(0), jnp.asarray(-t_thres - 1, jnp.int32), T0, A0, k0, jnp.int32(0), jnp.asarray(False))
    x, t, _, T, A, k, n_pert, stuck = jax.lax.while_loop(active, chunk, init)
    return {"x": x, "steps": t, "T": T, "A": A, "k": k, "perturbations": n_pert, "stuck": stuck}


def run_escape(x0, L, gamma, tau, eta, *, max_steps: int = 100_000, mirror: bool = True, pgd: bool = False,
               key=None, r: float = 0.0, g_thres: float = 0.0, t_thres: int = 1, step_bound: float | None = None,
               step_what: str = "1/l", stop_when_stuck: bool = False):
    """Run GD (or Algorithm 2 with ``pgd=True``) from each row of ``x0`` (shape (n, d), vmapped;
    one ``lax.while_loop``) until every coordinate is in the minimum's well or ``max_steps``.

    Returns a dict of arrays: ``T[:, k]`` = first t with region_index >= k+1 (the thesis' T_{k+1}:
    x_{k+1} >= 2 tau), ``A[:, k]`` = first t with |x_k| >= tau while the first k coordinates are in the
    well (T_{k+1} - T'_{k+1} in the proof of Lemma 7.2), -1 when not reached; ``steps``; final ``x``.
    Step size: ``eta <= step_bound`` (default 1/l, l = hessian_bound) else InvalidParameter.
    ``stop_when_stuck`` (GD only): stop a run at an exact fixed point (x_{t+1} == x_t bitwise, e.g. a
    saddle reached after the waiting coordinates underflowed to 0); ``stuck`` reports it.
    """
    x0 = jnp.atleast_2d(jnp.asarray(x0, jnp.float64))
    d = int(x0.shape[-1])
    check_params(L, gamma, tau, d)
    check_step(eta, L, gamma, bound=step_bound, what=step_what)
    require(int(max_steps) >= 1, f"max_steps must be >= 1, got {max_steps}")
    if pgd:
        require(key is not None, "pgd=True needs a PRNG key")
        require(r > 0, f"perturbation radius r must be > 0, got {r}")
        require(g_thres > 0, f"g_thres must be > 0, got {g_thres}")
        require(int(t_thres) >= 0, f"t_thres must be >= 0, got {t_thres}")
    n = x0.shape[0]
    keys = jax.random.split(key if key is not None else jax.random.key(0), n)
    fn = jax.vmap(lambda x, k: _run_escape(x, k, float(L), float(gamma), float(tau), float(eta), float(r),
                                           float(g_thres), int(t_thres), int(max_steps), bool(mirror), bool(pgd),
                                           bool(stop_when_stuck)))
    return fn(x0, keys)


@partial(jax.jit, static_argnames=("n_steps", "stride", "mirror", "pgd"))
def _run_values(x0, key, L, gamma, tau, eta, r, g_thres, t_thres, n_steps: int, stride: int, mirror: bool, pgd: bool):
    grad_fn = lambda z: grad_f(z, L, gamma, tau, mirror=mirror)  # noqa: E731

    def inner(c, _):
        x, t, t_noise = c
        if pgd:
            x, t_noise, _ = pgd_step(x, t, t_noise, key, grad_fn, eta, r, g_thres, t_thres)
        else:
            x = gd_step(x, grad_fn, eta)
        return (x, t + 1, t_noise), None

    def outer(c, _):
        c, _ = jax.lax.scan(inner, c, None, length=stride)
        return c, f(c[0], L, gamma, tau, mirror=mirror)

    c0 = (x0, jnp.int32(0), jnp.asarray(-t_thres - 1, jnp.int32))
    _, vals = jax.lax.scan(outer, c0, None, length=n_steps // stride)
    return jnp.concatenate([f(x0, L, gamma, tau, mirror=mirror)[None], vals])


def run_values(x0, L, gamma, tau, eta, *, n_steps: int, stride: int = 1, mirror: bool = True, pgd: bool = False,
               key=None, r: float = 0.0, g_thres: float = 0.0, t_thres: int = 1, step_bound: float | None = None,
               step_what: str = "1/l"):
    """f(x_t) at t = 0, stride, 2 stride, ... for GD / Algorithm 2 from each row of x0 (vmapped scan)."""
    x0 = jnp.atleast_2d(jnp.asarray(x0, jnp.float64))
    d = int(x0.shape[-1])
    check_params(L, gamma, tau, d)
    check_step(eta, L, gamma, bound=step_bound, what=step_what)
    keys = jax.random.split(key if key is not None else jax.random.key(0), x0.shape[0])
    fn = jax.vmap(lambda x, k: _run_values(x, k, float(L), float(gamma), float(tau), float(eta), float(r),
                                           float(g_thres), int(t_thres), int(n_steps), int(stride), bool(mirror),
                                           bool(pgd)))
    return fn(x0, keys)


# ----------------------------------------------------------------------------- smoothness constants
def value_bound(d: int, L, gamma, tau):
    """B of Definition 7.1 (L7025) for the construction: sup_D |f| = d nu (derived, not printed).

    Upper: every term is <= 4 L tau^2 (well terms L(y_j - 4tau)^2 with |y_j - 4tau| <= 2tau, the
    others <= L tau^2, the saddle / g1 terms <= 0), so f <= 4 d L tau^2 < d nu.  Lower: f >= -d nu, with
    equality at the minimum (4tau, ..., 4tau) (for k < d: f >= -(d-1) nu - (13/6)(L+gamma) tau^2 -
    gamma tau^2 > -d nu since nu = 4 L tau^2 + (13/6)(L+gamma) tau^2).  Linear in d: poly(d).
    """
    return d * nu(L, gamma, tau)


def hessian_lipschitz_bound(L, gamma, tau):
    """rho of Definition 7.3 (L7032): a bound on the Frobenius norm of the third-derivative tensor of
    the connector (every other piece is quadratic), which bounds the Hessian's Lipschitz constant
    (f is C^2 and piecewise C^3, so the bound carries across the region boundaries).  With
    u = (x_i - tau)/tau, v = (x_i - 2tau)/tau, x_{i+1} <= tau:
      |d^3 g/dx_i^3|            <= |p''| + |g2'''| x_{i+1}^2 <= (20 gamma + 32 L)/tau + 60 (L+gamma)/tau
      |d^3 g/dx_i^2 dx_{i+1}|   = |2 g2'' x_{i+1}|  <= 2 * 10/sqrt(3) (L+gamma)/tau
      |d^3 g/dx_i dx_{i+1}^2|   = |2 g2'|           <= 2 * 15/8 (L+gamma)/tau
    rho = sqrt(T111^2 + 3 T112^2 + 3 T122^2): linear in L (Remark 7.1: rho = poly(L)), independent of d.
    """
    t111 = ((20.0 * gamma + 32.0 * L) + 60.0 * (L + gamma)) / tau
    t112 = 20.0 / math.sqrt(3.0) * (L + gamma) / tau
    t122 = 3.75 * (L + gamma) / tau
    return math.sqrt(t111 ** 2 + 3 * t112 ** 2 + 3 * t122 ** 2)


def is_eps_sosp(grad, hess, eps, rho):
    """Definition 7.5 (L7075): ||grad||_2 <= eps and lambda_min(hess) >= -sqrt(rho eps)."""
    xp = np if isinstance(grad, np.ndarray) and isinstance(hess, np.ndarray) else jnp
    lam = xp.linalg.eigvalsh(hess)[..., 0]
    return (xp.linalg.norm(grad, axis=-1) <= eps) & (lam >= -xp.sqrt(rho * eps))


def no_sosp_eps(L, gamma, tau):
    """eps below which no point of D with region index < d is an eps-SOSP (Remark 7.2, L7433):
    connection regions have ||grad f|| >= 2 gamma tau (Lemma 7.4: dg/dx_i <= -2 gamma tau) and the
    saddle regions have lambda_min = -2 gamma, which is < -sqrt(rho eps) iff eps < 4 gamma^2/rho."""
    return min(2.0 * gamma * tau, 4.0 * gamma * gamma / hessian_lipschitz_bound(L, gamma, tau))


# Lemma 7.4 lower bounds: printed and corrected (derived here; see verify/statements/ch7.py)
def dg_dxi_lower_printed(L, gamma, tau):
    """Printed lower bound of Lemma 7.4 (L7790): dg/dx_i >= -4 L tau, and g1'(x_i) >= -4 L tau."""
    return -4.0 * L * tau


def g1_prime_lower_corrected(L, gamma, tau):
    """Corrected: g1'(x) = p(x) >= -(4.07 L + 0.07 gamma) tau for L >= gamma (derived: with u in [0,1],
    p/tau = L (10u^3 - 14u^2) - 2 gamma (3u^3 - 5u^2 + u + 1); min of the L-part is -2744/675 = -4.0652
    at u = 14/15; at L = gamma the minimum is -4.1342; write L = gamma + (L - gamma))."""
    return -(4.07 * L + 0.07 * gamma) * tau


def dg_dxi_lower_corrected(L, gamma, tau):
    """Corrected: dg/dx_i = p(x_i) + g2'(x_i) x_{i+1}^2 >= -(4.76 L + 2.57 gamma) tau on
    [tau, 2tau] x [0, tau] for L >= gamma (min of the L-part -4.7533, at L = gamma -7.3202)."""
    return -(4.76 * L + 2.57 * gamma) * tau


def gaussian_box_mass(d: int, c):
    """P(N(0, sigma^2 I_d) in B_inf(0, c sigma)) = erf(c/sqrt 2)^d (Corollary 7.2, L7228)."""
    return jax.scipy.special.erf(c / jnp.sqrt(2.0)) ** d


def in_domain(x, tau, mirror: bool = True, slack=0.0):
    """Membership of D (octopus, Eq. (7.12)-(7.13)) or D_0 (tube, Eq. (7.5)): with k the region
    index, |x_j| <= 6 tau for j < k, |x_k| <= 2 tau, |x_j| <= tau for j > k (x >= 0 for the tube)."""
    xp = np if isinstance(x, np.ndarray) else jnp
    y = xp.abs(x) if mirror else x
    d = x.shape[-1]
    idx = xp.arange(d)
    k = xp.sum(xp.cumprod((y >= 2.0 * tau).astype(np.int32), axis=-1), axis=-1)[..., None]
    hi = xp.where(idx < k, 6.0 * tau, xp.where(idx == k, 2.0 * tau, tau))
    return xp.all((y <= hi + slack) & (y >= -slack), axis=-1)
