"""analytic/saddle.py: the chapter-7 construction (Hermite spline, connectors, tube / octopus),
its jit / grad / hessian compatibility for any d, GD / Algorithm 2 runners, and bad input."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from analytic import saddle as S
from analytic.errors import InvalidParameter

E = math.e
L, G, T = E, 1.0, E


def test_hermite_interpolates():
    args = (0.5, 2.0, -1.0, -3.0, -0.5, 4.0)
    p = lambda y: S.hermite(y, *args)  # noqa: E731
    assert np.allclose([p(0.5), p(2.0), jax.grad(p)(0.5), jax.grad(p)(2.0)], [-1.0, -3.0, -0.5, 4.0], rtol=0, atol=1e-13)


def test_connector_boundary_conditions():
    g1p = jax.grad(S.g1)
    assert S.g1(T, L, G, T) == pytest.approx(-G * T * T, abs=1e-13)
    assert g1p(T, L, G, T) == pytest.approx(-2 * G * T, abs=1e-13)
    assert g1p(2 * T, L, G, T) == pytest.approx(-4 * L * T, abs=1e-12)
    assert jax.grad(g1p)(2 * T, L, G, T) == pytest.approx(2 * L, abs=1e-12)
    assert S.g2(T, L, G, T) == pytest.approx(L, abs=1e-13)
    assert S.g2(2 * T, L, G, T) == pytest.approx(-G, abs=1e-13)
    xs = jnp.linspace(T, 2 * T, 11)
    assert np.allclose(jax.vmap(jax.grad(S.g2), in_axes=(0, None, None, None))(xs, L, G, T),
                       S.g2_prime(xs, L, G, T), atol=1e-12)
    assert S.nu(L, G, T) == pytest.approx(S.nu_closed_form(L, G, T), rel=1e-14)


@pytest.mark.parametrize("d", [1, 3, 6])
def test_f_matches_reference_pieces_and_is_differentiable(d):
    rng = np.random.default_rng(d)
    fj = jax.jit(lambda x: S.tube(x, L, G, T))
    fo = jax.jit(lambda x: S.octopus(x, L, G, T))
    pj = jax.jit(S.piece, static_argnums=(1, 2))
    for _ in range(6):
        k = int(rng.integers(0, d + 1))
        conn = bool(rng.random() < 0.5) and k < d
        x = np.concatenate([rng.uniform(2 * T, 6 * T, k), rng.uniform(T, 2 * T, 1) if conn else rng.uniform(0, T, 1),
                            rng.uniform(0, T, d)])[:d] if k < d else rng.uniform(2 * T, 6 * T, d)
        ref = pj(jnp.asarray(x), k, conn, L, G, T)
        assert float(fj(jnp.asarray(x))) == pytest.approx(float(ref), rel=1e-13, abs=1e-12)
        sgn = np.where(rng.random(d) < .5, -1.0, 1.0)
        assert float(fo(jnp.asarray(x * sgn))) == pytest.approx(float(ref), rel=1e-13, abs=1e-12)
    x = jnp.asarray(rng.uniform(-1, 1, d))
    H = jax.jit(jax.hessian(S.octopus))(x, L, G, T)
    assert H.shape == (d, d) and bool(jnp.all(jnp.isfinite(H)))


def test_octopus_hessian_at_zero_is_the_polynomial_one():
    H = jax.jit(jax.hessian(S.octopus))(jnp.zeros(3), L, G, T)
    assert np.allclose(np.diag(H), [-2 * G, 2 * L, 2 * L])


def test_saddles_and_minimum():
    gh = jax.jit(jax.vmap(lambda x: (jax.grad(S.octopus)(x, L, G, T), jax.hessian(S.octopus)(x, L, G, T))))
    for d in (2, 4):
        X = jnp.stack([S.saddle_point(k, d, T) for k in range(d + 1)])
        Gr, H = gh(X)
        assert float(jnp.max(jnp.abs(Gr))) < 1e-12
        ev = np.linalg.eigvalsh(np.asarray(H))
        assert list((ev < 0).sum(axis=1)) == [1] * d + [0]
    assert float(S.octopus(S.local_min(3, T), L, G, T)) == pytest.approx(-3 * float(S.nu(L, G, T)))


def test_gd_escape_times_follow_the_recursion():
    x0 = jax.random.uniform(jax.random.key(0), (8, 3), minval=1e-3, maxval=1.0)
    out = S.run_escape(x0, L, G, T, 1 / (8 * L), max_steps=50_000, mirror=False, step_bound=1 / (2 * L))
    A = np.asarray(out["A"])
    assert (A >= 0).all()
    assert (A[:, 1:] >= S.escape_ratio(L, G) * A[:, :-1]).all()


def test_pgd_escapes_fast_and_compiles_once():
    x0 = jax.random.uniform(jax.random.key(1), (8, 4), minval=-1.0, maxval=1.0)
    eta = 1 / S.hessian_bound(L, G)
    out = S.run_escape(x0, L, G, T, eta, max_steps=20_000, pgd=True, key=jax.random.key(2), r=E / 100,
                       g_thres=E / 100, t_thres=1)
    assert (np.asarray(out["T"])[:, -1] >= 0).all()
    assert (np.asarray(out["perturbations"]) > 0).all()
    n0 = S._run_escape._cache_size()
    S.run_escape(x0 * 0.5, L, G * 0.9, T * 1.1, eta, max_steps=20_000, pgd=True, key=jax.random.key(3), r=E / 100,
                 g_thres=E / 100, t_thres=1)
    assert S._run_escape._cache_size() == n0  # new (gamma, tau, x0): no retrace


def test_key_observation_and_warmup():
    assert int(S.warmup_escape_count(1.0 / 1.5 ** 3.5)) == 4
    x = jnp.array([0.5, 0.5])
    assert float(S.key_observation_f(x, 2.0, 1.0)) == pytest.approx(-0.25 + 0.5)


def test_ball_uniform_in_ball():
    xs = jax.jit(jax.vmap(lambda k: S.ball_uniform(k, 5, 0.3)))(jax.random.split(jax.random.key(0), 1000))
    assert float(jnp.max(jnp.linalg.norm(xs, axis=1))) <= 0.3 + 1e-15


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kw,msg", [
    (dict(d=0), "d must be >= 1"),
    (dict(tau=0.0), "tau must be > 0"),
    (dict(tau=-1.0), "tau must be > 0"),
    (dict(L=1.0, gamma=1.0), "L must be > gamma"),
    (dict(L=0.5, gamma=1.0), "L must be > gamma"),
    (dict(gamma=0.0, L=1.0), "gamma must be > 0"),
])
def test_bad_parameters(kw, msg):
    p = dict(L=L, gamma=G, tau=T, d=3)
    p.update(kw)
    with pytest.raises(InvalidParameter, match=msg):
        S.check_params(p["L"], p["gamma"], p["tau"], p["d"])


def test_bad_input_in_runners():
    with pytest.raises(InvalidParameter, match="step size eta must be <= 1/l"):
        S.run_escape(jnp.zeros((1, 3)), L, G, T, 1 / (4 * L))  # the experiments' 1/(4L) > 1/l
    with pytest.raises(InvalidParameter, match=r"<= 1/\(2L\)"):
        S.run_escape(jnp.zeros((1, 3)), L, G, T, 1 / L, step_bound=1 / (2 * L), step_what="1/(2L)")
    with pytest.raises(InvalidParameter, match="tau must be > 0"):
        S.run_values(jnp.zeros((1, 3)), L, G, -1.0, 0.01, n_steps=10)
    with pytest.raises(InvalidParameter, match="L must be > gamma"):
        S.run_escape(jnp.zeros((1, 3)), 1.0, 2.0, T, 0.001)
    with pytest.raises(InvalidParameter, match="d must be >= 1"):
        S.saddle_point(0, 0, T)
    with pytest.raises(InvalidParameter, match="k must be in"):
        S.saddle_point(4, 3, T)
    with pytest.raises(InvalidParameter, match="r must be > 0"):
        S.run_escape(jnp.zeros((1, 3)), L, G, T, 0.001, pgd=True, key=jax.random.key(0), r=0.0, g_thres=0.1)


def test_closed_form_gradient_equals_autodiff():
    rng = np.random.default_rng(5)
    for d, mirror in ((3, False), (6, True)):
        X = np.stack([np.concatenate([rng.uniform(2 * T, 6 * T, k), rng.uniform(0, 2 * T, 1), rng.uniform(0, T, d)])[:d]
                      for k in rng.integers(0, d, 32)])
        if mirror:
            X *= np.where(rng.random(X.shape) < .5, -1, 1)
        a = jax.jit(jax.vmap(lambda x: S.grad_f(x, L, G, T, mirror)))(jnp.asarray(X))
        b = jax.jit(jax.vmap(jax.grad(lambda x: S.f(x, L, G, T, mirror))))(jnp.asarray(X))
        assert float(jnp.max(jnp.abs(a - b))) <= 1e-12 * (1 + float(jnp.max(jnp.abs(b))))
