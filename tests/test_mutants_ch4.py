"""Mutant tests for chapter 4: a deliberately wrong formula in analytic/balance.py must move each
numeric statement's verdict away from the registry's expectation (to ``refuted``)."""
import jax.numpy as jnp
import pytest
from hypothesis import Phase, settings

import analytic.balance as B
from verify.testing import assert_caught, mutated

_nb = B.neuron_balance
_lb = B.layer_balance
_sb = B.shared_norms_balance
_bas = B.balance_after_step
_sm = B.smoothness
_beta = B.claim42_beta
_nbound = B.lemma41_norm_bound
_hf = B.mf_hessian_form
_sp = B.stationary_point
_rec = B.rank1_recursion
_t45 = B.thm45_step
_iv = B.thm44_init_var
_mf = B.mf_loss
_act = B.homogeneous_act


def _neuron_wrong(W, mask):  # outgoing weights counted twice
    Wm = W * mask
    return _nb(W, mask) - jnp.pad(jnp.sum(Wm[1:] ** 2, axis=1), ((0, 0), (0, 0))) * 0.5


def _bas_wrong(U, V, M, eta):  # sign of the eta^2 term flipped
    return 2 * (U.T @ U - V.T @ V) - _bas(U, V, M, eta)


CASES = [
    ("thm-4.1", "neuron_balance", _neuron_wrong),
    ("cor-4.1", "layer_balance", lambda W, mask: _lb(W, mask) + 0.5 * jnp.sum((W * mask)[:-1] ** 2, axis=(1, 2))),
    ("thm-4.2", "matrix_balance", lambda W, mask, h: (W * mask)[h] @ (W * mask)[h].T
     - (W * mask)[h + 1] @ (W * mask)[h + 1].T),  # W_h+1 W_h+1^T for W_h+1^T W_h+1
    ("thm-4.3", "shared_norms_balance", lambda V: _sb(V) - 0.5 * jnp.sum(V[1:] ** 2, axis=1)),
    ("claim-4.1", "balance_after_step", _bas_wrong),
    ("claim-4.2", "claim42_beta", lambda r, m: _beta(r, m) / 40),  # eta up to 40/beta
    ("claim-4.3", "lemma41_norm_bound", lambda r, m: _nbound(r, m) / 10),  # 0.5 sqrt(r) for 5 sqrt(r)
    ("lemma-4.1", "lemma41_norm_bound", lambda r, m: _nbound(r, m) / 10),
    ("lemma-4.3", "smoothness", lambda c, m: (2 * c + 1) * m),  # (2c+1) for (6c+2)
    ("lemma-4.2", "mf_hessian_form", lambda U, V, M, DU, DV: _hf(U, V, M, DU, DV)
     - 4 * jnp.sum((U @ V.T - M) * (DU @ DV.T))),  # sign of the first term flipped
    ("claim-4.4", "stationary_point", lambda M, r, s: tuple(1.1 * a for a in _sp(M, r, s))),  # not stationary
    ("claim-4.5", "procrustes", lambda W, Ws: jnp.eye(W.shape[1])),  # R = I instead of the Procrustes R
    ("eq-4.23", "rank1_recursion", lambda s, eta, s1: _rec(s, eta, 2 * s1)),  # sigma1 doubled
    ("lemma-4.5", "lemma45_ratio_bound", lambda: 0.05),
    ("lemma-4.6", "thm45_step", lambda c, s1: 30 * _t45(c, s1)),  # c_step 1.5 for 0.05
    ("thm-4.5", "thm45_step", lambda c, s1: 50 * _t45(c, s1)),
    ("thm-4.4", "thm44_init_var", lambda eps, d, r: 1e4 * _iv(eps, d, r)),  # init far from balanced
    ("lemma-4.4", "thm44_init_var", lambda eps, d, r: 1e4 * _iv(eps, d, r)),
    # weight decay on U only: GD no longer conserves ||U||^2 - ||V||^2
    ("fig-4.1", "mf_loss", lambda U, V, M: _mf(U, V, M) + 0.05 * jnp.sum(U ** 2)),
    # a non-homogeneous activation (ReLU + 0.3 tanh): the layers drift apart
    ("fig-4.2", "homogeneous_act", lambda x, s: _act(x, s) + 0.3 * jnp.tanh(x)),
]


@pytest.fixture(autouse=True)
def _no_shrinking():
    """A caught mutant needs one failing example, not a shrunk one: skip Hypothesis' shrink phase
    (simulation checks would otherwise replay dozens of runs)."""
    cur = getattr(settings, "_current_profile", None) or "default"
    settings.register_profile("ch4-mutants", parent=settings.get_profile(cur),
                              phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target))
    settings.load_profile("ch4-mutants")
    yield
    settings.load_profile(cur)


@pytest.mark.parametrize("sid,fn,wrong", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_mutant_caught(sid, fn, wrong):
    with mutated(B, fn, wrong):
        assert_caught(sid)
