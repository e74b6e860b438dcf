"""Mutant tests for chapters 2-3: a deliberately wrong formula in analytic/gram.py,
analytic/gaussian.py or analytic/gram_extra.py must move each numeric statement's verdict away from the registry's
expectation (to ``refuted``).

Not mutated (reported): remark-3.7 / remark-3.8 / lemma-2.4 (inconclusive by design).  The GD-path
inequalities lemma-3.6/3.7/3.13/3.14/3.20/3.21 are insensitive to a wrong lambda0 by construction (it
cancels against the explicit step eta = lambda0/(16 lambda_max^2): ||I_2|| and ||u(k+1)-u(k)||^2 are
O(eta^2) against a bound eta lambda0 ...), so their mutants are the first-order term that I_2 removes
(sign flipped) and the explicit step (square dropped), both in analytic/gram_extra.py.
"""
import dataclasses

import jax.numpy as jnp
import pytest

import analytic.gaussian as Ga
import analytic.gram as G
import analytic.gram_extra as GX
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
_lin = GX.linearised_output_step
_l330 = GX.lipschitz_330


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
    # (C_3.29 / 50 left C = 2 sqrt(p) C_3.28, still a valid constant: the attained sup is 1 (sigma(z) = z) < 1.13)
    ("lemma-3.30", GX, "lipschitz_330", lambda a, c, p: _l330(a, c, p) / 2),  # block-counting factor 2 dropped
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
    ("lemma-3.19", G, "resnet_weight_radius", lambda *a, **k: _rwr(*a, **{**k, "q": 1})),  # sqrt(q) dropped
    ("cond-3.3", G, "fc_kernel", lambda *a, **k: _scale_kernel(_fck, 50.0, *a, **k)),
    # GD-path inequalities: a wrong lambda0 cancels (eta is proportional to lambda0, and ||I_2||, ||du||^2 are
    # O(eta^2) against a bound eta lambda0 ...), so these mutate the first-order term and the explicit step
    ("lemma-3.6", GX, "linearised_output_step", lambda u, G, y, eta: _lin(u, G, y, -eta)),  # sign of eta G(u-y)
    ("lemma-3.13", GX, "linearised_output_step", lambda u, G, y, eta: _lin(u, G, y, -eta)),
    ("lemma-3.20", GX, "linearised_output_step", lambda u, G, y, eta: _lin(u, G, y, -eta)),
    ("lemma-3.7", GX, "explicit_step", lambda lam0, lmax: lam0 / (16 * lmax)),  # lambda_max^2 -> lambda_max
    ("lemma-3.14", GX, "explicit_step", lambda lam0, lmax: lam0 / (16 * lmax)),
    ("lemma-3.21", GX, "explicit_step", lambda lam0, lmax: lam0 / (16 * lmax)),
]


def _scale_kernel(fn, s, *a, **k):
    out = fn(*a, **k)
    if isinstance(out, tuple):
        return (s * out[0],) + tuple(out[1:])
    return s * out


# Known-weak checks: the mutant is NOT caught.  Recorded as strict xfails so that strengthening a check
# shows up as an XPASS.
WEAK = {"lemma-3.19": "R' sqrt(m) of the conv ResNet is ~1e6 x the distance GD travels even near convergence "
                      "(stable step eta = 1/lambda_max(G(0)), 4x the steps, loss down >= 1e3): the bound carries "
                      "16, e^{2 c_res c_w0 L sqrt q} ~ 110 (c_w0 ~ 2.7 for the m x 3m patch weights) and 1/lambda0 "
                      "from the geometric series, so a plausible wrong R' (sqrt(q) dropped: 12x smaller) cannot "
                      "show; only a ~1e-6 factor would, and that one sits at 1.15x (not used: not robust)"}


def _cases():
    for c in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=WEAK[c[0]])] if c[0] in WEAK else []
        yield pytest.param(*c, marks=marks, id=c[0])


@pytest.mark.parametrize("sid, module, name, wrong", list(_cases()))
def test_mutant_caught(sid, module, name, wrong):  # noqa: D103
    with mutated(module, name, wrong):
        assert_caught(sid)
