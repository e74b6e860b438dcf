"""Mutant tests for chapter 7: a deliberately wrong formula in analytic/saddle.py must move each
numeric statement's verdict away from the registry's expectation (to ``refuted``)."""
import jax.numpy as jnp
import pytest
from hypothesis import Phase, settings

import analytic.saddle as S
from verify.testing import assert_caught, mutated

_hc = S.hermite_coeffs
_g1 = S.g1
_g2 = S.g2
_sp = S.saddle_point
_vb = S.value_bound
_hb = S.hessian_bound
_rho = S.hessian_lipschitz_bound
_bu = S.ball_uniform
_wec = S.warmup_escape_count
_nse = S.no_sosp_eps
_gbm = S.gaussian_box_mass


def _hc_wrong(y0, y1, f0, f1, d0, d1):  # sign of c3 flipped
    c0, c1, c2, c3 = _hc(y0, y1, f0, f1, d0, d1)
    return c0, c1, c2, -c3


def _g2_wrong(x, L, gamma, tau):  # 9 (L+gamma) v^3 for 10 (L+gamma) v^3
    v = (x - 2.0 * tau) / tau
    return _g2(x, L, gamma, tau) + (L + gamma) * v ** 3


def _g2_degree6(x, L, gamma, tau):  # an extra v^6 term
    v = (x - 2.0 * tau) / tau
    return _g2(x, L, gamma, tau) + 0.5 * (L + gamma) * v ** 6


def _g1_wrong(x, L, gamma, tau):  # slope at tau off by +gamma tau/2
    return _g1(x, L, gamma, tau) + 0.5 * gamma * tau * (x - tau)


def _pgd_no_noise(x, t, t_noise, key, grad_fn, eta, r, g_thres, t_thres):  # Algorithm 2 without perturbation
    return x - eta * grad_fn(x), t_noise, jnp.asarray(False)


def _pgd_always(x, t, t_noise, key, grad_fn, eta, r, g_thres, t_thres):  # perturbs at every step
    xp = x + S.ball_uniform(key, x.shape[-1], r)
    return xp - eta * grad_fn(xp), t, jnp.asarray(True)


CASES = [
    ("thm-7.4", "hermite_coeffs", _hc_wrong),
    ("lemma-7.4", "g2", _g2_wrong),  # breaks C^2 matching at x_i = tau
    ("remark-7.1", "g2", _g2_degree6),
    ("remark-7.2", "g1", _g1_wrong),
    ("lemma-7.1", "saddle_point", lambda k, d, tau: _sp(k, d, tau) * 0.75),  # 3 tau for 4 tau
    ("def-7.1", "value_bound", lambda d, L, g, t: _vb(d - 1, L, g, t)),  # (d-1) nu for d nu
    ("def-7.2", "hessian_bound", lambda L, g: 8.0 * L),
    ("def-7.3", "hessian_lipschitz_bound", lambda L, g, t: _rho(L, g, t) / 2),
    ("def-7.4", "saddle_point", lambda k, d, tau: _sp(k, d, tau) * 0.75),
    ("def-7.5", "is_eps_sosp", lambda G, H, eps, rho: S.np.linalg.norm(G, axis=-1) <= eps),  # no curvature test
    ("alg-2", "ball_uniform", lambda key, d, r: 1.2 * _bu(key, d, r)),  # radius 1.2 r
    ("sec-7.3:warmup", "warmup_escape_count",
     lambda x2: S.np.ceil(S.np.log(1.0 / S.np.abs(x2)) / S.np.log(2.0)).astype(int)),  # log 2 for log 3/2
    ("eq-7.3", "escape_ratio", lambda L, g: (L + 2 * g) / g),
    ("lemma-7.2", "escape_ratio", lambda L, g: (L + 2 * g) / g),
    ("lemma-7.3", "escape_ratio", lambda L, g: (L + 2 * g) / g),
    ("thm-7.3", "pgd_step", _pgd_no_noise),
    ("cor-7.1", "no_sosp_eps", lambda L, g, t: 100 * _nse(L, g, t)),
    ("cor-7.2", "gaussian_box_mass", lambda d, c: _gbm(d, c * S.math.sqrt(2.0))),  # erf(c) for erf(c/sqrt 2)
    ("thm-7.1", "gd_step", lambda x, gf, eta: x - eta * gf(x) * (jnp.arange(x.shape[-1]) == 0)),  # one coordinate
    ("fig-7.3", "pgd_step", _pgd_no_noise),
    ("fig-7.4", "pgd_step", _pgd_no_noise),
]


@pytest.fixture(autouse=True)
def _no_shrinking():
    """A caught mutant needs one failing example, not a shrunk one: skip Hypothesis' shrink phase."""
    cur = getattr(settings, "_current_profile", None) or "default"
    settings.register_profile("ch7-mutants", parent=settings.get_profile(cur),
                              phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target))
    settings.load_profile("ch7-mutants")
    yield
    settings.load_profile(cur)


@pytest.mark.parametrize("sid,fn,wrong", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_mutant_caught(sid, fn, wrong):
    with mutated(S, fn, wrong):
        assert_caught(sid)
