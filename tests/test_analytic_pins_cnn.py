"""Value pins for analytic/cnn.py (chapter 5), against independently computed references.

Written to kill mutants (ci/mutation.sh): every public formula is evaluated at generic points
(non-unit ||w*||, k >= 3, unequal entries) and compared with a reference that does not reuse the
module's code:

* the Gaussian moments E[s(w.z) s(u.z)], E[s(w.z)], E[s(w.z)^2] by 1-D quadrature (scipy) in polar
  coordinates, and the population loss assembled from them by explicit double sums over patches;
* gradients against jax.grad of the (independently pinned) loss;
* the printed Theorem 5.1 against its documented difference from the corrected one;
* the initialization law by Monte Carlo with standard-error tolerances;
* input validation at the edges of every constraint.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaln

import analytic  # noqa: F401  (float64)
from analytic import cnn
from analytic.errors import InvalidParameter

PI = math.pi


# ----------------------------------------------------------------------------- independent references
def _relu(x):
    return max(x, 0.0)


def _cross_moment(phi):
    """E[relu(z1) relu(cos(phi) z1 + sin(phi) z2)], z ~ N(0, I_2): polar coordinates, E[r^2] = 2,
    angle uniform: (2 / (2 pi)) int_0^{2pi} relu(cos t) relu(cos(t - phi)) dt."""
    val, _ = integrate.quad(lambda t: _relu(math.cos(t)) * _relu(math.cos(t - phi)), 0.0, 2 * PI,
                            points=sorted({PI / 2, 3 * PI / 2, (phi + PI / 2) % (2 * PI), (phi - PI / 2) % (2 * PI)}),
                            epsabs=1e-14, epsrel=1e-13, limit=200)
    return val / PI


def _mean_relu():
    val, _ = integrate.quad(lambda x: x * math.exp(-x * x / 2) / math.sqrt(2 * PI), 0.0, np.inf, epsabs=1e-15)
    return val


def _mean_relu_sq():
    val, _ = integrate.quad(lambda x: x * x * math.exp(-x * x / 2) / math.sqrt(2 * PI), 0.0, np.inf, epsabs=1e-15)
    return val


def _angle_np(u, w):
    c = float(np.dot(u, w) / (np.linalg.norm(u) * np.linalg.norm(w)))
    return math.acos(min(1.0, max(-1.0, c)))


def _loss_reference(v, a, w_star, a_star):
    """1/2 E[(f - f*)^2] by explicit double sums over patches (patches independent)."""
    v, a, w_star, a_star = (np.asarray(x, float) for x in (v, a, w_star, a_star))
    ws = np.linalg.norm(w_star)
    phi = _angle_np(v, w_star)
    m1, m2, mx = _mean_relu(), _mean_relu_sq(), _cross_moment(phi)
    k = len(a)
    eff = ef2 = efs2 = 0.0
    for i in range(k):
        for j in range(k):
            same = i == j
            ef2 += a[i] * a[j] * (m2 if same else m1 * m1)
            efs2 += ws * ws * a_star[i] * a_star[j] * (m2 if same else m1 * m1)
            eff += ws * a[i] * a_star[j] * (mx if same else m1 * m1)
    return 0.5 * (ef2 - 2 * eff + efs2)


POINTS = [  # (v, a, w*, a*): non-unit v and w*, k = 3 and 4, all angles away from 0, pi/2, pi
    (np.array([0.7, -1.3, 0.4]), np.array([0.5, -0.2, 1.1]), np.array([1.2, 0.3, -0.9]), np.array([0.8, 1.5, -0.6])),
    (np.array([-2.0, 0.5]), np.array([0.3, 0.9, -1.4, 0.2]), np.array([0.4, 1.7]), np.array([-0.5, 0.7, 0.25, 1.3])),
    (np.array([1.0, 0.2, 0.1]), np.array([2.0, 1.0, 0.5]), np.array([-0.3, -0.2, 2.5]), np.array([1.0, 1.0, -3.0])),
]


def _j(*xs):
    return tuple(jnp.asarray(x) for x in xs)


# ----------------------------------------------------------------------------- Gaussian facts, g, angle
def test_gaussian_moments_used_by_the_module():
    assert _mean_relu() == pytest.approx(1 / math.sqrt(2 * PI), rel=1e-12)
    assert _mean_relu_sq() == pytest.approx(0.5, rel=1e-12)
    for phi in (0.0, 0.3, 1.0, PI / 2, 2.2, 3.0, PI):
        # E[s(w.z) s(u.z)] = g(phi) / (2 pi) for unit w, u
        assert float(cnn.g(phi)) / (2 * PI) == pytest.approx(_cross_moment(phi), rel=1e-10, abs=1e-13)


def test_g_values():
    assert float(cnn.g(0.0)) == pytest.approx(PI, rel=1e-15)
    assert float(cnn.g(PI)) == pytest.approx(0.0, abs=1e-15)
    assert float(cnn.g(PI / 2)) == pytest.approx(1.0, rel=1e-15)
    assert float(cnn.g(1.0)) == pytest.approx((PI - 1) * math.cos(1.0) + math.sin(1.0), rel=1e-15)
    assert cnn.PI == pytest.approx(PI, rel=1e-16)


@pytest.mark.parametrize("u,w", [
    ([1.0, 2.0, -0.5], [0.3, -1.0, 2.0]),
    ([3.0, 0.0], [1.0, 1e-3]),
    ([-1.0, 0.2], [1.0, 0.1]),
    ([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),   # parallel, different norms: 0
    ([0.5, 0.5, 0.5], [-2.0, -2.0, -2.0]),   # anti-parallel: pi
])
def test_angle_matches_arccos(u, w):
    u, w = np.array(u), np.array(w)
    assert float(cnn.angle(jnp.asarray(u), jnp.asarray(w))) == pytest.approx(_angle_np(u, w), abs=1e-12)
    # symmetric and scale invariant
    assert float(cnn.angle(jnp.asarray(3.7 * w), jnp.asarray(u))) == pytest.approx(_angle_np(u, w), abs=1e-12)


def test_angle_is_accurate_near_zero_and_differentiable_there():
    u = jnp.array([1.0, 1e-9, 0.0])
    w = jnp.array([2.0, 0.0, 0.0])
    assert float(cnn.angle(u, w)) == pytest.approx(1e-9, rel=1e-6)  # arccos would round to 0 (or 2e-8)
    for w in (jnp.array([1.0, 2.0, 3.0]), -jnp.array([1.0, 2.0, 3.0])):
        gr = jax.grad(cnn.angle)(jnp.array([1.0, 2.0, 3.0]), w)
        assert bool(jnp.all(jnp.isfinite(gr))) and float(jnp.max(jnp.abs(gr))) == 0.0
    # away from the boundary: the gradient of theta(u, w) in u is -(w_perp)/(|u| |w_perp|)/... check by FD
    u0, w0 = jnp.array([0.3, 1.1, -0.4]), jnp.array([1.0, -0.2, 0.5])
    gr = np.asarray(jax.grad(cnn.angle)(u0, w0))
    h = 1e-6
    fd = [(_angle_np(np.asarray(u0) + h * e, np.asarray(w0)) - _angle_np(np.asarray(u0) - h * e, np.asarray(w0))) / (2 * h)
          for e in np.eye(3)]
    np.testing.assert_allclose(gr, fd, atol=1e-8)


# ----------------------------------------------------------------------------- model and losses
def test_forward_and_sample_loss_by_hand():
    Z = jnp.array([[1.0, -2.0], [0.5, 0.5], [-1.0, -1.0]])
    w, a = jnp.array([0.6, 0.8]), jnp.array([2.0, -1.0, 3.0])
    # Z w = (-1.0, 0.7, -1.4) -> relu (0, 0.7, 0) -> f = -0.7
    assert float(cnn.forward(Z, w, a)) == pytest.approx(-0.7, rel=1e-14)
    assert float(cnn.relu(-0.3)) == 0.0 and float(cnn.relu(0.3)) == 0.3
    ws, a_s = jnp.array([0.0, -2.0]), jnp.array([1.0, 1.0, -1.0])
    # Z w* = (4, -1, 2) -> relu (4, 0, 2) -> f* = 4 - 2 = 2;  v = 5 w (normalised to w)
    assert float(cnn.forward(Z, ws, a_s)) == pytest.approx(2.0, rel=1e-14)
    assert float(cnn.sample_loss(5.0 * w, a, Z, ws, a_s)) == pytest.approx(0.5 * (-0.7 - 2.0) ** 2, rel=1e-14)


@pytest.mark.parametrize("i", range(len(POINTS)))
def test_population_loss_matches_double_sum_reference(i):
    v, a, w, a_s = POINTS[i]
    ref = _loss_reference(v, a, w, a_s)
    assert float(cnn.population_loss(*_j(v, a, w, a_s))) == pytest.approx(ref, rel=1e-10)
    assert float(cnn.loss(v, a, w, a_s)) == pytest.approx(ref, rel=1e-10)


def test_population_loss_matches_monte_carlo_of_sample_loss():
    v, a, w, a_s = POINTS[0]
    k, p = len(a), len(v)
    Z = jax.random.normal(jax.random.key(7), (40_000, k, p), dtype=jnp.float64)
    draws = np.asarray(jax.vmap(lambda z: cnn.sample_loss(*_j(v, a), z, *_j(w, a_s)))(Z))
    se = draws.std(ddof=1) / math.sqrt(len(draws))
    assert abs(draws.mean() - _loss_reference(v, a, w, a_s)) < 5 * se


@pytest.mark.parametrize("i", range(len(POINTS)))
def test_printed_loss_differs_by_the_documented_term(i):
    """Printed - corrected = 1/2 (-2 ||w*|| + 2 ||w*||/(2 pi)) (1.a)(1.a*)."""
    v, a, w, a_s = POINTS[i]
    ws = np.linalg.norm(w)
    expected = _loss_reference(v, a, w, a_s) - ws * (1 - 1 / (2 * PI)) * a.sum() * a_s.sum()
    assert float(cnn.population_loss_printed(*_j(v, a, w, a_s))) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("i", range(len(POINTS)))
def test_population_grad_is_the_gradient_of_the_loss(i):
    v, a, w, a_s = _j(*POINTS[i])
    gv, ga = cnn.population_grad(v, a, w, a_s)
    av, aa = jax.grad(cnn.population_loss, argnums=(0, 1))(v, a, w, a_s)
    np.testing.assert_allclose(np.asarray(gv), np.asarray(av), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(np.asarray(ga), np.asarray(aa), rtol=1e-10, atol=1e-13)
    # the a-gradient is linear in a: finite difference of the reference loss
    h = 1e-5
    fd = [(_loss_reference(POINTS[i][0], POINTS[i][1] + h * e, POINTS[i][2], POINTS[i][3])
           - _loss_reference(POINTS[i][0], POINTS[i][1] - h * e, POINTS[i][2], POINTS[i][3])) / (2 * h)
          for e in np.eye(len(POINTS[i][1]))]
    np.testing.assert_allclose(np.asarray(ga), fd, rtol=1e-7, atol=1e-9)
    gv2, ga2 = cnn.grad(*POINTS[i])
    np.testing.assert_allclose(np.asarray(gv2), np.asarray(gv), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(ga2), np.asarray(ga), rtol=1e-14)


def test_population_grad_v_by_finite_differences_of_the_reference():
    v, a, w, a_s = POINTS[1]
    gv, _ = cnn.population_grad(*_j(v, a, w, a_s))
    h = 1e-5
    fd = [(_loss_reference(v + h * e, a, w, a_s) - _loss_reference(v - h * e, a, w, a_s)) / (2 * h) for e in np.eye(len(v))]
    np.testing.assert_allclose(np.asarray(gv), fd, rtol=1e-6, atol=1e-9)


# ----------------------------------------------------------------------------- stationary points
def test_a_matrix_values():
    np.testing.assert_allclose(np.asarray(cnn.a_matrix(3)), np.ones((3, 3)) + (PI - 1) * np.eye(3), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(cnn.a_matrix(2, 0.5)), [[1.5, 1.0], [1.0, 1.5]], rtol=1e-15)


def test_global_minimum_and_spurious_point_values():
    w, a_s = np.array([0.0, 3.0, 4.0]), np.array([1.0, -2.0, 0.5])
    v, a = cnn.global_minimum(*_j(w, a_s))
    np.testing.assert_allclose(np.asarray(v), w / 5.0, rtol=1e-15)
    np.testing.assert_allclose(np.asarray(a), 5.0 * a_s, rtol=1e-15)
    v, a = cnn.spurious_point(*_j(w, a_s))
    np.testing.assert_allclose(np.asarray(v), -w / 5.0, rtol=1e-15)
    k = len(a_s)
    expected = np.linalg.solve(np.ones((k, k)) + (PI - 1) * np.eye(k), (np.ones((k, k)) - np.eye(k)) @ (5.0 * a_s))
    np.testing.assert_allclose(np.asarray(a), expected, rtol=1e-12)
    # a stationary point of the reference loss in a (finite differences)
    h = 1e-5
    fd = [(_loss_reference(np.asarray(v), np.asarray(a) + h * e, w, a_s)
           - _loss_reference(np.asarray(v), np.asarray(a) - h * e, w, a_s)) / (2 * h) for e in np.eye(k)]
    np.testing.assert_allclose(fd, 0.0, atol=1e-8)


@pytest.mark.parametrize("a_s", [[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 0.5], [2.0, 0.3], [0.7]])
def test_spurious_signal_formula(a_s):
    a_s = np.array(a_s)
    k = len(a_s)
    A = np.ones((k, k)) + (PI - 1) * np.eye(k)
    a = np.linalg.solve(A, (np.ones((k, k)) - np.eye(k)) @ a_s)
    assert float(cnn.spurious_signal(jnp.asarray(a_s))) == pytest.approx(float(a @ a_s), rel=1e-12, abs=1e-14)


# ----------------------------------------------------------------------------- Algorithm 1
def test_gd_step_is_a_gradient_step():
    v, a, w, a_s = _j(*POINTS[0])
    gv, ga = cnn.population_grad(v, a, w, a_s)
    v2, a2 = cnn.gd_step(v, a, 0.3, w, a_s)
    np.testing.assert_allclose(np.asarray(v2), np.asarray(v - 0.3 * gv), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(a2), np.asarray(a - 0.3 * ga), rtol=1e-15)


def test_run_gd_trace_matches_python_loop():
    v, a, w, a_s = _j(*POINTS[2])
    eta, steps = 0.2, 5
    vf, af, tr = cnn.run_gd(v, a, eta, w, a_s, steps)
    tr = np.asarray(tr)
    assert tr.shape == (steps + 1, 5)
    vv, aa = v, a
    for t in range(steps + 1):
        row = [_angle_np(np.asarray(vv), np.asarray(w)), float(aa @ a_s), float(jnp.sum(aa)),
               float(jnp.linalg.norm(vv)), _loss_reference(vv, aa, w, a_s)]
        np.testing.assert_allclose(tr[t], row, rtol=1e-9, atol=1e-12)
        if t < steps:
            vv, aa = cnn.gd_step(vv, aa, eta, w, a_s)
    np.testing.assert_allclose(np.asarray(vf), np.asarray(vv), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(af), np.asarray(aa), rtol=1e-13)


def test_run_until_stops_at_the_first_step_below_target():
    v, a, w, a_s = _j(*POINTS[2])
    eta = 0.3
    losses, vv, aa = [], v, a
    for _ in range(60):
        losses.append(float(cnn.population_loss(vv, aa, w, a_s)))
        vv, aa = cnn.gd_step(vv, aa, eta, w, a_s)
    target = 0.5 * (losses[10] + losses[11])   # first t with loss <= target is 11
    assert losses[10] > target >= losses[11]
    _, _, t = cnn.run_until(v, a, eta, w, a_s, target, 1000)
    assert int(t) == 11
    _, _, t = cnn.run_until(v, a, eta, w, a_s, target, 7)        # max_steps cap
    assert int(t) == 7
    _, _, t = cnn.run_until(v, a, eta, w, a_s, 10.0 * losses[0], 100)   # already below target
    assert int(t) == 0
    # a non-finite iterate stops the loop (huge step: a overflows to inf within a few steps)
    _, a_end, t = cnn.run_until(v, a, 1e200, w, a_s, -1.0, 50)
    assert int(t) < 50 and not bool(jnp.all(jnp.isfinite(a_end)))


def test_gd_loops_compile_once():
    """run_gd compiles once per shape and step count, run_gd_dynamic / run_until once per shape."""
    v, a, w, a_s = _j(*POINTS[0])
    cnn.run_gd(v, a, 0.1, w, a_s, 3)
    cnn.run_gd_dynamic(v, a, 0.1, w, a_s, 2)
    cnn.run_until(v, a, 0.1, w, a_s, 0.5, 10)
    sizes = [f._cache_size() for f in (cnn.run_gd, cnn.run_gd_dynamic, cnn.run_until)]
    cnn.run_gd(2 * v, a, 0.2, w, a_s, 3)
    cnn.run_gd_dynamic(v, 2 * a, 0.05, w, a_s, 9)
    cnn.run_until(v, a, 0.2, w, 3 * a_s, 0.1, 20)
    assert [f._cache_size() for f in (cnn.run_gd, cnn.run_gd_dynamic, cnn.run_until)] == sizes


def test_run_gd_dynamic_counts_steps():
    v, a, w, a_s = _j(*POINTS[0])
    for steps in (0, 1, 3):
        vv, aa = v, a
        for _ in range(steps):
            vv, aa = cnn.gd_step(vv, aa, 0.05, w, a_s)
        v2, a2 = cnn.run_gd_dynamic(v, a, 0.05, w, a_s, steps)
        np.testing.assert_allclose(np.asarray(v2), np.asarray(vv), rtol=1e-14)
        np.testing.assert_allclose(np.asarray(a2), np.asarray(aa), rtol=1e-14)


# ----------------------------------------------------------------------------- initialization
def test_init_radius_value():
    assert float(cnn.init_radius(jnp.array([1.0, 2.0, 3.0]), jnp.array([3.0, 4.0]))) == pytest.approx(30 / math.sqrt(3), rel=1e-15)
    assert float(cnn.init_radius(jnp.array([-1.0, -3.0]), jnp.array([2.0]))) == pytest.approx(8 / math.sqrt(2), rel=1e-15)


def test_sample_init_law():
    """v uniform on the sphere, a uniform in the ball of radius |1.a*| ||w*|| / sqrt(k)."""
    a_s, w = jnp.array([1.0, 2.0, -0.5]), jnp.array([0.0, 2.0])
    p, k, n = 2, 3, 2000
    R = 2.5 * 2.0 / math.sqrt(3)
    keys = jax.random.split(jax.random.key(3), n)
    v, a = jax.vmap(lambda kk: cnn.sample_init(kk, p, a_s, w))(keys)
    v, a = np.asarray(v), np.asarray(a)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-14)
    r = np.linalg.norm(a, axis=1)
    assert r.max() <= R * (1 + 1e-14) and r.max() > 0.95 * R
    # (r/R)^k is uniform(0, 1): mean 1/2, variance 1/12
    u = (r / R) ** k
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    # directions: isotropic (mean 0, second moment I/dim)
    for x, dim in ((v, p), (a / r[:, None], k)):
        assert np.all(np.abs(x.mean(0)) < 5 * math.sqrt(1 / dim / n))
        m2 = x.T @ x / n
        assert np.all(np.abs(m2 - np.eye(dim) / dim) < 6 * math.sqrt(1 / n) * 0.5)
    # the validated entry point draws the same thing
    v1, a1 = cnn.init(jax.random.key(3), p, [1.0, 2.0, -0.5], [0.0, 2.0])
    v2, a2 = cnn.sample_init(jax.random.key(3), p, a_s, w)
    np.testing.assert_array_equal(np.asarray(v1), np.asarray(v2))
    np.testing.assert_array_equal(np.asarray(a1), np.asarray(a2))


# ----------------------------------------------------------------------------- Remark 5.2
def _mu_p(p):
    return math.sqrt(2.0) * math.exp(gammaln((p + 1) / 2) - gammaln(p / 2))


P5 = (np.array([0.3, -1.0, 0.8, 0.2, -0.5]), np.array([1.0, -0.4]), np.array([0.5, 0.5, -1.0, 0.3, 1.2]), np.array([0.9, 0.6]))


@pytest.mark.parametrize("point", POINTS + [P5])   # odd p >= 5: Gamma((p+1)/2) is not Gamma(1) = Gamma(2)
def test_rotinv_loss_reduces_to_the_gaussian_one(point):
    v, a, w, a_s = point
    p = len(v)
    got = float(cnn.population_loss_rotinv(*_j(v, a, w, a_s), _mu_p(p), float(p)))
    assert got == pytest.approx(_loss_reference(v, a, w, a_s), rel=1e-10)


def test_rotinv_loss_for_the_unit_sphere_by_monte_carlo():
    """z = u uniform on S^{p-1} (r = 1: m1 = m2 = 1), brute-force Monte Carlo of the sample loss."""
    v, a, w, a_s = POINTS[0]
    k, p, n = len(a), len(v), 200_000
    rng = np.random.default_rng(11)
    Z = rng.normal(size=(n, k, p))
    Z /= np.linalg.norm(Z, axis=2, keepdims=True)
    wn = v / np.linalg.norm(v)
    r = np.maximum(Z @ wn, 0) @ a - np.maximum(Z @ w, 0) @ a_s
    draws = 0.5 * r * r
    se = draws.std(ddof=1) / math.sqrt(n)
    got = float(cnn.population_loss_rotinv(*_j(v, a, w, a_s), 1.0, 1.0))
    assert abs(draws.mean() - got) < 5 * se
    # and with a radius law r in {1, 3} (prob 1/2 each): m1 = 2, m2 = 5
    rad = rng.choice([1.0, 3.0], size=(n, k, 1))
    Z2 = Z * rad
    r = np.maximum(Z2 @ wn, 0) @ a - np.maximum(Z2 @ w, 0) @ a_s
    draws = 0.5 * r * r
    se = draws.std(ddof=1) / math.sqrt(n)
    got = float(cnn.population_loss_rotinv(*_j(v, a, w, a_s), 2.0, 5.0))
    assert abs(draws.mean() - got) < 5 * se


# ----------------------------------------------------------------------------- validation
def test_validate_accepts_the_edges_and_returns_float_arrays():
    out = cnn.validate(v=[2.0], a=[1], w_star=[-1.0], a_star=[3])   # k = p = 1
    assert set(out) == {"v", "a", "w_star", "a_star"}
    assert out["a"].dtype == np.float64 and out["a"].tolist() == [1.0] and out["a_star"].tolist() == [3.0]
    assert out["v"].tolist() == [2.0] and out["w_star"].tolist() == [-1.0]
    cnn.validate(w_star=[0.6, 0.8], unit_w_star=True)
    cnn.validate(w_star=[1.0 + 1e-14, 0.0], unit_w_star=True)
    cnn.validate(w_star=[1.5, 0.0])   # no unit constraint unless asked
    assert cnn.validate() == {}
    assert set(cnn.validate(a=[1.0, 2.0], a_star=[0.0, 0.0])) == {"a", "a_star"}


@pytest.mark.parametrize("kwargs,needle", [
    (dict(v=[[1.0, 0.0]]), "v must be a vector"),
    (dict(a=[1.0, np.inf]), "a must be finite"),
    (dict(a_star=[np.nan]), "a\\* must be finite"),
    (dict(w_star=[0.0, 0.0]), "w\\* must be non-zero"),
    (dict(w_star=[1.5, 0.0], unit_w_star=True), "unit vector"),
    (dict(w_star=[1.0 + 1e-9, 0.0], unit_w_star=True), "unit vector"),
    (dict(w_star=[0.5, 0.0], unit_w_star=True), "unit vector"),
    (dict(v=[1.0, 2.0], w_star=[1.0]), "same dimension p, got 2 and 1"),
    (dict(a=[1.0], a_star=[1.0, 2.0]), "same dimension k, got 1 and 2"),
    (dict(v=[]), "at least one entry"),
])
def test_validate_rejects(kwargs, needle):
    with pytest.raises(InvalidParameter, match=needle):
        cnn.validate(**kwargs)


def test_check_k():
    assert cnn.check_k(1) == 1 and cnn.check_k(np.int64(7)) == 7 and isinstance(cnn.check_k(np.int64(7)), int)
    for bad in (0, -2, 2.0, "3"):
        with pytest.raises(InvalidParameter, match="k \\(number of patches\\) must be an integer >= 1"):
            cnn.check_k(bad)


def test_init_validation():
    cnn.init(jax.random.key(0), 1, [1.0], [2.0])   # p = 1 is allowed
    with pytest.raises(InvalidParameter, match="p \\(patch dimension\\)"):
        cnn.init(jax.random.key(0), 2.0, [1.0], [1.0, 0.0])
    with pytest.raises(InvalidParameter, match="w\\* must have dimension p = 3, got 2"):
        cnn.init(jax.random.key(0), 3, [1.0], [1.0, 0.0])
    with pytest.raises(InvalidParameter, match="1.a\\* must be non-zero"):
        cnn.init(jax.random.key(0), 2, [0.0, 0.0], [1.0, 0.0])


def test_checked_entry_points_reject_bad_input():
    with pytest.raises(InvalidParameter, match="non-zero"):
        cnn.grad([0.0, 0.0], [1.0], [1.0, 0.0], [1.0])
    with pytest.raises(InvalidParameter, match="same dimension k"):
        cnn.grad([1.0, 0.0], [1.0], [1.0, 0.0], [1.0, 2.0])
