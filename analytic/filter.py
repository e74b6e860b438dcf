"""Learning a convolutional filter without Gaussian inputs (thesis chapter 6, lines ~6071-6960).

Model (eq. 6.1, line 6097): ``f(w, Z) = (1/k) sum_i relu(w^T Z_i)`` for k patches ``Z_i in R^p``
(stored as the rows of ``Z``, shape ``(k, p)``), loss ``l(w, Z) = 1/2 (f(w, Z) - f(w*, Z))^2``.

Second moments on intersections of half-spaces (eq. 6.3, line 6150)::

    A_{w,w*}  = E[Z Z^T 1{w^T Z > 0, w*^T Z > 0}]
    A_{w,-w*} = E[Z Z^T 1{w^T Z > 0, w*^T Z <= 0}]

and the population gradient of the one-neuron model (line 6153)
``E grad l(w) = A_{w,w*} (w - w*) + A_{w,-w*} w``.

Three ways to get the moments, all returning ``(A_pos, A_neg) = (A_{w,w*}, A_{w,-w*})``:

* ``rot_inv_moments``: closed form for a rotation-invariant law with ``E||Z||^2 = m2``
  (standard Gaussian: ``m2 = p``; uniform on the unit sphere: ``m2 = 1``);
* ``mixture_moments``: Gauss-Legendre quadrature (exact to ~1e-15) for the Section 6.4 law on the
  unit circle: angle to w* drawn from ``(1-q) N(0, s^2)|[-pi/2, pi/2] + q N(pi, s^2)|[pi/2, 3pi/2]``;
* ``moments_mc`` / ``empirical_moments``: Monte Carlo for any sampler / an empirical measure.

Patch-averaged quantities (Assumptions 6.2, 6.3, line 6301-6320) for an empirical measure of
patches are in ``patch_moments``; the constants gamma, L, beta, L_cross of Definition 6.1 and
Assumptions 6.1-6.3 are computed *exactly* for empirical 2-D measures (``constants_2d``: the
moments are piecewise constant in the angle of w, so the extrema are attained on the finitely many
intervals between breakpoints) and on an angle grid for the quadrature law.
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import ndtr
from jax.scipy.stats import norm

from .errors import InvalidParameter, require  # noqa: F401

_GL_N = 96
_GL_X, _GL_W = (jnp.asarray(a) for a in np.polynomial.legendre.leggauss(_GL_N))


# ----------------------------------------------------------------------------- model
def relu(x):
    return jnp.maximum(x, 0.0)


def predict(w, Z):
    """f(w, Z) = (1/k) sum_i relu(w^T Z_i), eq. (6.1), line 6097; Z has shape (k, p)."""
    return jnp.mean(relu(Z @ w))


def sample_loss(w, Z, w_star):
    """l(w, Z) = 1/2 (f(w, Z) - f(w*, Z))^2 (line 6104)."""
    return 0.5 * (predict(w, Z) - predict(w_star, Z)) ** 2


def empirical_loss(w, Zs, w_star):
    """Mean of ``sample_loss`` over an empirical measure ``Zs`` of shape (n, k, p)."""
    return jnp.mean(jax.vmap(lambda Z: sample_loss(w, Z, w_star))(Zs))


def population_grad(w, w_star, A_pos, A_neg):
    """E grad l(w) = A_{w,w*} (w - w*) + A_{w,-w*} w  (one neuron, line 6153)."""
    return A_pos @ (w - w_star) + A_neg @ w


def inner_product_terms(w, w_star, A_pos, A_neg):
    """Lemma 6.1 (eq. 6.5, line 6490): <grad l, w - w*> = (w-w*)^T A_{w,w*} (w-w*) + (w-w*)^T A_{w,-w*} w.

    Returns the two terms (each claimed >= 0)."""
    d = w - w_star
    return d @ A_pos @ d, d @ A_neg @ w


def loss_from_moments(w, w_star, A_pos, A_neg, A_swap_neg):
    """l(w) = 1/2 [(w-w*)^T A_{w,w*} (w-w*) + w^T A_{w,-w*} w + w*^T A_{w*,-w} w*] (one neuron).

    ``A_swap_neg = A_{w*,-w}`` = E[ZZ^T 1{w*^T Z > 0, w^T Z <= 0}]."""
    d = w - w_star
    return 0.5 * (d @ A_pos @ d + w @ A_neg @ w + w_star @ A_swap_neg @ w_star)


# ----------------------------------------------------------------------------- geometry
def angle(a, b):
    """theta(a, b) in [0, pi]."""
    c = jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b))
    return jnp.arccos(jnp.clip(c, -1.0, 1.0))


def arc_moment(lo, hi):
    """int_lo^hi u(t) u(t)^T dt with u(t) = (cos t, sin t) (0 when hi <= lo)."""
    L = jnp.maximum(hi - lo, 0.0)
    hi = lo + L
    s2 = (jnp.sin(2 * hi) - jnp.sin(2 * lo)) / 4.0
    c = (jnp.cos(2 * lo) - jnp.cos(2 * hi)) / 4.0
    return jnp.array([[L / 2 + s2, c], [c, L / 2 - s2]])


def _plane_basis(a, b):
    """Orthonormal (e1, e2): e1 = a/|a|, e2 = unit part of b orthogonal to a (any unit e2 if b || a)."""
    p = a.shape[0]
    e1 = a / jnp.linalg.norm(a)
    bu = b / jnp.linalg.norm(b)
    r = bu - jnp.dot(bu, e1) * e1
    nr = jnp.linalg.norm(r)
    j = jnp.argmin(jnp.abs(e1))
    ej = jnp.zeros(p).at[j].set(1.0)
    rf = ej - jnp.dot(ej, e1) * e1
    r = jnp.where(nr > 1e-12, r / jnp.where(nr > 1e-12, nr, 1.0), rf / jnp.linalg.norm(rf))
    return e1, r


def rot_inv_region(a, b, m2):
    """E[Z Z^T 1{a^T Z > 0, b^T Z > 0}] for a rotation-invariant Z in R^p with E||Z||^2 = m2.

    Write Z = R U (U uniform on the sphere, independent of R).  With psi = theta(a, b) the region is a
    wedge of opening omega = pi - psi; in the plane of (a, b) the angle of U's projection is uniform
    and E[R^2 |U_plane|^2] = 2 m2 / p, orthogonal coordinates each carry m2/p times the wedge
    probability omega/(2 pi).  Hence (Q = plane basis)

        A = (m2/p) [ (1/pi) Q M Q^T + omega/(2 pi) (I - Q Q^T) ],   M = int_{psi-pi/2}^{pi/2} u u^T dt,

    whose eigenvalues are (m2/p)(omega +- sin omega)/(2 pi) (in-plane) and (m2/p) omega/(2 pi).
    """
    p = a.shape[0]
    e1, e2 = _plane_basis(a, b)
    psi = angle(a, b)
    omega = jnp.pi - psi
    M = arc_moment(psi - jnp.pi / 2, jnp.pi / 2)
    Q = jnp.stack([e1, e2], axis=1)
    # angle of b in the (e1, e2) frame is +psi; the wedge is (psi - pi/2, pi/2) in that frame
    inplane = Q @ M @ Q.T / jnp.pi
    orth = omega / (2 * jnp.pi) * (jnp.eye(p) - Q @ Q.T)
    return (m2 / p) * (inplane + orth)


def rot_inv_moments(w, w_star, m2):
    """(A_{w,w*}, A_{w,-w*}) for a rotation-invariant law with E||Z||^2 = m2 (eq. 6.3, line 6150)."""
    return rot_inv_region(w, w_star, m2), rot_inv_region(w, -w_star, m2)


def gaussian_moments(w, w_star):
    """(A_{w,w*}, A_{w,-w*}) for Z ~ N(0, I_p): ``rot_inv_moments`` with m2 = p."""
    return rot_inv_moments(w, w_star, float(w.shape[0]))


def sphere_moments(w, w_star):
    """(A_{w,w*}, A_{w,-w*}) for Z uniform on the unit sphere S^{p-1}: m2 = 1 (Theorem 6.7)."""
    return rot_inv_moments(w, w_star, 1.0)


def _check_p(p):
    require(isinstance(p, (int, np.integer)) and p >= 2, f"p must be an integer >= 2, got {p!r}")


def _check_phi(phi, hi=math.pi):
    a = np.asarray(phi, dtype=float)
    require(bool(np.all(np.isfinite(a))), f"phi must be finite, got {phi!r}")
    require(bool(np.all((a >= 0) & (a <= hi + 1e-15))), f"phi must lie in [0, {hi:.6g}], got {phi!r}")


def gamma_rot_inv(phi, p, m2):
    """gamma(phi) of Definition 6.1 (line 6195) for a rotation-invariant law: (m2/p)(pi - phi - sin phi)/(2 pi).

    Printed (line 6207): "rotationally invariant distributions (e.g. standard Gaussian) have
    gamma(phi) = L(phi)" -- false for 0 < phi < pi (see ``L_rot_inv``)."""
    _check_p(p)
    _check_phi(phi)
    return (m2 / p) * (jnp.pi - phi - jnp.sin(phi)) / (2 * jnp.pi)


def L_rot_inv(phi, p, m2):
    """L(phi) of Definition 6.1 for a rotation-invariant law: (m2/p)(pi - phi + sin phi)/(2 pi)."""
    _check_p(p)
    _check_phi(phi)
    return (m2 / p) * (jnp.pi - phi + jnp.sin(phi)) / (2 * jnp.pi)


def cross_lmax_rot_inv(phi, p, m2):
    """L_{w,-w*}(phi) = max_{theta(w,w*) <= phi} lambda_max(A_{w,-w*}) = (m2/p)(phi + sin phi)/(2 pi).

    Theorem 6.7 (line 6571, proof line 6580). Printed: A_{w,-w*} = 1/2 [[phi - sin phi cos phi, -sin^2 phi],
    [-sin^2 phi, phi + sin phi cos phi]] with lambda_max = (phi + sin phi)/2 -- the integral over the
    angle without the density 1/(2 pi) (and without the factor 1/p of the unit sphere in R^p)."""
    _check_p(p)
    _check_phi(phi)
    return (m2 / p) * (phi + jnp.sin(phi)) / (2 * jnp.pi)


def cross_lmax_printed(phi):
    """Printed form of the proof of Theorem 6.7 (line 6580): lambda_max(A_{w,-w*}) = (phi + sin phi)/2."""
    _check_phi(phi)
    return (phi + jnp.sin(phi)) / 2


def cross_matrix_printed(phi):
    """Printed matrix of the proof of Theorem 6.7 (line 6578), for w* = e1, w at angle -phi in R^2."""
    s, c = jnp.sin(phi), jnp.cos(phi)
    return 0.5 * jnp.array([[phi - s * c, -s * s], [-s * s, phi + s * c]])


def beta_rot_inv(p, m2):
    """Smallest beta of Assumption 6.1 (line 6221) for a rotation-invariant law: sup_phi (m2/p)(phi+sin phi)/(2 pi phi) = m2/(pi p).

    Theorem 6.7 (unit sphere, m2 = 1) prints beta = 1 (a valid but loose constant: the smallest is 1/(pi p));
    Theorem 6.8 (Gaussian, m2 = p) prints beta <= p (the smallest is 1/pi)."""
    _check_p(p)
    require(m2 > 0, f"m2 = E||Z||^2 must be > 0, got {m2}")
    return m2 / (math.pi * p)


# ----------------------------------------------------------------------------- Monte Carlo / empirical
def region_term(z, w, w_star):
    """One draw of (Z Z^T 1{S(w,w*)}, Z Z^T 1{S(w,-w*)}) for a single vector z."""
    a, b = jnp.dot(w, z), jnp.dot(w_star, z)
    zz = jnp.outer(z, z)
    return zz * ((a > 0) & (b > 0)), zz * ((a > 0) & (b <= 0))


def moments_mc(sampler, key, w, w_star, n, chunk=4096):
    """Monte Carlo (A_{w,w*}, A_{w,-w*}) for any ``sampler(key) -> z`` (verify.mc-free: plain mean).

    Returns ((A_pos, A_neg), (se_pos, se_neg))."""
    require(int(n) >= 2, f"n must be >= 2, got {n}")
    keys = jax.random.split(key, int(n))
    zs = jax.vmap(sampler)(keys)
    A_pos, A_neg = jax.vmap(lambda z: region_term(z, w, w_star))(zs)
    sd = lambda x: jnp.std(x, axis=0, ddof=1) / jnp.sqrt(x.shape[0])  # noqa: E731
    return (A_pos.mean(0), A_neg.mean(0)), (sd(A_pos), sd(A_neg))


def empirical_moments(w, w_star, zs):
    """(A_{w,w*}, A_{w,-w*}) of the empirical measure of the rows of ``zs`` (n, p)."""
    A_pos, A_neg = jax.vmap(lambda z: region_term(z, w, w_star))(zs)
    return A_pos.mean(0), A_neg.mean(0)


def patch_averages(w, w_star, Z):
    """Patch averages of Section 6.3 (line 6290) for one sample Z (k, p):
    Z_{S(w,w*)}, Z_{S(w,-w*)}, Z_{S(-w,w*)} = (1/k) sum_i Z_i 1{region_i}."""
    a, b = Z @ w, Z @ w_star
    s1 = ((a > 0) & (b > 0)).astype(Z.dtype)
    s2 = ((a > 0) & (b <= 0)).astype(Z.dtype)
    s3 = ((a <= 0) & (b > 0)).astype(Z.dtype)
    k = Z.shape[0]
    return s1 @ Z / k, s2 @ Z / k, s3 @ Z / k


def patch_moments(w, w_star, Zs):
    """Second moments of the patch averages for an empirical measure Zs (n, k, p).

    Returns dict P11 = E[Z_S1 Z_S1^T] (Assumption 6.2: gamma, L), P22 = E[Z_S2 Z_S2^T] (beta),
    P12 = E[Z_S1 Z_S2^T], P13 = E[Z_S1 Z_S3^T], P23 = E[Z_S2 Z_S3^T] (Assumption 6.3: L_cross),
    with S1 = S(w,w*), S2 = S(w,-w*), S3 = S(-w,w*)."""
    u1, u2, u3 = jax.vmap(lambda Z: patch_averages(w, w_star, Z))(Zs)
    n = Zs.shape[0]
    m = lambda x, y: x.T @ y / n  # noqa: E731
    return {"P11": m(u1, u1), "P22": m(u2, u2), "P12": m(u1, u2), "P13": m(u1, u3), "P23": m(u2, u3)}


def patch_grad_from_moments(w, w_star, P):
    """Population gradient of the patch model (proof of Theorem 6.3, line 6640):
    E grad l = (P11 + P12^T)(w - w*) + (P12 + P22) w - (P13 + P23) w*."""
    return (P["P11"] + P["P12"].T) @ (w - w_star) + (P["P12"] + P["P22"]) @ w - (P["P13"] + P["P23"]) @ w_star


def cross_norm(P):
    """||P12|| + ||P13|| + ||P23|| (operator norms): the left side of Assumption 6.3 (line 6313).

    Printed with lambda_max of non-symmetric matrices; the proof of Theorem 6.5 uses the largest
    singular value, which is what is computed here."""
    op = lambda M: jnp.linalg.norm(M, 2)  # noqa: E731
    return op(P["P12"]) + op(P["P13"]) + op(P["P23"])


# ----------------------------------------------------------------------------- Section 6.4 laws
def _check_sigma(sigma, name="sigma"):
    require(bool(np.isfinite(sigma)) and sigma > 0, f"{name} must be a finite number > 0, got {sigma!r}")


def _check_q(q):
    require(bool(np.isfinite(q)) and 0.0 <= q <= 1.0, f"q (mass around -w*) must lie in [0, 1], got {q!r}")


def sample_mixture_angle(key, sigma, q=0.5):
    """Angle of Z to w* (Section 6.4, line 6457): (1-q) N(0, sigma^2)|[-pi/2, pi/2] + q N(pi, sigma^2)|[pi/2, 3pi/2].

    Printed (OCR-garbled): "N(0,sigma)|[-pi/2,pi/2] + 1/2 N(-pi,sigma)|[-pi/2,pi/2]"; read as two truncated
    normals around w* and -w* with equal weights (q = 1/2)."""
    k1, k2 = jax.random.split(key)
    lo = -0.5 * jnp.pi / sigma
    t = sigma * jax.random.truncated_normal(k1, lo, -lo, dtype=jnp.float64)
    neg = jax.random.uniform(k2) < q
    return jnp.where(neg, t + jnp.pi, t)


def sample_mixture(key, sigma, q=0.5, anchor=0.0):
    """One unit-norm Z in R^2 from the Section 6.4 angle mixture around the direction ``anchor`` (w*)."""
    t = sample_mixture_angle(key, sigma, q) + anchor
    return jnp.array([jnp.cos(t), jnp.sin(t)])


def sample_patches(key, k, sigma, sigma2, q=0.5):
    """k unit patches (k, 2) (Section 6.4, line 6466): a centre Z from the mixture (sigma), and patch i at
    angle delta_i ~ N(0, sigma2^2)|[-pi/2, pi/2] from Z (truncation range OCR-garbled in the source)."""
    k1, k2 = jax.random.split(key)
    t = sample_mixture_angle(k1, sigma, q)
    lo = -0.5 * jnp.pi / sigma2
    d = sigma2 * jax.random.truncated_normal(k2, lo, -lo, (k,), dtype=jnp.float64)
    ang = t + d
    return jnp.stack([jnp.cos(ang), jnp.sin(ang)], axis=1)


def _tn_pdf(t, c, sigma):
    mass = ndtr(0.5 * jnp.pi / sigma) - ndtr(-0.5 * jnp.pi / sigma)
    return norm.pdf(t, c, sigma) / mass


def _weighted_arc(lo, hi, c, sigma):
    """int_lo^hi u u^T TN_c(t) dt by Gauss-Legendre (0 when hi <= lo)."""
    L = jnp.maximum(hi - lo, 0.0)
    t = lo + (_GL_X + 1.0) * (L / 2)
    wts = _GL_W * (L / 2) * _tn_pdf(t, c, sigma)
    u = jnp.stack([jnp.cos(t), jnp.sin(t)], axis=1)
    return (u * wts[:, None]).T @ u


def mixture_region(ca, cb, sigma, q=0.5):
    """E[Z Z^T 1{a^T Z > 0, b^T Z > 0}] for the Section 6.4 law (w* along angle 0), a at angle ca, b at angle cb.

    The region is the arc (max(ca, cb') - pi/2, min(ca, cb') + pi/2) with cb' = ca + wrap(cb - ca);
    it is intersected with the two supports [-pi/2, pi/2] (weight 1-q, mode 0) and [pi/2, 3pi/2]
    (weight q, mode pi) under 2 pi shifts, each piece integrated by 96-point Gauss-Legendre
    (the truncated-normal density is smooth on each piece, so this is exact to ~1e-15 for sigma >= 0.1)."""
    d = jnp.mod(cb - ca + jnp.pi, 2 * jnp.pi) - jnp.pi
    lo = jnp.maximum(ca, ca + d) - jnp.pi / 2
    hi = jnp.minimum(ca, ca + d) + jnp.pi / 2
    sh = 2 * jnp.pi * jnp.array([-1.0, 0.0, 1.0, -1.0, 0.0, 1.0])
    los = jnp.maximum(lo + sh, jnp.array([-0.5, -0.5, -0.5, 0.5, 0.5, 0.5]) * jnp.pi)
    his = jnp.minimum(hi + sh, jnp.array([0.5, 0.5, 0.5, 1.5, 1.5, 1.5]) * jnp.pi)
    cs = jnp.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]) * jnp.pi
    ms = jnp.array([1 - q, 1 - q, 1 - q, q, q, q])
    parts = jax.vmap(_weighted_arc, in_axes=(0, 0, 0, None))(los, his, cs, sigma)
    return jnp.einsum("i,ijk->jk", ms, parts)


def eig2(M):
    """Eigenvalues (ascending) of a symmetric 2x2 matrix, in closed form (cheap to compile)."""
    a, b, c = M[0, 0], 0.5 * (M[0, 1] + M[1, 0]), M[1, 1]
    m, r = 0.5 * (a + c), jnp.sqrt(0.25 * (a - c) ** 2 + b * b)
    return jnp.stack([m - r, m + r])


def opnorm2(M):
    """Largest singular value of a 2x2 matrix (closed form)."""
    return jnp.sqrt(eig2(M.T @ M)[1])


def _ang2(v):
    return jnp.arctan2(v[1], v[0])


def mixture_moments(w, w_star, sigma, q=0.5):
    """(A_{w,w*}, A_{w,-w*}) for the Section 6.4 law in R^2 (the law is anchored at angle 0 = direction of w*)."""
    ca, cb = _ang2(w), _ang2(w_star)
    return mixture_region(ca, cb, sigma, q), mixture_region(ca, cb + jnp.pi, sigma, q)


def mixture_swap_neg(w, w_star, sigma, q=0.5):
    """A_{w*,-w} = E[ZZ^T 1{w*^T Z > 0, w^T Z <= 0}] for the Section 6.4 law (loss of Theorem 6.1)."""
    return mixture_region(_ang2(w_star), _ang2(w) + jnp.pi, sigma, q)


def mixture_constants(sigma, phi0, q=0.5, n_grid=512):
    """gamma(phi) and L(phi) minimised / maximised over [0, phi0] and beta of Assumption 6.1, for the
    Section 6.4 law, on a grid of angles (w at +-theta from w* = e1).

    Returns dict(gamma=min_{theta<=phi0} lambda_min(A_{w,w*}), L=max_{theta<=phi0} lambda_max(A_{w,w*}),
    gamma_phi0, L0, beta=max_{0<theta<=pi/2} lambda_max(A_{w,-w*})/theta, step=min_{theta<=phi0}
    gamma(theta)/(2 (L(theta) + 4 beta)^2))."""
    _check_sigma(sigma)
    _check_phi(phi0, math.pi / 2)
    _check_q(q)
    out = _mixture_constants_jit(jnp.float64(sigma), jnp.float64(phi0), jnp.float64(q), int(n_grid))
    return {k: float(v) for k, v in out.items()}


@jax.jit
def _eig_pair(th, sigma, q):
    ws = jnp.array([1.0, 0.0])
    w = jnp.array([jnp.cos(th), jnp.sin(th)])
    Ap, An = mixture_moments(w, ws, sigma, q)
    return eig2(Ap), eig2(An)


def _mixture_constants_jit(sigma, phi0, q, n_grid):
    return _mixture_constants_core(sigma, phi0, q, n_grid)


@functools.partial(jax.jit, static_argnums=3)
def _mixture_constants_core(sigma, phi0, q, n_grid):
    eig_at = lambda th: _eig_pair(th, sigma, q)  # noqa: E731
    th = jnp.concatenate([-jnp.linspace(0.0, phi0, n_grid), jnp.linspace(0.0, phi0, n_grid)])
    ep, _ = jax.vmap(eig_at)(th)
    g, Lv = ep[:, 0], ep[:, 1]
    tb = jnp.concatenate([-jnp.linspace(1e-4, jnp.pi / 2, n_grid), jnp.linspace(1e-4, jnp.pi / 2, n_grid)])
    _, en = jax.vmap(eig_at)(tb)
    beta = jnp.max(en[:, 1] / jnp.abs(tb))
    gg = jnp.minimum(g[:n_grid], g[n_grid:])
    LL = jnp.maximum(Lv[:n_grid], Lv[n_grid:])
    step = jnp.min(gg / (2 * (LL + 4 * beta) ** 2))
    return {"gamma": jnp.min(g), "L": jnp.max(Lv), "gamma_phi0": gg[-1], "L0": LL[0], "beta": beta, "step": step}


# ----------------------------------------------------------------------------- exact constants, empirical 2-D
def breakpoints_2d(Zs, sign, hi):
    """Angles theta in (0, hi) at which w(theta) = R(sign*theta) e1 crosses a patch's half-plane boundary."""
    z = np.asarray(Zs).reshape(-1, 2)
    a = np.arctan2(z[:, 1], z[:, 0])
    b = np.concatenate([a + np.pi / 2, a - np.pi / 2]) * sign
    b = np.mod(b, 2 * np.pi)
    b = b[(b > 0) & (b < hi)]
    return np.unique(np.concatenate([[0.0], b, [hi]]))


def constants_2d(Zs, phi0, w_star_dir=(1.0, 0.0)):
    """Exact gamma, L (extrema over theta in [0, phi0]), beta and L_cross (sups over (0, pi/2]) of
    Assumptions 6.2-6.3 for the empirical measure Zs (n, k, 2) with w* along e1 (k = 1: Definition 6.1,
    Assumption 6.1).

    All patch moments are constant on the open intervals between breakpoints (where w(theta) crosses a
    patch's half-plane boundary), so min/max over each interval are evaluated at its midpoint and the
    sup of c(theta)/theta on an interval is c(midpoint)/(left end).  ``gamma`` is min over [0, phi0] (the
    proofs use gamma(theta_t) >= gamma(phi0), i.e. monotonicity, which the patch model need not have)."""
    require(np.asarray(Zs).ndim == 3 and np.asarray(Zs).shape[-1] == 2,
            f"Zs must have shape (n, k, 2), got {np.asarray(Zs).shape}")
    require(np.asarray(Zs).shape[0] >= 1, "Zs must hold at least one sample (n >= 1)")
    _check_phi(phi0, math.pi / 2)
    ws = jnp.asarray(w_star_dir, dtype=jnp.float64)
    Zs = jnp.asarray(Zs)
    f = lambda ths: _constants_at(ths, Zs, ws)  # noqa: E731
    res = {"gamma": np.inf, "L": 0.0, "beta": 0.0, "L_cross": 0.0, "gamma_phi0": np.inf}
    for sign in (1.0, -1.0):
        bp = breakpoints_2d(Zs, sign, math.pi / 2)
        mids = 0.5 * (bp[1:] + bp[:-1])
        m = len(mids)
        padded = np.concatenate([mids, np.full((1 << max(6, (m - 1).bit_length())) - m, mids[-1])])
        lo, lmax, bn, cn = (np.asarray(x)[:m] for x in f(jnp.asarray(sign * padded)))
        left = bp[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            rb = np.where(bn > 0, bn / left, 0.0)
            rc = np.where(cn > 0, cn / left, 0.0)
        inside = left < phi0
        res["gamma"] = min(res["gamma"], float(lo[inside].min()))
        res["L"] = max(res["L"], float(lmax[inside].max()))
        res["beta"] = max(res["beta"], float(rb.max()))
        res["L_cross"] = max(res["L_cross"], float(rc.max()))
        j = int(np.searchsorted(bp, phi0, side="left")) - 1
        res["gamma_phi0"] = min(res["gamma_phi0"], float(lo[max(j, 0)]))
    return res


@jax.jit
def _constants_at(ths, Zs, ws):
    """(lambda_min P11, lambda_max P11, lambda_max P22, cross norm) at each angle in ``ths`` (w = R(theta) e1)."""
    def at(th):
        w = jnp.array([jnp.cos(th), jnp.sin(th)])
        P = patch_moments(w, ws, Zs)
        e = eig2(P["P11"])
        return e[0], e[1], eig2(P["P22"])[1], opnorm2(P["P12"]) + opnorm2(P["P13"]) + opnorm2(P["P23"])
    return jax.lax.map(at, ths, batch_size=64)


# ----------------------------------------------------------------------------- gradient descent
def gd(grad_fn, w0, eta, steps):
    """Plain GD w_{t+1} = w_t - eta grad(w_t) (eq. 6.2) as an optax ``sgd`` transformation driven by one
    ``lax.scan``.  Returns the iterates (steps + 1, p) including w0.  Call inside ``jax.jit``."""
    import optax

    opt = optax.sgd(eta)

    def body(carry, _):
        w, st = carry
        upd, st = opt.update(grad_fn(w), st, w)
        w = optax.apply_updates(w, upd)
        return (w, st), w

    (_, _), ws = jax.lax.scan(body, (w0, opt.init(w0)), None, length=steps)
    return jnp.concatenate([w0[None], ws], axis=0)


def rate_bound_thm62(eta, gamma_phi0):
    """Theorem 6.2 (line 6228): ||w_{t+1} - w*||^2 <= (1 - eta gamma(phi0)/2) ||w_t - w*||^2 for
    eta <= min_{phi <= phi0} gamma(phi) / (2 (L(phi) + 4 beta)^2)  (the step-size condition is OCR-garbled;
    this is the form the proof's last step needs)."""
    return 1.0 - eta * gamma_phi0 / 2.0


def rate_bound_thm63(eta, gamma_phi0, L_cross):
    """Theorem 6.3 (line 6330): contraction factor 1 - eta (gamma(phi0) - 6 L_cross)/2 per step (squared distance)."""
    return 1.0 - eta * (gamma_phi0 - 6.0 * L_cross) / 2.0


def step_thm63(gamma, L, L_cross, beta):
    """Step size of Theorem 6.3: (gamma - 6 L_cross) / (2 (L + 10 L_cross + 4 beta)^2)."""
    return (gamma - 6.0 * L_cross) / (2.0 * (L + 10.0 * L_cross + 4.0 * beta) ** 2)


# ----------------------------------------------------------------------------- random initialization
def _check_alpha(alpha):
    require(bool(np.isfinite(alpha)) and 0.0 < alpha < 1.0, f"alpha must lie in (0, 1), got {alpha!r}")


def init_bound(p, alpha):
    """Theorem 6.6 (line 6417): P(||w0 - w*|| <= sqrt(1 - alpha^2)||w*||) >= 1/2 - alpha sqrt(p/(2 pi))
    for w0 uniform in the ball of radius alpha ||w*|| in R^p."""
    _check_p(p)
    _check_alpha(alpha)
    return 0.5 - alpha * math.sqrt(p / (2 * math.pi))


@functools.lru_cache(maxsize=8)  # pragma: no mutate (equivalent: a cache; same values with any size or none)
def _leggauss(n):
    return np.polynomial.legendre.leggauss(n)


def init_success_prob(p, alpha, n_quad=400):
    """Exact P(||w0 - w*|| <= sqrt(1-alpha^2) ||w*||), w0 uniform in the ball of radius alpha ||w*|| (R^p).

    With w0 = r u: the event is u_1 >= (r^2 + alpha^2)/(2 r) =: c(r); r has density p r^{p-1}/alpha^p and
    P(u_1 >= c) = I_{1-c^2}((p-1)/2, 1/2)/2 for 0 <= c <= 1 (regularised incomplete beta)."""
    from scipy.special import betainc

    _check_p(p)
    _check_alpha(alpha)
    x, wq = _leggauss(int(n_quad))
    r0 = 1.0 - math.sqrt(1.0 - alpha * alpha)  # c(r) <= 1 iff r >= r0
    r = r0 + (alpha - r0) * (x + 1) / 2
    wr = wq * (alpha - r0) / 2
    c = np.clip((r * r + alpha * alpha) / (2 * r), 0.0, 1.0)
    tail = 0.5 * betainc((p - 1) / 2.0, 0.5, 1.0 - c * c)
    dens = (p / alpha) * (r / alpha) ** (p - 1)  # = p r^{p-1} / alpha^p without under/overflow
    return float(np.sum(wr * dens * tail))


def sample_ball(key, p, radius):
    """w0 uniform in the ball of the given radius in R^p."""
    k1, k2 = jax.random.split(key)
    g = jax.random.normal(k1, (p,))
    u = g / jnp.linalg.norm(g)
    return radius * jax.random.uniform(k2) ** (1.0 / p) * u


def cor61_bound(p, cos_phi):
    """Corollary 6.1 (line 6426): if cos(phi*) <= sqrt(pi/(8p)), init in the ball of radius ||w*|| cos(phi*)
    succeeds with probability >= 1/2 - cos(phi*) sqrt(p/(2 pi)) >= 1/4."""
    return init_bound(p, cos_phi)


# ----------------------------------------------------------------------------- Theorem 6.5
def thm65_printed_bound(gamma_avg, rho):
    """Theorem 6.5 (line 6384), as printed: gamma(phi0) >= gamma_avg(phi0) - 4 (1 - cos rho), where
    gamma_avg(phi0) = sigma_min(E[Zbar Zbar^T 1{w^T Zbar > 0, w*^T Zbar > 0}]), Zbar = (1/k) sum_i Z_i, for unit
    patches with theta(Z_i, Zbar) <= rho (and low mass near the decision boundaries)."""
    return gamma_avg - 4.0 * (1.0 - jnp.cos(rho))


def straddle_fraction(w, w_star, Zs):
    """q_w = P(some patch lies in S(w,w*) while Zbar does not, or vice versa), for the empirical measure Zs (n, k, p)."""
    zbar = Zs.mean(axis=1)
    inside = lambda x: (x @ w > 0) & (x @ w_star > 0)  # noqa: E731
    zin = inside(zbar)
    pin = jax.vmap(inside)(Zs)  # (n, k)
    return jnp.mean(jnp.any(pin != zin[:, None], axis=1).astype(jnp.float64))


def thm65_corrected_bound(lam_avg_w, q_w):
    """Corrected Theorem 6.5 lower bound (derived here): for every w,
    lambda_min(E[Z_S Z_S^T]) >= (sqrt(lambda_min(E[Zbar Zbar^T 1{Zbar in S}])) - sqrt(q_w))_+^2,
    since Z_S - Zbar 1{Zbar in S} vanishes unless the patches straddle a boundary of S (probability q_w) and
    has norm <= 1 (Minkowski in L2).  No 4(1 - cos rho) term is needed with the unnormalised average Zbar."""
    return jnp.maximum(jnp.sqrt(jnp.maximum(lam_avg_w, 0.0)) - jnp.sqrt(q_w), 0.0) ** 2


def straddle_family(rho, m, h, n=256, eps_frac=0.5):
    """Unit-patch laws (k = 2) meeting the premises of Theorem 6.5: mass 1-m of coinciding patches at angles
    uniform on a grid in [-h, h] around w* = e1, and mass m of patch pairs at angles a +- rho around a centre
    a = pi/2 - eps_frac*rho just inside the w*-boundary (so the pair straddles it).  Returns Zs (n, 2, 2)."""
    require(0 < rho < 0.5, f"rho must lie in (0, 0.5), got {rho}")
    require(0 <= m < 1, f"m must lie in [0, 1), got {m}")
    require(0 < h < math.pi / 2, f"h must lie in (0, pi/2), got {h}")
    ns = int(round((1 - m) * n))
    t = np.linspace(-h, h, max(ns, 1))[:ns]
    spread = np.stack([np.stack([np.cos(t), np.sin(t)], 1)] * 2, axis=1)
    nm = n - ns
    a = np.full(nm, np.pi / 2 - eps_frac * rho)
    pair = np.stack([np.stack([np.cos(a - rho), np.sin(a - rho)], 1), np.stack([np.cos(a + rho), np.sin(a + rho)], 1)], axis=1)
    return jnp.asarray(np.concatenate([spread, pair], axis=0))
