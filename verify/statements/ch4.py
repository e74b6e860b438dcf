"""Thesis chapter 4: auto-balancing of gradient flow in homogeneous networks (Thm 4.1-4.3), and
gradient descent on asymmetric matrix factorization (Sec. 4.3, Thm 4.4-4.5 and their lemmas).

Every check calls ``analytic.balance`` through the module attribute (``B.neuron_balance``) and
builds its jitted functions inside the check, so a mutated formula is traced afresh.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

from analytic import balance as B
from verify import checks
from verify.checks import Outcome
from verify.registry import statement
from verify.verdict import Evidence, Verdict

WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16)  # width buckets (padded to 4 / 8 / 16)
M_SAMPLES = 8  # data points per example (fixed: one compile per width bucket)
ACTS = tuple(B.HOMOGENEOUS)


# ============================================================================ networks
@st.composite
def net_params(draw, *, acts=ACTS, linear_layer=False, nonhom=None):
    """A Hypothesis-drawn fully connected architecture: depth 2-5, widths from WIDTHS, an activation
    per hidden layer, squared or logistic loss, and an integer seed for weights and data."""
    N = draw(st.integers(2, B.DEPTH_MAX))
    widths = [draw(st.sampled_from(WIDTHS)) for _ in range(N + 1)]
    act_names = [draw(st.sampled_from(acts)) for _ in range(N - 1)]
    h = None
    if linear_layer:
        h = draw(st.integers(0, N - 2))  # 0-based: linear activation between W[h] and W[h+1]
        act_names[h] = "linear"
    return dict(widths=tuple(widths), acts=tuple(act_names), loss=draw(st.sampled_from(("squared", "logistic"))),
                seed=draw(checks.seeds()), h=h, nonhom=nonhom)


P_CHECK = 16  # checks pad every network to the largest width bucket: one compile per function


def build_net(p, P=P_CHECK):
    """Numpy arrays for one drawn network: padded weights, mask, data, labels, slopes, activation codes."""
    widths = B.validate_widths(p["widths"])
    P = B.width_bucket(widths) if P is None else P
    rng = np.random.default_rng(p["seed"])
    N = len(widths) - 1
    Ws = [rng.normal(size=(widths[h + 1], widths[h])) / math.sqrt(widths[h]) for h in range(N)]
    W, mask, _ = B.pad_layers(Ws, P)
    x = np.zeros((M_SAMPLES, P))
    x[:, : widths[0]] = rng.normal(size=(M_SAMPLES, widths[0]))
    om = np.zeros((M_SAMPLES, P))
    om[:, : widths[-1]] = 1.0
    if p["loss"] == "squared":
        y = rng.normal(size=(M_SAMPLES, P)) * om
        mix = 1.0
    else:
        y = np.where(rng.normal(size=(M_SAMPLES, P)) > 0, 1.0, -1.0) * om
        mix = 0.0
    slopes = np.zeros(B.DEPTH_MAX)
    codes = np.zeros(B.DEPTH_MAX, dtype=np.int32)
    for i, a in enumerate(p["acts"]):
        slopes[i] = B.slope_of(a)
        if p.get("nonhom"):
            codes[i] = B.ACT_CODES[p["nonhom"]]
    return dict(W=np.asarray(W), mask=np.asarray(mask), x=x, y=y, om=om, slopes=slopes, mix=mix, codes=codes, P=P)


def _args(n):
    return (n["W"], n["mask"], n["x"], n["y"], n["om"], n["slopes"], n["mix"], n["codes"])


def _flow_fn(quantity_name):
    """jitted (W, mask, x, y, om, slopes, mix, codes, h) -> (dQ/dt, operand scale)."""

    def f(W, mask, x, y, om, slopes, mix, codes, h):
        def L(w):
            return B.loss(w, mask, x, y, om, slopes, mix, codes)

        if quantity_name == "neuron":
            Q = lambda w: B.neuron_balance(w, mask)  # noqa: E731
        elif quantity_name == "layer":
            Q = lambda w: B.layer_balance(w, mask)  # noqa: E731
        else:
            Q = lambda w: B.matrix_balance(w, mask, h)  # noqa: E731
        return B.flow_derivative(Q, L, W, mask), B.flow_derivative_scale(Q, L, W, mask)

    return jax.jit(f)


def _flow_check(ctx, quantity, strategy, *, fn=None, what="", name="", max_examples=None):
    fn = fn or _flow_fn(quantity)
    cache = {}

    def ev(p):
        key = repr(p)
        if key not in cache:
            n = build_net(p)
            h = 0 if p["h"] is None else p["h"]
            dq, sc = fn(*_args(n), h)
            cache.clear()
            cache[key] = (np.asarray(dq), np.asarray(sc))
        return cache[key]

    n_ops = 4 * 16 * B.DEPTH_MAX
    return checks.exact_check(ctx, params=strategy, lhs=lambda p: ev(p)[0], rhs=lambda p: np.zeros_like(ev(p)[0]),
                              scale=lambda p: ev(p)[1], n_ops=n_ops, what=what, name=name,
                              max_examples=max_examples)


def must_fail(v: Verdict, *, what: str) -> Verdict:
    """A negative control: the sub-check is expected to be refuted; report verified if it is."""
    if v.verdict == "refuted":
        return Verdict("verified", summary=f"negative control ({what}) correctly refuted",
                       evidence=v.evidence, name=f"negative control: {what}",
                       counterexample=None, parts=[v])
    return Verdict("refuted", summary=f"negative control ({what}) NOT refuted ({v.verdict}): the check cannot "
                                      f"tell a conserved quantity from a non-conserved one", evidence=v.evidence,
                   name=f"negative control: {what}", counterexample={"control": what, "got": v.verdict})


DRIFT_T = 10
DRIFT_REL = 2.0 ** np.arange(4)  # four step sizes, a factor 2 apart


def _gd_drift_fn(quantity_name):
    """jitted: (etas, drift sum_i |Q_T - Q_0|) after T GD steps (optax sgd in lax.scan) for
    eta = eta0 * DRIFT_REL, eta0 = 1e-4 ||W|| / (||grad L|| T) (the iterate moves by < 1e-3 ||W||)."""
    import optax

    def run(W, mask, x, y, om, slopes, mix, codes):
        def L(w):
            return B.loss(w, mask, x, y, om, slopes, mix, codes)

        Q = (lambda w: B.neuron_balance(w, mask)) if quantity_name == "neuron" else (lambda w: B.layer_balance(w, mask))
        g0 = jax.grad(L)(W) * mask
        eta0 = 1e-4 * jnp.linalg.norm(W * mask) / (jnp.linalg.norm(g0) * DRIFT_T + 1e-300)

        def one(eta):
            opt = B.gd_transform(eta)

            def step(carry, _):
                w, s = carry
                g = jax.grad(L)(w) * mask
                upd, s = opt.update(g, s, w)
                return (optax.apply_updates(w, upd), s), None

            (wT, _), _ = jax.lax.scan(step, (W, opt.init(W)), None, length=DRIFT_T)
            return jnp.sum(jnp.abs(Q(wT) - Q(W)))

        etas = eta0 * jnp.asarray(DRIFT_REL)
        return etas, jax.vmap(one)(etas), jnp.linalg.norm(W * mask)

    return jax.jit(run)


def _drift_check(ctx, quantity, *, name="discrete GD drift ~ eta^2"):
    fn = _gd_drift_fn(quantity)

    def body(p):
        n = build_net(p)
        etas, D, wn = (np.asarray(a) for a in fn(*_args(n)))
        floor = 1e3 * np.finfo(float).eps * (1 + float(wn) ** 2)
        if np.any(D <= floor) or not np.all(np.isfinite(etas)):
            return Outcome(ok=True, score=0.0, info={"note": "drift at round-off level", "drift": D.tolist()})
        slope = float(np.polyfit(np.log(etas), np.log(D), 1)[0])
        return Outcome(ok=abs(slope - 2.0) <= 0.1, score=abs(slope - 2.0),
                       info={"exponent": slope, "etas": etas.tolist(), "drift": D.tolist()})

    return checks.predicate_check(ctx, params=net_params(), body=body, name=name,
                                  what=f"drift after {DRIFT_T} GD steps fits eta^p with |p-2| <= 0.1",
                                  max_examples=ctx.profile.examples(5), tol="fitted exponent within 2 +- 0.1")


@statement("thm-4.1", line=3851, title="Gradient flow conserves ||W^(h)[i,:]||^2 - ||W^(h+1)[:,i]||^2 at every "
                                        "neuron (homogeneous activations)")
def thm_4_1(ctx):
    """Autodiff: d/dt Q_{h,i} = <grad Q_{h,i}, -grad L> = 0 to round-off on random nets (ReLU / leaky
    ReLU / linear, squared / logistic loss); negative control: tanh and softplus must violate it;
    GD with step eta: drift after T steps ~ eta^2."""
    ctx.note("flow derivative, homogeneous activations")
    ctx.note("negative control: tanh / softplus")
    fn = _flow_fn("neuron")
    flow = _flow_check(ctx, "neuron", net_params(), fn=fn, what="d/dt Q_{h,i} = 0 along gradient flow",
                       name="gradient flow, homogeneous")
    negs = [must_fail(_flow_check(ctx, "neuron", net_params(nonhom=a), fn=fn,
                                  what=f"d/dt Q = 0 with {a}", max_examples=ctx.profile.examples(5)),
                      what=f"{a} activation") for a in B.NON_HOMOGENEOUS]
    ctx.note("discrete GD drift exponent")
    drift = _drift_check(ctx, "neuron")
    return checks.all_of(flow, *negs, drift)


@statement("cor-4.1", line=3865, title="Gradient flow conserves ||W^(h)||_F^2 - ||W^(h+1)||_F^2")
def cor_4_1(ctx):
    """Autodiff on the layer-wise quantity; GD drift ~ eta^2."""
    flow = _flow_check(ctx, "layer", net_params(), what="d/dt (||W_h||_F^2 - ||W_h+1||_F^2) = 0",
                       name="gradient flow, homogeneous")
    drift = _drift_check(ctx, "layer")
    return checks.all_of(flow, drift)


@statement("thm-4.2", line=3882, title="Linear activation: W^(h) W^(h)T - W^(h+1)T W^(h+1) conserved by gradient flow")
def thm_4_2(ctx):
    """Matrix-valued derivative along -grad L is zero when the activation between W_h and W_h+1 is
    linear; control: with ReLU there the matrix law must fail (only its diagonal is conserved)."""
    fn = _flow_fn("matrix")
    flow = _flow_check(ctx, "matrix", net_params(linear_layer=True), fn=fn, what="d/dt (W_h W_h^T - W_h+1^T W_h+1) = 0",
                       name="linear layer")

    @st.composite
    def relu_at_h(draw):
        p = draw(net_params(linear_layer=True))
        acts = list(p["acts"])
        acts[p["h"]] = "relu"
        return {**p, "acts": tuple(acts)}

    neg = must_fail(_flow_check(ctx, "matrix", relu_at_h(), fn=fn,
                                what="matrix law with ReLU", max_examples=ctx.profile.examples(5)),
                    what="ReLU between W_h and W_h+1")
    return checks.all_of(flow, neg)


# ---------------------------------------------------------------------------- shared / sparse weights
@st.composite
def shared_params(draw):
    """Layers with a sparsity + weight-sharing map g_h: at least one 1-D convolution (Toeplitz map),
    the others random maps g_h: [n_h] x [n_h-1] -> {0, ..., d_h}."""
    N = draw(st.integers(2, B.DEPTH_MAX))
    conv_at = draw(st.integers(0, N - 1))
    widths = [draw(st.sampled_from((4, 6, 8, 12, 16)))]
    layers = []
    for h in range(N):
        n_in = widths[-1]
        if h == conv_at:
            r = draw(st.integers(1, min(5, n_in)))
            layers.append(("conv", r))
            widths.append(n_in - r + 1)
        else:
            n_out = draw(st.sampled_from(WIDTHS))
            d = draw(st.integers(1, 16))
            layers.append(("shared", d))
            widths.append(n_out)
    acts = [draw(st.sampled_from(ACTS)) for _ in range(N - 1)]
    return dict(widths=tuple(widths), layers=tuple(layers), acts=tuple(acts),
                loss=draw(st.sampled_from(("squared", "logistic"))), seed=draw(checks.seeds()))


def build_shared(p, P=16):
    rng = np.random.default_rng(p["seed"])
    widths = p["widths"]
    N = len(widths) - 1
    G = np.zeros((B.DEPTH_MAX, P, P), dtype=np.int32)
    V = np.zeros((B.DEPTH_MAX, P))
    vmask = np.zeros((B.DEPTH_MAX, P))
    for h, (kind, k) in enumerate(p["layers"]):
        n_in, n_out = widths[h], widths[h + 1]
        if kind == "conv":
            G[h] = B.conv_map(n_in, k, P)
            d = k
        else:
            d = k
            G[h, :n_out, :n_in] = rng.integers(0, d + 1, size=(n_out, n_in))
            G[h, 0, 0] = max(G[h, 0, 0], 1)
        fan = max(1.0, float(np.max(np.sum(G[h] > 0, axis=1))))
        V[h, :d] = rng.normal(size=d) / math.sqrt(fan)
        vmask[h, :d] = 1.0
    x = np.zeros((M_SAMPLES, P))
    x[:, : widths[0]] = rng.normal(size=(M_SAMPLES, widths[0]))
    om = np.zeros((M_SAMPLES, P))
    om[:, : widths[-1]] = 1.0
    if p["loss"] == "squared":
        y, mix = rng.normal(size=(M_SAMPLES, P)) * om, 1.0
    else:
        y, mix = np.where(rng.normal(size=(M_SAMPLES, P)) > 0, 1.0, -1.0) * om, 0.0
    slopes = np.zeros(B.DEPTH_MAX)
    for i, a in enumerate(p["acts"]):
        slopes[i] = B.slope_of(a)
    pair = np.zeros(B.DEPTH_MAX - 1)
    pair[: N - 1] = 1.0
    # structural mask of W: the real block of each layer (g may be 0 inside it: sparsity)
    mask = B.mask_for(widths, P)
    return dict(G=G, V=V, vmask=vmask, x=x, y=y, om=om, slopes=slopes, mix=mix, pair=pair, mask=mask)


def _shared_flow_fn():
    def f(V, vmask, G, mask, x, y, om, slopes, mix, pair):
        def L(v):
            W = jax.vmap(B.shared_weight_matrix)(v, G)
            return B.loss(W, mask, x, y, om, slopes, mix)

        def Q(v):
            return B.shared_norms_balance(v) * pair

        return B.flow_derivative(Q, L, V, vmask), B.flow_derivative_scale(Q, L, V, vmask)

    return jax.jit(f)


@statement("thm-4.3", line=3924, title="Shared/sparse weights (CNN): ||v^(h)||^2 - ||v^(h+1)||^2 conserved")
def thm_4_3(ctx):
    """Autodiff on nets whose layers have a sparsity/weight-sharing map g_h (one 1-D convolution,
    the others random maps), ReLU / leaky ReLU / linear, squared / logistic loss."""
    fn = _shared_flow_fn()
    cache = {}

    def ev(p):
        if repr(p) not in cache:
            n = build_shared(p)
            cache.clear()
            out = fn(n["V"], n["vmask"], n["G"], n["mask"], n["x"], n["y"], n["om"], n["slopes"], n["mix"], n["pair"])
            cache[repr(p)] = tuple(np.asarray(o) for o in out)
        return cache[repr(p)]

    return checks.exact_check(ctx, params=shared_params(), lhs=lambda p: ev(p)[0],
                              rhs=lambda p: np.zeros_like(ev(p)[0]), scale=lambda p: ev(p)[1],
                              n_ops=4 * 16 * B.DEPTH_MAX, what="d/dt (||v_h||^2 - ||v_h+1||^2) = 0 along gradient flow")


# ============================================================================ matrix factorization (Sec. 4.3)
MF_DIMS = (2, 3, 5, 8)


def _rand_orth(rng, d, r):
    q, _ = np.linalg.qr(rng.normal(size=(d, r)))
    return q[:, :r]


def rank_r_matrix(rng, d1, d2, r, norm=1.0, spread=(0.5, 1.0)):
    """M* = Phi diag(s) Psi^T with s_i uniform in ``spread`` (so sigma_min/sigma_max >= 0.5), ||M*||_F = norm."""
    s = np.sort(rng.uniform(*spread, size=r))[::-1]
    s = s / np.linalg.norm(s) * norm
    return (_rand_orth(rng, d1, r) * s) @ _rand_orth(rng, d2, r).T


@st.composite
def mf_shape(draw, dims=MF_DIMS, rmax=3):
    d1, d2 = draw(st.sampled_from(dims)), draw(st.sampled_from(dims))
    r = draw(st.integers(1, min(rmax, d1, d2)))
    return d1, d2, r


def _n(x):
    return float(np.linalg.norm(np.asarray(x)))


def _rt():
    return np.finfo(float).eps


@statement("claim-4.1", line=4316, title="One GD step changes U^TU - V^TV only at O(eta^2): balancedness propagation")
def claim_4_1(ctx):
    """Exact identity U'^TU' - V'^TV' = U^TU - V^TV + eta^2 (V^T R^T R V - U^T R R^T U) (Hypothesis over
    shapes, scales and eta), and the bound (4.13) on its Frobenius norm."""

    @st.composite
    def params(draw):
        d1, d2, r = draw(mf_shape())
        return dict(d1=d1, d2=d2, r=r, seed=draw(checks.seeds()), eta=draw(st.floats(1e-3, 1.0)),
                    s=draw(st.floats(0.1, 3.0)))

    def mats(p):
        rng = np.random.default_rng(p["seed"])
        U = rng.normal(size=(p["d1"], p["r"])) * p["s"]
        V = rng.normal(size=(p["d2"], p["r"])) * p["s"]
        M = rng.normal(size=(p["d1"], p["d2"]))
        return U, V, M

    def lhs(p):
        U, V, M = mats(p)
        U2, V2 = B.mf_gd_step(U, V, M, p["eta"])
        return B.balancedness(U2, V2)

    def rhs(p):
        U, V, M = mats(p)
        return B.balance_after_step(U, V, M, p["eta"])

    def scale(p):
        U, V, M = mats(p)
        R = np.abs(U @ V.T - M)
        U2, V2 = (np.asarray(a) for a in B.mf_gd_step(U, V, M, p["eta"]))
        aU, aV = np.abs(U), np.abs(V)
        return (np.abs(U2).T @ np.abs(U2) + np.abs(V2).T @ np.abs(V2) + aU.T @ aU + aV.T @ aV
                + p["eta"] ** 2 * (aV.T @ R.T @ R @ aV + aU.T @ R @ R.T @ aU))

    ident = checks.exact_check(ctx, params=params(), lhs=lhs, rhs=rhs, scale=scale, n_ops=64,
                               what="one-step identity for U^TU - V^TV", name="identity")

    def margin(p):
        U, V, M = mats(p)
        b = float(B.balance_step_bound(U, V, M, p["eta"]))
        return b - _n(lhs(p)), {"bound": b}

    bound = checks.inequality_check(ctx, params=params(), margin=margin, name="bound (4.13)",
                                    slack=lambda p: 1e3 * _rt() * (1 + float(B.balance_step_bound(*mats(p), p["eta"]))),
                                    what="||U'^TU' - V'^TV'||_F <= ||U^TU - V^TV||_F + eta^2(||U||^2+||V||^2)||R||^2")
    return checks.all_of(ident, bound)


@statement("claim-4.2", line=4359, title="Descent: f(U_{t+1},V_{t+1}) <= f(U_t,V_t) under boundedness")
def claim_4_2(ctx):
    """One step from any (U, V) with ||U||_F^2, ||V||_F^2 <= 5 sqrt(r) ||M*||_F and f <= 2||M*||_F^2,
    eta <= 1/beta, beta = (66 sqrt(r)+2)||M*||_F: f decreases by at least eta/2 ||grad f||^2 (4.14) and
    ||U'||_F^2, ||V'||_F^2 <= 11 sqrt(r) ||M*||_F."""

    @st.composite
    def params(draw):
        d1, d2, r = draw(mf_shape())
        return dict(d1=d1, d2=d2, r=r, seed=draw(checks.seeds()), a=draw(st.floats(0.0, 1.0)),
                    b=draw(st.floats(0.0, 1.0)), t=draw(st.floats(0.01, 1.0)), m=draw(st.floats(0.2, 5.0)),
                    aligned=draw(st.booleans()))

    def setup(p):
        rng = np.random.default_rng(p["seed"])
        r = p["r"]
        M = rank_r_matrix(rng, p["d1"], p["d2"], r, norm=p["m"])
        bound = float(B.lemma41_norm_bound(r, p["m"]))
        if p["aligned"]:  # the worst direction: U V^T anti-aligned with M*
            Ph, _, Qt = np.linalg.svd(M)
            U = Ph[:, :r] @ np.diag(rng.uniform(0.5, 1.0, r))
            V = -Qt[:r].T @ np.diag(rng.uniform(0.5, 1.0, r))
        else:
            U, V = rng.normal(size=(p["d1"], r)), rng.normal(size=(p["d2"], r))
        U = U / _n(U) * math.sqrt(p["a"] * bound)
        V = V / _n(V) * math.sqrt(p["b"] * bound)
        eta = p["t"] / float(B.claim42_beta(r, p["m"]))
        return U, V, M, eta

    def margin(p):
        U, V, M, eta = setup(p)
        f0 = float(B.mf_loss(U, V, M))
        if f0 > 2 * p["m"] ** 2:  # outside the induction hypothesis B(t)
            return 1.0, {"skipped": "f > 2||M*||^2"}
        gU, gV = B.mf_grads(U, V, M)
        g2 = float(jnp.sum(gU ** 2) + jnp.sum(gV ** 2))
        U2, V2 = B.mf_gd_step(U, V, M, eta)
        f1 = float(B.mf_loss(U2, V2, M))
        nb = 11 * math.sqrt(p["r"]) * p["m"]
        m1 = (f0 - eta / 2 * g2 - f1) / (1 + f0)
        m2 = (nb - max(_n(U2) ** 2, _n(V2) ** 2)) / nb
        return min(m1, m2), {"descent_margin": m1, "norm_margin": m2, "f0": f0, "f1": f1}

    return checks.inequality_check(ctx, params=params(), margin=margin, slack=1e3 * _rt(),
                                   what="f(U',V') <= f(U,V) - eta/2 ||grad f||^2 and ||U'||^2, ||V'||^2 <= 11 sqrt(r)||M*||"
                                        " (relative margins)")


@statement("claim-4.3", line=4403, title="Balanced + bounded loss => ||U||_F^2, ||V||_F^2 <= 5 sqrt(r)||M*||_F")
def claim_4_3(ctx):
    """(U, V) with ||U^TU - V^TV||_F <= eps <= ||M*||_F and f <= 2||M*||_F^2 (constructed: balanced
    factors of a matrix near 3 M*, perturbed); assert max(||U||^2, ||V||^2) <= 5 sqrt(r) ||M*||_F."""

    @st.composite
    def params(draw):
        d1, d2, r = draw(mf_shape())
        return dict(d1=d1, d2=d2, r=r, seed=draw(checks.seeds()), c=draw(st.floats(0.0, 3.0)),
                    noise=draw(st.floats(0.0, 1.0)), tilt=draw(st.floats(0.2, 5.0)))

    def setup(p):
        rng = np.random.default_rng(p["seed"])
        r = p["r"]
        M = rank_r_matrix(rng, p["d1"], p["d2"], r, spread=(0.05, 1.0))
        Ph, s, Qt = np.linalg.svd(M)
        # U V^T = c * (top singular direction energy) -- pushes ||U V^T|| to 3||M*|| with a flat spectrum
        sv = np.full(r, p["c"] * np.linalg.norm(s[:r]) / math.sqrt(r))
        Q = _rand_orth(rng, r, r)
        U = (Ph[:, :r] * np.sqrt(sv)) @ Q
        V = (Qt[:r].T * np.sqrt(sv)) @ Q
        D = np.diag(np.exp(p["noise"] * 0.3 * rng.normal(size=r)))  # imbalance
        return U @ D, V @ np.linalg.inv(D), M

    def margin(p):
        U, V, M = setup(p)
        mn = _n(M)
        eps = _n(B.balancedness(U, V))
        f = float(B.mf_loss(U, V, M))
        if eps > mn or f > 2 * mn ** 2:
            return 1.0, {"skipped": "outside the hypotheses", "eps": eps, "f": f}
        bound = float(B.lemma41_norm_bound(p["r"], mn))
        top = max(_n(U) ** 2, _n(V) ** 2)
        return (bound - top) / bound, {"norm2": top, "bound": bound, "eps": eps, "f_over_M2": f / mn ** 2}

    return checks.inequality_check(ctx, params=params(), margin=margin, slack=1e3 * _rt(),
                                   what="max(||U||_F^2, ||V||_F^2) <= 5 sqrt(r)||M*||_F (relative margin)")


def _hessian_eigs(U, V, M):
    return np.linalg.eigvalsh(np.asarray(B.mf_hessian_matrix(U, V, M)))


@statement("lemma-4.3", line=4266, title="f is (6c+2)||M*||_F-smooth on {||U||_F^2, ||V||_F^2 <= c||M*||_F}")
def lemma_4_3(ctx):
    """lambda_max of the autodiff Hessian <= (6c+2)||M*||_F on the set (including its boundary and the
    anti-aligned configuration where lambda_max = (3c+1)||M*||_F, so the printed constant is 2x loose)."""

    @st.composite
    def params(draw):
        d1, d2, r = draw(mf_shape(dims=(2, 3, 5)))
        return dict(d1=d1, d2=d2, r=r, seed=draw(checks.seeds()), c=draw(st.floats(0.05, 5.0)),
                    a=draw(st.floats(0.0, 1.0)), b=draw(st.floats(0.0, 1.0)), aligned=draw(st.booleans()),
                    sign=draw(st.sampled_from((-1.0, 1.0))))

    def margin(p):
        rng = np.random.default_rng(p["seed"])
        r = p["r"]
        M = rng.normal(size=(p["d1"], p["d2"]))
        mn = _n(M)
        if p["aligned"]:
            Ph, _, Qt = np.linalg.svd(M)
            U, V = Ph[:, :1] @ np.ones((1, r)), p["sign"] * Qt[:1].T @ np.ones((1, r))
        else:
            U, V = rng.normal(size=(p["d1"], r)), rng.normal(size=(p["d2"], r))
        U = U / _n(U) * math.sqrt(p["a"] * p["c"] * mn)
        V = V / _n(V) * math.sqrt(p["b"] * p["c"] * mn)
        lam = float(_hessian_eigs(U, V, M)[-1])
        L = float(B.smoothness(p["c"], mn))
        return (L - lam) / L, {"lambda_max": lam, "bound": L, "lambda_over_bound": lam / L,
                               "tight_constant_3c+1": (3 * p["c"] + 1) * mn}

    return checks.inequality_check(ctx, params=params(), margin=margin, slack=1e4 * _rt(),
                                   what="lambda_max(Hessian) <= (6c+2)||M*||_F (relative margin)")


@st.composite
def stationary_params(draw):
    d1, d2, r = draw(mf_shape(dims=(2, 3, 5), rmax=3))
    subset = tuple(draw(st.lists(st.booleans(), min_size=r, max_size=r)))
    return dict(d1=d1, d2=d2, r=r, subset=subset, seed=draw(checks.seeds()),
                imbalance=draw(st.floats(0.0, 1.0)), rotate=draw(st.booleans()))


def stationary_setup(p):
    """A stationary point of f built from a subset of the singular pairs of a rank-r M*, rescaled
    by D (U D, V D^{-1}: still stationary, balancedness ||U^TU - V^TV|| grows with the imbalance)
    and rotated by an orthogonal Q."""
    rng = np.random.default_rng(p["seed"])
    r = p["r"]
    M = rank_r_matrix(rng, p["d1"], p["d2"], r, spread=(0.2, 1.0))
    U, V = (np.asarray(a) for a in B.stationary_point(M, r, np.asarray(p["subset"], dtype=float)))
    D = np.exp(p["imbalance"] * 0.5 * rng.normal(size=r))
    U, V = U * D, V / D
    if p["rotate"]:
        Q = _rand_orth(rng, r, r)
        U, V = U @ Q, V @ Q
    Us, Vs = (np.asarray(a) for a in B.balanced_factors(M, r))
    W, Ws = np.vstack([U, V]), np.vstack([Us, Vs])
    R = np.asarray(B.procrustes(W, Ws))
    Dl = W - Ws @ R
    return dict(M=M, U=U, V=V, DU=Dl[: p["d1"]], DV=Dl[p["d1"]:], W=W, Ws=Ws, R=R,
                eps=_n(B.balancedness(U, V)), err=_n(U @ V.T - M))


@statement("lemma-4.2", line=4058, title="Balanced stationary points are eps-global or strict saddles")
def lemma_4_2(ctx):
    """Stationary points from subsets of singular pairs (rescaled/rotated, balancedness eps): the
    gradient vanishes, and either ||UV^T - M*||_F <= eps or lambda_min(Hessian) < 0; along
    Delta = W - W*R the Hessian form is <= -||M - M*||_F^2 + eps^2/2."""

    def margin(p):
        s = stationary_setup(p)
        M, U, V = s["M"], s["U"], s["V"]
        gU, gV = B.mf_grads(U, V, M)
        gnorm = _n(gU) + _n(gV)
        q = float(B.mf_hessian_form(U, V, M, s["DU"], s["DV"]))
        bound = -s["err"] ** 2 + s["eps"] ** 2 / 2
        sc = 1 + _n(U) ** 2 + _n(V) ** 2 + _n(M) ** 2
        m_dir = (bound - q) / sc
        lam = float(_hessian_eigs(U, V, M)[0])
        m_saddle = 1.0 if s["err"] <= s["eps"] + 1e-10 * _n(M) else -lam / sc
        m_stat = 1e-6 - gnorm / sc  # stationarity of the construction (round-off only)
        return min(m_dir, m_saddle, m_stat), {"hessian_form": q, "bound": bound, "lambda_min": lam,
                                              "err": s["err"], "eps": s["eps"], "grad_norm": gnorm}

    return checks.inequality_check(ctx, params=stationary_params(), margin=margin, slack=1e3 * _rt(),
                                   what="stationary point: eps-global or strict saddle; Hess(Delta,Delta) <= "
                                        "-||M-M*||^2 + eps^2/2 (relative margins)")


@statement("claim-4.4", line=4503, title="At a stationary point <M - M*, Delta_U Delta_V^T> = -||M - M*||_F^2")
def claim_4_4(ctx):
    """Exact identity at constructed stationary points (Procrustes R)."""

    def lhs(p):
        s = stationary_setup(p)
        return np.sum((s["U"] @ s["V"].T - s["M"]) * (s["DU"] @ s["DV"].T))

    def rhs(p):
        s = stationary_setup(p)
        return -s["err"] ** 2

    def scale(p):
        s = stationary_setup(p)
        return np.sum(np.abs(s["U"] @ s["V"].T - s["M"]) * (np.abs(s["DU"]) @ np.abs(s["DV"]).T)) + 1.0

    return checks.exact_check(ctx, params=stationary_params(), lhs=lhs, rhs=rhs, scale=scale, n_ops=64,
                              what="<M - M*, D_U D_V^T> = -||M - M*||_F^2")


@statement("claim-4.5", line=4527, title="||U Delta_V^T + Delta_U V^T||_F^2 <= ||M - M*||_F^2 + eps^2/2")
def claim_4_5(ctx):
    """The inequality at stationary points; the identities (4.19)-(4.21) exactly on random (U, V)
    and any orthogonal R; (4.22) ||Delta Delta^T||^2 <= 2||WW^T - W*W*^T||^2 (Procrustes R) on random
    matrices, including near-rotations W ~ W* Q where it is tight."""

    def m_main(p):
        s = stationary_setup(p)
        lhs = _n(s["U"] @ s["DV"].T + s["DU"] @ s["V"].T) ** 2
        rhs = s["err"] ** 2 + s["eps"] ** 2 / 2
        return (rhs - lhs) / (1 + rhs), {"lhs": lhs, "rhs": rhs}

    main = checks.inequality_check(ctx, params=stationary_params(), margin=m_main, slack=1e3 * _rt(), name="claim",
                                   what="||U D_V^T + D_U V^T||^2 <= ||M-M*||^2 + eps^2/2")

    @st.composite
    def rparams(draw):
        d1, d2, r = draw(mf_shape(dims=(2, 3, 5)))
        return dict(d1=d1, d2=d2, r=r, seed=draw(checks.seeds()), near=draw(st.floats(0.0, 1.0)),
                    procrustes=draw(st.booleans()))

    def rsetup(p):
        rng = np.random.default_rng(p["seed"])
        d1, d2, r = p["d1"], p["d2"], p["r"]
        M = rank_r_matrix(rng, d1, d2, r)
        Us, Vs = (np.asarray(a) for a in B.balanced_factors(M, r))
        Ws = np.vstack([Us, Vs])
        W = Ws @ _rand_orth(rng, r, r) + p["near"] * rng.normal(size=Ws.shape)
        R = np.asarray(B.procrustes(W, Ws)) if p["procrustes"] else _rand_orth(rng, r, r)
        U, V = W[:d1], W[d1:]
        Dl = W - Ws @ R
        return dict(M=M, Us=Us, Vs=Vs, Ws=Ws, W=W, U=U, V=V, R=R, DU=Dl[:d1], DV=Dl[d1:], Dl=Dl)

    def ids_lhs(p):
        s = rsetup(p)
        U, V, DU, DV, Dl, W, Ws = s["U"], s["V"], s["DU"], s["DV"], s["Dl"], s["W"], s["Ws"]
        return [U @ DV.T + DU @ V.T,
                np.sum((Dl @ Dl.T) ** 2),
                np.sum((W @ W.T - Ws @ Ws.T) ** 2)]

    def ids_rhs(p):
        s = rsetup(p)
        U, V, DU, DV, Us, Vs, M = s["U"], s["V"], s["DU"], s["DV"], s["Us"], s["Vs"], s["M"]
        Mh = U @ V.T
        return [DU @ DV.T + Mh - M,
                4 * np.sum((DU @ DV.T) ** 2) + np.sum((DU.T @ DU - DV.T @ DV) ** 2),
                4 * np.sum((Mh - M) ** 2) - 2 * np.sum((U.T @ Us - V.T @ Vs) ** 2)
                + np.sum((U.T @ U - V.T @ V) ** 2) + np.sum((Us.T @ Us - Vs.T @ Vs) ** 2)]

    def ids_scale(p):
        s = rsetup(p)
        a = 1 + _n(s["W"]) ** 2 + _n(s["Ws"]) ** 2
        U = s["U"]
        return [np.full(U.shape[0] * s["V"].shape[0], a), np.array([a ** 2]), np.array([a ** 2])]

    ids = checks.exact_check(ctx, params=rparams(), lhs=ids_lhs, rhs=ids_rhs, scale=ids_scale, n_ops=64,
                             name="identities (4.19)-(4.21)", what="(4.19), (4.20), (4.21)")

    def m_422(p):
        if not p["procrustes"]:
            return 1.0, {"skipped": "(4.22) needs the Procrustes R"}
        s = rsetup(p)
        lhs = np.sum((s["Dl"] @ s["Dl"].T) ** 2)
        rhs = 2 * np.sum((s["W"] @ s["W"].T - s["Ws"] @ s["Ws"].T) ** 2)
        return (rhs - lhs) / (1 + _n(s["W"]) ** 4), {"lhs": lhs, "rhs": rhs}

    ineq = checks.inequality_check(ctx, params=rparams(), margin=m_422, slack=1e3 * _rt(), name="(4.22)",
                                   what="||D D^T||^2 <= 2||WW^T - W*W*^T||^2")
    return checks.all_of(main, ids, ineq)
