"""Mutant tests for the essay: a deliberately wrong formula must move each numeric statement's verdict away
from the registry's expectation (usually to ``refuted``)."""
import jax
import jax.numpy as jnp
import pytest

import analytic.linear as linear
import analytic.wide as wide
from verify.testing import assert_caught, mutated

_rco = linear.rank_constrained_optimum
_lift = linear.lift_h2
_gram = wide.gram
_gram_act = wide.gram_act
_l35 = wide.lemma35_lower_bound
_hp = wide.hessian_printed
_lip = wide.wavy_lipschitz
_b2 = wide.grad_bound_l2


def _rco_shift(k):
    return lambda X, Y, r: _rco(X, Y, max(int(r) + k, 0))


CASES = [
    # (statement, module, function, wrong replacement, verdicts that count as caught)
    ("essay:hypothesis-all-local-minima-global", wide, "relu", jax.nn.softplus, ("verified",)),
    ("essay:relu-remark", wide, "relu", jax.nn.softplus, ("refuted",)),
    ("essay:l2-regression-convex", linear, "shallow_hessian",
     lambda X, d: jnp.kron(jnp.eye(d), X @ X.T), ("refuted",)),  # dropped 1/m
    ("essay:deep-linear-rank-equivalence", linear, "rank_constrained_optimum", _rco_shift(+1), ("refuted",)),
    ("essay:deep-linear-scaling-symmetry", linear, "rescale",
     lambda Ws, i, j, c: [w * c if k in (i, j) else w for k, w in enumerate(Ws)], ("refuted",)),  # c, c not c, 1/c
    ("essay:lu-kawaguchi-thm2.1", linear, "lift_h2",
     lambda W1b, W2b, R: (lambda W2: (jnp.linalg.pinv(W2) @ R, W2))(R @ W1b.T), ("refuted",)),  # W1^T for W1^+
    ("essay:lu-kawaguchi-thm2.2", linear, "rank_constrained_optimum", _rco_shift(+1), ("refuted",)),
    ("essay:deep-linear-local-minima", linear, "rank_constrained_optimum", _rco_shift(+1), ("refuted",)),
    ("essay:yu-chen-wide-sigmoid", wide, "sigmoid", jax.nn.softplus, ("verified", "refuted")),
    ("essay:full-rank-measure-zero", wide, "sigmoid", lambda z: z, ("refuted",)),
    ("essay:nguyen-hein-lemma4.4", wide, "sigmoid", lambda z: z, ("refuted",)),
    ("essay:nguyen-hein-lemma3.5", wide, "lemma35_lower_bound",
     lambda Ws, X, k, bs=None: 1.5 * _l35(Ws, X, k, bs), ("refuted",)),
    ("essay:nonincreasing-width", wide, "numerical_rank", lambda F: F.shape[0], ("refuted",)),
    ("essay:H-gram-psd", wide, "gram", lambda W, X, a=None: _gram(W, X, a) * W.shape[0], ("refuted",)),  # no 1/m
    ("essay:loss-derivative", wide, "gram", lambda W, X, a=None: 2 * _gram(W, X, a), ("refuted",)),
    ("essay:gradient-norm-bound", wide, "grad_bound_l2",
     lambda u, y, m: _b2(u, y, m) / jnp.sqrt(u.shape[0]), ("refuted",)),  # sqrt(1/m) for sqrt(n/m)
    ("essay:gd-stationary-dimension-free", wide, "wavy_lipschitz",
     lambda A, c, V: _lip(A, c, V) / 8, ("refuted",)),
    ("essay:hessian-psd-ae", wide, "hessian_printed", lambda W, a, X: 2 * _hp(W, a, X), ("refuted",)),
    ("essay:sosp-time-decreases-with-m", wide, "gram", lambda W, X, a=None: _gram(W, X, a) / W.shape[0],
     ("refuted",)),
    ("essay:du-transfers-to-sigmoid", wide, "gram_act", lambda W, a, X, act="sigmoid": 4 * _gram_act(W, a, X, act),
     ("refuted",)),
    ("essay:cross-entropy-no-global-min", linear, "logistic_loss",
     lambda th, X, lab: jnp.mean((1 - lab * (th @ X)) ** 2), ("refuted",)),
]


@pytest.mark.parametrize("sid,module,name,wrong,caught", CASES, ids=[c[0] for c in CASES])
def test_mutant_caught(sid, module, name, wrong, caught):
    with mutated(module, name, wrong):
        assert_caught(sid, expect=caught)
