"""Analytic tests for analytic/filter.py (chapter 6) and its bad-input errors."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from analytic import filter as F
from analytic.errors import InvalidParameter


def test_arc_moment_printed_matrix_is_unnormalised_integral():
    # the printed matrix of Theorem 6.7 is int over an arc of width phi (no 1/(2 pi))
    phi = 0.7
    M = F.arc_moment(math.pi / 2, math.pi / 2 + phi)
    assert np.allclose(np.asarray(M), np.asarray(F.cross_matrix_printed(phi)), rtol=0, atol=1e-15)
    ev = np.linalg.eigvalsh(np.asarray(M))
    assert np.allclose(ev, [(phi - math.sin(phi)) / 2, (phi + math.sin(phi)) / 2], atol=1e-15)


@pytest.mark.parametrize("p", [2, 3, 6])
def test_gaussian_eigenvalues_closed_form(p):
    r = np.random.default_rng(p)
    w, ws = jnp.asarray(r.normal(size=p)), jnp.asarray(r.normal(size=p))
    phi = float(F.angle(w, ws))
    Ap, An = F.gaussian_moments(w, ws)
    ep, en = np.linalg.eigvalsh(np.asarray(Ap)), np.linalg.eigvalsh(np.asarray(An))
    assert abs(ep[0] - float(F.gamma_rot_inv(phi, p, p))) < 1e-14
    assert abs(ep[-1] - float(F.L_rot_inv(phi, p, p))) < 1e-14
    assert abs(en[-1] - float(F.cross_lmax_rot_inv(phi, p, p))) < 1e-14
    # A_{w,w*} + A_{w,-w*} = E[ZZ^T 1{w^T Z > 0}] = I/2
    assert np.allclose(np.asarray(Ap + An), np.eye(p) / 2, atol=1e-14)


def test_parallel_and_antiparallel():
    w = jnp.array([1.0, 0.0, 0.0])
    Ap, An = F.gaussian_moments(w, 2.0 * w)
    assert np.allclose(np.asarray(Ap), np.eye(3) / 2, atol=1e-15) and np.allclose(np.asarray(An), 0, atol=1e-15)
    Ap, An = F.gaussian_moments(w, -w)
    assert np.allclose(np.asarray(Ap), 0, atol=1e-15) and np.allclose(np.asarray(An), np.eye(3) / 2, atol=1e-15)


def test_mixture_total_mass_and_symmetry():
    for s in (0.3, 1.0, 3.0):
        # E[ZZ^T 1{w*^T Z > 0}] + E[ZZ^T 1{w*^T Z <= 0}] = E[ZZ^T] has trace 1 (unit Z)
        tot = F.mixture_region(0.0, 0.0, s) + F.mixture_region(math.pi, math.pi, s)
        assert abs(float(jnp.trace(tot)) - 1.0) < 1e-12
        a = F.mixture_region(0.3, 0.0, s)
        b = F.mixture_region(-0.3, 0.0, s)
        assert np.allclose(np.diag(np.asarray(a)), np.diag(np.asarray(b)), atol=1e-14)


def test_population_grad_and_loss_consistent():
    w, ws = jnp.array([0.3, 1.1, -0.2]), jnp.array([1.0, -0.4, 0.5])
    loss = lambda v: F.loss_from_moments(v, ws, *F.rot_inv_moments(v, ws, 3.0), F.rot_inv_region(ws, -v, 3.0))  # noqa: E731
    g = jax.grad(loss)(w)
    assert np.allclose(np.asarray(g), np.asarray(F.population_grad(w, ws, *F.gaussian_moments(w, ws))), atol=1e-12)


def test_init_probability_limits():
    assert abs(F.init_success_prob(2, 1e-4) - 0.5) < 1e-3
    for p in (2, 10, 100):
        for a in (0.05, 0.3):
            assert F.init_success_prob(p, a) >= F.init_bound(p, a)


def test_constants_2d_reduce_to_one_neuron():
    zs = jnp.asarray(np.random.default_rng(0).normal(size=(200, 2)))
    c1 = F.constants_2d(zs[:, None, :], 0.4)
    c2 = F.constants_2d(jnp.repeat(zs[:, None, :], 3, axis=1), 0.4)
    for k in ("gamma", "L", "beta"):
        assert abs(c1[k] - c2[k]) < 1e-12
    assert c2["L_cross"] == 0.0


def test_gd_is_scan_of_plain_steps():
    A = jnp.diag(jnp.array([1.0, 0.5]))
    traj = F.gd(lambda w: A @ w, jnp.array([1.0, 1.0]), 0.1, 3)
    assert traj.shape == (4, 2)
    assert np.allclose(np.asarray(traj[-1]), [0.9**3, 0.95**3], atol=1e-15)


@pytest.mark.parametrize("call,match", [
    (lambda: F.gamma_rot_inv(0.5, 1, 1.0), "p must be an integer >= 2"),
    (lambda: F.L_rot_inv(-0.1, 3, 3.0), r"phi must lie in \[0"),
    (lambda: F.cross_lmax_rot_inv(4.0, 3, 3.0), r"phi must lie in \[0"),
    (lambda: F.beta_rot_inv(3, 0.0), "m2 = E"),
    (lambda: F.init_bound(3, 1.5), r"alpha must lie in \(0, 1\)"),
    (lambda: F.init_success_prob(3, 0.0), r"alpha must lie in \(0, 1\)"),
    (lambda: F.init_success_prob(1, 0.3), "p must be an integer >= 2"),
    (lambda: F.mixture_constants(0.0, 0.3), "sigma must be a finite number > 0"),
    (lambda: F.mixture_constants(1.0, 2.0), r"phi must lie in \[0, 1.5708"),
    (lambda: F.mixture_constants(1.0, 0.3, q=1.5), r"q \(mass around -w\*\) must lie in \[0, 1\]"),
    (lambda: F.constants_2d(np.zeros((4, 3)), 0.3), r"Zs must have shape \(n, k, 2\)"),
    (lambda: F.constants_2d(np.zeros((0, 2, 2)), 0.3), "at least one sample"),
    (lambda: F.moments_mc(lambda k: jnp.zeros(2), jax.random.key(0), jnp.ones(2), jnp.ones(2), 1), "n must be >= 2"),
    (lambda: F.straddle_family(0.7, 0.2, 0.5), r"rho must lie in \(0, 0.5\)"),
])
def test_bad_input_raises(call, match):
    with pytest.raises(InvalidParameter, match=match):
        call()
