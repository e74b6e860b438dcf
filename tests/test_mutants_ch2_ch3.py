"""Mutant tests for chapters 2-3: a deliberately wrong formula in analytic/gram.py or
analytic/gaussian.py must move each numeric statement's verdict away from the registry's
expectation (to ``refuted``).

Not mutated (reported): remark-3.7 / remark-3.8 / lemma-2.4 (inconclusive by design), and the GD-path
inequalities lemma-3.6/3.7/3.13/3.14/3.20/3.21 whose only formula (lambda0) cancels against the
explicit step eta = lambda0/(16 lambda_max^2) -- they are exercised through thm-3.x's mutant.
"""
import dataclasses

import jax.numpy as jnp
import pytest

import analytic.gaussian as Ga
import analytic.gram as G
from verify.testing import assert_caught, mutated

_hinf = G.h_inf
_hfin = G.h_finite
_lam0 = G.lambda_0
_anti = G.anticoncentration
_rp = G.r_prime
_proj = G.project_out
_grad2 = G.two_layer_grad
_cs = G.c_sigma
_fck = G.fc_kernel
_rk = G.resnet_kernel
_ck = G.conv_resnet_kernel
_gk = G.general_kernel
_pair = Ga.pair_gram
_mean = Ga.mean
_c31 = Ga.condition_3_1_constants
_ppb = G.product_perturbation_bound
_otb = G.opnorm_tail_bound
_l328 = G.lipschitz_328
_l329 = G.lipschitz_329
_tpm = G.tensor_power_matrix
_fpb = G.fc_perturbation_bound
_rpb = G.resnet_perturbation_bound
_llg = G.last_layer_gram
_fwr = G.fc_weight_radius
_rwr = G.resnet_weight_radius


def _hinf_plus(X):  # sign flip: pi + arccos
    Gm = jnp.clip(jnp.asarray(X) @ jnp.asarray(X).T, -1, 1)
    return Gm * (jnp.pi + jnp.arccos(Gm)) / (2 * jnp.pi)


def _pair_nocorr(act, K, deriv=False, method="auto", q=48):  # correlation dropped: E s(u) E s(v)
    a = Ga.get(act)
    f = Ga.derivative(a) if deriv else a.f
    m = Ga.expect1(f, jnp.diag(jnp.asarray(K)))
    return jnp.outer(m, m)


def _acts_quadratic_nonpoly():
    d = dict(Ga.ACTIVATIONS)
    d["quadratic"] = dataclasses.replace(d["quadratic"], polynomial=False)
    return d


CASES = [
    # chapter 2
    ("assump-2.1", G, "h_inf", lambda X: 2 * _hinf(X)),  # 2 pi -> pi
    ("thm-2.1", G, "h_inf", _hinf_plus),
    ("eq-2.6", G, "h_finite", lambda W, X: _hfin(W, X) * jnp.sqrt(W.shape[0])),  # 1/sqrt(m) for 1/m
    ("lemma-2.1", G, "h_inf", lambda X: 1.1 * _hinf(X)),
    ("lemma-2.2", G, "anticoncentration", lambda R: G.anticoncentration_bound(R)),
    ("lemma-2.3", G, "r_prime", lambda *a: _rp(*a) / 2),
    ("thm-2.2", G, "lambda_0", lambda X: 3 * _lam0(X)),
    ("thm-2.3", G, "lambda_0", lambda X: 30 * _lam0(X)),
    ("cond-2.1", G, "lambda_0", lambda X: 30 * _lam0(X)),
    ("cor-2.1", G, "r_prime", lambda *a: _rp(*a) / 200),
    ("lemma-2.5", G, "anticoncentration", lambda R: 0.5 * _anti(R)),
    ("lemma-2.6", G, "project_out", lambda g, x: jnp.asarray(g)),
    ("fig-2.1", G, "two_layer_grad", lambda W, a, X, y: _grad2(W, a, X, y) * W.shape[0] / 100),
    # chapter 3
    ("cond-3.1", Ga, "condition_3_1_constants", lambda a: (_c31(a)[0], _c31(a)[1], _c31(a)[2] / 2)),
    ("cond-3.2", Ga, "ACTIVATIONS", _acts_quadratic_nonpoly()),
    ("def-3.1", G, "c_sigma", lambda a: 1.1 * _cs(a)),
    ("def-3.2", G, "resnet_kernel", lambda X, H, act="softplus", **kw: _rk(X, H, act, **{**kw, "c_res": 1.0})),
    ("def-3.3", G, "conv_resnet_kernel", lambda X, H, act="softplus", **kw: _ck(X, H, act, **{**kw, "q": 1})),
    ("def-3.4", G, "patch_gram", lambda S, q=3: S),
    ("remark-3.5", G, "general_kernel", lambda P0, Ds, sc, *a, **k: _gk(P0, [0.9 * d for d in Ds], sc, *a, **k)),
    ("thm-3.4", Ga, "mean", lambda act, var, q=96: 1.2 * _mean(act, var, q=q)),
    ("prop-3.1", Ga, "pair_gram", _pair_nocorr),
    ("lemma-3.23", Ga, "pair_gram", _pair_nocorr),
    ("lemma-3.24", Ga, "pair_gram", _pair_nocorr),
    ("prop-3.2", G, "resnet_kernel", lambda X, H, *a, **k: _rk(X, H, *a, **k) * jnp.exp(-float(H))),
    ("lemma-3.25", G, "general_kernel", lambda P0, Ds, sc, *a, **k: _gk(P0, [0.0 for d in Ds], sc, *a, **k)),
    ("lemma-3.26", G, "product_perturbation_bound", lambda al, M: jnp.sum(jnp.asarray(al)) * jnp.prod(jnp.asarray(M))),
    ("lemma-3.27", G, "opnorm_tail_bound", lambda c, cw0, m: float(jnp.exp(-((cw0 - c ** 0.5) ** 2) * m / 2))),  # "-1" dropped
    ("lemma-3.28", G, "lipschitz_328", lambda a, c: _l328(a, c) / 4),
    ("lemma-3.29", G, "lipschitz_329", lambda a, c: _l329(a, c) / 4),
    ("lemma-3.30", G, "lipschitz_329", lambda a, c: _l329(a, c) / 50),
    ("lemma-3.31", G, "tensor_power_matrix", lambda V, k: _tpm(V, 1)),
    ("lemma-3.1", G, "c_sigma", lambda a: 2 * _cs(a)),
    ("lemma-3.8", G, "c_sigma", lambda a: 6 * _cs(a)),
    ("lemma-3.15", G, "c_sigma", lambda a: 16 * _cs(a)),
    ("lemma-3.2", G, "fc_kernel", lambda *a, **k: _scale_kernel(_fck, 2.0, *a, **k)),
    ("lemma-3.9", G, "resnet_kernel", lambda *a, **k: _scale_kernel(_rk, 2.0, *a, **k)),
    ("lemma-3.16", G, "conv_resnet_kernel", lambda *a, **k: _scale_kernel(_ck, 2.0, *a, **k)),
    ("lemma-3.22", G, "fc_kernel", lambda *a, **k: _scale_kernel(_fck, 1.5, *a, **k)),
    ("lemma-3.3", G, "fc_perturbation_bound", lambda cs, L, cx0, cw0, R, h: _fpb(cs, L, cx0, cw0, R, 1) / 4),
    ("lemma-3.10", G, "resnet_perturbation_bound", lambda *a, **k: _rpb(*a, **k) / 20),
    ("lemma-3.17", G, "resnet_perturbation_bound", lambda *a, **k: _rpb(*a, **k) / 20),
    ("thm-3.1", G, "fc_kernel", lambda *a, **k: _scale_kernel(_fck, 50.0, *a, **k)),
    ("lemma-3.4", G, "last_layer_gram", lambda *a, **k: 1.5 * _llg(*a, **k)),
    ("lemma-3.5", G, "fc_weight_radius", lambda *a: _fwr(*a) * 1e-6),
    ("thm-3.2", G, "resnet_kernel", lambda *a, **k: _scale_kernel(_rk, 50.0, *a, **k)),
    ("lemma-3.11", G, "last_layer_gram", lambda *a, **k: 1.5 * _llg(*a, **k)),
    ("lemma-3.12", G, "resnet_weight_radius", lambda *a, **k: _rwr(*a, **k) * 1e-6),
    ("thm-3.3", G, "conv_resnet_kernel", lambda *a, **k: _scale_kernel(_ck, 50.0, *a, **k)),
    ("lemma-3.18", G, "last_layer_gram", lambda *a, **k: 1.5 * _llg(*a, **k)),
    ("lemma-3.19", G, "resnet_weight_radius", lambda *a, **k: _rwr(*a, **k) * 1e-6),
    ("cond-3.3", G, "fc_kernel", lambda *a, **k: _scale_kernel(_fck, 50.0, *a, **k)),
]


def _scale_kernel(fn, s, *a, **k):
    out = fn(*a, **k)
    if isinstance(out, tuple):
        return (s * out[0],) + tuple(out[1:])
    return s * out


# Known-weak checks: the mutant is NOT caught (the check's bound or its explicit step is so loose
# that a wrong constant still passes).  Recorded as strict xfails so that strengthening a check
# shows up as an XPASS; see the chapter-3 report.
WEAK = {"fig-2.1": "monotonicity in m survives a step size scaled with m",
        "lemma-3.26": "random perturbation directions never approach the telescoping bound",
        "lemma-3.28": "explicit constant ~4x looser than the attained ratio",
        "lemma-3.30": "coordinate-wise constant 2 sqrt(p) max(C) is loose",
        "lemma-3.10": "exp(2 c_res c_w0 L) factor makes the bound >20x loose",
        "lemma-3.17": "exp(2 c_res c_w0 L sqrt q) factor makes the bound >20x loose",
        "thm-3.1": "the explicit step eta = lambda0/(16 lambda_max^2) makes the contraction nearly vacuous",
        "thm-3.2": "the explicit step makes the contraction nearly vacuous",
        "thm-3.3": "the explicit step makes the contraction nearly vacuous",
        "cond-3.3": "the explicit step makes the contraction nearly vacuous",
        "lemma-3.5": "at the explicit step the weights barely move: R' sqrt(m) is vacuous",
        "lemma-3.12": "at the explicit step the weights barely move: R' sqrt(m) is vacuous",
        "lemma-3.19": "at the explicit step the weights barely move: R' sqrt(m) is vacuous"}


def _cases():
    for c in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=WEAK[c[0]])] if c[0] in WEAK else []
        yield pytest.param(*c, marks=marks, id=c[0])


@pytest.mark.parametrize("sid, module, name, wrong", list(_cases()))
def test_mutant_caught(sid, module, name, wrong):  # noqa: D103
    with mutated(module, name, wrong):
        assert_caught(sid)
