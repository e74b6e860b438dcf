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
