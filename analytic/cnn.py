"""Chapter 5 (thesis lines ~4935-6075) / the CNN paper: a one-hidden-layer CNN with
non-overlapping Gaussian patches, ReLU hidden units and weight normalization.

Model (thesis eq. (5.1)-(5.2)):  f(Z, w, a) = sum_i a_i sigma(Z_i^T w),  Z in R^{k x p} with i.i.d.
N(0,1) entries, w = v / ||v||_2 (weight normalization), teacher (w*, a*) with ||w*|| arbitrary.
Population loss  l(v, a) = 1/2 E_Z[(f(Z, w, a) - f(Z, w*, a*))^2].

Gaussian facts used (for unit w, ||u|| = r, angle phi between them; z ~ N(0, I_p)):
    E[sigma(w.z)] = 1/sqrt(2 pi),  E[sigma(w.z)^2] = 1/2,
    E[sigma(w.z) sigma(u.z)] = r g(phi) / (2 pi),  g(phi) = (pi - phi) cos(phi) + sin(phi).
All functions are pure float64 JAX and jit-compatible.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .errors import InvalidParameter, require

PI = jnp.pi


def g(phi):
    """g(phi) = (pi - phi) cos(phi) + sin(phi)  (Thm 5.1, thesis line ~5129; paper eq. (3))."""
    return (PI - phi) * jnp.cos(phi) + jnp.sin(phi)


def angle(u, w):
    """theta(u, w) in [0, pi], computed as atan2(||u_perp||, u.w) (accurate near 0 and pi).

    The norm uses the double-where trick so autodiff is finite (zero) at theta in {0, pi}."""
    un = u / jnp.linalg.norm(u)
    wn = w / jnp.linalg.norm(w)
    c = jnp.dot(un, wn)
    r = un - c * wn
    s2 = jnp.dot(r, r)
    pos = s2 > 0  # equivalent-mutant: ReplaceComparisonOperator_Gt_NotEq (s2 is a sum of squares, never < 0)
    s = jnp.where(pos, jnp.sqrt(jnp.where(pos, s2, 1.0)), 0.0)
    return jnp.arctan2(s, c)


# ----------------------------------------------------------------------------- validation
def validate(v=None, a=None, w_star=None, a_star=None, *, unit_w_star: bool = False):
    """Raise InvalidParameter naming the violated constraint (k >= 1, p >= 1, finite, shapes, v != 0)."""
    def arr(x, name):
        x = np.asarray(x, dtype=np.float64)
        require(x.ndim == 1, f"{name} must be a vector, got shape {x.shape}")
        require(x.size >= 1, f"{name} must have at least one entry (k >= 1 and p >= 1)")
        require(bool(np.all(np.isfinite(x))), f"{name} must be finite (no NaN/inf), got {x}")
        return x
    out = {}
    if v is not None:
        out["v"] = arr(v, "v")
        require(np.linalg.norm(out["v"]) > 0, "v must be non-zero (w = v/||v|| is undefined at v = 0)")
    if w_star is not None:
        out["w_star"] = arr(w_star, "w*")
        require(np.linalg.norm(out["w_star"]) > 0, "w* must be non-zero")
        if unit_w_star:
            require(abs(np.linalg.norm(out["w_star"]) - 1) < 1e-12, "w* must be a unit vector (||w*|| = 1)")
    if a is not None:
        out["a"] = arr(a, "a")
    if a_star is not None:
        out["a_star"] = arr(a_star, "a*")
    if "v" in out and "w_star" in out:
        require(out["v"].shape == out["w_star"].shape,
                f"v and w* must have the same dimension p, got {out['v'].shape[0]} and {out['w_star'].shape[0]}")
    if "a" in out and "a_star" in out:
        require(out["a"].shape == out["a_star"].shape,
                f"a and a* must have the same dimension k, got {out['a'].shape[0]} and {out['a_star'].shape[0]}")
    return out


def check_k(k):
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameter(f"k (number of patches) must be an integer >= 1, got {k!r}")
    return int(k)


# ----------------------------------------------------------------------------- the model
def relu(x):
    return jnp.maximum(x, 0.0)


def forward(Z, w, a):
    """f(Z, w, a) = sum_i a_i relu(Z_i . w); Z has shape (k, p)."""
    return jnp.dot(a, relu(Z @ w))


def sample_loss(v, a, Z, w_star, a_star):
    """1/2 (f(Z, v/||v||, a) - f(Z, w*, a*))^2 for one draw Z (k x p)."""
    w = v / jnp.linalg.norm(v)
    r = forward(Z, w, a) - forward(Z, w_star, a_star)
    return 0.5 * r * r


def _pieces(v, a, w_star, a_star):
    phi = angle(v, w_star)
    ws = jnp.linalg.norm(w_star)
    one_a, one_as = jnp.sum(a), jnp.sum(a_star)
    return phi, ws, one_a, one_as


def population_loss(v, a, w_star, a_star):
    """Corrected Theorem 5.1 (thesis line 5129, eq. (5.3); paper Thm 3.1, eq. (3)).

    l(v,a) = 1/2 [ (pi-1)||w*||^2/(2pi) ||a*||^2 + (pi-1)/(2pi) ||a||^2
                   - 2 (g(phi)-1) ||w*||/(2pi) a.a* + ||w*||^2/(2pi) (1.a*)^2 + 1/(2pi) (1.a)^2
                   - 2 ||w*||/(2pi) (1.a)(1.a*) ]

    Printed: the last term reads ``- 2 ||w*||_2 1^T a . 1^T a*`` (no 1/(2pi)): see
    ``population_loss_printed``.  Derivation: E[f f*] = ||w*||/(2pi) [(g-1) a.a* + (1.a)(1.a*)]
    because off-diagonal patches are independent and E[sigma]^2 = 1/(2pi).
    """
    phi, ws, one_a, one_as = _pieces(v, a, w_star, a_star)
    c = 1.0 / (2 * PI)
    return 0.5 * ((PI - 1) * ws**2 * c * jnp.dot(a_star, a_star) + (PI - 1) * c * jnp.dot(a, a)
                  - 2 * (g(phi) - 1) * ws * c * jnp.dot(a, a_star) + ws**2 * c * one_as**2 + c * one_a**2
                  - 2 * ws * c * one_a * one_as)


def population_loss_printed(v, a, w_star, a_star):
    """Theorem 5.1 exactly as printed (paper eq. (3); thesis eq. (5.3), same OCR'd terms):
    the cross term of the patch sums is ``- 2 ||w*|| (1^T a)(1^T a*)`` without the factor 1/(2pi)."""
    phi, ws, one_a, one_as = _pieces(v, a, w_star, a_star)
    c = 1.0 / (2 * PI)
    return 0.5 * ((PI - 1) * ws**2 * c * jnp.dot(a_star, a_star) + (PI - 1) * c * jnp.dot(a, a)
                  - 2 * (g(phi) - 1) * ws * c * jnp.dot(a, a_star) + ws**2 * c * one_as**2 + c * one_a**2
                  - 2 * ws * one_a * one_as)


def population_grad(v, a, w_star, a_star):
    """Theorem 5.2 (thesis line ~5140; paper Thm 3.2), as printed in the paper:

    dl/dv = -1/(2pi ||v||) (I - v v^T/||v||^2) (a.a*) (pi - phi) w*
    dl/da = 1/(2pi) (1 1^T + (pi-1) I) a - 1/(2pi) (1 1^T + (g(phi)-1) I) ||w*|| a*

    (The thesis OCR of the v-gradient is garbled; the paper's form is the derivative of the
    corrected loss, which the checks confirm by autodiff.)  Returns (dl/dv, dl/da).
    """
    phi, ws, one_a, one_as = _pieces(v, a, w_star, a_star)
    nv = jnp.linalg.norm(v)
    vh = v / nv
    proj = w_star - jnp.dot(vh, w_star) * vh
    gv = -(jnp.dot(a, a_star) * (PI - phi)) / (2 * PI * nv) * proj
    ga = ((one_a + (PI - 1) * a) - ws * (one_as + (g(phi) - 1) * a_star)) / (2 * PI)
    return gv, ga


def a_matrix(k, phi_shift=PI - 1):
    """1 1^T + c I as a dense matrix (used for the stationary points)."""
    return jnp.ones((k, k)) + phi_shift * jnp.eye(k)


def global_minimum(w_star, a_star):
    """Lemma 5.1, first point: theta(v, w*) = 0, a = ||w*|| a*  (v = w*/||w*||)."""
    ws = jnp.linalg.norm(w_star)
    return w_star / ws, ws * a_star


def spurious_point(w_star, a_star):
    """Lemma 5.1, second point: theta(v, w*) = pi, a = (1 1^T + (pi-1) I)^{-1} (1 1^T - I) ||w*|| a*."""
    k = a_star.shape[0]
    ws = jnp.linalg.norm(w_star)
    rhs = (jnp.sum(a_star) - a_star) * ws  # (1 1^T - I) a*
    a = jnp.linalg.solve(a_matrix(k), rhs)
    return -w_star / ws, a


def spurious_signal(a_star):
    """a_s . a* at the spurious point (||w*|| = 1): its sign decides local minimum (< 0) vs saddle (> 0).

    Eigen-decomposition: on span(1) the matrix ratio is (k-1)/(k+pi-1), on 1^perp it is -1/(pi-1):
    a_s . a* = (k-1)/(k+pi-1) (1.a*)^2/k - (||a*||^2 - (1.a*)^2/k)/(pi-1).
    """
    k = a_star.shape[0]
    s2 = jnp.sum(a_star) ** 2 / k
    return (k - 1) / (k + PI - 1) * s2 - (jnp.dot(a_star, a_star) - s2) / (PI - 1)


# ----------------------------------------------------------------------------- Algorithm 1
def gd_step(v, a, eta, w_star, a_star):
    """One step of Algorithm 1 (thesis line ~5023): v <- v - eta dl/dv, a <- a - eta dl/da
    on the closed-form population gradient (Theorem 5.2)."""
    gv, ga = population_grad(v, a, w_star, a_star)
    return v - eta * gv, a - eta * ga


@functools.partial(jax.jit, static_argnames=("steps",))
def run_gd(v0, a0, eta, w_star, a_star, steps: int):
    """Algorithm 1 for ``steps`` iterations (lax.scan); returns final (v, a) and per-step
    (phi, a.a*, 1.a, ||v||, loss) traces of length steps+1."""
    def stats(v, a):
        return jnp.stack([angle(v, w_star), jnp.dot(a, a_star), jnp.sum(a), jnp.linalg.norm(v),
                          population_loss(v, a, w_star, a_star)])

    def body(c, _):
        v, a = c
        v2, a2 = gd_step(v, a, eta, w_star, a_star)
        return (v2, a2), stats(v2, a2)

    (v, a), tr = jax.lax.scan(body, (v0, a0), None, length=steps)
    tr = jnp.concatenate([stats(v0, a0)[None], tr], axis=0)
    return v, a, tr


# ----------------------------------------------------------------------------- initialization
def init_radius(a_star, w_star):
    """Radius of the second-layer initialization ball of Theorem 5.4: |1.a*| ||w*|| / sqrt(k)."""
    k = a_star.shape[0]
    return jnp.abs(jnp.sum(a_star)) * jnp.linalg.norm(w_star) / jnp.sqrt(k)


def sample_init(key, p: int, a_star, w_star):
    """Theorem 5.4's scheme: v ~ unif(S^{p-1}), a ~ unif(B(0, |1.a*| ||w*||/sqrt(k)))."""
    k = a_star.shape[0]
    k1, k2, k3 = jax.random.split(key, 3)
    v = jax.random.normal(k1, (p,))
    v = v / jnp.linalg.norm(v)
    d = jax.random.normal(k2, (k,))
    d = d / jnp.linalg.norm(d)
    r = init_radius(a_star, w_star) * jax.random.uniform(k3) ** (1.0 / k)
    return v, r * d


# ----------------------------------------------------------------------------- Remark 5.2
def population_loss_rotinv(v, a, w_star, a_star, m1, m2):
    """Population loss for i.i.d. rotation-invariant patches z = r u (u uniform on the sphere,
    radius r independent), Remark 5.2: the same form as Theorem 5.1 with the Gaussian moments
    replaced: E[sigma(w.z) sigma(u.z)] = (m2/p) r g(phi)/(2pi) and E[sigma(w.z)] = (m1/mu_p)/sqrt(2pi),
    where m1 = E[r], m2 = E[r^2] and mu_p = E[chi_p] = sqrt(2) Gamma((p+1)/2)/Gamma(p/2)."""
    from jax.scipy.special import gammaln
    p = v.shape[0]
    mu_p = jnp.sqrt(2.0) * jnp.exp(gammaln((p + 1) / 2) - gammaln(p / 2))
    c2, c1 = m2 / p, (m1 / mu_p) ** 2
    phi, ws, one_a, one_as = _pieces(v, a, w_star, a_star)
    tpi = 2 * PI
    # E f^2 = c2 ||a||^2/2 + c1 ((1.a)^2 - ||a||^2)/(2pi), etc.
    ef2 = c2 * jnp.dot(a, a) / 2 + c1 * (one_a**2 - jnp.dot(a, a)) / tpi
    efs2 = ws**2 * (c2 * jnp.dot(a_star, a_star) / 2 + c1 * (one_as**2 - jnp.dot(a_star, a_star)) / tpi)
    eff = ws * (c2 * g(phi) * jnp.dot(a, a_star) / tpi + c1 * (one_a * one_as - jnp.dot(a, a_star)) / tpi)
    return 0.5 * (ef2 - 2 * eff + efs2)


@jax.jit
def run_gd_dynamic(v0, a0, eta, w_star, a_star, steps):
    """Algorithm 1 for a traced number of ``steps`` (one compile per shape); returns final (v, a)."""
    def body(_, c):
        return gd_step(c[0], c[1], eta, w_star, a_star)
    return jax.lax.fori_loop(0, steps, body, (v0, a0))


@jax.jit
def run_until(v0, a0, eta, w_star, a_star, target, max_steps):
    """Algorithm 1 until l <= target (or max_steps, or a non-finite iterate); returns (v, a, steps)."""
    def cond(c):
        v, a, t = c
        return (population_loss(v, a, w_star, a_star) > target) & (t < max_steps) & jnp.all(jnp.isfinite(a))

    def body(c):
        v, a, t = c
        v2, a2 = gd_step(v, a, eta, w_star, a_star)
        return v2, a2, t + 1

    return jax.lax.while_loop(cond, body, (v0, a0, 0))


# ----------------------------------------------------------------------------- checked entry points
def loss(v, a, w_star, a_star):
    """Validated population loss (corrected Thm 5.1): raises InvalidParameter on bad input."""
    q = validate(v, a, w_star, a_star)
    return population_loss(*(jnp.asarray(q[n]) for n in ("v", "a", "w_star", "a_star")))


def grad(v, a, w_star, a_star):
    """Validated population gradient (Thm 5.2): raises InvalidParameter on bad input."""
    q = validate(v, a, w_star, a_star)
    return population_grad(*(jnp.asarray(q[n]) for n in ("v", "a", "w_star", "a_star")))


def init(key, p: int, a_star, w_star):
    """Validated Theorem 5.4 initialization (p >= 1, k >= 1, 1.a* != 0)."""
    if not isinstance(p, (int, np.integer)) or p < 1:
        raise InvalidParameter(f"p (patch dimension) must be an integer >= 1, got {p!r}")
    q = validate(a_star=a_star, w_star=w_star)
    require(abs(q["a_star"].sum()) > 0, "1.a* must be non-zero (the init ball has radius |1.a*| ||w*||/sqrt(k))")
    require(q["w_star"].shape[0] == p, f"w* must have dimension p = {p}, got {q['w_star'].shape[0]}")
    return sample_init(key, p, jnp.asarray(q["a_star"]), jnp.asarray(q["w_star"]))
