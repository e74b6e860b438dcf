"""Chapter 5 of the thesis (lines ~4935-6075) and the CNN paper: one-hidden-layer CNN with
Gaussian patches, population loss, Algorithm 1 (GD with weight normalization), invariants.

Simulation-heavy rows (thm-5.4, thm-5.5, fig-5.1, fig-5.2, table-5.1) live in ch5_sim.py.
All analytic functions are called through the module (``cnn.population_loss``) so mutant tests
can replace them.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from analytic import cnn
from verify import checks, strategies as S
from verify.checks import Outcome
from verify.registry import statement
from verify.verdict import Evidence

PI = np.pi


# ----------------------------------------------------------------------------- strategies
@st.composite
def cnn_params(draw, *, unit_w_star=False, ks=(2, 5), ps=(3, 6), box=2.0):
    """(v, a, w*, a*) with k, p from fixed buckets; ||w*|| != 1 unless ``unit_w_star``."""
    k = draw(S.bucket(ks))
    p = draw(S.bucket(ps))
    v = draw(S.vectors(p, -box, box).filter(lambda x: np.linalg.norm(x) > 1e-2))
    w = draw(S.unit_vectors(p))
    scale = 1.0 if unit_w_star else draw(S.floats(0.25, 3.0))
    a = draw(S.vectors(k, -box, box))
    a_star = draw(S.vectors(k, -box, box).filter(lambda x: np.linalg.norm(x) > 1e-2))
    return {"v": jnp.asarray(v), "a": jnp.asarray(a), "w_star": jnp.asarray(scale * w), "a_star": jnp.asarray(a_star)}


@st.composite
def good_init(draw, *, ks=(2, 5), ps=(3, 6), strict=True):
    """A state in the set of Section 5.1 with ||w*|| = 1: v.w* > 0, a.a* > 0, |1.a| <= |1.a*|
    (phi bounded away from pi/2 so the run length stays bounded)."""
    p = draw(cnn_params(unit_w_star=True, ks=ks, ps=ps))
    v, a, w, a_s = (np.asarray(p[n]) for n in ("v", "a", "w_star", "a_star"))
    if v @ w < 0:
        v = -v
    if a @ a_s < 0:
        a = -a
    s, sa = a_s.sum(), a.sum()
    assume(abs(sa) <= abs(s))
    assume(a @ a_s > 1e-2 * (a_s @ a_s))
    assume(cnn_angle(v, w) < 1.3)
    return {"v": jnp.asarray(v), "a": jnp.asarray(a), "w_star": jnp.asarray(w), "a_star": jnp.asarray(a_s)}


def cnn_angle(u, w):
    return float(cnn.angle(jnp.asarray(u), jnp.asarray(w)))


def safe_eta(p):
    """The explicit step size used where the text says "eta sufficiently small" / eta = O(...):
    eta = min{1/k, 1/(||a*||^2 + (1.a*)^2)} (||w*|| = 1).  It satisfies Lemma 5.4's
    eta < 2pi/(k+pi-1) and, since lambda^t <= (||a*||^2 + (1.a*)^2)/2 while ||v^t|| >= 1
    (Lemma 5.8), Lemma 5.5's eta lambda^t cos(phi^t) <= 1."""
    a_s = np.asarray(p["a_star"])
    k = a_s.shape[0]
    return float(min(1.0 / k, 1.0 / (a_s @ a_s + a_s.sum() ** 2)))


def _np(p):
    return {k_: np.asarray(v) for k_, v in p.items()}


# ----------------------------------------------------------------------------- thm 5.1 / 5.2
def _loss_sample(key, p):
    k, dim = p["a"].shape[0], p["v"].shape[0]
    Z = jax.random.normal(key, (k, dim))
    return cnn.sample_loss(p["v"], p["a"], Z, p["w_star"], p["a_star"])


def _grad_sample(key, p):
    k, dim = p["a"].shape[0], p["v"].shape[0]
    Z = jax.random.normal(key, (k, dim))
    gv, ga = jax.grad(cnn.sample_loss, argnums=(0, 1))(p["v"], p["a"], Z, p["w_star"], p["a_star"])
    return jnp.concatenate([gv, ga])


@statement("thm-5.1", line=5116, aliases=("paper:thm-3.1",), expect="erratum",
           title="Closed-form Gaussian population loss l(v,a), g(phi) = (pi-phi)cos phi + sin phi")
def thm_5_1(ctx):
    """Monte Carlo of 1/2 E[(f(Z,v,a) - f(Z,w*,a*))^2] against (5.3) as printed and corrected."""
    params = cnn_params()
    printed = checks.mc_check(ctx, params=params, sample=_loss_sample,
                              expected=lambda p: cnn.population_loss_printed(**p), what="printed (5.3) vs MC")
    corrected = checks.mc_check(ctx, params=params, sample=_loss_sample,
                                expected=lambda p: cnn.population_loss(**p), what="corrected (5.3) vs MC")
    return checks.erratum(
        printed, corrected,
        printed_text="l = 1/2[(pi-1)||w*||^2/(2pi)||a*||^2 + (pi-1)/(2pi)||a||^2 - 2(g-1)||w*||/(2pi) a.a* "
                     "+ ||w*||^2/(2pi)(1.a*)^2 + 1/(2pi)(1.a)^2 - 2||w*|| (1.a)(1.a*)]",
        corrected_text="last term is -2||w*||/(2pi) (1.a)(1.a*): off-diagonal patches are independent, "
                       "E[sigma(z.w)] E[sigma(z.w*)] = ||w*||/(2pi)")


@statement("thm-5.2", line=5129, aliases=("paper:thm-3.2",),
           title="Closed-form expected gradients in v and a")
def thm_5_2(ctx):
    """(i) autodiff of the corrected loss (5.3) equals the printed gradients to round-off;
    (ii) the Monte Carlo mean of per-sample autodiff gradients matches them (z*se)."""
    params = cnn_params()

    def grads_closed(p):
        gv, ga = cnn.population_grad(**p)
        return jnp.concatenate([gv, ga])

    def grads_autodiff(p):
        gv, ga = jax.grad(cnn.population_loss, argnums=(0, 1))(p["v"], p["a"], p["w_star"], p["a_star"])
        return jnp.concatenate([gv, ga])

    def scale(p):  # operand size: the largest term of the gradient
        q = _np(p)
        return (np.linalg.norm(q["a"]) + np.linalg.norm(q["a_star"]) * np.linalg.norm(q["w_star"])) * (
            1 + q["a"].size + np.linalg.norm(q["w_star"]) / np.linalg.norm(q["v"]))

    exact = checks.exact_check(ctx, params=params, lhs=grads_autodiff, rhs=grads_closed, n_ops=64, scale=scale,
                               what="autodiff of corrected (5.3) == printed gradients", name="analytic consistency")
    mc = checks.mc_check(ctx, params=params, sample=_grad_sample, expected=grads_closed,
                         what="E[per-sample autodiff gradient] vs printed gradients", name="Monte Carlo")
    v = checks.all_of(exact, mc)
    # Evidence: the printed loss (5.3) is *not* consistent with the printed gradient.
    q = {n: jnp.asarray(x) for n, x in {"v": [1.0, 0.2], "a": [0.5, -0.3], "w_star": [0.6, 0.8],
                                        "a_star": [1.0, 0.4]}.items()}
    gp = jax.grad(cnn.population_loss_printed, argnums=1)(q["v"], q["a"], q["w_star"], q["a_star"])
    v.evidence.extra["printed_loss_gradient_mismatch"] = {
        "at": q, "d(printed loss)/da": gp, "printed dl/da": cnn.population_grad(**q)[1]}
    return v


# ----------------------------------------------------------------------------- Algorithm 1
@statement("alg-1", line=5030, aliases=("paper:alg-1",), chapter="5",
           title="GD with weight normalization: grad_v orthogonal to v, ||v'||^2 = ||v||^2 + eta^2||grad_v||^2")
def alg_1(ctx):
    params = st.tuples(cnn_params(), S.floats(1e-3, 2.0))

    def lhs(args):
        p, eta = args
        v2, _ = cnn.gd_step(p["v"], p["a"], eta, p["w_star"], p["a_star"])
        return jnp.dot(v2, v2)

    def rhs(args):
        p, eta = args
        gv, _ = cnn.population_grad(**p)
        return jnp.dot(p["v"], p["v"]) + eta**2 * jnp.dot(gv, gv)

    return checks.exact_check(ctx, params=params, lhs=lhs, rhs=rhs, n_ops=32,
                              what="||v^{t+1}||^2 = ||v^t||^2 + eta^2 ||dl/dv||^2")


# ----------------------------------------------------------------------------- Lemma 5.1
@statement("lemma-5.1", line=5281, aliases=("paper:lemma-5.1",),
           title="Stationary points with a.a* != 0: phi=0, a=||w*||a*  or  phi=pi, a=(11^T+(pi-1)I)^{-1}(11^T-I)||w*||a*")
def lemma_5_1(ctx):
    """Both points have zero population gradient (closed form and autodiff); classification by the
    Hessian (autodiff) and by random perturbations: the spurious point is a local minimum iff
    a_s.a* < 0 (its Hessian is degenerate in v: the loss grows like (pi-phi)^3)."""
    params = cnn_params()

    @jax.jit
    def grads_at_points(w, a_s):
        out = []
        for v0, a0 in (cnn.global_minimum(w, a_s), cnn.spurious_point(w, a_s)):
            gv, ga = cnn.population_grad(v0, a0, w, a_s)
            av, aa = jax.grad(cnn.population_loss, argnums=(0, 1))(v0, a0, w, a_s)
            out.append(jnp.max(jnp.abs(jnp.concatenate([gv, ga, av, aa]))))
        return jnp.stack(out)

    def body(p):
        w, a_s = p["w_star"], p["a_star"]
        g = np.asarray(grads_at_points(w, a_s))
        sc = (1 + np.linalg.norm(np.asarray(a_s)) * np.linalg.norm(np.asarray(w))) * (1 + a_s.shape[0])
        tol = 64 * 2.2e-16 * 64 * sc
        worst = float(g.max() / tol)
        return Outcome(ok=worst <= 1.0, score=worst, info={"global_max_|grad|": float(g[0]),
                                                           "spurious_max_|grad|": float(g[1])})

    grads = checks.predicate_check(ctx, params=params, body=body, what="population gradient vanishes at both points",
                                   tol="float64 round-off scaled by ||a*|| ||w*|| k", name="first-order")
    # classification (evidence): unit w*, one a* with a_s.a* < 0 and one with > 0
    cls = {}
    key = ctx.key("perturb")
    for label, a_star in (("(1.a*)^2 small", jnp.array([1.0, -1.0, 0.5, -0.4])),
                          ("(1.a*)^2 large", jnp.array([1.0, 1.0, 1.0, 0.9]))):
        w = jnp.array([1.0, 0.0, 0.0])
        v0, a0 = cnn.spurious_point(w, a_star)
        sig = float(cnn.spurious_signal(a_star))
        f = lambda x: cnn.population_loss(x[:3], x[3:], w, a_star)
        x0 = jnp.concatenate([v0, a0])
        # a-block of the Hessian (the v-block is 0: the loss moves like (pi-phi)^3 in v)
        H = jax.hessian(lambda a: cnn.population_loss(v0, a, w, a_star))(a0)
        eig = np.linalg.eigvalsh(np.asarray(H))
        d = jax.random.normal(key, (400, 3))
        d = d / jnp.linalg.norm(d, axis=1, keepdims=True)
        # perturb v only (a stays at a_s): the a-block is positive definite, the v-block decides
        dl = jax.vmap(lambda u: f(x0.at[:3].add(0.05 * u)) - f(x0))(d)
        cls[label] = {"a*": a_star, "a_s.a*": sig, "hessian_a_block_eigs": eig, "min_loss_change_v_radius_0.05": float(dl.min()),
                      "classification": "local minimum" if float(dl.min()) >= 0 else "saddle"}
        ok = (sig < 0) == (float(dl.min()) >= 0)
        if not ok:
            return checks.refuted("classification of the spurious point disagrees with sign(a_s.a*)", cls)
    if cls["(1.a*)^2 small"]["classification"] != "local minimum" or cls["(1.a*)^2 large"]["classification"] != "saddle":
        return checks.refuted("expected a local minimum for small (1.a*)^2 and a saddle for large", cls)
    grads.evidence.extra["classification"] = cls
    grads.summary += "; spurious point: local minimum iff a_s.a* < 0 (Hessian PSD with zero v-directions)"
    return grads


# ----------------------------------------------------------------------------- invariants
def _step(p, eta):
    v2, a2 = cnn.gd_step(p["v"], p["a"], eta, p["w_star"], p["a_star"])
    return np.asarray(v2), np.asarray(a2)


def _lam(p):
    q = _np(p)
    phi = cnn_angle(q["v"], q["w_star"])
    return float(np.linalg.norm(q["w_star"]) * (PI - phi) * (q["a"] @ q["a_star"]) / (2 * PI * (q["v"] @ q["v"])))


@st.composite
def _positive_signal(draw, eta_lo, eta_hi, unit=False):
    p = draw(cnn_params(unit_w_star=unit))
    a = np.asarray(p["a"])
    if a @ np.asarray(p["a_star"]) < 0:
        a = -a
    assume(a @ np.asarray(p["a_star"]) > 0)
    p["a"] = jnp.asarray(a)
    eta = draw(S.floats(eta_lo, eta_hi))
    return p, eta


def _rotate_to(w, phi, r=1.0):
    """A vector of norm r at angle phi from w (in a fixed plane containing w)."""
    w = np.asarray(w) / np.linalg.norm(w)
    e = np.zeros_like(w)
    e[np.argmin(np.abs(w))] = 1.0
    e = e - (e @ w) * w
    e /= np.linalg.norm(e)
    return r * (np.cos(phi) * w + np.sin(phi) * e)


@st.composite
def _at_angle(draw, phis, eta_lo, eta_hi):
    """States with a.a* > 0, v at a drawn angle phi from w*, and a drawn step size."""
    p, eta = draw(_positive_signal(eta_lo, eta_hi))
    phi = draw(phis)
    r = draw(S.floats(0.5, 2.0))
    p["v"] = jnp.asarray(_rotate_to(p["w_star"], phi, r))
    return p, eta


@statement("lemma-5.2", line=5295, aliases=("paper:lemma-5.2",), expect="conditional",
           title="Invariance I: a^t.a* > 0 => phi^{t+1} <= phi^t")
def lemma_5_2(ctx):
    """One step rotates v toward w* by psi with tan(psi) = eta lambda^t sin(phi^t); the angle
    decreases iff psi <= 2 phi^t.  Explicit sufficient condition: eta lambda^t <= 2 cos(phi^t)
    (tan psi <= 2 sin cos <= tan 2phi).  Printed: no condition on eta (proof: 'the update always
    makes the angle smaller'), false for large eta when phi^t is small (overshoot)."""
    def margin(args):
        p, eta = args
        v2, _ = _step(p, eta)
        phi, phi2 = cnn_angle(p["v"], p["w_star"]), cnn_angle(v2, p["w_star"])
        return phi - phi2 + 1e-13 * (1 + phi), {"phi": phi, "phi_next": phi2, "eta": eta, "eta*lambda": eta * _lam(p)}

    cond = lambda a: a[1] * _lam(a[0]) <= 2 * np.cos(cnn_angle(a[0]["v"], a[0]["w_star"]))
    inside = checks.inequality_check(ctx, params=_positive_signal(1e-3, 50.0).filter(cond), margin=margin,
                                     what="phi' <= phi when eta*lambda <= 2cos(phi)")
    outside = checks.inequality_check(ctx, params=_at_angle(S.floats(1e-3, 0.5), 1.0, 500.0), margin=margin,
                                      what="phi' <= phi for any eta")
    return checks.conditional(inside, outside, condition="eta * lambda^t <= 2 cos(phi^t), "
                              "lambda^t = ||w*||(pi-phi^t) a^t.a* / (2 pi ||v^t||^2)",
                              printed_text="If (a^t)^T a* > 0 then phi^{t+1} <= phi^t")


def _align(q):
    """Flip the signs of a and v (in place) so that a.a* >= 0 and v.w* >= 0."""
    if q["a"] @ q["a_star"] < 0:
        q["a"] = -q["a"]
    if q["v"] @ q["w_star"] < 0:
        q["v"] = -q["v"]


@st.composite
def _lemma53_state(draw):
    p = draw(cnn_params(unit_w_star=True))
    q = _np(p)
    _align(q)
    # the tight case of the lemma is a small positive signal a.a*: draw it log-uniformly
    n2 = q["a_star"] @ q["a_star"]
    signal = 10.0 ** -draw(S.floats(0.0, 6.0)) * n2
    q["a"] = q["a"] - (q["a"] @ q["a_star"] - signal) / n2 * q["a_star"]
    s = q["a_star"].sum()
    assume(q["a"] @ q["a_star"] > 0 and 0 <= s * q["a"].sum() <= s * s)
    phi = cnn_angle(q["v"], q["w_star"])
    assume(0 < phi < PI / 2)
    eta = draw(S.floats(1e-3, 2.0, exclude_max=True))
    return {n: jnp.asarray(x) for n, x in q.items()}, eta


@statement("lemma-5.3", line=5313, aliases=("paper:lemma-5.3",),
           title="Invariance II: a.a*>0, 0<=(1.a*)(1.a)<=(1.a*)^2, 0<phi<pi/2, eta<2 => a'.a* > 0")
def lemma_5_3(ctx):
    def margin(args):
        p, eta = args
        _, a2 = _step(p, eta)
        val = float(a2 @ np.asarray(p["a_star"]))
        return val, {"a_next.a*": val, "eta": eta}
    return checks.inequality_check(ctx, params=_lemma53_state(), margin=margin, what="a^{t+1}.a* > 0")


@st.composite
def _lemma54_state(draw):
    p = draw(cnn_params(unit_w_star=True))  # the lemma assumes ||w*|| = 1 (Section 5.4.1)
    q = _np(p)
    s = q["a_star"].sum()
    assume(abs(s) > 1e-3)
    assume(s * q["a"].sum() <= s * s)
    k = q["a"].size
    eta = draw(S.floats(1e-4, 1.0)) * 2 * PI / (k + PI - 1)
    assume(eta < 2 * PI / (k + PI - 1))
    return p, eta


@statement("lemma-5.4", line=5332, aliases=("paper:lemma-5.4",),
           title="Invariance III: (1.a*)(1.a^t) <= (1.a*)^2 preserved when eta < 2pi/(k+pi-1)")
def lemma_5_4(ctx):
    def margin(args):
        p, eta = args
        _, a2 = _step(p, eta)
        s = float(np.asarray(p["a_star"]).sum())
        return s * s - s * float(a2.sum()) + 1e-12 * s * s * (1 + p["a"].shape[0]), {"eta": eta}
    return checks.inequality_check(ctx, params=_lemma54_state(), margin=margin,
                                   what="(1.a*)(1.a^{t+1}) <= (1.a*)^2")


@statement("paper:eq-1Ta-recursion", source="paper", line=216, chapter="5",
           title="Displayed recursion for (1.a^{t+1})(1.a*) in Sec 5.1", expect="erratum")
def eq_1ta(ctx):
    """Printed: (1.a^{t+1})(1.a*) <= (1 - eta(k-pi-1)/(2pi)) (1.a^t)(1.a*) + eta(k+g-1)/2 (1.a*)^2.
    Derived from Thm 5.2 (exact, ||w*|| = 1):
    1.a^{t+1} = (1 - eta(k+pi-1)/(2pi)) 1.a^t + eta(k+g(phi)-1)/(2pi) 1.a*."""
    params = st.tuples(cnn_params(unit_w_star=True), S.floats(1e-3, 1.0))

    def terms(args):
        p, eta = args
        q = _np(p)
        k = q["a"].size
        s, x = q["a_star"].sum(), q["a"].sum()
        g = float(cnn.g(cnn.angle(p["v"], p["w_star"])))
        _, a2 = _step(p, eta)
        return q, k, s, x, g, float(a2.sum())

    def printed_margin(args):
        q, k, s, x, g, x2 = terms(args)
        eta = args[1]
        rhs = (1 - eta * (k - PI - 1) / (2 * PI)) * x * s + eta * (k + g - 1) / 2 * s * s
        lhs = x2 * s
        return rhs - lhs + 1e-12 * (abs(rhs) + abs(lhs)), {"lhs": lhs, "printed_rhs": rhs}

    printed = checks.inequality_check(ctx, params=params, margin=printed_margin, what="printed inequality")

    def lhs(args):
        return terms(args)[5]

    def rhs(args):
        q, k, s, x, g, _ = terms(args)
        eta = args[1]
        return (1 - eta * (k + PI - 1) / (2 * PI)) * x + eta * (k + g - 1) / (2 * PI) * s

    corrected = checks.exact_check(ctx, params=params, lhs=lhs, rhs=rhs, n_ops=64, what="derived exact recursion")
    return checks.erratum(printed, corrected,
                          printed_text="(1.a^{t+1})(1.a*) <= (1 - eta(k-pi-1)/(2pi))(1.a^t)(1.a*) + eta(k+g-1)/2 (1.a*)^2",
                          corrected_text="1.a^{t+1} = (1 - eta(k+pi-1)/(2pi)) 1.a^t + eta(k+g(phi^t)-1)/(2pi) 1.a* (equality)")


# ----------------------------------------------------------------------------- Lemma 5.5
@st.composite
def _phase_state(draw, eta_lo=1e-3, eta_hi=30.0):
    p = draw(cnn_params(unit_w_star=True))
    q = _np(p)
    _align(q)
    assume(q["a"] @ q["a_star"] > 0 and cnn_angle(q["v"], q["w_star"]) < PI / 2)
    eta = draw(S.floats(eta_lo, eta_hi))
    return {n: jnp.asarray(x) for n, x in q.items()}, eta


def _l55_margin(args):
    p, eta = args
    v2, _ = _step(p, eta)
    phi, phi2 = cnn_angle(p["v"], p["w_star"]), cnn_angle(v2, p["w_star"])
    lam = _lam(p)
    rhs = (1 - eta * np.cos(phi) * lam) * np.sin(phi) ** 2
    return rhs - np.sin(phi2) ** 2 + 1e-13, {"eta*lambda*cos(phi)": eta * lam * np.cos(phi), "phi": phi}


@statement("lemma-5.5", line=5347, expect="conditional",
           title="sin^2 phi^{t+1} <= (1 - eta cos(phi^t) lambda^t) sin^2 phi^t")
def lemma_5_5(ctx):
    """Exact one-step geometry: sin^2 phi' = sin^2 phi (1 - t cos phi)^2 / (1 + t^2 sin^2 phi), t = eta
    lambda^t, so the claim holds iff t cos phi <= 1.  The step-size condition eta = O(...) hides its
    constant; the explicit condition checked is eta lambda^t cos(phi^t) <= 1."""
    cond = lambda a: a[1] * _lam(a[0]) * np.cos(cnn_angle(a[0]["v"], a[0]["w_star"])) <= 1.0
    inside = checks.inequality_check(ctx, params=_phase_state().filter(cond), margin=_l55_margin,
                                     what="contraction when eta*lambda*cos(phi) <= 1")
    outside = checks.inequality_check(ctx, params=_phase_state(1.0, 300.0), margin=_l55_margin,
                                      what="contraction for larger eta")
    return checks.conditional(inside, outside, condition="eta * lambda^t * cos(phi^t) <= 1",
                              printed_text="eta = O(min{beta0 cos phi0/((||a*||^2+(1.a*)^2)||w*||^2), 1/k}) => "
                                           "sin^2 phi^{t+1} <= (1 - eta cos phi^t lambda^t) sin^2 phi^t")


@statement("paper:lemma-5.5", source="paper", line=234, chapter="5", expect="conditional",
           title="Angle contraction with eta = O(min{beta0 cos phi0/((||a*||^2+(1.a*)^2)||w*||^2), 1/k})")
def paper_lemma_5_5(ctx):
    """The paper's step-size rule with the O() constant taken as 1 (state at t = 0, ||v^0|| = 1):
    search for states where it holds but the contraction fails; inside the explicit condition
    eta lambda cos(phi) <= 1 it holds."""
    @st.composite
    def paper_eta(draw):
        p, _ = draw(_phase_state())
        q = _np(p)
        q["v"] = q["v"] / np.linalg.norm(q["v"])
        scale = draw(S.floats(1.0, 10.0))
        q["a_star"] = q["a_star"] * scale
        q["a"] = draw(S.floats(0.2, 1.0)) * q["a_star"] + 0.1 * q["a"]  # |1.a| <= |1.a*| typically
        assume(abs(q["a"].sum()) <= abs(q["a_star"].sum()) and q["a"] @ q["a_star"] > 0)
        phi = cnn_angle(q["v"], q["w_star"])
        beta0 = min(q["a"] @ q["a_star"], (float(cnn.g(phi)) - 1) * (q["a_star"] @ q["a_star"]))
        assume(beta0 > 0)
        denom = q["a_star"] @ q["a_star"] + q["a_star"].sum() ** 2
        eta = min(beta0 * np.cos(phi) / denom, 1.0 / q["a"].size)
        return {n: jnp.asarray(x) for n, x in q.items()}, float(eta)

    cond = lambda a: a[1] * _lam(a[0]) * np.cos(cnn_angle(a[0]["v"], a[0]["w_star"])) <= 1.0
    inside = checks.inequality_check(ctx, params=_phase_state().filter(cond), margin=_l55_margin,
                                     what="contraction when eta*lambda*cos(phi) <= 1")
    outside = checks.inequality_check(ctx, params=paper_eta(), margin=_l55_margin,
                                      what="contraction under the paper's rule with constant 1",
                                      max_examples=max(20, ctx.profile.max_examples))
    return checks.conditional(inside, outside, condition="eta * lambda^t * cos(phi^t) <= 1 (the O() constant "
                              "must make this hold)", printed_text="paper Lemma 5.5 step-size rule, O-constant 1")


# ----------------------------------------------------------------------------- Lemma 5.6
@statement("lemma-5.6", line=5615, title="Four Gaussian half-space identities")
def lemma_5_6(ctx):
    """E[zz^T 1{z.w>0}] w = w/2;  E[z 1{z.w>0}] = w/(sqrt(2pi)||w||);
    E[zz^T 1{z.w>0, z.w*>0}] w* = ((pi-phi) w* + ||w*|| sin(phi) w/||w||)/(2pi);
    E[sigma(z.w) sigma(z.w*)] = (cos(phi)(pi-phi) + sin(phi)) ||w|| ||w*|| / (2pi)."""
    @st.composite
    def params(draw):
        p = draw(S.bucket((2, 3, 5)))
        w = draw(S.vectors(p, -2, 2).filter(lambda x: np.linalg.norm(x) > 0.1))
        u = draw(S.vectors(p, -2, 2).filter(lambda x: np.linalg.norm(x) > 0.1))
        return {"w": jnp.asarray(w), "u": jnp.asarray(u)}

    def sample(key, p):
        w, u = p["w"], p["u"]
        z = jax.random.normal(key, w.shape)
        i1, i2 = (z @ w > 0).astype(jnp.float64), (z @ u > 0).astype(jnp.float64)
        return jnp.concatenate([z * (z @ w) * i1, z * i1, z * (z @ u) * i1 * i2,
                                (jnp.maximum(z @ w, 0) * jnp.maximum(z @ u, 0))[None]])

    def expected(p):
        w, u = p["w"], p["u"]
        phi = cnn.angle(w, u)
        nw, nu = jnp.linalg.norm(w), jnp.linalg.norm(u)
        return jnp.concatenate([w / 2, w / (jnp.sqrt(2 * PI) * nw),
                                ((PI - phi) * u + nu * jnp.sin(phi) * w / nw) / (2 * PI),
                                (cnn.g(phi) * nw * nu / (2 * PI))[None]])

    return checks.mc_check(ctx, params=params(), sample=sample, expected=expected, what="four identities vs MC")


# ----------------------------------------------------------------------------- Lemma 5.7 / 5.8
@statement("lemma-5.7", line=5777, aliases=("paper:lemma-C.2",),
           title="Lower bound on growth of a^t.a* per step")
def lemma_5_7(ctx):
    """a^{t+1}.a* >= min{a^t.a* + eta((g-1)||a*||^2 - (pi-1)a^t.a*)/(2pi), (g-1)||a*||^2/(pi-1)}
    (reconstructed from the garbled OCR and its proof), under the invariants of Section 5.4.1:
    ||w*|| = 1, (1.a*)(1.a^t) <= (1.a*)^2, phi^t < pi/2, eta < 2pi/(pi-1)."""
    @st.composite
    def params(draw):
        p, _ = draw(_phase_state())
        q = _np(p)
        s = q["a_star"].sum()
        assume(s * q["a"].sum() <= s * s)
        eta = draw(S.floats(1e-3, 2 * PI / (PI - 1), exclude_max=True))
        return p, eta

    def margin(args):
        p, eta = args
        q = _np(p)
        _, a2 = _step(p, eta)
        g = float(cnn.g(cnn.angle(p["v"], p["w_star"])))
        n2, x = q["a_star"] @ q["a_star"], q["a"] @ q["a_star"]
        bound = min(x + eta * ((g - 1) * n2 - (PI - 1) * x) / (2 * PI), (g - 1) * n2 / (PI - 1))
        val = float(a2 @ q["a_star"])
        return val - bound + 1e-12 * (1 + abs(val)), {"a_next.a*": val, "bound": bound}

    return checks.inequality_check(ctx, params=params(), margin=margin, what="one-step lower bound")


def _trajectory_margin(fn_margin, steps):
    """Run Algorithm 1 from a drawn init with the explicit safe step and evaluate a margin on the trace."""
    def margin(p):
        eta = safe_eta(p)
        _, _, tr = cnn.run_gd(p["v"], p["a"], eta, p["w_star"], p["a_star"], steps)
        return fn_margin(_np(p), np.asarray(tr), eta)
    return margin


@statement("cor-5.1", line=5797, title="a^t.a* >= min{a0.a*, (g(phi0)-1)||a*||^2/(pi-1)} for all t")
def cor_5_1(ctx):
    """Along Algorithm-1 trajectories from the Section 5.1 set with the explicit step size of
    ``safe_eta`` (the text's 'eta sufficiently small')."""
    def fm(q, tr, eta):
        phi0 = tr[0, 0]
        bound = min(q["a"] @ q["a_star"], (float(cnn.g(phi0)) - 1) * (q["a_star"] @ q["a_star"]) / (PI - 1))
        m = float(np.min(tr[:, 1]) - bound)
        return m + 1e-12 * (1 + abs(bound)), {"bound": bound, "eta": eta}

    steps = ctx.profile.sized(400, minimum=200)
    return checks.inequality_check(ctx, params=good_init(), margin=_trajectory_margin(fm, steps),
                                   what=f"min_t a^t.a* - bound over {steps} steps")


@statement("lemma-5.8", line=5805, title="Uniform upper bound a^t.a* <= (||a*||^2 + (1.a*)^2)||w*||^2")
def lemma_5_8(ctx):
    def fm(q, tr, eta):
        bound = (q["a_star"] @ q["a_star"] + q["a_star"].sum() ** 2) * (q["w_star"] @ q["w_star"])
        return float(bound - np.max(tr[:, 1])) + 1e-12 * bound, {"bound": bound, "max_t a.a*": float(np.max(tr[:, 1]))}

    steps = ctx.profile.sized(400, minimum=200)
    return checks.inequality_check(ctx, params=good_init(), margin=_trajectory_margin(fm, steps),
                                   what=f"max_t a^t.a* <= bound over {steps} steps")


@jax.jit
def _steps_to_signal(v, a0, eta, w_star, a_star, target):
    """Iterations of the a-update (v held fixed) until a.a* >= target (at most 200000)."""
    def cond(c):
        a, t = c
        return (jnp.dot(a, a_star) < target) & (t < 200000)

    def step(c):
        a, t = c
        _, a2 = cnn.gd_step(v, a, eta, w_star, a_star)
        return a2, t + 1

    return jax.lax.while_loop(cond, step, (a0, 0))[1]


@statement("cor-5.2", line=5799, title="If g(phi)-1 = Omega(1), after O(1/eta) iterations a^t.a* = Theta(||a*||^2)")
def cor_5_2(ctx):
    """Hold phi fixed with g(phi) - 1 >= c (the corollary's premise) and iterate the exact a-update;
    the number of iterations T(eta) to reach a.a* >= (g-1)||a*||^2/(2(pi-1)) must scale like 1/eta:
    fitted exponent of T vs eta in [-1.1, -0.9] over eta in {1/8,...,1/128} x eta_max."""
    @st.composite
    def params(draw):
        p = draw(good_init())
        return p, draw(S.floats(0.0, 1.0))

    def body(args):
        p, phi = args
        q = _np(p)
        k = q["a"].size
        w = q["w_star"]
        # v at angle phi from w* (fixed): only the a-update matters
        v = jnp.asarray(_rotate_to(w, phi))
        a0 = jnp.asarray(-q["a"] * 0.0)  # start from a = 0 (a.a* = 0)
        g = float(cnn.g(phi))
        target = (g - 1) * (q["a_star"] @ q["a_star"]) / (2 * (PI - 1))
        etas = np.array([1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128]) * 2 * PI / (k + PI - 1)
        Ts = [int(_steps_to_signal(v, a0, float(eta), p["w_star"], p["a_star"], target)) for eta in etas]
        slope = float(np.polyfit(np.log(etas), np.log(np.maximum(Ts, 1)), 1)[0])
        return Outcome(ok=-1.1 <= slope <= -0.9, score=abs(slope + 1), info={"slope": slope, "T": Ts, "phi": phi})

    return checks.predicate_check(ctx, params=params(), body=body, what="T(eta) ~ 1/eta (fitted exponent)",
                                  tol="exponent within 0.1 of -1 (deterministic simulation)")


# ----------------------------------------------------------------------------- Lemma 5.9 - 5.12
@statement("lemma-5.9", line=5827, aliases=("paper:lemma-C.3",),
           title="Phase I: sin^2 phi^t <= (1 - eta cos(phi0) beta0/8)^t and ||v^t|| <= 2")
def lemma_5_9(ctx):
    """With ||v^0|| = 1, ||w*|| = 1 and the printed step size
    eta <= min{beta0 cos phi0/((||a*||^2+(1.a*)^2)), cos phi0/((||a*||^2+(1.a*)^2)), 2pi/(k+pi-1)}."""
    steps = ctx.profile.sized(300, minimum=150)

    def margin(p):
        q = _np(p)
        v0 = p["v"] / jnp.linalg.norm(p["v"])
        phi0 = cnn_angle(q["v"], q["w_star"])
        n2 = q["a_star"] @ q["a_star"]
        beta0 = min(q["a"] @ q["a_star"], (float(cnn.g(phi0)) - 1) * n2)
        den = n2 + q["a_star"].sum() ** 2
        k = q["a"].size
        eta = min(beta0 * np.cos(phi0) / den, np.cos(phi0) / den, 2 * PI / (k + PI - 1)) * 0.999
        _, _, tr = cnn.run_gd(v0, p["a"], eta, p["w_star"], p["a_star"], steps)
        tr = np.asarray(tr)
        t = np.arange(tr.shape[0])
        bound = (1 - eta * np.cos(phi0) * beta0 / 8) ** t
        m1 = float(np.min(bound - np.sin(tr[:, 0]) ** 2))
        m2 = float(2 - np.max(tr[:, 3]))
        return min(m1, m2) + 1e-12, {"eta": eta, "beta0": beta0, "angle_margin": m1, "norm_margin": m2}

    return checks.inequality_check(ctx, params=good_init(), margin=margin,
                                   what=f"both bounds at every step of {steps}")


def phi_with_gap(gap, hi=PI):
    """The angle phi in [0, hi] with pi - g(phi) = gap (g decreases from pi at 0), by bisection."""
    lo = 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if PI - float(cnn.g(mid)) < gap else (lo, mid)
    return lo


@st.composite
def _phase2_params(draw):
    """A good initialization (Section 5.1 set) and an accuracy eps in [1e-3, 0.1]."""
    return draw(good_init()), draw(S.floats(1e-3, 0.1))


@statement("lemma-5.10", line=5927, aliases=("paper:lemma-C.4",),
           title="Phase II: |1.a* - 1.a^t| <= 2 eps||a*|| after O((1/(eta k)) log(.)) steps")
def lemma_5_10(ctx):
    """Premise (reconstructed from the garbled OCR): pi - g(phi^0) <= eps (k+pi-1)||a*||/|1.a*| and
    phi non-increasing; then the affine recursion of 1.a contracts at rate 1 - eta(k+pi-1)/(2pi) to a
    fixed point within eps||a*|| of 1.a*.  Checked with the explicit
    T = ceil(2pi/(eta(k+pi-1)) log(|1.a* - 1.a^0|/(eps||a*||))) + 1."""
    def margin(args):
        p, eps = args
        q = _np(p)
        k = q["a"].size
        na, s = np.linalg.norm(q["a_star"]), q["a_star"].sum()
        # choose phi0 meeting the premise: pi - g(phi0) = min(eps (k+pi-1) na/|s|, 0.5)
        target = min(eps * (k + PI - 1) * na / max(abs(s), 1e-12), 0.5)
        v0 = jnp.asarray(_rotate_to(q["w_star"], phi_with_gap(target, PI / 2)))
        eta = safe_eta(p)
        gap0 = abs(s - q["a"].sum())
        T = int(np.ceil(2 * PI / (eta * (k + PI - 1)) * np.log(max(gap0 / (eps * na), 1.0)))) + 1
        _, a_T = cnn.run_gd_dynamic(v0, p["a"], eta, p["w_star"], p["a_star"], T)
        gap = abs(s - float(jnp.sum(a_T)))
        return 2 * eps * na - gap, {"T": T, "gap": gap, "2eps||a*||": 2 * eps * na}

    return checks.inequality_check(ctx, params=_phase2_params(), margin=margin, what="|1.a* - 1.a^T| <= 2 eps ||a*||")


@statement("lemma-5.11", line=5960, aliases=("paper:lemma-C.5",),
           title="Phase II: ||a^t - a*|| <= C eps ||a*|| after O((1/eta) log(.)) steps")
def lemma_5_11(ctx):
    """From phi^0 with pi - g(phi^0) <= eps and |1.a* - 1.a^0| <= eps||a*||, after
    T = ceil(2pi/(eta(pi-1)) log(||a^0 - a*||/(eps ||a*||))) + 1 steps, ||a^T - a*|| <= C eps ||a*||
    with the explicit constant C = 4 (the text's 'absolute constant')."""
    def margin(args):
        p, eps = args
        q = _np(p)
        k = q["a"].size
        na, s = np.linalg.norm(q["a_star"]), q["a_star"].sum()
        v0 = jnp.asarray(_rotate_to(q["w_star"], phi_with_gap(eps, PI / 2)))
        a0 = q["a"] + (s - q["a"].sum()) / k  # 1.a0 = 1.a*
        eta = safe_eta(p)
        d0 = np.linalg.norm(a0 - q["a_star"])
        T = int(np.ceil(2 * PI / (eta * (PI - 1)) * np.log(max(d0 / (eps * na), 1.0)))) + 1
        _, a_T = cnn.run_gd_dynamic(v0, jnp.asarray(a0), eta, p["w_star"], p["a_star"], T)
        dist = float(np.linalg.norm(np.asarray(a_T) - q["a_star"]))
        return 4 * eps * na - dist, {"T": T, "dist": dist, "C_needed": dist / (eps * na)}

    return checks.inequality_check(ctx, params=_phase2_params(), margin=margin, what="||a^T - a*|| <= 4 eps ||a*||")


@statement("lemma-5.12", line=6027, aliases=("paper:lemma-C.6",),
           title="pi-g(phi) <= eps, ||a-||w*||a*|| <= eps||a*|| ||w*|| => l(v,a) <= C eps ||a*||^2 ||w*||^2")
def lemma_5_12(ctx):
    """Derived explicit constant: l <= (1/pi + eps (k+pi-1)/(2pi)) eps ||a*||^2 ||w*||^2
    (E[(sum delta_i sigma_i)^2] <= (k+pi-1)/(2pi)||delta||^2, E[(sigma(z.w)-sigma(z.w*))^2] = (pi-g)/pi
    for unit w*).  The 'absolute' C must grow with eps k: for eps <= 1/k, C = 1/pi + 1/(2pi) + 1/2 works."""
    @st.composite
    def params(draw):
        p = draw(cnn_params())
        q = _np(p)
        eps = 10.0 ** -draw(S.floats(0.3, 4.0))  # log-uniform: the claim is about eps -> 0
        u = draw(S.floats(0.0, 1.0))
        k = q["a"].size
        ws = np.linalg.norm(q["w_star"])
        # phi with pi - g(phi) = u * eps
        v = _rotate_to(q["w_star"], phi_with_gap(u * eps))
        d = q["a"] / max(np.linalg.norm(q["a"]), 1e-12)
        a = ws * q["a_star"] + d * draw(S.floats(0.0, 1.0)) * eps * np.linalg.norm(q["a_star"]) * ws
        return {"v": jnp.asarray(v), "a": jnp.asarray(a), "w_star": p["w_star"], "a_star": p["a_star"]}, eps

    def margin(args):
        p, eps = args
        q = _np(p)
        k = q["a"].size
        scale = eps * (q["a_star"] @ q["a_star"]) * (q["w_star"] @ q["w_star"])
        C = 1 / PI + eps * (k + PI - 1) / (2 * PI)
        loss = float(cnn.population_loss(**p))
        return (C * scale - loss) / scale + 1e-9, {"loss/(eps||a*||^2||w*||^2)": loss / scale, "C": C}

    return checks.inequality_check(ctx, params=params(), margin=margin, what="loss <= C eps ||a*||^2||w*||^2")


# ----------------------------------------------------------------------------- convergence (thm 5.3, basin)
def _converge(p, eta, max_steps, eps=1e-8):
    """Run Algorithm 1 until l <= eps ||a*||^2 ||w*||^2 or max_steps; returns (steps, final loss, phi)."""
    target = eps * float(jnp.dot(p["a_star"], p["a_star"]) * jnp.dot(p["w_star"], p["w_star"]))
    v, a, t = cnn.run_until(p["v"], p["a"], eta, p["w_star"], p["a_star"], target, max_steps)
    loss = float(cnn.population_loss(v, a, p["w_star"], p["a_star"]))
    return int(t), loss, float(cnn.angle(v, p["w_star"])), target


def _convergence_check(ctx, params, eta_fn, what, max_steps=None):
    max_steps = max_steps or ctx.profile.sized(20000, minimum=5000)

    def body(p):
        eta = eta_fn(p)
        T, loss, phi, target = _converge(p, eta, max_steps)
        q = _np(p)
        phi0 = cnn_angle(q["v"], q["w_star"])
        beta0 = min(q["a"] @ q["a_star"], (float(cnn.g(phi0)) - 1) * (q["a_star"] @ q["a_star"]))
        ok = np.isfinite(loss) and loss <= target
        return Outcome(ok=bool(ok), score=T / max_steps,
                       info={"eta": eta, "steps": T, "final_loss": loss, "final_phi": phi,
                             "T1_scale=1/(eta cos(phi0) beta0)": float(1 / (eta * np.cos(phi0) * beta0)) if beta0 > 0 else None})

    return checks.predicate_check(ctx, params=params, body=body, what=what,
                                  tol=f"loss <= 1e-8 ||a*||^2||w*||^2 within {max_steps} steps")


def _big_eta(p):
    k = p["a"].shape[0]
    return 4 * 2 * PI / (k + PI - 1)


@statement("thm-5.3", line=5146, aliases=("paper:thm-4.1",), expect="conditional",
           title="Two-phase convergence of Algorithm 1 to the global minimum from good initializations")
def thm_5_3(ctx):
    """Premises a0.a* > 0, |1.a0| <= |1.a*|, phi0 < pi/2 with the explicit step size of ``safe_eta``
    (the O() in the theorem's eta hides a constant): convergence to loss <= 1e-8||a*||^2; the steps
    taken are reported next to T1's scale 1/(eta cos(phi0) beta0).  Outside: eta = 8pi/(k+pi-1)
    (4x Lemma 5.4's bound) diverges."""
    inside = _convergence_check(ctx, good_init(), safe_eta, "converges with eta = safe_eta")
    outside = _convergence_check(ctx, good_init(), _big_eta, "converges with eta = 8pi/(k+pi-1)", max_steps=2000)
    return checks.conditional(inside, outside, condition="eta <= min{1/k, 1/(||a*||^2 + (1.a*)^2)} (||w*|| = 1)",
                              printed_text="eta = O(min{...}) => two-phase convergence to the global minimum")


@statement("sec-5.1:basin-subset", line=5090, expect="conditional",
           title="Set {v0.v*>0, a0.a*>0, |1.a0| <= |1.a*|} lies in the global-min attraction basin (small eta)")
def basin_subset(ctx):
    """Hypothesis draws inits in the (strict) set; Algorithm 1 with the explicit step size converges
    to (phi = 0, a = ||w*|| a*); with a large step it does not."""
    inside = _convergence_check(ctx, good_init(), safe_eta, "inits in the set converge (eta = safe_eta)")
    outside = _convergence_check(ctx, good_init(), _big_eta, "inits in the set, eta = 8pi/(k+pi-1)", max_steps=2000)
    return checks.conditional(inside, outside, condition="eta <= min{1/k, 1/(||a*||^2 + (1.a*)^2)} (||w*|| = 1)",
                              printed_text="for eta sufficiently small, the set is inside the basin")


@st.composite
def _boundary_init(draw):
    """Points of the paper's non-strict set on its boundary: v0.w* = 0, a0.a* = 0, and 1.a* = 0 = 1.a0."""
    k = draw(S.bucket((3, 5)))
    p = draw(S.bucket((3, 6)))
    w = draw(S.unit_vectors(p))
    a_s = np.asarray(draw(S.vectors(k, -2, 2)))
    a_s = a_s - a_s.mean()
    assume(np.linalg.norm(a_s) > 1e-2)
    a0 = np.asarray(draw(S.vectors(k, -2, 2)))
    basis = np.stack([np.ones(k) / np.sqrt(k), a_s / np.linalg.norm(a_s)])
    a0 = a0 - basis.T @ (basis @ a0)
    v0 = _rotate_to(w, PI / 2, draw(S.floats(0.5, 2.0)))
    return {"v": jnp.asarray(v0), "a": jnp.asarray(a0), "w_star": jnp.asarray(w), "a_star": jnp.asarray(a_s)}


@statement("paper:basin-subset", source="paper", line=98, chapter="5", expect="erratum",
           title="B~ = {v0.v* >= 0, a0.a* >= 0, |1.a0| <= |1.a*|} subset of basin B(v*,a*)")
def paper_basin_subset(ctx):
    """The paper's non-strict set contains stationary non-optimal points: with v0 orthogonal to w*,
    a0 orthogonal to a* and 1, and 1.a* = 0, the v-gradient vanishes (a.a* = 0) and a decays to 0:
    GD never reaches the global minimum.  The thesis's strict inequalities fix this."""
    printed = _convergence_check(ctx, _boundary_init(), safe_eta, "boundary points of the non-strict set converge",
                                 max_steps=3000)
    corrected = _convergence_check(ctx, good_init(), safe_eta, "strict set converges (eta = safe_eta)")
    return checks.erratum(printed, corrected,
                          printed_text="{v0.v* >= 0, a0.a* >= 0, |1.a0| <= |1.a*|} is inside the basin",
                          corrected_text="strict inequalities v0.v* > 0, a0.a* > 0 (thesis Section 5.1), "
                                         "with eta <= min{1/k, 1/(||a*||^2+(1.a*)^2)}")


# ----------------------------------------------------------------------------- remarks
@statement("remark-5.1", line=5207, aliases=("paper:remark-1",), title="Second-layer init is O(1/sqrt(k)) type")
def remark_5_1(ctx):
    """a ~ unif(B(0, r)), r = |1.a*| ||w*||/sqrt(k): E[||a||^2] = r^2 k/(k+2), so each coordinate has
    RMS r/sqrt(k+2) = O(|1.a*| ||w*|| / k): Monte Carlo of the sampler vs that closed form."""
    @st.composite
    def params(draw):
        k = draw(S.bucket((2, 5, 16)))
        a_s = draw(S.vectors(k, -2, 2).filter(lambda x: abs(x.sum()) > 0.1))
        w = draw(S.vectors(3, -2, 2).filter(lambda x: np.linalg.norm(x) > 0.1))
        return {"a_star": jnp.asarray(a_s), "w_star": jnp.asarray(w)}

    def sample(key, p):
        _, a = cnn.sample_init(key, p["w_star"].shape[0], p["a_star"], p["w_star"])
        return jnp.stack([jnp.dot(a, a), a[0] ** 2])

    def expected(p):
        k = p["a_star"].shape[0]
        r = cnn.init_radius(p["a_star"], p["w_star"])
        return jnp.stack([r**2 * k / (k + 2), r**2 / (k + 2)])

    return checks.mc_check(ctx, params=params(), sample=sample, expected=expected,
                           what="second moments of the Thm 5.4 initialization")


@statement("remark-5.2", line=5210, aliases=("paper:remark-2",),
           title="Result extends to rotation-invariant input distributions")
def remark_5_2(ctx):
    """Patches z = r u, u uniform on S^{p-1}, r = sqrt(p) U, U ~ unif(0.5, 1.5) (not Gaussian):
    the population loss keeps the form of Theorem 5.1 with the moment constants replaced
    (``cnn.population_loss_rotinv``), checked by Monte Carlo."""
    m2 = 13.0 / 12.0

    def sample(key, p):
        k, dim = p["a"].shape[0], p["v"].shape[0]
        k1, k2 = jax.random.split(key)
        u = jax.random.normal(k1, (k, dim))
        u = u / jnp.linalg.norm(u, axis=1, keepdims=True)
        r = jnp.sqrt(dim) * jax.random.uniform(k2, (k, 1), minval=0.5, maxval=1.5)
        return cnn.sample_loss(p["v"], p["a"], r * u, p["w_star"], p["a_star"])

    def expected(p):
        dim = p["v"].shape[0]
        return cnn.population_loss_rotinv(p["v"], p["a"], p["w_star"], p["a_star"], np.sqrt(dim), m2 * dim)

    return checks.mc_check(ctx, params=cnn_params(), sample=sample, expected=expected,
                           what="rotation-invariant closed form vs MC")


@statement("remark-5.3", line=5216, aliases=("paper:remark-3",),
           title="If optimization fails, halving the init size eventually meets the conditions")
def remark_5_3(ctx):
    """Scale an init from the good set by 2^j (too large: |1.a0| > |1.a*|); halving restores the
    conditions after ceil(log2(|1.a0|/|1.a*|)) halvings (the sign conditions are scale invariant),
    and Algorithm 1 then converges."""
    @st.composite
    def params(draw):
        p = draw(good_init())
        assume(abs(float(jnp.sum(p["a_star"]))) > 1e-2)
        return p, draw(st.integers(1, 12))

    def body(args):
        p, j = args
        a = p["a"] * 2.0**j + jnp.sign(jnp.sum(p["a_star"])) * jnp.abs(jnp.sum(p["a_star"])) * 2.0**j / p["a"].shape[0]
        halvings = 0
        while abs(float(jnp.sum(a))) > abs(float(jnp.sum(p["a_star"]))) and halvings < 200:
            a = a / 2
            halvings += 1
        q = dict(p, a=a)
        ok_conditions = float(jnp.dot(a, p["a_star"])) > 0 and abs(float(jnp.sum(a))) <= abs(float(jnp.sum(p["a_star"])))
        T, loss, phi, target = _converge(q, safe_eta(q), ctx.profile.sized(20000, minimum=5000))
        return Outcome(ok=bool(ok_conditions and loss <= target), score=halvings,
                       info={"halvings": halvings, "steps": T, "final_loss": loss})

    return checks.predicate_check(ctx, params=params(), body=body, what="halving restores the conditions; GD converges")
