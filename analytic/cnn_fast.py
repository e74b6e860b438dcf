"""Fast paths for chapter 5 (thesis lines ~4935-6075; CNN paper): a projection Monte Carlo sampler
of the sample loss, and Algorithm 1 followed exactly through five scalars per run.

Brute-force counterparts (kept as independent cross-checks): ``analytic.cnn.sample_loss`` (draws
the whole k x p patch matrix) and ``analytic.cnn.run_gd`` (full-dimensional Algorithm 1).

1. Projection sampler.  The sample loss 1/2 (sum_i a_i s(Z_i.w) - sum_i a*_i s(Z_i.w*))^2 depends on
   Z only through the 2k numbers (Z_i.w, Z_i.w*).  With e1 = w, e2 = unit(w* - (w.w*) w) and
   u_i = Z_i.e1, t_i = Z_i.e2 i.i.d. N(0,1):  Z_i.w = u_i,  Z_i.w* = (w.w*) u_i + ||w*_perp|| t_i.
   So a draw costs 2k normals instead of kp, and the k pairs (u_i, t_i) come from k 64-bit words by
   Box-Muller (``analytic.fastrng``: no erf_inv, no float64 sin/cos; ~2.5x faster than
   ``jax.random.normal``, which ``sample_loss_erfinv`` keeps as the cross-check).  The per-sample gradient in v is
   (r/||v||) sum_i a_i 1{u_i>0} (I - w w^T) Z_i; its part orthogonal to span(w, w*) is a symmetric
   Gaussian with mean zero, so the sampler returns the span part (r/||v||) sum_i a_i 1{u_i>0} t_i e2,
   an unbiased estimator of E[dl/dv] (same mean, smaller variance); dl/da_i = r s(u_i) is exact.

2. Exact scalar dynamics of Algorithm 1 on the closed-form population gradient (Theorem 5.2).
   dl/dv is a multiple of the part of w* orthogonal to v, so v stays in span(v0, w*); dl/da is a
   combination of a, 1 (1.a), 1 (1.a*) and a*, so a stays in span(a0, 1, a*).  In orthonormal
   bases v = x e_w + y e_perp (e_w = w*/||w*||) and a = A1 q1 + A2 q2 + A3 q3 (q from Gram-Schmidt of
   (1, a*, a0)), with c = coordinates of 1 and s = coordinates of a*, one step is

       phi = atan2(|y|, x),  g = (pi - phi) cos phi + sin phi,
       (x, y) <- (x, y) + eta (A.s)(pi - phi) / (2 pi ||v||) (ws e1 - (ws x/||v||) (x, y)/||v||)
       A      <- A - eta/(2 pi) [c (c.A) + (pi - 1) A - ws (c (c.s) + (g - 1) s)]

   i.e. the same Theorem 5.2 formulas with 1 -> c (so 1.a -> c.A), five scalars per run.

3. Classification by forward-invariant sets (early stop, eta < 2 pi/(k + pi - 1)):
   global   : a.a* > 0, phi < pi/2, (1.a)(1.a*) <= ws (1.a*)^2     (Lemmas 5.2-5.4: a.a* stays > 0,
              phi decreases, the limit is the stationary point phi = 0 by Lemma 5.1);
   spurious : a.a* < 0, phi > pi/2, (1.a)(1.a*) >= ws (k-1)/(k+pi-1) (1.a*)^2 and
              g(phi) <= 1 - pi (1.a*)^2 / ((k+pi-1) ||a*||^2)
              (then a.a*_{t+1} <= (1 - eta(pi-1)/(2pi)) a.a*_t + eta ws/(2pi)[(g-1)||a*||^2
              + pi (1.a*)^2/(k+pi-1)] < 0, phi increases, g decreases: the proof of Theorem 5.5 with
              the fixed point of the 1.a recursion instead of |1.a| <= |1.a*|).
   A run that enters neither set within ``max_steps`` is reported as undecided (label 2).
   ``tests/test_ch5_sim.py`` checks on hundreds of runs that the full-dimensional run (analytic.cnn.
   run_gd, run to convergence without the invariant-set shortcut) classifies every run the same.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import fastrng
from .errors import InvalidParameter, require

PI = np.pi
GLOBAL, SPURIOUS, UNDECIDED = 0, 1, 2


def _g(phi):
    return (PI - phi) * jnp.cos(phi) + jnp.sin(phi)


# ============================================================================ 1. projection sampler
def _span(v, w_star):
    w = v / jnp.linalg.norm(v)
    cpar = jnp.dot(w, w_star)
    perp = w_star - cpar * w
    sp = jnp.linalg.norm(perp)
    e2 = jnp.where(sp > 0, perp / jnp.where(sp > 0, sp, 1.0), jnp.zeros_like(perp))
    return w, cpar, sp, e2


def _residual(u, t, a, a_star, cpar, sp):
    """f(Z, w, a) - f(Z, w*, a*) from the projections u_i = Z_i.w, t_i = Z_i.e2."""
    return jnp.dot(a, jnp.maximum(u, 0.0)) - jnp.dot(a_star, jnp.maximum(cpar * u + sp * t, 0.0))


def sample_loss_fast(key, v, a, w_star, a_star):
    """One draw of 1/2 (f(Z, v/||v||, a) - f(Z, w*, a*))^2 from 2k normals (projections of the k
    Gaussian patches onto span(w, w*)); same distribution as ``cnn.sample_loss`` with Z ~ N(0, I)."""
    _, cpar, sp, _ = _span(v, w_star)
    u, t = fastrng.normal_pairs(key, a.shape)
    r = _residual(u, t, a, a_star, cpar, sp)
    return 0.5 * r * r


def sample_loss_erfinv(key, v, a, w_star, a_star):
    """``sample_loss_fast`` with the 2k normals from ``jax.random.normal`` (float64, erf_inv of 52-bit
    uniforms) instead of ``fastrng.normal_pairs``: the cross-check of the Box-Muller draws (~2.5x slower)."""
    k = a.shape[0]
    _, cpar, sp, _ = _span(v, w_star)
    z = jax.random.normal(key, (2, k), dtype=jnp.float64)
    u, t = z[0], z[1]
    r = _residual(u, t, a, a_star, cpar, sp)
    return 0.5 * r * r


def sample_grad_fast(key, v, a, w_star, a_star):
    """Unbiased per-sample gradient (dl/dv, dl/da) from the same 2k normals (span part of dl/dv)."""
    k = a.shape[0]
    nv = jnp.linalg.norm(v)
    _, cpar, sp, e2 = _span(v, w_star)
    u, t = fastrng.normal_pairs(key, (k,))
    h = jnp.maximum(u, 0.0)
    r = _residual(u, t, a, a_star, cpar, sp)
    gv = (r / nv) * jnp.dot(a * (u > 0), t) * e2
    return gv, r * h


def sample_loss_fast_p(key, p):
    """``sample_loss_fast`` with a parameter dict p = {v, a, w_star, a_star} (for verify.mc.estimate)."""
    return sample_loss_fast(key, p["v"], p["a"], p["w_star"], p["a_star"])


def sample_loss_erfinv_p(key, p):
    """``sample_loss_erfinv`` with a parameter dict (benchmark / cross-check)."""
    return sample_loss_erfinv(key, p["v"], p["a"], p["w_star"], p["a_star"])


def sample_loss_brute_p(key, p):
    """Brute force: the whole k x p Gaussian patch matrix, ``analytic.cnn.sample_loss``."""
    from . import cnn

    k, dim = p["a"].shape[0], p["v"].shape[0]
    Z = jax.random.normal(key, (k, dim), dtype=jnp.float64)
    return cnn.sample_loss(p["v"], p["a"], Z, p["w_star"], p["a_star"])


# ============================================================================ 2. reduced dynamics
class Problem(NamedTuple):
    """The constants of one teacher in reduced coordinates: c = coords of 1, s = coords of a*,
    ws = ||w*||, k (number of patches)."""
    c: jax.Array  # (3,)
    s: jax.Array  # (3,)
    ws: jax.Array  # ()
    k: jax.Array  # () float


def _qr_basis(cols: np.ndarray, width: int) -> np.ndarray:
    """Orthonormal basis (n x width) whose span contains the given columns (Gram-Schmidt, padded)."""
    n = cols.shape[0]
    basis = []
    for j in range(cols.shape[1]):
        x = cols[:, j].astype(np.float64).copy()
        for b in basis:
            x -= (b @ x) * b
        for b in basis:  # re-orthogonalise (twice is enough)
            x -= (b @ x) * b
        nx = np.linalg.norm(x)
        if nx > 1e-12 * max(1.0, np.linalg.norm(cols[:, j])) and len(basis) < n:
            basis.append(x / nx)
    # pad with canonical directions orthogonal to the basis (keeps shapes fixed)
    i = 0
    while len(basis) < min(width, n):
        x = np.zeros(n)
        x[i] = 1.0
        for _ in range(2):
            for b in basis:
                x -= (b @ x) * b
        if np.linalg.norm(x) > 1e-6:
            basis.append(x / np.linalg.norm(x))
        i += 1
    Q = np.stack(basis, axis=1) if basis else np.zeros((n, 0))
    if Q.shape[1] < width:
        Q = np.concatenate([Q, np.zeros((n, width - Q.shape[1]))], axis=1)
    return Q


def reduce(v0, a0, w_star, a_star):
    """Full-dimensional (v0, a0, w*, a*) -> (state (5,), Problem, Qv (p x 2), Qa (k x 3)).

    Qv = [w*/||w*||, unit(v0 perp)] and Qa = Gram-Schmidt(1, a*, a0); v0 = Qv (x, y), a0 = Qa A."""
    v0, a0, w_star, a_star = (np.asarray(x, np.float64) for x in (v0, a0, w_star, a_star))
    _validate(v0, a0, w_star, a_star)
    k = a0.shape[0]
    Qv = _qr_basis(np.stack([w_star, v0], axis=1), 2)
    Qa = _qr_basis(np.stack([np.ones(k), a_star, a0], axis=1), 3)
    xy = Qv.T @ v0
    if xy[1] < 0:  # orient e_perp so that y >= 0
        Qv[:, 1] *= -1
        xy[1] *= -1
    A = Qa.T @ a0
    prob = Problem(jnp.asarray(Qa.T @ np.ones(k)), jnp.asarray(Qa.T @ a_star),
                   jnp.asarray(np.linalg.norm(w_star)), jnp.asarray(float(k)))
    return jnp.asarray(np.concatenate([xy, A])), prob, Qv, Qa


def lift(state, Qv, Qa):
    """Reduced state (5,) -> full (v, a)."""
    state = np.asarray(state, np.float64)
    return Qv @ state[:2], Qa @ state[2:]


def phi_of(state):
    """theta(v, w*) in [0, pi] from the reduced state."""
    return jnp.arctan2(jnp.abs(state[..., 1]), state[..., 0])


def reduced_grad(state, prob: Problem):
    """(dl/dv, dl/da) of Theorem 5.2 in reduced coordinates (5,)."""
    x, y, A = state[0], state[1], state[2:]
    c, s, ws = prob.c, prob.s, prob.ws
    nv2 = x * x + y * y
    nv = jnp.sqrt(nv2)
    phi = jnp.arctan2(jnp.abs(y), x)
    g = _g(phi)
    aas = jnp.dot(A, s)
    coef = -aas * (PI - phi) / (2 * PI * nv)
    wpar = ws * x / nv  # (v/||v||).w*
    gx = coef * (ws - wpar * x / nv)
    gy = coef * (0.0 - wpar * y / nv)
    gA = (c * jnp.dot(c, A) + (PI - 1) * A - ws * (c * jnp.dot(c, s) + (g - 1) * s)) / (2 * PI)
    return jnp.concatenate([jnp.stack([gx, gy]), gA])


def reduced_step(state, eta, prob: Problem):
    """One step of Algorithm 1 in reduced coordinates."""
    return state - eta * reduced_grad(state, prob)


def reduced_stats(state, prob: Problem):
    """(phi, a.a*, 1.a, ||v||, population loss, ||a - ||w*|| a*||, |1.a - ||w*|| 1.a*|) of a state."""
    x, y, A = state[0], state[1], state[2:]
    c, s, ws = prob.c, prob.s, prob.ws
    phi = jnp.arctan2(jnp.abs(y), x)
    g = _g(phi)
    one_a, one_as = jnp.dot(c, A), jnp.dot(c, s)
    aas = jnp.dot(A, s)
    q = 1 / (2 * PI)
    loss = 0.5 * ((PI - 1) * ws**2 * q * jnp.dot(s, s) + (PI - 1) * q * jnp.dot(A, A)
                  - 2 * (g - 1) * ws * q * aas + ws**2 * q * one_as**2 + q * one_a**2
                  - 2 * ws * q * one_a * one_as)
    return jnp.stack([phi, aas, one_a, jnp.sqrt(x * x + y * y), loss,
                      jnp.linalg.norm(A - ws * s), jnp.abs(one_a - ws * one_as)])


STAT_NAMES = ("phi", "a.a*", "1.a", "||v||", "loss", "||a-a*||", "|1.a-1.a*|")


@functools.partial(jax.jit, static_argnames=("steps",))
def run_reduced(state0, eta, prob: Problem, steps: int):
    """Algorithm 1 for ``steps`` iterations in reduced coordinates; returns (final state, stats trace
    of shape (steps+1, 7) in the order of STAT_NAMES)."""
    def body(st, _):
        st2 = reduced_step(st, eta, prob)
        return st2, reduced_stats(st2, prob)

    fin, tr = jax.lax.scan(body, state0, None, length=steps)
    return fin, jnp.concatenate([reduced_stats(state0, prob)[None], tr], axis=0)


def decide(state, prob: Problem):
    """Label of a state by the forward-invariant sets of the module docstring: 0 global, 1 spurious,
    2 not (yet) in either set."""
    x, y, A = state[..., 0], state[..., 1], state[..., 2:]
    c, s, ws, k = prob.c, prob.s, prob.ws, prob.k
    phi = jnp.arctan2(jnp.abs(y), x)
    aas = A @ s
    one_as = jnp.dot(c, s)
    y1 = (A @ c) * one_as
    ss = jnp.dot(s, s)
    glob = (aas > 0) & (phi < PI / 2) & (y1 <= ws * one_as**2)
    spur = ((aas < 0) & (phi > PI / 2) & (y1 >= ws * (k - 1) / (k + PI - 1) * one_as**2)
            & (_g(phi) <= 1 - PI * one_as**2 / ((k + PI - 1) * ss)))
    return jnp.where(glob, GLOBAL, jnp.where(spur, SPURIOUS, UNDECIDED))


@jax.jit
def _advance(states, labels, steps, eta, probs: Problem, block):
    """``block`` (traced) steps of every undecided run (probs and eta carry a leading run axis)."""
    def body(_, c):
        st, lab, n = c
        live = lab == UNDECIDED
        st2 = jax.vmap(reduced_step)(st, eta, probs)
        st = jnp.where(live[:, None], st2, st)
        n = n + live
        lab = jnp.where(live, jax.vmap(decide)(st, probs), lab)
        return st, lab, n

    return jax.lax.fori_loop(0, block, body, (states, labels, steps))


def _batch(x, core_ndim: int, n: int) -> np.ndarray:
    x = np.asarray(x, np.float64)
    if x.ndim == core_ndim:
        x = np.broadcast_to(x, (n,) + x.shape)
    require(x.shape[0] == n, f"batched problem constants must have {n} rows, got {x.shape[0]}")
    return np.array(x)


def _bucket(n: int) -> int:
    """Batch sizes 64 * 4^j: few compilations of ``_advance`` (compute is cheap, compiling is not)."""
    b = 64
    while b < n:
        b *= 4
    return b


def classify(states, eta, prob: Problem, *, max_steps: int = 200_000, block: int = 64, progress=None):
    """Run Algorithm 1 (reduced, one run per row of ``states``) until each run enters the global or
    the spurious invariant set; returns (labels, steps taken, final states) as NumPy arrays.

    ``prob`` and ``eta`` may be shared (unbatched) or carry a leading run axis (many teachers at once).
    Finished runs are compacted out between blocks (batch sizes from buckets 64 * 4^j, so a few
    compilations serve every table cell); the block length doubles up to 4096 as runs finish."""
    states = np.array(states, np.float64)
    require(states.ndim == 2 and states.shape[1] == 5, f"states must have shape (n, 5), got {states.shape}")
    require(bool(np.all(np.isfinite(states))), "initial states must be finite (no NaN/inf)")
    n = states.shape[0]
    probs = Problem(_batch(prob.c, 1, n), _batch(prob.s, 1, n), _batch(prob.ws, 0, n), _batch(prob.k, 0, n))
    eta = np.broadcast_to(np.asarray(eta, np.float64), (n,)).copy()
    for kk in np.unique(probs.k):
        _check_eta(float(np.max(eta[probs.k == kk])), int(kk))
    labels = np.array(jax.vmap(decide)(jnp.asarray(states), probs))
    steps = np.zeros(n, np.int64)
    total = 0
    while total < max_steps:
        idx = np.nonzero(labels == UNDECIDED)[0]
        if idx.size == 0:
            break
        b = _bucket(idx.size)
        pad = np.concatenate([idx, np.full(b - idx.size, idx[0])])
        blk = int(min(block, max_steps - total))
        st, lab, stp = _advance(jnp.asarray(states[pad]), jnp.asarray(labels[pad]),
                                jnp.zeros(b, jnp.int32), jnp.asarray(eta[pad]),
                                Problem(*(jnp.asarray(x[pad]) for x in probs)), jnp.asarray(blk, jnp.int32))
        m = idx.size
        states[idx] = np.asarray(st)[:m]
        labels[idx] = np.asarray(lab)[:m]
        steps[idx] += np.asarray(stp)[:m]
        total += blk
        if progress is not None:
            progress(f"{total} steps, {m} runs undecided")
        block = min(4096, block * 2)
    return labels, steps, states


def _check_eta(eta, k):
    require(np.isfinite(eta) and eta > 0, f"eta must be a finite positive step size, got {eta}")
    bound = 2 * PI / (k + PI - 1)
    require(eta < bound, f"eta must be < 2 pi/(k + pi - 1) = {bound:.4g} (Lemma 5.4) for the "
                         f"invariant-set classification, got {eta}")


# ============================================================================ teachers and inits
def teacher_for_ratio(k: int, ratio: float, norm_a: float = 1.0, ws: float = 1.0) -> Problem:
    """Reduced teacher with (1.a*)^2/||a*||^2 = ratio and ||a*|| = norm_a, ||w*|| = ws.

    a* = norm_a (sqrt(ratio/k) 1/sqrt(k) + sqrt(1 - ratio/k) u), u a unit vector orthogonal to 1.  The
    law of the outcome does not depend on u (the init ball is rotation invariant), so the reduced
    coordinates (q1 = 1/sqrt k, q2 = u, q3 = the rest of a0) need no u at all."""
    k = _check_k(k)
    require(np.isfinite(ratio) and 0 <= ratio <= k, f"ratio (1.a*)^2/||a*||^2 must be in [0, k] = [0, {k}], got {ratio}")
    require(np.isfinite(norm_a) and norm_a > 0, f"||a*|| must be positive and finite, got {norm_a}")
    require(np.isfinite(ws) and ws > 0, f"||w*|| must be positive and finite, got {ws}")
    c = jnp.array([np.sqrt(k), 0.0, 0.0])
    s = norm_a * jnp.array([np.sqrt(ratio / k), np.sqrt(max(0.0, 1 - ratio / k)), 0.0])
    return Problem(c, s, jnp.asarray(float(ws)), jnp.asarray(float(k)))


def full_teacher(key, k: int, p: int, ratio: float, norm_a: float = 1.0, ws: float = 1.0):
    """A full-dimensional (w*, a*) with the given ratio and norms (for cross-checks)."""
    k, p = _check_k(k), _check_p(p)
    kw, ku = jax.random.split(key)
    w = jax.random.normal(kw, (p,))
    w = ws * w / jnp.linalg.norm(w)
    require(np.isfinite(ratio) and 0 <= ratio <= k, f"ratio (1.a*)^2/||a*||^2 must be in [0, k] = [0, {k}], got {ratio}")
    if k == 1:
        return w, jnp.array([norm_a])
    u = jax.random.normal(ku, (k,))
    u = u - jnp.mean(u)
    u = u / jnp.linalg.norm(u)
    a = norm_a * (np.sqrt(ratio / k) * jnp.ones(k) / np.sqrt(k) + np.sqrt(max(0.0, 1 - ratio / k)) * u)
    return w, a


def init_full(key, k: int, p: int, radius, n: int | None = None):
    """Theorem 5.4's scheme in full dimension: v ~ unif(S^{p-1}), a ~ unif(B(0, radius))."""
    kv, ka, kr = jax.random.split(key, 3)
    shape = () if n is None else (n,)
    v = jax.random.normal(kv, shape + (p,))
    v = v / jnp.linalg.norm(v, axis=-1, keepdims=True)
    g = jax.random.normal(ka, shape + (k,))
    rad = radius * jax.random.uniform(kr, shape + (1,)) ** (1.0 / k)
    return v, rad * g / jnp.linalg.norm(g, axis=-1, keepdims=True)


def _chi2(key, df, shape):
    if df <= 0:
        return jnp.zeros(shape)
    return 2.0 * jax.random.gamma(key, df / 2.0, shape, dtype=jnp.float64)


def init_reduced(key, prob: Problem, p: int, n: int, radius=None):
    """n draws of Theorem 5.4's scheme directly in reduced coordinates (the law of the projections):
    cos theta(v, w*) = g1/sqrt(g1^2 + chi2_{p-1});  a = R U^{1/k} (g1, g2, sqrt(chi2_{k-2})) / norm with
    the basis (1/sqrt k, unit(a* perp 1), rest) of ``teacher_for_ratio``.  radius defaults to the
    theorem's |1.a*| ||w*|| / sqrt(k).  Needs the teacher's c = (sqrt k, 0, 0)."""
    k = int(prob.k)
    p = _check_p(p)
    if radius is None:
        radius = jnp.abs(jnp.dot(prob.c, prob.s)) * prob.ws / np.sqrt(k)
    k1, k2, k3, k4, k5 = jax.random.split(key, 5)
    g1 = jax.random.normal(k1, (n,))
    cosv = g1 / jnp.sqrt(g1**2 + _chi2(k2, p - 1, (n,)))
    x, y = cosv, jnp.sqrt(jnp.maximum(0.0, 1 - cosv**2))
    gg = jax.random.normal(k3, (n, 2))
    if k == 1:
        gg = gg.at[:, 1].set(0.0)
    rest = jnp.sqrt(_chi2(k4, k - 2, (n,)))
    vec = jnp.concatenate([gg, rest[:, None]], axis=1)
    rad = radius * jax.random.uniform(k5, (n,)) ** (1.0 / k)
    A = rad[:, None] * vec / jnp.linalg.norm(vec, axis=1, keepdims=True)
    return jnp.concatenate([x[:, None], y[:, None], A], axis=1)


def default_eta(k: int) -> float:
    """Step size used by the chapter-5 simulations: half of Lemma 5.4's bound 2 pi/(k + pi - 1)."""
    return float(PI / (k + PI - 1))


def success_probability(key, k: int, p: int, ratio: float, n: int, *, eta: float | None = None,
                        norm_a: float = 1.0, max_steps: int = 100_000):
    """Table 5.1 cell: n draws of Theorem 5.4's init (used as drawn, no sign selection), Algorithm 1 on
    the population loss; returns dict(global, spurious, undecided, n, steps_max, steps_mean)."""
    prob = teacher_for_ratio(k, ratio, norm_a)
    eta = default_eta(k) if eta is None else eta
    st = init_reduced(key, prob, p, n)
    lab, steps, _ = classify(st, eta, prob, max_steps=max_steps)
    return {"global": int(np.sum(lab == GLOBAL)), "spurious": int(np.sum(lab == SPURIOUS)),
            "undecided": int(np.sum(lab == UNDECIDED)), "n": int(n), "steps_max": int(steps.max()),
            "steps_mean": float(steps.mean())}


# ============================================================================ validation
def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameter(f"k (number of patches) must be an integer >= 1, got {k!r}")
    return int(k)


def _check_p(p):
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 2:
        raise InvalidParameter(f"p (patch dimension) must be an integer >= 2, got {p!r}")
    return int(p)


def _validate(v0, a0, w_star, a_star):
    for name, x in (("v", v0), ("a", a0), ("w*", w_star), ("a*", a_star)):
        require(x.ndim == 1 and x.size >= 1, f"{name} must be a non-empty vector, got shape {x.shape}")
        require(bool(np.all(np.isfinite(x))), f"{name} must be finite (no NaN/inf)")
    require(v0.shape == w_star.shape, f"v and w* must have the same dimension p, got {v0.shape[0]} and {w_star.shape[0]}")
    require(a0.shape == a_star.shape, f"a and a* must have the same dimension k, got {a0.shape[0]} and {a_star.shape[0]}")
    require(np.linalg.norm(v0) > 0, "v must be non-zero (w = v/||v|| is undefined at v = 0)")
    require(np.linalg.norm(w_star) > 0, "w* must be non-zero")


# ============================================================================ Table 5.1
TABLE_KS = (25, 36, 49, 64, 81, 100)
TABLE_RATIOS = (0, 1, 4, 9, 16, 25)
TABLE_P = 6
# Published Table 5.1 (thesis line ~5428; paper Table 1): P(converge to the global minimum).
TABLE_PUBLISHED = np.array([
    [0.50, 0.55, 0.73, 1.00, 1.00, 1.00],
    [0.50, 0.53, 0.66, 0.89, 1.00, 1.00],
    [0.50, 0.53, 0.61, 0.78, 1.00, 1.00],
    [0.50, 0.51, 0.59, 0.71, 0.89, 1.00],
    [0.50, 0.53, 0.57, 0.66, 0.81, 0.97],
    [0.50, 0.50, 0.57, 0.63, 0.75, 0.90],
])


def table_counts(key, n: int, *, ks=TABLE_KS, ratios=TABLE_RATIOS, p: int = TABLE_P, norm_a: float = 1.0,
                 eta_factor: float = 0.5, max_steps: int = 200_000, progress=None):
    """All cells of Table 5.1 at once: n inits per (k, ratio) cell, every run of every cell in one
    compacted batch.  eta = eta_factor * 2 pi/(k + pi - 1) per cell.  Returns (global, spurious,
    undecided, steps_max) arrays of shape (len(ks), len(ratios))."""
    require(isinstance(n, (int, np.integer)) and n >= 1, f"n (inits per cell) must be an integer >= 1, got {n!r}")
    require(0 < eta_factor < 1, f"eta_factor must be in (0, 1) (eta below Lemma 5.4's bound), got {eta_factor}")
    states, probs, etas = [], [], []
    keys = jax.random.split(key, len(ks) * len(ratios))
    for i, k in enumerate(ks):
        for j, r in enumerate(ratios):
            pr = teacher_for_ratio(int(k), float(r), norm_a)
            states.append(np.asarray(init_reduced(keys[i * len(ratios) + j], pr, p, n)))
            probs.append(pr)
            etas.append(np.full(n, eta_factor * 2 * PI / (k + PI - 1)))
    P = Problem(*(np.concatenate([np.broadcast_to(np.asarray(getattr(pr, f)), (n,) + np.shape(getattr(pr, f)))
                                  for pr in probs]) for f in Problem._fields))
    lab, steps, _ = classify(np.concatenate(states), np.concatenate(etas), P, max_steps=max_steps,
                             progress=progress)
    shape = (len(ks), len(ratios), n)
    lab, steps = lab.reshape(shape), steps.reshape(shape)
    return (np.sum(lab == GLOBAL, -1), np.sum(lab == SPURIOUS, -1), np.sum(lab == UNDECIDED, -1),
            steps.max(-1))


# ============================================================================ Theorems 5.4 / 5.5 conditions
def init_radius(a_star, w_star):
    """Theorem 5.4 (thesis line 5189; paper Thm 4.2): the second-layer init ball radius
    |1.a*| ||w*|| / sqrt(k)."""
    k = a_star.shape[-1]
    return jnp.abs(jnp.sum(a_star, -1)) * jnp.linalg.norm(w_star, axis=-1) / jnp.sqrt(k)


def sign_choices(v, a, w_star, a_star):
    """The 4 sign combinations (v, a), (v, -a), (-v, a), (-v, -a) -> per combination
    (a0.a*, 1.a0, phi0), arrays with a trailing axis of length 4 (v, a may carry a batch axis)."""
    sv = jnp.array([1.0, 1.0, -1.0, -1.0])
    sa = jnp.array([1.0, -1.0, 1.0, -1.0])
    aas = (a @ a_star)[..., None] * sa
    one_a = jnp.sum(a, -1)[..., None] * sa
    c = (v @ w_star)[..., None] / (jnp.linalg.norm(v, axis=-1) * jnp.linalg.norm(w_star))[..., None]
    s = jnp.sqrt(jnp.maximum(0.0, 1 - c * c))
    phi = jnp.arctan2(s, c * sv)
    return aas, one_a, phi


def thm54_conditions(v, a, w_star, a_star, *, corrected: bool = False):
    """Theorem 5.4's three conditions per sign combination (trailing axis 4):
    (a0).a* > 0, |1.a0| <= B, phi0 < pi/2 with B = |1.a*| as printed, B = ||w*|| |1.a*| corrected.

    Printed: |1^T a0| <= |1^T a*| (fails for ||w*|| > 1: the ball radius carries ||w*||)."""
    aas, one_a, phi = sign_choices(v, a, w_star, a_star)
    b = jnp.abs(jnp.sum(a_star, -1))[..., None]
    if corrected:
        b = b * jnp.linalg.norm(w_star, axis=-1)[..., None]
    return (aas > 0) & (jnp.abs(one_a) <= b * (1 + 1e-12)) & (phi < PI / 2)


def thm55_conditions(v, a, w_star, a_star):
    """Theorem 5.5 (thesis line 5227; paper Thm 4.3), ||w*|| = 1: per sign combination
    (a0).a* < 0, |1.a0| <= |1.a*|, g(phi0) <= 1 - 2 (1.a*)^2/||a*||^2."""
    aas, one_a, phi = sign_choices(v, a, w_star, a_star)
    one_as = jnp.sum(a_star, -1)[..., None]
    r = one_as**2 / jnp.sum(a_star * a_star, -1)[..., None]
    return (aas < 0) & (jnp.abs(one_a) <= jnp.abs(one_as) * (1 + 1e-12)) & (_g(phi) <= 1 - 2 * r)
