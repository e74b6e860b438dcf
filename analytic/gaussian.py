"""Gaussian expectations shared by the Gram-matrix recursions of chapters 2-3 of the thesis.

For a 2x2 covariance ``[[kii, kij], [kij, kjj]]`` these compute ``E[f(u) g(v)]`` with
``(u, v) ~ N(0, A)`` in three independent ways:

* ``closed``: closed forms where they exist -- ReLU arc-cosine kernels (Cho & Saul), the erf
  kernel (Williams), the quadratic activation (Isserlis);
* ``brute``: a tensor-product Gauss-Hermite rule (Q x Q nodes) per pair -- jittable, the
  cross-check of everything else;
* ``mehler``: the Mehler (Hermite) expansion ``E[f(u)g(v)] = sum_k f_k(a) g_k(b) rho^k`` where
  ``f_k(a) = E[f(sqrt(a) z) h_k(z)]`` (``h_k`` the orthonormal probabilists' Hermite polynomials,
  coefficients by high-order 1-D Gauss-Hermite quadrature) and ``rho = kij/sqrt(kii kjj)``.  A pair
  then costs K fused multiply-adds instead of Q^2 activation evaluations; with unit inputs all
  diagonals are equal, so the coefficients are computed once per layer.  The series converges
  geometrically-fast in k for activations analytic in a strip (softplus: 40 terms reach 1e-16 at
  unit variance); the truncation is chosen from the computed tail.  Kinked activations (ReLU)
  have slowly decaying coefficients and use their closed forms instead.

Activations are ``Activation`` records; ``get(name)`` returns the registered ones.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable, Optional

import jax
import jax.numpy as jnp
import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from .errors import InvalidParameter, require

jax.config.update("jax_enable_x64", True)


# ----------------------------------------------------------------------------- activations
@dataclass(frozen=True)
class Activation:
    """An activation sigma with what the kernels need.

    ``df``: sigma' (None: not differentiable, so no sigma'-kernel); ``kernel``/``dkernel``/``mean``:
    closed forms of E[s(u)s(v)], E[s'(u)s'(v)] (args kii, kij, kjj) and E[s(u)] (arg variance), or
    None.  ``analytic``/``polynomial``: Condition 3.2 of the thesis.  ``lipschitz``, ``smooth``,
    ``at_zero``: the constants of Condition 3.1 (sup|s'|, sup|s''|, |s(0)|), None if infinite.
    """
    name: str
    f: Callable
    df: Optional[Callable]
    analytic: bool
    polynomial: bool
    kernel: Optional[Callable] = None
    dkernel: Optional[Callable] = None
    mean: Optional[Callable] = None
    lipschitz: Optional[float] = None
    smooth: Optional[float] = None
    at_zero: Optional[float] = None

    def __repr__(self):
        return f"Activation({self.name})"


# arcsin(s)/s = sum_k (2k)! / (4^k (k!)^2 (2k+1)) z^k, z = s^2 <= 1/4: the Taylor terms after k = 26
# are below 1e-18, so the 27-term series is exact to round-off; it is economised (Chebyshev fit on
# [0, 1/4], computed once at import) to degree 12 with max error ~1e-15 (tested).
_ASIN_TAYLOR = [math.comb(2 * k, k) / (4.0 ** k * (2 * k + 1)) for k in range(27)]


def _economised(deg: int = 12) -> list[float]:
    nodes = (np.cos(np.pi * (np.arange(400) + 0.5) / 400) + 1) / 8
    cheb = np.polynomial.chebyshev.Chebyshev.fit(nodes, np.polynomial.polynomial.polyval(nodes, _ASIN_TAYLOR),
                                                 deg, domain=[0, 0.25])
    return [float(c) for c in cheb.convert(kind=np.polynomial.Polynomial, domain=[0, 0.25],
                                           window=[0, 0.25]).coef]


_ASIN_COEF = _economised()


def fast_arccos(x):
    """arccos(x) in float64 by range reduction and a fixed polynomial (a few FMAs; XLA's arccos on
    CPU is ~20x slower).  |x| <= 1/2: pi/2 - arcsin(x); |x| > 1/2: 2 arcsin(sqrt((1-|x|)/2)),
    mirrored for x < 0.  Accurate to a few ulp (tests compare with numpy's arccos)."""
    a = jnp.abs(x)
    small = a <= 0.5  # equivalent-mutant: ReplaceComparisonOperator_LtE_Lt (at |x| = 1/2 both branches give pi/3)
    s = jnp.where(small, a, jnp.sqrt(jnp.maximum(1.0 - a, 0.0) * 0.5))
    z = s * s
    acc = jnp.full_like(z, _ASIN_COEF[-1])
    for c in _ASIN_COEF[-2::-1]:
        acc = acc * z + c
    asn = s * acc
    acos_a = jnp.where(small, jnp.pi / 2 - asn, 2.0 * asn)
    return jnp.where(x >= 0, acos_a, jnp.pi - acos_a)


def _safe_rho(kii, kij, kjj):
    den = jnp.sqrt(kii * kjj)
    return jnp.clip(kij / jnp.where(den > 0, den, 1.0), -1.0, 1.0), den


def relu_kernel(kii, kij, kjj):
    """E[relu(u) relu(v)] = sqrt(kii kjj) (sin t + (pi - t) cos t) / (2 pi), t = arccos(rho)
    (arc-cosine kernel of degree 1; Assumption 2.1 / Definition 3.1 with sigma = ReLU)."""
    rho, den = _safe_rho(kii, kij, kjj)
    t = fast_arccos(rho)
    return den * (jnp.sqrt(jnp.maximum(1.0 - rho * rho, 0.0)) + (jnp.pi - t) * rho) / (2 * jnp.pi)


def relu_dkernel(kii, kij, kjj):
    """E[1{u>0} 1{v>0}] = (pi - arccos(rho)) / (2 pi) (arc-cosine kernel of degree 0)."""
    rho, _ = _safe_rho(kii, kij, kjj)
    return (jnp.pi - fast_arccos(rho)) / (2 * jnp.pi)


def relu_mean(var):
    """E[relu(u)], u ~ N(0, var): sqrt(var / (2 pi))."""
    return jnp.sqrt(var / (2 * jnp.pi))


def erf_kernel(kii, kij, kjj):
    """E[erf(u) erf(v)] = (2/pi) arcsin(2 kij / sqrt((1 + 2 kii)(1 + 2 kjj)))  (Williams 1997)."""
    return (2 / jnp.pi) * jnp.arcsin(2 * kij / jnp.sqrt((1 + 2 * kii) * (1 + 2 * kjj)))


def erf_dkernel(kii, kij, kjj):
    """E[erf'(u) erf'(v)] = (4/pi) / sqrt((1 + 2 kii)(1 + 2 kjj) - 4 kij^2)."""
    return (4 / jnp.pi) / jnp.sqrt((1 + 2 * kii) * (1 + 2 * kjj) - 4 * kij * kij)


def quad_kernel(kii, kij, kjj):
    """E[u^2 v^2] = kii kjj + 2 kij^2 (Isserlis)."""
    return kii * kjj + 2 * kij * kij


def _relu(x):
    return jnp.maximum(x, 0.0)


def _step(x):
    return jnp.where(x > 0, 1.0, 0.0).astype(jnp.result_type(x, jnp.float64))


ACTIVATIONS: dict[str, Activation] = {}


def _reg(a: Activation):
    ACTIVATIONS[a.name] = a
    return a


# closed forms are looked up through the module at call time (so tests can patch them)
RELU = _reg(Activation("relu", _relu, _step, analytic=False, polynomial=False,
                       kernel=lambda *a: relu_kernel(*a), dkernel=lambda *a: relu_dkernel(*a),
                       mean=lambda v: relu_mean(v), lipschitz=1.0, smooth=None, at_zero=0.0))
SOFTPLUS = _reg(Activation("softplus", jax.nn.softplus, jax.nn.sigmoid, analytic=True, polynomial=False,
                           lipschitz=1.0, smooth=0.25, at_zero=math.log(2.0)))
ERF = _reg(Activation("erf", jax.scipy.special.erf, lambda x: 2 / jnp.sqrt(jnp.pi) * jnp.exp(-x * x),
                      analytic=True, polynomial=False, kernel=lambda *a: erf_kernel(*a), dkernel=lambda *a: erf_dkernel(*a),
                      mean=lambda var: jnp.zeros_like(var), lipschitz=2 / math.sqrt(math.pi),
                      smooth=4 / math.sqrt(2 * math.pi * math.e), at_zero=0.0))
TANH = _reg(Activation("tanh", jnp.tanh, lambda x: 1 - jnp.tanh(x) ** 2, analytic=True, polynomial=False,
                       mean=lambda var: jnp.zeros_like(var), lipschitz=1.0, smooth=4 / (3 * math.sqrt(3)),
                       at_zero=0.0))
SIGMOID = _reg(Activation("sigmoid", jax.nn.sigmoid, lambda x: jax.nn.sigmoid(x) * (1 - jax.nn.sigmoid(x)),
                          analytic=True, polynomial=False, mean=lambda var: 0.5 + 0 * var, lipschitz=0.25,
                          smooth=1 / (6 * math.sqrt(3)), at_zero=0.5))
QUADRATIC = _reg(Activation("quadratic", lambda x: x * x, lambda x: 2 * x, analytic=True, polynomial=True,
                            kernel=quad_kernel, dkernel=lambda kii, kij, kjj: 4 * kij, mean=lambda var: var))
ABS = _reg(Activation("abs", jnp.abs, None, analytic=False, polynomial=False, lipschitz=1.0, at_zero=0.0))


def get(act) -> Activation:
    """The activation named ``act`` (or ``act`` itself if it is an Activation)."""
    if isinstance(act, Activation):
        return act
    if act not in ACTIVATIONS:
        raise InvalidParameter(f"unknown activation {act!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[act]


def derivative(act: Activation) -> Callable:
    """sigma' or a clear error when sigma is not differentiable (needed for K^(H))."""
    act = get(act)
    require(act.df is not None,
            f"activation {act.name!r} is not differentiable (at 0): sigma' is needed for this kernel")
    return act.df


# ----------------------------------------------------------------------------- quadrature
@functools.lru_cache(maxsize=None)
def gh_rule(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and weights for E_{z~N(0,1)}[.] (weights sum to 1)."""
    require(int(q) >= 1, f"quadrature order q must be >= 1, got {q}")
    z, w = hermegauss(int(q))
    return z, w / w.sum()


@functools.lru_cache(maxsize=None)
def hermite_table(q: int, k: int) -> np.ndarray:
    """(k, q) values of the orthonormal Hermite polynomials h_0..h_{k-1} at the q nodes."""
    z, _ = gh_rule(q)
    h = np.zeros((k, q))
    h[0] = 1.0
    if k > 1:
        h[1] = z
    for j in range(1, k - 1):
        h[j + 1] = (z * h[j] - math.sqrt(j) * h[j - 1]) / math.sqrt(j + 1)
    return h


@functools.partial(jax.jit, static_argnames=("f", "q"))
def expect1(f: Callable, var, q: int = 96):
    """E[f(u)], u ~ N(0, var), by q-point Gauss-Hermite (jittable, elementwise in var)."""
    z, w = gh_rule(q)
    var = jnp.asarray(var, dtype=jnp.float64)
    return jnp.sum(f(jnp.sqrt(var)[..., None] * z) * w, axis=-1)


@functools.partial(jax.jit, static_argnames=("f", "g", "q"))
def expect2_brute(f: Callable, g: Callable, kii, kij, kjj, q: int = 48):
    """E[f(u) g(v)] by a tensor-product q x q Gauss-Hermite rule (broadcast over pairs).

    u = sqrt(kii) z1, v = sqrt(kjj) (rho z1 + sqrt(1 - rho^2) z2).  The brute-force cross-check."""
    z, w = gh_rule(q)
    kii, kij, kjj = (jnp.asarray(a, dtype=jnp.float64) for a in (kii, kij, kjj))
    rho, _ = _safe_rho(kii, kij, kjj)
    rho = rho[..., None, None]
    z1, z2 = z[:, None], z[None, :]
    u = jnp.sqrt(kii)[..., None, None] * z1
    v = jnp.sqrt(kjj)[..., None, None] * (rho * z1 + jnp.sqrt(jnp.maximum(1 - rho * rho, 0.0)) * z2)
    return jnp.sum(f(u) * g(v) * (w[:, None] * w[None, :]), axis=(-2, -1))


MEHLER_Q = 200
MEHLER_KMAX = 160
MEHLER_TOL = 1e-17


def hermite_coeffs(f: Callable, var, k: int | None = None, q: int | None = None):
    """f_k(var) = E[f(sqrt(var) z) h_k(z)], k = 0..k-1, shape var.shape + (k,) (jittable)."""
    k = MEHLER_KMAX if k is None else k
    q = MEHLER_Q if q is None else q
    return _hermite_coeffs(f, jnp.asarray(var, dtype=jnp.float64), k, q)


@functools.partial(jax.jit, static_argnames=("f", "k", "q"))
def _hermite_coeffs(f, var, k, q):
    z, w = gh_rule(q)
    h = jnp.asarray(hermite_table(q, k))
    var = jnp.asarray(var, dtype=jnp.float64)
    fz = f(jnp.sqrt(var)[..., None] * z) * w
    return fz @ h.T


def truncation(cf, cg, tol: float | None = None) -> int:  # pragma: no mutate (equivalent: annotations are unevaluated)
    """Smallest K (multiple of 8) whose dropped tail sum_{k>=K} |f_k g_k| <= tol * (1 + |E f g|)."""
    tol = MEHLER_TOL if tol is None else tol
    prod = np.max(np.abs(np.asarray(cf) * np.asarray(cg)).reshape(-1, np.shape(cf)[-1]), axis=0)
    tail = np.cumsum(prod[::-1])[::-1]
    scale = 1.0 + float(np.sum(prod))
    ok = np.nonzero(tail <= tol * scale)[0]
    kk = int(ok[0]) if ok.size else prod.size
    kk = min(prod.size, max(8, -(-kk // 8) * 8))
    return kk


@functools.partial(jax.jit, static_argnames=("kk",))
def _horner_scalar(c, rho, kk: int):
    acc = jnp.full_like(rho, c[kk - 1])
    for k in range(kk - 2, -1, -1):
        acc = acc * rho + c[k]
    return acc


@functools.partial(jax.jit, static_argnames=("kk",))
def _horner_outer(cf, cg, rho, kk: int):
    acc = cf[:, kk - 1, None] * cg[None, :, kk - 1]
    for k in range(kk - 2, -1, -1):
        acc = acc * rho + cf[:, k, None] * cg[None, :, k]
    return acc


def mehler_gram(f: Callable, g: Callable, K, *, kmax: int | None = None, q: int | None = None,
                tol: float | None = None, return_info: bool = False):
    """The n x n matrix E[f(u_i) g(v_j)], (u_i, v_j) ~ N(0, [[K_ii, K_ij], [K_ij, K_jj]]), by the
    Mehler expansion (see the module docstring).  Not jittable as a whole (the truncation degree is
    chosen on the host from the computed coefficients); the pieces are jitted."""
    kmax = MEHLER_KMAX if kmax is None else kmax
    q = MEHLER_Q if q is None else q
    K = jnp.asarray(K, dtype=jnp.float64)
    d = jnp.diag(K)
    dn = np.asarray(d)
    require(bool(np.all(dn > 0)), "Gram matrix diagonal must be > 0")
    rho = jnp.clip(K / jnp.sqrt(d[:, None] * d[None, :]), -1.0, 1.0)
    if float(np.ptp(dn)) <= 1e-14 * float(np.max(dn)):  # unit-norm structure: one coefficient set
        cf = hermite_coeffs(f, d[0], kmax, q)
        cg = cf if g is f else hermite_coeffs(g, d[0], kmax, q)
        kk = truncation(cf, cg, tol)
        out = _horner_scalar(cf * cg, rho, kk)
    else:
        cf = hermite_coeffs(f, d, kmax, q)
        cg = cf if g is f else hermite_coeffs(g, d, kmax, q)
        kk = truncation(cf, cg, tol)
        out = _horner_outer(cf, cg, rho, kk)
    if return_info:
        tail = float(np.max(np.abs(np.asarray(cf)[..., kk:] * np.asarray(cg)[..., kk:]).sum(-1))) if kk < kmax else 0.0
        return out, {"terms": kk, "dropped_tail": tail}
    return out


def pair_gram(act, K, *, deriv: bool = False, method: str = "auto", q: int = 48):
    """n x n matrix E[s(u) s(v)] (or E[s'(u) s'(v)] if ``deriv``) over the 2x2 blocks of K.

    ``method``: ``closed`` (closed form; error if none), ``mehler`` (Hermite expansion),
    ``brute`` (q x q Gauss-Hermite per pair), ``auto`` (closed if available, else mehler)."""
    act = get(act)
    K = jnp.asarray(K, dtype=jnp.float64)
    require(K.ndim == 2 and K.shape[0] == K.shape[1], f"K must be square, got shape {K.shape}")
    fn = derivative(act) if deriv else act.f
    closed = act.dkernel if deriv else act.kernel
    if method == "auto":
        method = "closed" if closed is not None else "mehler"
    d = jnp.diag(K)
    if method == "closed":
        require(closed is not None, f"no closed form for activation {act.name!r} (deriv={deriv})")
        return closed(d[:, None], K, d[None, :])
    if method == "mehler":
        return mehler_gram(fn, fn, K)
    if method == "brute":
        return expect2_brute(fn, fn, d[:, None], K, d[None, :], q=q)
    raise InvalidParameter(f"method must be one of auto, closed, mehler, brute; got {method!r}")


def mean(act, var, *, q: int = 96):
    """E[s(u)], u ~ N(0, var): closed form if available, else Gauss-Hermite."""
    act = get(act)
    var = jnp.asarray(var, dtype=jnp.float64)
    if act.mean is not None:
        return act.mean(var)
    return expect1(act.f, var, q=q)


def second_moment(act, var=1.0, *, q: int = 200):
    """E[s(u)^2], u ~ N(0, var) (closed form via the kernel if available)."""
    act = get(act)
    var = jnp.asarray(var, dtype=jnp.float64)
    if act.kernel is not None:
        return act.kernel(var, var, var)
    return expect1(_squared(act.f), var, q=q)


@functools.lru_cache(maxsize=None)
def _squared(f: Callable) -> Callable:
    """x -> f(x)^2, one function object per f (a static jit argument: a fresh lambda per call
    would recompile expect1 every time)."""
    def sq(x):
        return f(x) ** 2
    return sq


def condition_3_1_constants(act):
    """(|sigma(0)|, sup|sigma'|, sup|sigma''|): the constants of Condition 3.1 (thesis line 1001);
    softplus: (log 2, 1, 1/4) -- the thesis says c = 1 suffices."""
    act = get(act)
    require(act.lipschitz is not None and act.smooth is not None and act.at_zero is not None,
            f"activation {act.name!r} does not satisfy Condition 3.1 (not Lipschitz and smooth)")
    return act.at_zero, act.lipschitz, act.smooth


# ----------------------------------------------------------------------------- Chebyshev series
# A smooth 1-D function on [-1, 1] is tabulated once as a Chebyshev series and evaluated at many
# points by Clenshaw's recurrence (used by gram.fc_kernel: with equal diagonals every entry of K^(H)
# is one fixed function of the input correlation rho_ij).
@functools.lru_cache(maxsize=None)
def _dct1(m: int) -> np.ndarray:
    j = np.arange(m + 1)
    C = np.cos(np.pi * (np.outer(j, j) % (2 * m)) / m)
    w = np.ones(m + 1)
    w[0] = w[-1] = 0.5
    C = (2.0 / m) * C * w[None, :]
    C[0] *= 0.5
    C[-1] *= 0.5
    return C


def lobatto(m: int) -> np.ndarray:
    """The m + 1 Chebyshev-Lobatto points cos(pi k / m), k = 0..m (from 1 down to -1)."""
    x = np.cos(np.pi * np.arange(m + 1) / m)
    if m % 2 == 0:
        x[m // 2] = 0.0
    return x


def cheb_coeffs(vals) -> np.ndarray:
    """Coefficients c_0..c_m of the degree-m interpolant through values at ``lobatto(m)``."""
    vals = np.asarray(vals, dtype=np.float64)
    return _dct1(vals.size - 1) @ vals


def cheb_fit(fn: Callable, *, rtol: float = 64 * np.finfo(float).eps, n0: int = 32, nmax: int = 256):
    """Chebyshev interpolant of ``fn`` (vectorised, numpy in/out) on [-1, 1] with an a-posteriori
    error check: fn is evaluated on the 2N + 1 Lobatto points, the degree-N interpolant through the
    even ones is compared with fn at the odd ones (the points farthest from its nodes), and accepted
    when the discrepancy is <= rtol * max|fn| (N = n0, 2 n0, ... nmax).  Trailing coefficients whose
    total is below a quarter of that tolerance are dropped.  Returns (coefficients, measured error)
    or None when no N <= nmax passes (or fn is not finite)."""
    n = n0
    while n <= nmax:
        x = lobatto(2 * n)
        v = np.asarray(fn(x), dtype=np.float64)
        if not np.all(np.isfinite(v)):
            return None
        c = cheb_coeffs(v[::2])
        err = float(np.max(np.abs(np.polynomial.chebyshev.chebval(x[1::2], c) - v[1::2])))
        tol = rtol * max(float(np.max(np.abs(v))), np.finfo(float).tiny)
        if err <= tol:
            tail = np.cumsum(np.abs(c[::-1]))[::-1]  # tail[k] = sum_{j >= k} |c_j|
            keep = int(np.count_nonzero(tail > 0.25 * tol))
            return c[:max(keep, 1)], err
        n *= 2
    return None


def clenshaw(c, t):
    """sum_k c_k T_k(t) by Clenshaw's recurrence (jittable; c a 1-D array, t any array).  The loop
    is unrolled, so XLA fuses the whole evaluation into one elementwise pass."""
    c = jnp.asarray(c)
    t = jnp.asarray(t)
    if c.shape[0] == 1:
        return jnp.broadcast_to(c[0], t.shape).astype(jnp.result_type(c, t))
    t2 = 2.0 * t
    b1 = jnp.broadcast_to(c[-1], t.shape).astype(jnp.result_type(c, t))
    b2 = jnp.zeros_like(b1)
    for k in range(c.shape[0] - 2, 0, -1):
        b1, b2 = c[k] + t2 * b1 - b2, b1
    return c[0] + t * b1 - b2
