"""Mutant tests for chapter 6: a deliberately wrong formula in analytic/filter.py must be reported refuted."""
import jax.numpy as jnp
import numpy as np
import pytest

from analytic import filter as F
from verify.testing import assert_caught, mutated

_orig = {name: getattr(F, name) for name in dir(F) if not name.startswith("__")}


def _flip_grad(w, w_star, A_pos, A_neg):  # flipped sign of the cross term
    return A_pos @ (w - w_star) - A_neg @ w


def _off_grad(w, w_star, A_pos, A_neg):  # wrong target 0.9 w*
    return A_pos @ (w - 0.9 * w_star) + A_neg @ w


def _gamma_no_sin(phi, p, m2):  # dropped sin(phi)
    return (m2 / p) * (jnp.pi - phi) / (2 * jnp.pi)


def _mixture_region_x2(ca, cb, sigma, q=0.5):  # dropped the mixture weights
    return 2.0 * _orig["mixture_region"](ca, cb, sigma, q)


def _cross_lmax_no_2(phi, p, m2):  # dropped a factor 2 in 2 pi
    return (m2 / p) * (phi + jnp.sin(phi)) / jnp.pi


def _rot_inv_orth_pi(a, b, m2):  # orthogonal block with omega/pi instead of omega/(2 pi)
    p = a.shape[0]
    e1, e2 = F._plane_basis(a, b)
    Q = jnp.stack([e1, e2], axis=1)
    omega = jnp.pi - F.angle(a, b)
    return _orig["rot_inv_region"](a, b, m2) + (m2 / p) * omega / (2 * jnp.pi) * (jnp.eye(p) - Q @ Q.T)


def _init_bound_half(p, alpha):  # halved penalty
    return 0.5 - 0.5 * alpha * np.sqrt(p / (2 * np.pi))


def _init_prob_wrong(p, alpha, n_quad=400):  # wrong Beta parameter (p/2 instead of (p-1)/2)
    return _orig["init_success_prob"](p + 1, alpha, n_quad)


def _cor_bound_plus(p, c):
    return _orig["init_bound"](p, c) + 0.1


def _rate62_fast(eta, gamma_phi0):  # claims a 16x faster contraction
    return 1.0 - 8.0 * eta * gamma_phi0


def _patch_avg_sum(w, w_star, Z):  # sum instead of average over patches
    a, b, c = _orig["patch_averages"](w, w_star, Z)
    k = Z.shape[0]
    return a * k, b * k, c * k


def _patch_avg_s3(w, w_star, Z):  # S(-w, w*) without the w^T Z <= 0 condition
    a, b = Z @ w, Z @ w_star
    k = Z.shape[0]
    s1 = ((a > 0) & (b > 0)).astype(Z.dtype)
    s2 = ((a > 0) & (b <= 0)).astype(Z.dtype)
    s3 = (b > 0).astype(Z.dtype)
    return s1 @ Z / k, s2 @ Z / k, s3 @ Z / k


def _patch_grad_no_p12(w, w_star, P):
    return P["P11"] @ (w - w_star) + (P["P12"] + P["P22"]) @ w - (P["P13"] + P["P23"]) @ w_star


def _thm65_no_q(lam_avg_w, q_w):
    return jnp.maximum(lam_avg_w, 0.0)


def _patches_reversed(key, k, sigma, sigma2, q=0.5):  # closeness reversed: larger sigma2 -> closer patches
    return _orig["sample_patches"](key, k, sigma, 0.55 - sigma2, q)


MUTANTS = [
    ("lemma-6.1", "population_grad", _flip_grad),
    ("def-6.1", "gamma_rot_inv", _gamma_no_sin),
    ("assump-6.1", "mixture_region", _mixture_region_x2),
    ("thm-6.7", "cross_lmax_rot_inv", _cross_lmax_no_2),
    ("thm-6.8", "rot_inv_region", _rot_inv_orth_pi),
    ("thm-6.6", "init_bound", _init_bound_half),
    ("thm-6.6", "init_success_prob", _init_prob_wrong),
    ("cor-6.1", "cor61_bound", _cor_bound_plus),
    ("thm-6.1", "population_grad", _off_grad),
    ("thm-6.2", "rate_bound_thm62", _rate62_fast),
    ("assump-6.2", "patch_averages", _patch_avg_sum),
    ("assump-6.3", "patch_averages", _patch_avg_s3),
    ("thm-6.3", "patch_grad_from_moments", _patch_grad_no_p12),
    ("thm-6.5", "thm65_corrected_bound", _thm65_no_q),
    ("fig-6.3", "sample_patches", _patches_reversed),
]


@pytest.mark.parametrize("sid,name,wrong", MUTANTS, ids=[f"{s}:{n}" for s, n, _ in MUTANTS])
def test_mutant_caught(sid, name, wrong):
    with mutated(F, name, wrong):
        assert_caught(sid)
