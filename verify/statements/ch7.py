"""Thesis chapter 7: gradient descent can take exponential time to escape saddle points.

The cubic-spline counter-example (tube (7.5)-(7.10), octopus (7.12)-(7.18), connectors of
Lemma 7.4 and Theorem 7.4), GD vs perturbed GD (Algorithm 2), the warm-up examples and the key
observation (7.3).  Every check calls ``analytic.saddle`` through the module attribute (``S.f``)
and builds its jitted functions inside the check, so a mutated formula is traced afresh.

Findings recorded here (see each check's docstring):
- thm-7.4 (erratum): the bound f(y1) <= p <= f(y0) does not follow from the printed slope
  condition f'(y1) >= 3S; Lemma 7.4's own data (f'(y1) = 2L > 0) violates the lower half.
  Corrected condition (Fritsch-Carlson box): 3S <= f'(y0) <= 0 and 3S <= f'(y1) <= 0.
- lemma-7.4 (erratum): -4 L tau <= dg/dx_i and -4 L tau <= g1' fail (tightest found about
  -(4.75 L + 2.6 gamma) tau and -4.07 L tau); corrected lower bounds -(4.76 L + 2.57 gamma) tau and
  -(4.07 L + 0.07 gamma) tau hold; the rest of the lemma (C^2 matching, upper bounds) holds.
- The construction's gradient-Lipschitz constant is about 12.75 L (Gershgorin bound 16 L + 13 gamma),
  so the experiments' step 1/(4L) and Lemma 7.2's 1/(2L) exceed 1/l of Theorem 7.3's hypothesis.
- In float64, GD with eta = 1/(4L) halves the waiting coordinates every step: after ~1074 steps
  they underflow to exactly 0 and GD never escapes that saddle (d >= 5 in the experiments).
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

from analytic import saddle as S
from verify import checks, tolerance
from verify.checks import Outcome
from verify.registry import statement
from verify.strategies import floats
from verify.verdict import Evidence, Verdict

E = math.e
DIMS7 = (2, 3, 5, 8, 10)  # dimension buckets (one compile per bucket)
BASE = dict(L=E, gamma=1.0, tau=E)  # Step 1 (L7384): L = e, gamma = 1, tau = e


def _params(ratio_hi=6.0, tau_lo=0.5, tau_hi=4.0):
    """(L, gamma, tau) with gamma in [0.25, 4], L/gamma in [1.05, ratio_hi], tau in [tau_lo, tau_hi]."""
    return st.tuples(floats(0.25, 4.0), floats(1.05, ratio_hi), floats(tau_lo, tau_hi)).map(
        lambda t: (t[1] * t[0], t[0], t[2]))


def _rng(seed):
    return np.random.default_rng(int(seed))


def _region_points(rng, n, d, tau, *, k=None, part=None, mirror=True):
    """n points of D: region index k (random if None), part 'saddle' | 'conn' (random if None)."""
    X = np.zeros((n, d))
    ks = rng.integers(0, d + 1, size=n) if k is None else np.full(n, k)
    for i in range(n):
        kk = int(ks[i])
        for j in range(d):
            if j < kk:
                X[i, j] = rng.uniform(2 * tau, 6 * tau)
            elif j == kk:
                pp = part or ("conn" if rng.random() < 0.5 else "saddle")
                X[i, j] = rng.uniform(tau, 2 * tau) if pp == "conn" else rng.uniform(0, tau)
            else:
                X[i, j] = rng.uniform(0, tau)
    if mirror:
        X *= rng.choice([-1.0, 1.0], size=X.shape)
    return X, ks


D_PAD = 10  # every d <= 10 is evaluated in R^10 with zero padding: f_d(x) = f_10(x, 0) (one compile)


ROWS = 64  # batch bucket


def _pad(X):
    """Zero-pad columns to D_PAD and rows to a multiple of ROWS (evaluated in chunks of ROWS)."""
    X = np.atleast_2d(np.asarray(X, np.float64))
    rows = ROWS * max(1, -(-X.shape[0] // ROWS))
    P = np.zeros((rows, D_PAD))
    P[: X.shape[0], : X.shape[1]] = X
    return jnp.asarray(P)


def _vgh_body(y, k, c, L, g, t):
    v = lambda z: S.region_value(z, k, c, L, g, t)  # noqa: E731  (S looked up at trace time)
    return v(y), jax.grad(v)(y), jax.hessian(v)(y)


_vgh_jit = jax.jit(jax.vmap(_vgh_body, in_axes=(0, 0, 0, None, None, None)))


def _vgh():
    """(y (n, d), k, conn, L, gamma, tau) -> value, gradient, Hessian of one region formula."""
    def call(Y, ks, cs, L, g, t):
        n, d = np.shape(Y)
        P = _pad(Y)
        kk = np.zeros(P.shape[0], np.int32)
        cc = np.zeros(P.shape[0], bool)
        kk[:n], cc[:n] = ks, cs
        outs = [_vgh_jit(P[i:i + ROWS], jnp.asarray(kk[i:i + ROWS]), jnp.asarray(cc[i:i + ROWS]), L, g, t)
                for i in range(0, P.shape[0], ROWS)]
        v, G, H = (np.concatenate([np.asarray(o[j]) for o in outs]) for j in range(3))
        return v[:n], G[:n, :d], H[:n, :d, :d]
    return call


def _fgh_body(x, L, g, t, mirror):
    F = lambda z: S.f(z, L, g, t, mirror=mirror)  # noqa: E731
    return F(x), jax.grad(F)(x), jax.hessian(F)(x)


_fgh_jit = jax.jit(jax.vmap(_fgh_body, in_axes=(0, None, None, None, None)), static_argnums=(4,))


def _fgh(mirror=True):
    """batch (x (n, d), L, gamma, tau) -> f, grad f, Hessian f of the selected region."""
    def call(X, L, g, t):
        n, d = np.shape(X)
        P = _pad(X)
        outs = [_fgh_jit(P[i:i + ROWS], L, g, t, mirror) for i in range(0, P.shape[0], ROWS)]
        v, G, H = (np.concatenate([np.asarray(o[j]) for o in outs]) for j in range(3))
        return v[:n], G[:n, :d], H[:n, :d, :d]
    return call


def _ratio(a, b, scale, n_ops=64):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    tol = tolerance.roundoff_tol(np.maximum(np.abs(a), np.abs(b)) + scale, n_ops)
    r = np.abs(a - b) / tol
    return float(np.max(r)) if r.size else 0.0


# ============================================================================ Theorem 7.4
def _cubic_extrema(y0, y1, f0, f1, d0, d1):
    """Exact min and max of the Hermite cubic on [y0, y1] (endpoints and real roots of p')."""
    c0, c1, c2, c3 = (float(c) for c in S.hermite_coeffs(y0, y1, f0, f1, d0, d1))
    h = y1 - y0
    cands = [0.0, h]
    roots = np.roots([3 * c3, 2 * c2, c1]) if abs(c3) > 0 or abs(c2) > 0 else []
    for r in np.atleast_1d(roots):
        if np.isreal(r) and 0 <= float(np.real(r)) <= h:
            cands.append(float(np.real(r)))
    ys = y0 + np.array(cands)
    ps = np.asarray(S.hermite(ys, y0, y1, f0, f1, d0, d1))  # numpy in, numpy out (no dispatch)
    return float(ps.min()), float(ps.max())


@jax.jit
def _herm_interp(y0, y1, f0, f1, d0, d1):
    H = lambda y: S.hermite(y, y0, y1, f0, f1, d0, d1)  # noqa: E731
    return jnp.stack([H(y0), H(y1), jax.grad(H)(y0), jax.grad(H)(y1)])


@st.composite
def _hermite_data(draw, corrected: bool):
    y0 = draw(floats(-3.0, 3.0))
    h = draw(floats(0.1, 3.0))
    f0 = draw(floats(-5.0, -0.01))
    f1 = f0 - draw(floats(0.01, 5.0))  # f(y1) < f(y0) < 0
    Sl = (f1 - f0) / h
    if corrected:  # 3S <= f'(y0) <= 0 and 3S <= f'(y1) <= 0
        d0 = 3 * Sl * draw(floats(0.0, 1.0))
        d1 = 3 * Sl * draw(floats(0.0, 1.0))
    else:  # printed: f'(y0) < 0 and f'(y1) >= 3S
        d0 = -draw(floats(1e-3, 10.0))
        d1 = 3 * Sl + draw(floats(0.0, 20.0))
    return (y0, y0 + h, f0, f1, d0, d1)


def _bound_margin(p):
    y0, y1, f0, f1, d0, d1 = p
    lo, hi = _cubic_extrema(*p)
    scale = abs(f0) + abs(f1) + abs(d0 * (y1 - y0)) + abs(d1 * (y1 - y0))
    m = min(lo - f1, f0 - hi) / scale
    return m, {"p_min": lo, "p_max": hi, "f(y0)": f0, "f(y1)": f1, "f'(y0)": d0, "f'(y1)": d1, "slope_S": (f1 - f0) / (y1 - y0)}


@statement("thm-7.4", line=7748, chapter="7", expect="erratum",
           title="Cubic Hermite interpolant: end conditions; f(y1) <= p <= f(y0) under a slope condition")
def thm_7_4(ctx):
    """Interpolation conditions p(y0)=f(y0), p(y1)=f(y1), p'(y0)=f'(y0), p'(y1)=f'(y1) to round-off
    (jax.grad of ``S.hermite``); the bound searched with Hypothesis (exact extrema of the cubic).

    Printed: "for f(y1) < f(y0) < 0, if f'(y1) >= 3 (f(y1) - f(y0))/(y1 - y0) then f(y1) <= p(y) <= f(y0)"
    (the relation sign is lost in the OCR; ">=" is what Lemma 7.4's use "2L > 3(-4L tau + 2 gamma tau)/tau"
    needs).  Refuted: any f'(y1) > 0 makes p dip below f(y1) just left of y1 (Lemma 7.4's own data).
    Corrected (Fritsch-Carlson): 3S <= f'(y0) <= 0 and 3S <= f'(y1) <= 0.
    """
    n = ctx.profile.examples(10)

    def interp_lhs(p):
        return np.asarray(_herm_interp(*(jnp.float64(v) for v in p)))

    interp = checks.exact_check(ctx, params=st.one_of(_hermite_data(True), _hermite_data(False)),
                                lhs=interp_lhs, rhs=lambda p: np.array(p[2:]), n_ops=32, max_examples=n,
                                what="interpolation conditions", name="interpolation",
                                scale=lambda p: np.full(4, abs(p[2]) + abs(p[3]) + abs(p[4]) + abs(p[5])))
    slack = 64 * tolerance.EPS * 16
    printed = checks.inequality_check(ctx, params=_hermite_data(False), margin=_bound_margin, slack=slack,
                                      max_examples=n, what="f(y1) <= p <= f(y0) under f'(y1) >= 3S", name="as printed")
    corrected = checks.inequality_check(ctx, params=_hermite_data(True), margin=_bound_margin, slack=slack,
                                        max_examples=n, what="f(y1) <= p <= f(y0) under 3S <= f'(y0), f'(y1) <= 0",
                                        name="corrected")
    lem = (E, 2 * E, -2 * E, -4 * E * E, -2.0, 2 * E)  # Lemma 7.4's data, L = tau = e, gamma = 1
    m_lem, info_lem = _bound_margin(lem)
    corr = checks.all_of(interp, corrected)
    corr.evidence.extra["lemma_7_4_data"] = {"margin": m_lem, **info_lem}
    return checks.erratum(printed, corr,
                          printed_text="f(y1) < f(y0) < 0, f'(y0) < 0, f'(y1) >= 3(f(y1)-f(y0))/(y1-y0) "
                                       "=> f(y1) <= p(y) <= f(y0) on [y0, y1]",
                          corrected_text="f(y1) < f(y0), 3S <= f'(y0) <= 0 and 3S <= f'(y1) <= 0 (S the secant "
                                         "slope) => f(y1) <= p(y) <= f(y0); interpolation conditions exact")


# ============================================================================ Lemma 7.4 / Remarks
@st.composite
def _boundary_case(draw):
    d = draw(st.sampled_from(DIMS7))
    k = draw(st.integers(0, d - 1))
    side = draw(st.sampled_from(("tau", "2tau")))
    return dict(d=d, k=k, side=side, p=draw(_params()), seed=draw(checks.seeds()))


def _c2_check(ctx, n_examples):
    vgh = _vgh()
    NB = 8

    def body(c):
        L, g, t = c["p"]
        d, k = c["d"], c["k"]
        rng = _rng(c["seed"])
        if c["side"] == "tau":  # saddle part of region k vs its connection part
            X, _ = _region_points(rng, NB, d, t, k=k, part="saddle", mirror=False)
            X[:, k] = t
            ka, ca, kb, cb = k, False, k, True
        else:  # connection part of region k vs saddle part of region k+1 (or the basin, Eq. 7.10)
            X, _ = _region_points(rng, NB, d, t, k=k, part="conn", mirror=False)
            X[:, k] = 2 * t
            ka, ca, kb, cb = k, True, k + 1, False
        Xj = jnp.asarray(X)
        va, ga, ha = vgh(Xj, jnp.full(NB, ka), jnp.full(NB, ca), L, g, t)
        vb, gb, hb = vgh(Xj, jnp.full(NB, kb), jnp.full(NB, cb), L, g, t)
        nu = float(S.nu(L, g, t))
        r = max(_ratio(va, vb, d * nu), _ratio(ga, gb, 10 * (L + g) * t), _ratio(ha, hb, 20 * (L + g)))
        return Outcome(ok=r <= 1.0, score=r, info={"error_over_roundoff": r, "d": d, "k": k, "side": c["side"],
                                                   "L": L, "gamma": g, "tau": t})

    return checks.predicate_check(ctx, params=_boundary_case(), body=body, max_examples=n_examples,
                                  what="C^2 matching (value, gradient, Hessian) across region boundaries",
                                  name="C^2 continuity", tol="float64 round-off (64 eps * 64 ops * operand scale)")


@jax.jit
def _conn_derivs(xi, xj, x1, L, g, t):
    gi = jax.vmap(jax.grad(S.g, argnums=0), in_axes=(0, 0, None, None, None))(xi, xj, L, g, t)
    gj = jax.vmap(jax.grad(S.g, argnums=1), in_axes=(0, 0, None, None, None))(xi, xj, L, g, t)
    g1p = jax.vmap(jax.grad(S.g1), in_axes=(0, None, None, None))(x1, L, g, t)
    return gi, gj, g1p, S.g2(x1, L, g, t)


def _connector_bounds(p, lower_fn, lower_g1_fn, seed=0):
    """min over a (u, s) grid plus random points of the Lemma 7.4 margins, relative to L tau."""
    L, g, t = p
    u = np.concatenate([np.linspace(0, 1, 201), _rng(seed).random(200)])
    s = np.concatenate([np.linspace(0, 1, 21), _rng(seed + 1).random(20)])
    U, Sg = np.meshgrid(u, s, indexing="ij")
    gi, gj, g1p, g2v = (np.asarray(a) for a in _conn_derivs(jnp.asarray(t + U.ravel() * t), jnp.asarray(Sg.ravel() * t),
                                                            jnp.asarray(t + u * t), L, g, t))
    xj = Sg.ravel() * t
    sc = L * t
    lo, lo1 = float(lower_fn(L, g, t)), float(lower_g1_fn(L, g, t))
    parts = {
        "dg/dx_i >= lower": float(np.min(gi) - lo) / sc,
        "dg/dx_i <= -2 gamma tau": float(-2 * g * t - np.max(gi)) / sc,
        "dg/dx_{i+1} >= -2 gamma x_{i+1}": float(np.min(gj + 2 * g * xj)) / sc,
        "g1' >= lower": float(np.min(g1p) - lo1) / sc,
        "g1' <= -2 gamma tau": float(-2 * g * t - np.max(g1p)) / sc,
        "g2 >= -gamma": float(np.min(g2v) + g) / max(L, 1.0),
    }
    worst = min(parts, key=parts.get)
    info = {"L": L, "gamma": g, "tau": t, "worst_claim": worst,
            "min dg/dx_i / (L tau)": float(np.min(gi)) / sc, "claimed_lower / (L tau)": lo / sc,
            "min g1' / (L tau)": float(np.min(g1p)) / sc, "claimed_g1_lower / (L tau)": lo1 / sc,
            **{f"margin[{k}]": v for k, v in parts.items()}}
    return parts[worst], info


@statement("lemma-7.4", line=7778, chapter="7", expect="erratum",
           title="Connectors g = g1(x_i) + g2(x_i) x_{i+1}^2: C^2 matching and derivative bounds")
def lemma_7_4(ctx):
    """C^2 matching of the tube at x_i = tau and x_i = 2 tau (value, gradient, Hessian of the two
    adjacent region formulas agree to float64 round-off; Hypothesis-drawn boundary points, d = 2..10,
    every boundary index), nu = -g1(2tau) + 4 L tau^2 = (37 L + 13 gamma) tau^2/6, and the bounds
    on [tau, 2tau] x [0, tau] searched over (L, gamma, tau).

    Printed: -4 L tau <= dg/dx_i <= -2 gamma tau, dg/dx_{i+1} >= -2 gamma x_{i+1}, -4 L tau <= g1' <= -2 gamma tau.
    The lower bounds fail: p = g1' is the Hermite cubic with p'(2tau) = 2L > 0, so it dips below
    -4 L tau (to -4.0652 L tau at L >> gamma), and g2' x_{i+1}^2 adds down to -(15/8)(L+gamma) tau.
    Corrected: dg/dx_i >= -(4.76 L + 2.57 gamma) tau, g1' >= -(4.07 L + 0.07 gamma) tau (L >= gamma);
    the proof's use (x_k + eta |dg/dx_k| < 6 tau for eta <= 1/(2L)) still goes through.
    """
    n = ctx.profile.examples(8)
    c2 = _c2_check(ctx, n)
    nu_ok = checks.exact_check(ctx, params=_params(), lhs=lambda p: S.nu(*p), rhs=lambda p: S.nu_closed_form(*p),
                               n_ops=64, max_examples=n, what="nu = -g1(2tau) + 4 L tau^2 = (37L + 13 gamma) tau^2/6",
                               name="nu")
    pp = st.tuples(_params(ratio_hi=40.0), checks.seeds())
    printed = checks.inequality_check(
        ctx, params=pp, margin=lambda q: _connector_bounds(q[0], S.dg_dxi_lower_printed, S.dg_dxi_lower_printed, q[1]),
        slack=1e-12, max_examples=n, what="printed derivative bounds", name="bounds as printed")
    corrected = checks.inequality_check(
        ctx, params=pp,
        margin=lambda q: _connector_bounds(q[0], S.dg_dxi_lower_corrected, S.g1_prime_lower_corrected, q[1]),
        slack=1e-12, max_examples=n, what="corrected derivative bounds", name="bounds corrected")
    m, info = _connector_bounds((BASE["L"], BASE["gamma"], BASE["tau"]), S.dg_dxi_lower_printed,
                                S.dg_dxi_lower_printed)
    v = checks.erratum(checks.all_of(c2, nu_ok, printed), checks.all_of(c2, nu_ok, corrected),
                       printed_text="-4 L tau <= dg/dx_i <= -2 gamma tau; dg/dx_{i+1} >= -2 gamma x_{i+1}; "
                                    "-4 L tau <= g1'(x_i) <= -2 gamma tau",
                       corrected_text="-(4.76 L + 2.57 gamma) tau <= dg/dx_i <= -2 gamma tau; dg/dx_{i+1} >= "
                                      "-2 gamma x_{i+1}; -(4.07 L + 0.07 gamma) tau <= g1' <= -2 gamma tau (L >= gamma); "
                                      "C^2 matching and nu as printed")
    v.evidence.extra["at L = tau = e, gamma = 1"] = info
    return v


def _deriv(fn, order):
    for _ in range(order):
        fn = jax.grad(fn)
    return fn


@jax.jit
def _degree_derivs(x, L, g, t):
    c3 = S.hermite_coeffs(t, 2 * t, -2 * g * t, -4 * L * t, -2 * g, 2 * L)[3]
    g1f = lambda z: S.g1(z, L, g, t)  # noqa: E731
    g2f = lambda z: S.g2(z, L, g, t)  # noqa: E731
    return jnp.stack([_deriv(g1f, 6)(x), _deriv(g2f, 6)(x), _deriv(g1f, 5)(x), _deriv(g2f, 5)(x),
                      _deriv(g1f, 4)(x) - c3 * 6.0])


@statement("remark-7.1", line=7430, chapter="7", title="g1, g2 are polynomials of degree <= 5; rho = poly(L)")
def remark_7_1(ctx):
    """Degrees by autodiff: the 6th derivatives of g1 and g2 vanish identically (exactly 0 at
    Hypothesis-drawn points), g2^(5) = -720 (L+gamma)/tau^5 (degree exactly 5), g1^(4) = 6 c3 and
    g1^(5) = 0 (degree 4); the Hessian-Lipschitz bound rho is homogeneous of degree 1 in (L, gamma)."""
    n = ctx.profile.examples(10)

    def lhs(q):
        (L, g, t), u = q
        dv = np.asarray(_degree_derivs(t + u * t, L, g, t))
        return np.array([*dv, S.hessian_lipschitz_bound(2 * L, 2 * g, t) - 2 * S.hessian_lipschitz_bound(L, g, t)])

    def rhs(q):
        (L, g, t), u = q
        return np.array([0.0, 0.0, 0.0, -720.0 * (L + g) / t ** 5, 0.0, 0.0])

    def scale(q):
        (L, g, t), u = q
        return np.array([0.0, 0.0, 0.0, 720.0 * (L + g) / t ** 5, 24 * (L + g) / t ** 2,
                         S.hessian_lipschitz_bound(2 * L, 2 * g, t)])

    return checks.exact_check(ctx, params=st.tuples(_params(), floats(0.0, 1.0)), lhs=lhs, rhs=rhs, n_ops=64,
                              scale=scale, max_examples=n, what="degrees of g1 (4) and g2 (5); rho linear in L")


@statement("remark-7.2", line=7433, chapter="7",
           title="||grad f|| >= 2 gamma tau in connection regions; lambda_min = -2 gamma in saddle regions")
def remark_7_2(ctx):
    """On Hypothesis-drawn points of the octopus (d = 2..10, random region): in the connection parts
    ||grad f|| >= |df/dx_k| >= 2 gamma tau (the connection coordinate's component alone, on a grid of
    the connection square; margin searched); in the saddle parts the Hessian's smallest eigenvalue
    is exactly -2 gamma (round-off)."""
    n = ctx.profile.examples(8)

    F3 = _fgh(True)

    def fgh(d):
        return F3

    def grad_margin(c):
        d, (L, g, t), seed = c
        rng = _rng(seed)
        X, k = _conn_grid(d, t, rng, return_k=True)
        ks = np.full(len(X), k)
        _, G, _ = fgh(d)(X, L, g, t)
        # the connection coordinate's own component |df/dx_k| (a lower bound on ||grad f||)
        gk = np.abs(np.asarray(G)[np.arange(len(X)), ks])
        return float(gk.min() / (2 * g * t) - 1.0), {"min |df/dx_k| / (2 gamma tau)": float(gk.min() / (2 * g * t)),
                                                      "d": d, "L": L, "gamma": g, "tau": t}

    pts = st.tuples(st.sampled_from(DIMS7), _params(), checks.seeds())
    grads = checks.inequality_check(ctx, params=pts, margin=grad_margin, slack=1e-12, max_examples=n,
                                    what="||grad f|| >= 2 gamma tau in connection regions", name="gradient")

    def eig_lhs(c):
        d, (L, g, t), seed = c
        X, ks = _region_points(_rng(seed), 16, d, t, k=None, part="saddle")
        X = X[ks < d]
        _, _, H = fgh(d)(jnp.asarray(X), L, g, t)
        return np.linalg.eigvalsh(np.asarray(H))[:, 0]

    def eig_rhs(c):
        d, (L, g, t), seed = c
        _, ks = _region_points(_rng(seed), 16, d, t, k=None, part="saddle")
        return np.full(int(np.sum(ks < d)), -2.0 * g)

    eig = checks.exact_check(ctx, params=pts, lhs=eig_lhs, rhs=eig_rhs, n_ops=64, max_examples=n,
                             scale=lambda c: np.full(int(np.sum(_region_points(_rng(c[2]), 16, c[0], c[1][2])[1] < c[0])),
                                                     2 * c[1][0]),
                             what="lambda_min(Hessian) = -2 gamma in saddle regions", name="saddle curvature")
    return checks.all_of(grads, eig)


# ============================================================================ Lemma 7.1, Definitions
@statement("lemma-7.1", line=7447, chapter="7",
           title="Critical points in D0: one local min (4tau,...,4tau) and d saddles (4tau,..,4tau,0,..,0)")
def lemma_7_1(ctx):
    """The listed points have zero gradient and the claimed Hessian signature (saddles: exactly one
    eigenvalue -2 gamma, the others 2L; the minimum: all 2L); Newton's method on grad f = 0 from many
    starts in every region of D0 (d = 2, 3, 4) finds no other critical point inside D0."""
    n = ctx.profile.examples(4, minimum=2)
    n_starts = ctx.profile.sized(96, minimum=32)

    def newton_fn():
        def F(x, L, g, t):
            return S.tube(x, L, g, t)

        def step(x, L, g, t):
            G, H = jax.grad(F)(x, L, g, t), jax.hessian(F)(x, L, g, t)
            return x - jnp.linalg.solve(H, G)

        def run(x, L, g, t):
            x = jax.lax.fori_loop(0, 40, lambda i, z: step(z, L, g, t), x)
            return x, jax.grad(F)(x, L, g, t), jax.hessian(F)(x, L, g, t)

        return jax.jit(jax.vmap(run, in_axes=(0, None, None, None)))

    newton = newton_fn()

    def body(c):
        d, (L, g, t), seed = c
        X, _ = _region_points(_rng(seed), n_starts, d, t, mirror=False)
        Xp = np.zeros((n_starts, 4))  # f_d(x) = f_4(x, 0): one compile; the padding stays exactly 0
        Xp[:, :d] = X
        Xf, G, H = (np.asarray(a) for a in newton(jnp.asarray(Xp), L, g, t))
        Xf, G, H = Xf[:, :d], G[:, :d], H[:, :d, :d]
        listed = np.stack([np.asarray(S.saddle_point(k, d, t)) for k in range(d + 1)])
        gscale = (L + g) * t
        conv = np.all(np.isfinite(Xf), 1) & (np.linalg.norm(G, axis=1) <= 1e-9 * gscale)
        inD = np.asarray(S.in_domain(Xf, t, mirror=False, slack=1e-9 * t))
        found = Xf[conv & inD]
        dist = np.min(np.linalg.norm(found[:, None, :] - listed[None], axis=2), axis=1) if len(found) else np.zeros(0)
        extra = int(np.sum(dist > 1e-7 * t))
        # the listed points themselves
        _, Gl, Hl = (np.asarray(a) for a in _fgh(False)(jnp.asarray(listed), L, g, t))
        gl = float(np.max(np.abs(Gl)) / tolerance.roundoff_tol(4 * L * t + L * t, 64))
        ev = np.linalg.eigvalsh(Hl)
        want = np.stack([np.sort(np.r_[-2 * g if k < d else 2 * L, np.full(d - 1, 2 * L)]) for k in range(d + 1)])
        er = float(np.max(np.abs(ev - want)) / tolerance.roundoff_tol(2 * L, 64))
        counts = np.bincount(np.argmin(np.linalg.norm(found[:, None, :] - listed[None], axis=2), axis=1),
                             minlength=d + 1).tolist() if len(found) else []
        ok = extra == 0 and gl <= 1 and er <= 1
        return Outcome(ok=ok, score=max(gl, er, 10.0 * extra), info={
            "d": d, "L": L, "gamma": g, "tau": t, "starts": n_starts, "converged_in_D0": int(len(found)),
            "unlisted_critical_points": extra, "hits_per_listed_point": counts,
            "grad_at_listed_over_roundoff": gl, "eig_error_over_roundoff": er})

    return checks.predicate_check(ctx, params=st.tuples(st.sampled_from((2, 3, 4)), _params(), checks.seeds()),
                                  body=body, max_examples=n, what="critical points of f in D0",
                                  tol="||grad|| <= 1e-9 (L+gamma) tau for convergence; listed points to round-off")


@st.composite
def _dim_params(draw, dims=DIMS7):
    return draw(st.sampled_from(dims)), draw(_params()), draw(checks.seeds())


@statement("def-7.1", line=7025, chapter="7", title="B-bounded: sup |f| over the construction")
def def_7_1(ctx):
    """sup_D |f| <= B = d nu (derived in ``S.value_bound``; attained at the minimum, f = -d nu), searched
    over Hypothesis-drawn (d, L, gamma, tau) with sampled points of every region plus the minimum;
    B is linear in d (poly(d), as Theorem 7.3 needs)."""
    n = ctx.profile.examples(8)
    fgh = _fgh(True)

    def margin(c):
        d, (L, g, t), seed = c
        X, _ = _region_points(_rng(seed), 64, d, t)
        X = np.vstack([X, np.asarray(S.local_min(d, t))[None] * np.where(_rng(seed).random(d) < .5, -1, 1)])
        F, _, _ = fgh(jnp.asarray(X), L, g, t)
        B = float(S.value_bound(d, L, g, t))
        mx = float(np.max(np.abs(np.asarray(F))))
        lin = float(S.value_bound(2 * d, L, g, t)) - 2 * B
        return (B - mx) / B - abs(lin) / B, {"sup|f| found": mx, "B": B, "ratio": mx / B, "d": d}

    return checks.inequality_check(ctx, params=_dim_params(), margin=margin, slack=1e-12, max_examples=n,
                                   what="sup |f| <= B = d nu, B linear in d")


def _conn_grid(d, t, rng, n_u=24, n_s=8, return_k=False):
    """Points of region k's connection part on a (u, s) grid, random k and other coordinates."""
    u = np.linspace(0, 1, n_u)
    s = np.linspace(0, 1, n_s)
    U, Sg = np.meshgrid(u, s, indexing="ij")
    m = U.size
    k = int(rng.integers(0, d))
    X, _ = _region_points(rng, m, d, t, k=k, part="conn", mirror=True)
    sg = np.sign(X[:, k]) + (X[:, k] == 0)
    X[:, k] = sg * (t + U.ravel() * t)
    if k + 1 < d:
        X[:, k + 1] = np.sign(X[:, k + 1] + 1e-300) * Sg.ravel() * t
    return (X, k) if return_k else X


@statement("def-7.2", line=7029, chapter="7", title="l-gradient Lipschitz: sup ||Hessian||_op of the construction")
def def_7_2(ctx):
    """sup ||Hessian f||_op (autodiff on a grid of the connection regions plus random points, d = 2..10)
    <= l = ``S.hessian_bound`` (Gershgorin, 16.05 L + 12.88 gamma; independent of d and tau).  The
    tightest value found is about 12.75 L at L = e, gamma = 1: the thesis' step sizes 1/(4L)
    (experiments) and 1/(2L) (Lemma 7.2) exceed 1/l."""
    n = ctx.profile.examples(8)
    fgh = _fgh(True)

    def margin(c):
        d, (L, g, t), seed = c
        rng = _rng(seed)
        X = np.vstack([_conn_grid(d, t, rng), _region_points(rng, 32, d, t)[0]])
        _, _, H = fgh(jnp.asarray(X), L, g, t)
        op = float(np.max(np.abs(np.linalg.eigvalsh(np.asarray(H)))))
        lb = float(S.hessian_bound(L, g))
        return (lb - op) / lb, {"sup||H|| found": op, "l": lb, "found/L": op / L, "l/L": lb / L, "d": d}

    return checks.inequality_check(ctx, params=_dim_params(), margin=margin, slack=1e-12, max_examples=n,
                                   what="sup ||Hessian||_op <= l")


@statement("def-7.3", line=7032, chapter="7", title="rho-Hessian Lipschitz: sup ||H(x)-H(y)||/||x-y|| of the construction")
def def_7_3(ctx):
    """Difference quotients ||H(x) - H(y)||_op / ||x - y|| on nearby pairs (both in D; outside D the
    region formulas are not matched) in and across the connection regions, d = 2..10, <= rho = ``S.hessian_lipschitz_bound`` (third-derivative tensor,
    linear in L, 1/tau, independent of d)."""
    n = ctx.profile.examples(8)
    fgh = _fgh(True)

    def margin(c):
        d, (L, g, t), seed = c
        rng = _rng(seed)
        X = _conn_grid(d, t, rng, 16, 6)
        dirs = rng.normal(size=X.shape)
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        h = t * 10.0 ** rng.uniform(-4, -1, size=(X.shape[0], 1))
        Y = X + h * dirs
        keep = np.asarray(S.in_domain(X, t)) & np.asarray(S.in_domain(Y, t))  # f is C^2 on D only
        X, Y, h = X[keep], Y[keep], h[keep]
        _, _, HX = fgh(jnp.asarray(X), L, g, t)
        _, _, HY = fgh(jnp.asarray(Y), L, g, t)
        D = np.asarray(HX) - np.asarray(HY)
        q = np.max(np.abs(np.linalg.eigvalsh(D)), axis=1) / h[:, 0]
        rho = float(S.hessian_lipschitz_bound(L, g, t))
        return (rho - float(q.max())) / rho, {"sup quotient found": float(q.max()), "rho": rho,
                                              "found*tau/L": float(q.max()) * t / L, "d": d}

    return checks.inequality_check(ctx, params=_dim_params(), margin=margin, slack=1e-9, max_examples=n,
                                   what="||H(x)-H(y)|| <= rho ||x-y||")


@statement("def-7.4", line=7044, chapter="7", title="alpha-strict saddles: grad = 0 and lambda_min = -2 gamma at the d saddles")
def def_7_4(ctx):
    """At every saddle (4tau, ..., 4tau [k], 0, ..., 0), mirrored by random signs, d = 2..10: grad f = 0
    and lambda_min(Hessian) = -2 gamma to round-off (so alpha = 2 gamma)."""
    n = ctx.profile.examples(8)
    fgh = _fgh(True)

    def pts(c):
        d, (L, g, t), seed = c
        P = np.stack([np.asarray(S.saddle_point(k, d, t)) for k in range(d)])
        return P * np.where(_rng(seed).random(P.shape) < .5, -1.0, 1.0)

    def lhs(c):
        d, (L, g, t), seed = c
        _, G, H = fgh(jnp.asarray(pts(c)), L, g, t)
        return np.concatenate([np.asarray(G).ravel(), np.linalg.eigvalsh(np.asarray(H))[:, 0]])

    def rhs(c):
        d, (L, g, t), seed = c
        return np.concatenate([np.zeros(d * d), np.full(d, -2 * g)])

    return checks.exact_check(ctx, params=_dim_params(), lhs=lhs, rhs=rhs, n_ops=64, max_examples=n,
                              scale=lambda c: np.full(c[0] * c[0] + c[0], 8 * c[1][0] * c[1][2]),
                              what="grad = 0, lambda_min = -2 gamma at the saddles")


@statement("def-7.5", line=7075, chapter="7", title="Second-order stationary point and eps-SOSP")
def def_7_5(ctx):
    """The predicate ``S.is_eps_sosp`` (||grad|| <= eps, lambda_min >= -sqrt(rho eps)): the minimum is an
    SOSP; a saddle is an eps-SOSP exactly when eps >= 4 gamma^2/rho (tested at 0.99x and 1.01x); no
    point of D with region index < d is an eps-SOSP for eps < min(2 gamma tau, 4 gamma^2/rho)."""
    n = ctx.profile.examples(8)
    fgh = _fgh(True)

    def body(c):
        d, (L, g, t), seed = c
        rho = float(S.hessian_lipschitz_bound(L, g, t))
        thr = 4 * g * g / rho
        P = np.stack([np.asarray(S.saddle_point(k, d, t)) for k in range(d + 1)])
        _, G, H = fgh(jnp.asarray(P), L, g, t)
        G, H = np.asarray(G), np.asarray(H)
        below = np.asarray(S.is_eps_sosp(G, H, 0.99 * thr, rho))
        above = np.asarray(S.is_eps_sosp(G, H, 1.01 * thr, rho))
        X, ks = _region_points(_rng(seed), 64, d, t)
        X = X[ks < d]
        _, GX, HX = fgh(jnp.asarray(X), L, g, t)
        eps = 0.999 * float(S.no_sosp_eps(L, g, t))
        bad = int(np.sum(np.asarray(S.is_eps_sosp(np.asarray(GX), np.asarray(HX), eps, rho))))
        ok = bool(below[-1]) and not below[:-1].any() and above.all() and bad == 0
        return Outcome(ok=ok, score=float(bad), info={"min_is_sosp": bool(below[-1]),
                                                      "saddles_eps_sosp_below_threshold": int(below[:-1].sum()),
                                                      "saddles_eps_sosp_above_threshold": int(above[:-1].sum()),
                                                      "eps_sosp_in_non_final_regions": bad, "d": d})

    return checks.predicate_check(ctx, params=_dim_params(), body=body, max_examples=n, what="eps-SOSP predicate")


# ============================================================================ Algorithm 2
@jax.jit
def _alg2_ref(x, key, tt, eta, r, L, g, t):
    """Reference for one step of Algorithm 2: ||grad f(x)||, the perturbed step, the plain step, ||xi||."""
    gf = jax.grad(lambda z: S.f(z, L, g, t))
    xi = S.ball_uniform(jax.random.fold_in(key, tt), x.shape[-1], r)
    xp = x + xi
    return jnp.linalg.norm(gf(x)), xp - eta * gf(xp), x - eta * gf(x), jnp.linalg.norm(xi)


@statement("alg-2", line=7050, chapter="7", title="Perturbed gradient descent (Algorithm 2)")
def alg_2(ctx):
    """One step of ``S.pgd_step`` on Hypothesis-drawn states (points near a saddle or not, t, t_noise):
    it perturbs iff ||grad f|| <= g_thres and t - t_noise > t_thres, then sets t_noise = t, the
    perturbation has norm <= r, and the step is then taken from the perturbed point; and the
    perturbation is uniform on the ball: E||xi||^2 = d r^2/(d+2), E xi_1 = 0 (Monte Carlo)."""
    n = ctx.profile.examples(10)
    L, g, t = BASE["L"], BASE["gamma"], BASE["tau"]

    def one(x, tt, tn, key, eta, r, gth, tth):
        gf = jax.grad(lambda z: S.f(z, L, g, t))
        return S.pgd_step(x, tt, tn, key, gf, eta, r, gth, tth)

    step = jax.jit(one)

    @st.composite
    def states(draw):
        d = 5  # one compile
        k = draw(st.integers(0, d - 1))
        near = draw(st.booleans())
        seed = draw(checks.seeds())
        x = np.asarray(S.saddle_point(k, d, t))
        rng = _rng(seed)
        x = x + rng.normal(size=d) * (1e-4 if near else 0.3)
        tt = draw(st.integers(0, 50))
        tn = draw(st.integers(-3, 50))
        return d, x, tt, tn, seed, draw(floats(1e-3, 0.5)), draw(st.integers(0, 5))

    def body(c):
        d, x, tt, tn, seed, r, tth = c
        eta = 1.0 / S.hessian_bound(L, g)
        gth = g * E / 100
        xj = jnp.asarray(x)
        key = jax.random.key(seed)
        xn, tno, pert = step(xj, jnp.int32(tt), jnp.int32(tn), key, eta, r, gth, jnp.int32(tth))
        gnorm, exp_pert, exp_plain, xinorm = (np.asarray(a) for a in _alg2_ref(xj, key, jnp.int32(tt), eta, r, L, g, t))
        want = bool(float(gnorm) <= gth and tt - tn > tth)
        ok = bool(pert) == want and int(tno) == (tt if want else tn)
        xn = np.asarray(xn)
        exp = exp_pert if want else exp_plain
        err = float(np.max(np.abs(exp - xn)))
        ok = ok and err <= 1e-12 * (1 + float(np.max(np.abs(xn))))
        if want:
            ok = ok and float(xinorm) <= r * (1 + 1e-12)
        return Outcome(ok=ok, score=0.0, info={"perturbed": bool(pert), "should": want, "||grad||": float(gnorm),
                                               "t": tt, "t_noise": tn, "||xi||/r": float(xinorm) / r,
                                               "step_error": err})

    logic = checks.predicate_check(ctx, params=states(), body=body, max_examples=n, what="perturbation rule of Algorithm 2",
                                   name="rule")

    def sample(key, p):
        d, r = p["z"].shape[0], p["r"]
        xi = S.ball_uniform(key, d, r)
        return jnp.array([jnp.sum(xi * xi) / r ** 2, xi[0] / r])

    ball = checks.mc_check(ctx, params=st.fixed_dictionaries({"z": st.sampled_from((2, 5)).map(np.zeros),
                                                              "r": floats(0.01, 2.0)}),
                           sample=lambda key, p: sample(key, p),
                           expected=lambda p: np.array([p["z"].shape[0] / (p["z"].shape[0] + 2.0), 0.0]),
                           n=ctx.profile.n(50_000), max_examples=ctx.profile.examples(4),
                           what="uniform ball: E||xi||^2 = d r^2/(d+2), E xi_1 = 0", name="ball")
    return checks.all_of(logic, ball)


# ============================================================================ Section 7.3, Eq. (7.3)
@statement("sec-7.3:warmup", line=7132, chapter="7",
           title="Warm-up: f = x1^2 - x2^2, eta = 1/4: thin-band or far-away init needs exponential time")
def warmup(ctx):
    """GD (jax.grad of x1^2 - x2^2, eta = 1/4) is x1/2, 3 x2/2; the first t with |x2| >= 1 equals
    ceil(log(1/|x2|)/log(3/2)) (``S.warmup_escape_count``; either neighbour accepted when
    log(1/|x2|)/log(3/2) is within round-off of an integer), so an init with |x2| <= (3/2)^(-n) needs
    >= n steps.  Far-away example (7.2): on x1 < -2, f = -4 x1 + x2^2 gives x1 + 1, x2/2 exactly; with
    |x2| not increasing in the connecting band (as the text assumes), an init at x1 = -R needs
    >= (R - 2) log 2/log(3/2) further steps to leave U."""
    n = ctx.profile.examples(10)

    def run_warm(x0):
        def cond(c):
            x, t = c
            return (jnp.abs(x[1]) < 1.0) & (t < 100_000)

        def body(c):
            x, t = c
            return x - 0.25 * jax.grad(S.warmup_f)(x), t + 1

        return jax.lax.while_loop(cond, body, (x0, 0))[1]

    runw = jax.jit(run_warm)

    def run_slope(x0):  # GD (eta = 1/4) on the slope piece -4 x1 + x2^2 of (7.2) while x1 < -2
        slope = lambda x: -4 * x[0] + x[1] ** 2  # noqa: E731
        return jax.lax.while_loop(lambda c: c[0][0] < -2, lambda c: (c[0] - 0.25 * jax.grad(slope)(c[0]), c[1] + 1),
                                  (x0, 0))

    runs = jax.jit(run_slope)

    def body(c):
        a, x1, R = c
        x2 = 1.5 ** (-a)
        t = int(runw(jnp.array([x1, x2])))
        want = int(S.warmup_escape_count(x2))
        q = math.log(1 / x2) / math.log(1.5)
        ok = t == want or (abs(q - round(q)) < 1e-9 * max(1, q) and abs(t - want) <= 1)
        n_int = math.floor(a)
        ok = ok and t >= n_int
        # far-away slope: x1 < -2 region of (7.2)
        xs, steps = runs(jnp.array([-R, x2]))
        xs, steps = np.asarray(xs), int(steps)
        ok_slope = abs(float(xs[0]) - (-R + steps)) <= 1e-12 * R and float(xs[1]) == x2 * 0.5 ** steps
        x2_after = float(xs[1])
        t_far = int(S.warmup_escape_count(x2_after))
        lower = (R - 2) * math.log(2) / math.log(1.5)
        ok = ok and ok_slope and t_far >= math.floor(lower) - 1
        return Outcome(ok=ok, score=0.0, info={"x2": x2, "t_sim": t, "t_formula": want, "n": n_int, "R": R,
                                               "slope_steps": steps, "t_escape_after_slope": t_far,
                                               "lower_(R-2)log2/log1.5": lower})

    return checks.predicate_check(ctx, params=st.tuples(floats(0.01, 300.0), floats(-1.0, 1.0), floats(2.5, 40.0)),
                                  body=body, max_examples=n, what="warm-up escape counts")


def _key_obs_sim():
    def run(x0, L, g, eta):
        gf = jax.grad(lambda x: S.key_observation_f(x, L, g))

        def cond(c):
            x, t, t1, t2, out = c
            return (t2 < 0) & (t < 2_000_000)

        def body(c):
            x, t, t1, t2, out = c
            x = S.gd_step(x, gf, eta)
            t = t + 1
            t1 = jnp.where((t1 < 0) & (x[0] >= 1.0), t, t1)
            t2 = jnp.where((t2 < 0) & (x[1] >= 1.0), t, t2)
            out = out | jnp.any(x < 0) | jnp.any(x > 3)
            return x, t, t1, t2, out

        return jax.lax.while_loop(cond, body, (x0, 0, -1, -1, False))

    return jax.jit(run)


@statement("eq-7.3", line=7252, chapter="7",
           title="Key observation: escaping the 2nd saddle takes >= (L+gamma)/gamma times the steps of the 1st")
def eq_7_3(ctx):
    """GD on the piecewise quadratic (7.3) (``S.key_observation_f``) from x0 in the open square (0,1)^2
    (an init on its edge x_i = 1 has already left the neighbourhood), L > gamma > 0,
    eta <= 1/(2L) (= 1/l for these quadratics): t1 = first t with x1 >= 1, t2 = first t with x2 >= 1;
    t2 >= (2 eta (L+gamma) t1 + log(1/x2^0))/(2 eta gamma) >= ((L+gamma)/gamma) t1, and the iterates stay
    in [0,3]^2.  (When 1 - 2 eta L underflows x2 to 0, GD never escapes: consistent with the bound.)"""
    n = ctx.profile.examples(40)
    sim = _key_obs_sim()

    def margin(c):
        g, ratio, etaL, a1, a2 = c
        x2 = 10.0 ** (-a2)
        L = ratio * g
        eta = etaL / L
        x1 = 10.0 ** (-a1)
        _, t, t1, t2, out = (int(v) if i else v for i, v in enumerate(sim(jnp.array([x1, x2]), L, g, eta)))
        t1, t2 = int(t1), int(t2)
        kappa = float(S.escape_ratio(L, g))
        if t2 < 0:  # never escaped within the cap (x2 underflowed): bound holds vacuously
            return 0.0, {"t1": t1, "t2": "never", "kappa": kappa}
        inter = (2 * eta * (L + g) * t1 + math.log(1 / x2)) / (2 * eta * g)
        m = min((t2 - kappa * t1) / max(1.0, kappa * t1), (t2 - inter) / max(1.0, inter))
        if bool(out):
            m = -1.0
        return m, {"t1": t1, "t2": t2, "kappa": kappa, "kappa*t1": kappa * t1, "intermediate": inter,
                   "t2/t1": t2 / max(t1, 1), "L": L, "gamma": g, "eta": eta, "x0": [x1, x2]}

    params = st.tuples(floats(0.25, 4.0), floats(1.05, 6.0), floats(0.01, 0.5), floats(1e-3, 3.0), floats(4.4e-4, 2.0))
    return checks.inequality_check(ctx, params=params, margin=margin, slack=0.0, max_examples=n,
                                   what="t2 >= ((L+gamma)/gamma) t1")


# ============================================================================ Lemmas 7.2, 7.3
def _escape_margin(out, kappa, d, cap):
    """min over trajectories of the Lemma 7.2 recursion A_{k+1} >= kappa A_k (relative) and T_d >= kappa^{d-1}."""
    A, T = np.asarray(out["A"]), np.asarray(out["T"])
    ms, tight = [], None
    for k in range(d - 1):
        ok = (A[:, k] > 0) & (A[:, k + 1] >= 0)
        if ok.any():
            rel = (A[ok, k + 1] - kappa * A[ok, k]) / (kappa * A[ok, k])
            ms.append(float(rel.min()))
            r = float((A[ok, k + 1] / A[ok, k]).min())
            tight = r if tight is None else min(tight, r)
    Td = np.where(T[:, d - 1] >= 0, T[:, d - 1], cap)  # not escaped by the cap: T_d > cap
    bound = kappa ** (d - 1)
    ms.append(float((Td.min() - bound) / bound) if cap >= bound else 0.0)
    return min(ms), {"min A_{k+1}/A_k": tight, "kappa": kappa, "min T_d": int(Td.min()), "kappa^(d-1)": bound,
                     "resolved_ratios": len(ms) - 1, "underflow_or_cap": int(np.sum(T[:, d - 1] < 0))}


@st.composite
def _lemma72_case(draw, dims=(2, 3, 4)):
    d = draw(st.sampled_from(dims))
    g = draw(floats(0.25, 4.0))
    ratio = draw(floats(1.05, 4.0))
    tau = draw(floats(E, 6.0))
    etaL = draw(floats(0.02, 0.25))
    return d, ratio * g, g, tau, etaL / (ratio * g), draw(checks.seeds())


@statement("lemma-7.2", line=7457, chapter="7",
           title="GD from [0,1]^d cap D0 with eta <= 1/(2L) keeps x_d <= 2tau for T <= ((L+gamma)/gamma)^{d-1}")
def lemma_7_2(ctx):
    """Exact GD on the tube from x0 uniform in [1e-3, 1]^d (tau >= e, eta <= 1/(2L), d = 2..4),
    vmapped over 16 inits: with A_k the first time x_k >= tau (= T_k - T'_k in the proof) the
    recursion A_{k+1} >= ((L+gamma)/gamma) A_k holds on every trajectory, and T_d >= ((L+gamma)/gamma)^{d-1}.
    Trajectories whose waiting coordinate underflows to 0 (float64) never escape (counted)."""
    n = ctx.profile.examples(8)
    cap = 120_000

    def margin(c):
        d, L, g, t, eta, seed = c
        x0 = jax.random.uniform(jax.random.key(seed), (16, d), minval=1e-3, maxval=1.0)
        out = S.run_escape(x0, L, g, t, eta, max_steps=cap, mirror=False, step_bound=1 / (2 * L),
                           step_what="1/(2L) (Lemma 7.2)")
        m, info = _escape_margin(out, float(S.escape_ratio(L, g)), d, cap)
        return m, {**info, "d": d, "L": L, "gamma": g, "tau": t, "eta*L": eta * L}

    return checks.inequality_check(ctx, params=_lemma72_case(), margin=margin, slack=0.0, max_examples=n,
                                   what="A_{k+1} >= ((L+gamma)/gamma) A_k and T_d >= ((L+gamma)/gamma)^(d-1)")


@statement("lemma-7.3", line=7637, chapter="7", title="Mirrored (octopus) version of Lemma 7.2 for inits in [-1,1]^d")
def lemma_7_3(ctx):
    """Octopus, tau = e, inits uniform in [-1,1]^d: (a) f(s*x) = f(x) for sign vectors s (exact), and
    GD from s*x0 has the same escape times as GD on the tube from |x0| (the trajectories are mirror
    images); (b) the Lemma 7.2 recursion and T_d >= ((L+gamma)/gamma)^{d-1}."""
    n = ctx.profile.examples(8)
    cap = 120_000

    def margin(c):
        d, L, g, _, eta, seed = c
        t = E
        key = jax.random.key(seed)
        x0 = jax.random.uniform(key, (16, d), minval=-1.0, maxval=1.0)
        out = S.run_escape(x0, L, g, t, eta, max_steps=cap, mirror=True, step_bound=1 / (2 * L),
                           step_what="1/(2L) (Lemma 7.3)")
        ref = S.run_escape(jnp.abs(x0), L, g, t, eta, max_steps=cap, mirror=False, step_bound=1 / (2 * L),
                           step_what="1/(2L) (Lemma 7.3)")
        same = bool(np.array_equal(np.asarray(out["T"]), np.asarray(ref["T"])) and
                    np.array_equal(np.asarray(out["A"]), np.asarray(ref["A"])))
        fx = jax.vmap(lambda x: S.f(x, L, g, t))
        X, _ = _region_points(_rng(seed), 32, d, t)
        sgn = np.where(_rng(seed + 1).random(X.shape) < .5, -1.0, 1.0)
        sym = _ratio(fx(jnp.asarray(X)), fx(jnp.asarray(X * sgn)), d * float(S.nu(L, g, t)))
        m, info = _escape_margin(out, float(S.escape_ratio(L, g)), d, cap)
        if not same or sym > 1:
            m = -1.0
        return m, {**info, "mirror_escape_times_equal": same, "symmetry_error_over_roundoff": sym, "d": d,
                   "L": L, "gamma": g, "eta*L": eta * L}

    return checks.inequality_check(ctx, params=_lemma72_case(), margin=margin, slack=0.0, max_examples=n,
                                   what="octopus: mirror symmetry and the Lemma 7.2 escape bounds")


# ============================================================================ Theorems 7.1-7.3, corollaries
PGD_R = E / 100  # r (L7335, read as e/100)
PGD_GTH = E / 100  # g_thres = gamma e/100 with gamma = 1 (L7335, read)
PGD_TTH = 1  # t_thres (L7335)
THM73_D, THM73_CAP = 4, 20_000  # thm-7.3 / thm-7.2 configuration (GD needs ~3500 steps at d = 4)


def _stage_durations(T):
    T = np.asarray(T, np.float64)
    prev = np.concatenate([np.zeros((T.shape[0], 1)), T[:, :-1]], axis=1)
    D = np.where((T >= 0) & (prev >= 0), T - prev, np.nan)
    return D


@statement("thm-7.3", line=7185, chapter="7", aliases=("essay:du2017-exponential-time",),
           title="GD from uniform [-1,1]^d needs exp(Omega(d)) steps on a poly(d)-smooth f; PGD poly(d)")
def thm_7_3(ctx):
    """The octopus with L = tau = e, gamma = 1 (Step 1), d = 4 (budget; fig-7.3/7.4 go to d = 5, 10), eta = 1/l (l = ``S.hessian_bound``, so
    the theorem's eta < 1/l holds), inits uniform in [-1,1]^d vmapped: GD's times to reach each next
    saddle grow geometrically, A_{k+1} >= ((L+gamma)/gamma) A_k on every trajectory, and GD needs
    T_d >= ((L+gamma)/gamma)^{d-1}; Algorithm 2 (r = e/100, g_thres = e/100, t_thres = 1) escapes every
    later saddle in a number of steps that does not grow with k (median stage durations within a
    factor 2 of each other) and reaches the minimum's basin first.  The smoothness constants are
    checked in def-7.1..7.3 (B = d nu, l and rho independent of d)."""
    L, g, t = BASE["L"], BASE["gamma"], BASE["tau"]
    d = THM73_D
    eta = 1.0 / S.hessian_bound(L, g)
    nb = ctx.profile.sized(32, minimum=16)
    cap = THM73_CAP
    kappa = float(S.escape_ratio(L, g))

    def body(seed):
        x0 = jax.random.uniform(jax.random.key(seed), (nb, d), minval=-1.0, maxval=1.0)
        gd = S.run_escape(x0, L, g, t, eta, max_steps=cap)
        pgd = S.run_escape(x0, L, g, t, eta, max_steps=cap, pgd=True, key=jax.random.key(seed + 1),
                           r=PGD_R, g_thres=PGD_GTH, t_thres=PGD_TTH)
        m, info = _escape_margin(gd, kappa, d, cap)
        Dg = _stage_durations(gd["T"])
        Dp = _stage_durations(pgd["T"])
        med_g = np.nanmedian(Dg, axis=0)
        med_p = np.nanmedian(Dp, axis=0)
        later = med_p[1:]
        const = bool(np.all(np.isfinite(later)) and later.max() <= 2.0 * later.min())
        Tp = np.asarray(pgd["T"])[:, -1]
        Tg = np.asarray(gd["T"])[:, -1]
        faster = bool(np.all((Tp >= 0) & ((Tg < 0) | (Tp < Tg))))
        ok = m >= 0 and const and faster
        return Outcome(ok=ok, score=-m, info={**info, "gd_median_stage_durations": med_g.tolist(),
                                              "pgd_median_stage_durations": med_p.tolist(),
                                              "pgd_stage_constant": const, "pgd_reaches_min_first": faster,
                                              "gd_median_total": float(np.nanmedian(np.where(Tg >= 0, Tg, np.nan))),
                                              "pgd_median_total": float(np.median(Tp)), "eta": eta,
                                              "inits": nb, "d": d})

    return checks.predicate_check(ctx, params=checks.seeds(), body=body, max_examples=ctx.profile.examples(3, minimum=1),
                                  what=f"GD exponential vs PGD constant per saddle (d = {THM73_D})")


@statement("cor-7.1", line=7215, chapter="7", title="GD visits no eps-SOSP for T <= e^{Omega(d)}, eps = 1/poly(d)")
def cor_7_1(ctx):
    """Along GD trajectories on the octopus (L = tau = e, gamma = 1, d = 3, eta = 1/l, inits uniform in
    [-1,1]^d), no iterate before the basin of the minimum is reached is an eps-SOSP for
    eps = 0.99 min(2 gamma tau, 4 gamma^2/rho) (Remark 7.2), and the iterates do become eps-SOSPs once
    in the basin."""
    L, g, t = BASE["L"], BASE["gamma"], BASE["tau"]
    d = 3
    eta = 1.0 / S.hessian_bound(L, g)
    rho = float(S.hessian_lipschitz_bound(L, g, t))
    eps = 0.99 * float(S.no_sosp_eps(L, g, t))
    nsteps = 3000
    nb = ctx.profile.sized(16, minimum=8)

    def traj(x0):
        F = lambda x: S.f(x, L, g, t)  # noqa: E731

        def step(x, _):
            G, H = jax.grad(F)(x), jax.hessian(F)(x)
            flag = S.is_eps_sosp(G, H, eps, rho)
            k = S.region_index(x, t)
            return x - eta * G, (flag, k)

        _, (flags, ks) = jax.lax.scan(step, x0, None, length=nsteps)
        return flags, ks

    run = jax.jit(jax.vmap(traj))

    def body(seed):
        x0 = jax.random.uniform(jax.random.key(seed), (nb, d), minval=-1.0, maxval=1.0)
        flags, ks = (np.asarray(a) for a in run(x0))
        early = int(np.sum(flags & (ks < d)))
        first_basin = np.array([int(np.argmax(k == d)) if (k == d).any() else nsteps for k in ks])
        reached = first_basin < nsteps - 400  # in the basin long enough to converge (contraction 1 - 2 eta L)
        late = bool(np.all(flags[reached, -1]))
        return Outcome(ok=early == 0 and late and reached.any(), score=float(early),
                       info={"eps": eps, "eps_sosp_before_basin": early, "reached_basin": int(reached.sum()),
                             "final_iterates_eps_sosp": late, "median_first_basin_step": float(np.median(first_basin))})

    return checks.predicate_check(ctx, params=checks.seeds(), body=body, max_examples=ctx.profile.examples(2, minimum=1),
                                  what="no eps-SOSP before the basin along GD")


@statement("cor-7.2", line=7228, chapter="7", title="Same conclusion for any init law with most mass in an l_inf ball (e.g. Gaussian)")
def cor_7_2(ctx):
    """(a) GD with step eta on g(x) = f((x - z)/R) is the affine image of GD with step eta/R^2 on f:
    (x_t - z)/R = y_t (50 steps on the octopus, d = 3; round-off); (b) N(0, sigma^2 I_d) puts mass
    erf(c/sqrt 2)^d on B_inf(0, c sigma) (``S.gaussian_box_mass``; Monte Carlo, c = log d)."""
    n = ctx.profile.examples(6)
    L, g, t = BASE["L"], BASE["gamma"], BASE["tau"]
    eta0 = 1.0 / S.hessian_bound(L, g)

    def both(x0, z, R):
        F = lambda x: S.f(x, L, g, t)  # noqa: E731
        Gf = lambda x: F((x - z) / R)  # noqa: E731

        def step(c, _):
            x, y = c
            x = S.gd_step(x, jax.grad(Gf), eta0 * R * R)
            y = S.gd_step(y, jax.grad(F), eta0)
            return (x, y), jnp.max(jnp.abs((x - z) / R - y))

        _, errs = jax.lax.scan(step, (z + R * x0, x0), None, length=50)
        return jnp.max(errs)

    runb = jax.jit(both)

    def body(c):
        seed, R = c
        rng = _rng(seed)
        x0 = jnp.asarray(rng.uniform(-1, 1, 3))
        z = jnp.asarray(rng.normal(size=3))
        err = float(runb(x0, z, R))
        tol = float(tolerance.roundoff_tol(6 * t, 64 * 50))
        return Outcome(ok=err <= tol, score=err / tol, info={"max_error": err, "tol": tol, "R": R})

    aff = checks.predicate_check(ctx, params=st.tuples(checks.seeds(), floats(0.1, 10.0)), body=body, max_examples=n,
                                 what="GD on f((x-z)/R) with eta = GD on f with eta/R^2", name="affine")

    def sample(key, p):
        d = p["z"].shape[0]
        zz = jax.random.normal(key, (d,))
        return jnp.all(jnp.abs(zz) <= jnp.log(d)).astype(jnp.float64)[None]

    def expected(p):
        d = p["z"].shape[0]
        return np.array([float(S.gaussian_box_mass(d, math.log(d)))])

    mass = checks.mc_check(ctx, params=st.fixed_dictionaries({"z": st.sampled_from((5, 50)).map(np.zeros)}),
                           sample=sample, expected=expected,
                           n=ctx.profile.n(50_000), max_examples=ctx.profile.examples(4), name="gaussian mass",
                           what="P(N(0, I_d) in B_inf(0, log d)) = erf(log d/sqrt 2)^d")
    return checks.all_of(aff, mass)


@jax.jit
def _gd_fixed(X, L, g, t, eta):
    """3000 GD steps (``S.gd_step``) on the octopus from each row of X."""
    gf = jax.grad(lambda z: S.f(z, L, g, t))
    return jax.vmap(lambda x: jax.lax.fori_loop(0, 3000, lambda i, z: S.gd_step(z, gf, eta), x))(X)


def _strict_saddle_test():
    """GD (``S.gd_step``) on h(x, y) = x^2 - y^2 + y^4/4 (strict saddle at 0, minima (0, +-sqrt 2))."""
    h = lambda z: z[0] ** 2 - z[1] ** 2 + z[1] ** 4 / 4  # noqa: E731

    def run(x0):
        x = jax.lax.fori_loop(0, 3000, lambda i, x: S.gd_step(x, jax.grad(h), 0.05), x0)
        return x, jnp.linalg.norm(jax.grad(h)(x)), jnp.linalg.eigvalsh(jax.hessian(h)(x))[0]

    return jax.jit(jax.vmap(run))


@statement("thm-7.1", line=7094, chapter="7", aliases=("essay:lee-gd-local-min-as",),
           title="If GD converges from an absolutely continuous init, the limit is a SOSP a.s.")
def thm_7_1(ctx):
    """Monte Carlo over uniform inits in [-1,1]^2 on h = x^2 - y^2 + y^4/4 (l = 10 on the relevant
    region, eta = 0.05 < 1/l): every run converges (||grad|| <= 1e-10) to a point with lambda_min >= 0;
    the probability of converging to the strict saddle is bounded by Clopper-Pearson.  Plus the
    construction (octopus, d = 2, eta = 1/l): GD limits lie at a minimum (+-4tau, +-4tau).
    'Almost surely' cannot be confirmed by sampling; the check fails if a positive fraction of runs
    ends at the saddle."""
    run = _strict_saddle_test()
    N = ctx.profile.sized(4000, minimum=2000)

    def body(seed):
        x0 = jax.random.uniform(jax.random.key(seed), (N, 2), minval=-1.0, maxval=1.0)
        x, gn, lam = (np.asarray(a) for a in run(x0))
        conv = gn <= 1e-10
        bad = int(np.sum(conv & (lam < -1e-9)))
        nonconv = int(np.sum(~conv))
        ub = tolerance.binomial_upper(bad, N)
        L, g, t = BASE["L"], BASE["gamma"], BASE["tau"]
        xs = jax.random.uniform(jax.random.key(seed + 7), (64, 2), minval=-1.0, maxval=1.0)
        xf = np.asarray(_gd_fixed(xs, L, g, t, 1.0 / S.hessian_bound(L, g)))
        atmin = bool(np.all(np.abs(np.abs(xf) - 4 * t) <= 1e-6))
        ok = bad == 0 and nonconv == 0 and atmin
        return Outcome(ok=ok, score=float(bad + nonconv), info={
            "runs": N, "limits_at_saddle": bad, "not_converged": nonconv,
            "P(limit is a saddle) upper (Clopper-Pearson)": ub, "construction_limits_at_minimum": atmin})

    return checks.predicate_check(ctx, params=checks.seeds(), body=body, max_examples=ctx.profile.examples(2, minimum=1),
                                  what="GD limits are second-order stationary")


@statement("thm-7.2", line=7107, chapter="7", expect="inconclusive",
           title="PGD finds an eps-SOSP w.p. 1 - delta in O((l B/eps^2) log^4(d l B/(eps^2 delta))) iterations")
def thm_7_2(ctx):
    """The O() constant and the hyper-parameter choice (eta, r, t_thres, g_thres as functions of
    B, l, rho, delta, eps) are those of Jin et al. and are not given in the thesis, so there is no
    explicit bound to falsify.  Reported: iterations Algorithm 2 (eta = 1/l, r = e/100, g_thres = e/100,
    t_thres = 1) needs on the octopus to reach the minimum's basin, d = 4, next to l B/eps^2."""
    L, g, t = BASE["L"], BASE["gamma"], BASE["tau"]
    eta = 1.0 / S.hessian_bound(L, g)
    res = {}
    for d in (THM73_D,):  # the configuration of thm-7.3 (shares its compiled loop)
        x0 = jax.random.uniform(ctx.key("pgd", d), (ctx.profile.sized(32, minimum=16), d), minval=-1.0, maxval=1.0)
        out = S.run_escape(x0, L, g, t, eta, max_steps=THM73_CAP, pgd=True, key=ctx.key("noise", d), r=PGD_R,
                           g_thres=PGD_GTH, t_thres=PGD_TTH)
        T = np.asarray(out["T"])[:, -1]
        eps = float(S.no_sosp_eps(L, g, t))
        res[d] = {"median_iterations_to_basin": float(np.median(T)), "max": int(T.max()),
                  "l*B/eps^2": float(S.hessian_bound(L, g) * S.value_bound(d, L, g, t) / eps ** 2)}
    return checks.inconclusive("Theorem 7.2 is an O() statement with unspecified constants and hyper-parameters "
                               "(Jin et al.); measured PGD iterations are reported, nothing to falsify", pgd=res)


@statement("thm-7.5", line=7858, chapter="7", expect="inconclusive",
           title="Whitney-type C^m extension from a closed set with operator norm <= C d^{5m/2}")
def thm_7_5(ctx):
    """Non-constructive (the operator and C are not given): nothing numeric to check.  The checks
    above use f on D only, where GD and PGD stay (lemma-7.3: mirror-symmetric trajectories in D)."""
    return checks.inconclusive("Whitney extension theorem: existence of an extension operator with an unspecified "
                               "constant C(m); not constructive, no numerical check")


# ============================================================================ Figures 7.3, 7.4
def _fig_check(ctx, d):
    from verify.experiments import fig_7

    n_init = ctx.profile.sized(12, minimum=8)
    res = fig_7.escape_stats(d, fig_7.L_VALUES, n_init=n_init, max_steps=fig_7.gd_cap(d, full=False),
                             seed=ctx.int_seed("fig", d))
    ok = True
    rows = {}
    prev_growth = None
    for L, r in res.items():
        c = (r["pgd_all_reached"] and r["pgd_faster"] and r["gd_min_ratio"] is not None and
             r["gd_min_ratio"] >= r["kappa"] and r["pgd_constant"])
        if prev_growth is not None and r["gd_median_growth"] is not None and r["gd_median_growth"] <= prev_growth:
            c = False
        prev_growth = r["gd_median_growth"]
        ok = ok and c
        rows[f"L={L:.4g}"] = r
    ev = Evidence(examples=len(res), extra={"per_L": rows, "hyper_parameters": fig_7.HYPER})
    if ok:
        return Verdict("verified", summary=f"d={d}: PGD reaches the minimum first; GD stage growth >= (L+gamma)/gamma and "
                                           "increasing in L; PGD stage durations constant", evidence=ev)
    return Verdict("refuted", summary=f"d={d}: a qualitative claim of the figure failed", evidence=ev,
                   counterexample={"per_L": rows})


@statement("fig-7.3", line=7322, chapter="7", title="GD vs PGD on the counter-example, d = 5, varying L")
def fig_7_3(ctx):
    """The claims read off Figure 7.3 (Section 7.5): PGD converges faster than GD; GD's plateau lengths
    grow by a factor >= (L+gamma)/gamma that increases with L; PGD's plateaus are about constant.
    Hyper-parameters: eta = 1/(4L), t_thres = 1, g_thres = gamma e/100, r = e/100 (OCR read), L in
    {2, e, 4}, gamma = 1, tau = e.  See ``python -m verify experiment fig-7.3`` for the curves."""
    return _fig_check(ctx, 5)


@statement("fig-7.4", line=7323, chapter="7", title="GD vs PGD on the counter-example, d = 10, varying L")
def fig_7_4(ctx):
    """As fig-7.3 with d = 10 (GD's later plateaus, ~((L+gamma)/gamma)^9 steps, are beyond any budget and
    beyond float64: the waiting coordinates underflow to 0; the claims are checked on the resolved ones)."""
    return _fig_check(ctx, 10)
