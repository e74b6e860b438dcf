"""Value pins for analytic/saddle.py (chapter 7), against independently computed references.

Written to kill mutants (ci/mutation.sh): the interpolation conditions that define every spline
piece (values and derivatives by autodiff), values worked out by hand for the constants and bounds,
plain-Python re-implementations of the GD / PGD loops (step counts, escape times, perturbation rule
at its exact boundaries), a Monte Carlo check of the ball sampler, and every validation boundary.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import erf

import analytic  # noqa: F401  (float64)
from analytic import saddle as S
from analytic.errors import InvalidParameter

L, G, T = 1.5, 1.0, 0.7   # generic parameters (L > gamma > 0, tau != 1)


def d1(fn, x):
    return float(jax.grad(fn)(jnp.float64(x)))


def d2(fn, x):
    return float(jax.grad(jax.grad(fn))(jnp.float64(x)))


# ----------------------------------------------------------------------------- parameter checks
def test_concrete():
    assert S._concrete(2) == 2.0 and S._concrete(jnp.float64(1.5)) == 1.5
    seen = []
    jax.jit(lambda x: seen.append(S._concrete(x)) or x)(1.0)
    assert seen == [None]


def test_check_params_boundaries():
    S.check_params(1.0 + 1e-9, 1.0, 1e-9, 1)
    S.check_params(2.0, 1.0, 1.0, np.int64(3))
    S.check_params(2.0, 1.0, 1.0)           # d not given
    for kw, needle in [
        (dict(L=2.0, gamma=1.0, tau=1.0, d=0), "d must be >= 1, got 0"),
        (dict(L=2.0, gamma=1.0, tau=1.0, d=True), "d must be an integer, got bool"),
        (dict(L=2.0, gamma=1.0, tau=1.0, d=2.0), "d must be an integer, got float"),
        (dict(L=2.0, gamma=1.0, tau=0.0), "tau must be > 0"),
        (dict(L=2.0, gamma=1.0, tau=math.inf), "tau must be > 0"),
        (dict(L=2.0, gamma=0.0, tau=1.0), "gamma must be > 0"),
        (dict(L=2.0, gamma=math.inf, tau=1.0), "gamma must be > 0"),
        (dict(L=1.0, gamma=1.0, tau=1.0), "L must be > gamma"),
        (dict(L=math.inf, gamma=1.0, tau=1.0), "L must be > gamma"),
    ]:
        with pytest.raises(InvalidParameter, match=needle):
            S.check_params(**kw)
    # traced values are not checked
    jax.jit(lambda t: (S.check_params(2.0, 1.0, t), t)[1])(-1.0)


def test_hessian_bound_by_hand_and_as_a_bound():
    def by_hand(l, g):
        row1 = 32 * g / 9 + 98 * l / 15 + 10 * (l + g) / math.sqrt(3) + 15 / 4 * (l + g)
        return max(row1, 15 / 4 * (l + g) + 2 * l, 2 * l, 2 * g)
    for l, g in ((2.0, 1.0), (L, G), (10.0, 0.1)):
        assert S.hessian_bound(l, g) == pytest.approx(by_hand(l, g), rel=1e-15)
    # it bounds ||Hess f||_op at points of D (connector regions included)
    rng = np.random.default_rng(0)
    H = jax.jit(jax.hessian(lambda x: S.f(x, L, G, T)))
    bound = S.hessian_bound(L, G)
    worst = 0.0
    for _ in range(40):
        x = np.array([rng.uniform(T, 2 * T), rng.uniform(-T, T), rng.uniform(-T, T)])
        worst = max(worst, float(np.max(np.abs(np.linalg.eigvalsh(np.asarray(H(jnp.asarray(x))))))))
    assert 0.2 * bound < worst <= bound


def test_check_step_boundaries():
    b = 1.0 / S.hessian_bound(L, G)
    S.check_step(b, L, G)
    S.check_step(b * (1 + 1e-13), L, G)
    with pytest.raises(InvalidParameter, match="step size eta must be <= 1/l"):
        S.check_step(b * (1 + 1e-10), L, G)
    with pytest.raises(InvalidParameter, match="step size eta must be > 0"):
        S.check_step(0.0, L, G)
    with pytest.raises(InvalidParameter, match="step size eta must be > 0"):
        S.check_step(math.nan, L, G)
    S.check_step(0.5, L, G, bound=0.5)
    with pytest.raises(InvalidParameter, match="must be <= 1/\\(2L\\) = 0.25, got 0.3"):
        S.check_step(0.3, L, G, bound=0.25, what="1/(2L)")
    jax.jit(lambda e: (S.check_step(e, L, G), e)[1])(100.0)   # traced: unchecked


# ----------------------------------------------------------------------------- Theorem 7.4, Lemma 7.4
def test_hermite_interpolates_and_reproduces_cubics():
    y0, y1, f0, f1, dd0, dd1 = 0.3, 1.7, -0.4, 2.1, 1.3, -0.6
    p = lambda y: S.hermite(y, y0, y1, f0, f1, dd0, dd1)  # noqa: E731
    assert float(p(y0)) == pytest.approx(f0, abs=1e-14) and float(p(y1)) == pytest.approx(f1, rel=1e-14)
    assert d1(p, y0) == pytest.approx(dd0, rel=1e-13) and d1(p, y1) == pytest.approx(dd1, rel=1e-13)
    c = lambda y: 0.5 - 1.2 * y + 0.7 * y ** 2 + 0.9 * y ** 3  # noqa: E731
    dc = lambda y: -1.2 + 1.4 * y + 2.7 * y ** 2  # noqa: E731
    for y in (-1.0, 0.5, 2.5):
        assert float(S.hermite(y, y0, y1, c(y0), c(y1), dc(y0), dc(y1))) == pytest.approx(c(y), rel=1e-12)
    c0, c1, c2, c3 = S.hermite_coeffs(1.0, 3.0, c(1.0), c(3.0), dc(1.0), dc(3.0))
    # Taylor coefficients of the cubic at 1: c(1), c'(1), c''(1)/2, c'''(1)/6
    np.testing.assert_allclose([c0, c1, c2, c3], [c(1.0), dc(1.0), (1.4 + 5.4) / 2, 0.9], rtol=1e-13)


def test_connector_slope_boundary_conditions():
    p = lambda x: S.connector_slope(x, L, G, T)  # noqa: E731
    assert float(p(T)) == pytest.approx(-2 * G * T, rel=1e-14)
    assert float(p(2 * T)) == pytest.approx(-4 * L * T, rel=1e-14)
    assert d1(p, T) == pytest.approx(-2 * G, rel=1e-13)
    assert d1(p, 2 * T) == pytest.approx(2 * L, rel=1e-13)


def test_g1_is_the_antiderivative_with_the_stated_constant():
    f1 = lambda x: S.g1(x, L, G, T)  # noqa: E731
    assert float(f1(T)) == pytest.approx(-G * T * T, rel=1e-14)
    for x in (T, 1.3 * T, 1.77 * T, 2 * T):
        assert d1(f1, x) == pytest.approx(float(S.connector_slope(x, L, G, T)), rel=1e-12, abs=1e-14)
    assert float(f1(2 * T)) == pytest.approx(-13 / 6 * (L + G) * T * T, rel=1e-13)
    # d/dx of g1 at 2 tau = p(2 tau) = -4 L tau = d/dx L (x - 4tau)^2 there
    assert d1(f1, 2 * T) == pytest.approx(2 * L * (2 * T - 4 * T), rel=1e-13)


def test_g2_conditions_and_midpoint():
    f2 = lambda x: S.g2(x, L, G, T)  # noqa: E731
    assert float(f2(T)) == pytest.approx(L, rel=1e-14)
    assert float(f2(2 * T)) == pytest.approx(-G, rel=1e-14)
    for x in (T, 2 * T):
        assert abs(d1(f2, x)) < 1e-12 and abs(d2(f2, x)) < 1e-11
    # s(-1/2) = -1/2: g2(1.5 tau) = -gamma + (L + gamma)/2
    assert float(f2(1.5 * T)) == pytest.approx(-G + (L + G) / 2, rel=1e-14)
    for x in (1.1 * T, 1.5 * T, 1.9 * T):
        assert float(S.g2_prime(x, L, G, T)) == pytest.approx(d1(f2, x), rel=1e-12)
    assert float(S.g2_prime(1.5 * T, L, G, T)) == pytest.approx(-30 * (L + G) * (0.5 * T) ** 4 / T ** 5, rel=1e-14)
    assert float(S.g(1.3 * T, 0.4, L, G, T)) == pytest.approx(float(S.g1(1.3 * T, L, G, T)) + float(f2(1.3 * T)) * 0.16, rel=1e-14)


def test_nu_by_hand():
    for l, g, t in ((L, G, T), (2.0, 1.0, 1.0), (5.0, 0.5, 0.3)):
        exp = (37 * l + 13 * g) * t * t / 6
        assert S.nu_closed_form(l, g, t) == pytest.approx(exp, rel=1e-15)
        assert float(S.nu(l, g, t)) == pytest.approx(exp, rel=1e-13)
        assert S.value_bound(3, l, g, t) == pytest.approx(3 * exp, rel=1e-13)
    assert S.escape_ratio(3.0, 0.5) == pytest.approx(7.0, rel=1e-15)


# ----------------------------------------------------------------------------- f, regions, gradient
def _tube_ref(x, l, g, t):
    """The tube (7.6)-(7.10) by explicit case analysis on y = x (no mirroring)."""
    d = len(x)
    k = 0
    while k < d and x[k] >= 2 * t:
        k += 1
    out = -k * S.nu_closed_form(l, g, t)
    for j in range(d):
        if j < k:
            out += l * (x[j] - 4 * t) ** 2
        elif j == k:
            out += float(S.g1(x[j], l, g, t)) if x[j] > t else -g * x[j] ** 2
        elif j == k + 1:
            out += (float(S.g2(x[k], l, g, t)) if x[k] > t else l) * x[j] ** 2
        else:
            out += l * x[j] ** 2
    return out


POINTS = [  # regions k = 0..3 of the 3-d tube, saddle and connection parts
    [0.3, 0.2, -0.1], [1.2, 0.5, 0.3], [1.5, 0.6, 0.2], [2.8, 1.0, 0.3], [2.9, 0.2, 0.6], [3.1, 2.2, 0.4],
    [2.6, 1.9, 1.2], [3.0, 2.7, 2.5], [1.4, 1.4, 1.4], [0.7, 0.1, 0.0],
]


@pytest.mark.parametrize("x", POINTS)
def test_tube_and_octopus_match_the_case_analysis(x):
    x = np.array(x)
    ref = _tube_ref(x, L, G, T)
    assert float(S.tube(jnp.asarray(x), L, G, T)) == pytest.approx(ref, rel=1e-12, abs=1e-13)
    assert float(S.f(jnp.asarray(x), L, G, T, mirror=False)) == pytest.approx(ref, rel=1e-12, abs=1e-13)
    # the octopus is the tube at |x|
    sx = x * np.array([-1.0, 1.0, -1.0])
    assert float(S.octopus(jnp.asarray(sx), L, G, T)) == pytest.approx(_tube_ref(np.abs(sx), L, G, T), rel=1e-12, abs=1e-13)
    k = int(S.region_index(jnp.asarray(x), T, mirror=False))
    kk = 0
    while kk < 3 and x[kk] >= 2 * T:
        kk += 1
    assert k == kk
    assert int(S.region_index(jnp.asarray(sx), T)) == kk
    conn = bool(k < 3 and x[min(k, 2)] > T)
    assert float(S.piece(jnp.asarray(x), k, conn, L, G, T)) == pytest.approx(ref, rel=1e-12, abs=1e-13)
    assert float(S.region_value(jnp.asarray(x), k, conn, L, G, T)) == pytest.approx(ref, rel=1e-12, abs=1e-13)


def test_region_index_boundaries_and_tube_sign():
    assert int(S.region_index(jnp.array([2 * T, 0.0]), T)) == 1          # >= 2 tau counts
    assert int(S.region_index(jnp.array([2 * T * (1 - 1e-12), 0.0]), T)) == 0
    assert int(S.region_index(jnp.array([-3.0, 2.0]), T)) == 2            # octopus: |x|
    assert int(S.region_index(jnp.array([-3.0, 2.0]), T, mirror=False)) == 0
    assert int(S.region_index(jnp.array([3.0, 3.0, 0.0, 3.0]), T)) == 2
    np.testing.assert_array_equal(np.asarray(S._signs(jnp.array([-2.0, 0.0, 3.0]), True)), [-1.0, 1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(S._signs(jnp.array([-2.0, 0.0, 3.0]), False)), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(S._leading(jnp.array([[True, False, True], [True, True, True],
                                                                   [False, True, True]]))), [1, 3, 0])


@pytest.mark.parametrize("mirror", [False, True])
def test_f_is_continuous_with_continuous_gradient_across_boundaries(mirror):
    """f is C^1: one-sided values and gradients at |x_k| = tau and |x_k| = 2 tau agree."""
    e = 1e-7
    for base in ([T, 0.4, 0.3], [2 * T, 0.5, 0.2], [3.0, T, 0.6], [2.9, 2 * T, 0.5]):
        for j in range(2):
            lo = np.array(base); hi = np.array(base)
            if base[j] in (T, 2 * T):
                lo[j] -= e; hi[j] += e
                fl, fh = (float(S.f(jnp.asarray(z), L, G, T, mirror=mirror)) for z in (lo, hi))
                assert abs(fl - fh) < 1e-5
                gl, gh = (np.asarray(S.grad_f(jnp.asarray(z), L, G, T, mirror=mirror)) for z in (lo, hi))
                np.testing.assert_allclose(gl, gh, atol=1e-5)


@pytest.mark.parametrize("mirror", [False, True])
def test_grad_f_equals_autodiff_everywhere(mirror):
    rng = np.random.default_rng(3)
    pts = [np.array(p) for p in POINTS] + [rng.uniform(-3.5 * T, 3.5 * T, size=4) for _ in range(6)]
    ag = jax.jit(jax.grad(lambda x: S.f(x, L, G, T, mirror=mirror)))
    for x in pts:
        if mirror:
            x = x * np.where(rng.uniform(size=x.shape) < 0.5, -1.0, 1.0)
        np.testing.assert_allclose(np.asarray(S.grad_f(jnp.asarray(x), L, G, T, mirror=mirror)),
                                   np.asarray(ag(jnp.asarray(x))), rtol=1e-10, atol=1e-12)


def test_grad_f_by_hand_in_each_part():
    # saddle part of region 0: -gamma x0^2 + L x1^2 + L x2^2
    np.testing.assert_allclose(np.asarray(S.grad_f(jnp.array([0.3, 0.2, -0.1]), L, G, T)),
                               [-2 * G * 0.3, 2 * L * 0.2, 2 * L * -0.1], rtol=1e-14)
    # region 1, connector: 2L(x0 - 4tau), p(x1) + g2'(x1) x2^2, 2 g2(x1) x2
    x = np.array([3.0, 1.1, 0.3])
    exp = [2 * L * (3.0 - 4 * T), float(S.connector_slope(1.1, L, G, T)) + float(S.g2_prime(1.1, L, G, T)) * 0.09,
           2 * float(S.g2(1.1, L, G, T)) * 0.3]
    np.testing.assert_allclose(np.asarray(S.grad_f(jnp.asarray(x), L, G, T)), exp, rtol=1e-13)
    # basin: all in the well
    np.testing.assert_allclose(np.asarray(S.grad_f(jnp.array([3.0, 2.0]), L, G, T)),
                               [2 * L * (3.0 - 4 * T), 2 * L * (2.0 - 4 * T)], rtol=1e-14)


def test_stationary_points():
    np.testing.assert_array_equal(np.asarray(S.saddle_point(2, 4, T)), [4 * T, 4 * T, 0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(S.saddle_point(0, 2, T)), [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(S.local_min(3, T)), [4 * T] * 3)
    for k in range(4):
        x = S.saddle_point(k, 3, T)
        assert float(jnp.max(jnp.abs(S.grad_f(x, L, G, T)))) < 1e-14
        assert float(S.f(x, L, G, T)) == pytest.approx(-k * S.nu_closed_form(L, G, T), rel=1e-12, abs=1e-14)
    assert float(S.f(S.local_min(3, T), L, G, T)) == pytest.approx(-S.value_bound(3, L, G, T), rel=1e-12)
    with pytest.raises(InvalidParameter, match="k must be in \\[0, d\\], got 4"):
        S.saddle_point(4, 3, T)
    with pytest.raises(InvalidParameter, match="k must be in \\[0, d\\], got -1"):
        S.saddle_point(-1, 3, T)
    with pytest.raises(InvalidParameter, match="tau must be > 0"):
        S.saddle_point(0, 3, 0.0)


# ----------------------------------------------------------------------------- Section 7.3, (7.3)
def test_warmup():
    assert float(S.warmup_f(jnp.array([2.0, 3.0]))) == -5.0
    for x2 in (0.5, 0.01, -0.3, 1e-5):
        t, z = 0, abs(x2)
        while z < 1:
            z *= 1.5
            t += 1
        assert int(S.warmup_escape_count(x2)) == t
    assert int(S.warmup_escape_count(1.0)) == 0 and int(S.warmup_escape_count(-4.0)) == 0
    np.testing.assert_array_equal(S.warmup_escape_count(np.array([0.5, 2.0])), [2, 0])


def test_key_observation_pieces_and_edges():
    kf = lambda a, b: float(S.key_observation_f(jnp.array([a, b]), L, G))  # noqa: E731
    assert kf(0.5, 0.5) == pytest.approx(-G * 0.25 + L * 0.25)
    assert kf(2.5, 0.5) == pytest.approx(L * 0.25 - G * 0.25)
    assert kf(2.5, 2.5) == pytest.approx(2 * L * 0.25)
    assert kf(1.0, 0.5) == pytest.approx(L * 1.0 - G * 0.25)    # x1 = 1 belongs to the later piece
    assert kf(1.0, 1.0) == pytest.approx(2 * L * 1.0)           # x2 = 1 as well
    assert kf(0.5, 1.5) == pytest.approx(-G * 0.25 + L * 2.25)  # x1 < 1: first piece whatever x2


# ----------------------------------------------------------------------------- GD / PGD
def test_gd_step_and_transform():
    x = jnp.array([1.0, -2.0])
    np.testing.assert_allclose(np.asarray(S.gd_step(x, lambda z: 3.0 * z, 0.1)), [0.7, -1.4], rtol=1e-15)
    tx = S.gd_transform(0.1)
    upd, _ = tx.update(jnp.array([2.0, -1.0]), tx.init(x), x)
    np.testing.assert_allclose(np.asarray(upd), [-0.2, 0.1], rtol=1e-15)


def test_ball_uniform_law():
    d, r, n = 3, 0.7, 4000
    xs = np.asarray(jax.vmap(lambda k: S.ball_uniform(k, d, r))(jax.random.split(jax.random.key(4), n)))
    nr = np.linalg.norm(xs, axis=1)
    assert nr.max() <= r * (1 + 1e-14) and nr.max() > 0.95 * r
    u = (nr / r) ** d   # uniform on (0, 1)
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    assert np.all(np.abs(xs.mean(0)) < 5 * r / math.sqrt(n))
    m2 = xs.T @ xs / n   # E[x x^T] = r^2/(d+2) I
    np.testing.assert_allclose(m2, r * r / (d + 2) * np.eye(d), atol=6 * r * r / math.sqrt(n))


def test_pgd_step_rule_at_its_boundaries():
    gfix = lambda z: jnp.array([3.0, 4.0])  # noqa: E731  (norm exactly 5)
    x, key, eta, r = jnp.array([1.0, 1.0]), jax.random.key(8), 0.1, 0.5
    xi = np.asarray(S.ball_uniform(jax.random.fold_in(key, 10), 2, r))
    # ||grad|| = g_thres (<= holds) and t - t_noise = 6 > 5: perturb
    xn, tn, pert = S.pgd_step(x, 10, 4, key, gfix, eta, r, 5.0, 5)
    assert bool(pert) and int(tn) == 10
    np.testing.assert_allclose(np.asarray(xn), np.asarray(x) + xi - eta * np.array([3.0, 4.0]), rtol=1e-14)
    # t - t_noise = t_thres: no perturbation
    xn, tn, pert = S.pgd_step(x, 10, 5, key, gfix, eta, r, 5.0, 5)
    assert not bool(pert) and int(tn) == 5
    np.testing.assert_allclose(np.asarray(xn), [0.7, 0.6], rtol=1e-14)
    # gradient just above the threshold: no perturbation
    xn, tn, pert = S.pgd_step(x, 10, 0, key, gfix, eta, r, 5.0 - 1e-9, 5)
    assert not bool(pert) and int(tn) == 0
    # the gradient step after a perturbation is taken at the perturbed point
    lin = lambda z: 2.0 * z  # noqa: E731
    xn, _, pert = S.pgd_step(x, 10, 0, key, lin, eta, r, 100.0, 5)
    assert bool(pert)
    np.testing.assert_allclose(np.asarray(xn), (np.asarray(x) + xi) * (1 - 2 * eta), rtol=1e-14)


def _marks_ref(x, t, Tm, Am, mirror):
    y = np.abs(x) if mirror else x
    d = len(x)
    k = 0
    while k < d and y[k] >= 2 * T:
        k += 1
    for j in range(d):
        if Tm[j] < 0 and k >= j + 1:
            Tm[j] = t
        if Am[j] < 0 and k >= j and y[j] >= T:
            Am[j] = t
    return k


def test_run_escape_gd_matches_a_python_loop():
    x0 = np.array([[1e-3, 2e-3], [5e-3, -4e-3]])
    eta = 1.0 / S.hessian_bound(L, G)
    out = S.run_escape(x0, L, G, T, eta, max_steps=2000, mirror=True)
    gf = jax.jit(lambda z: S.grad_f(z, L, G, T))
    for i in range(2):
        x = x0[i].copy()
        Tm, Am = [-1, -1], [-1, -1]
        k = _marks_ref(x, 0, Tm, Am, True)
        t = 0
        while t < 2000 and k < 2:
            x = x - eta * np.asarray(gf(jnp.asarray(x)))
            t += 1
            k = _marks_ref(x, t, Tm, Am, True)
        assert int(out["steps"][i]) == t and 50 < t < 2000
        np.testing.assert_array_equal(np.asarray(out["T"][i]), Tm)
        np.testing.assert_array_equal(np.asarray(out["A"][i]), Am)
        assert int(out["k"][i]) == 2 and int(out["perturbations"][i]) == 0 and not bool(out["stuck"][i])
        np.testing.assert_allclose(np.asarray(out["x"][i]), x, rtol=1e-12)
    short = S.run_escape(x0[:1], L, G, T, eta, max_steps=45, mirror=True)
    assert int(short["steps"][0]) == 45 and int(short["T"][0][0]) == -1 and int(short["k"][0]) == 0


def test_run_escape_stops_at_an_exact_fixed_point():
    x0 = np.array([[0.0, 0.0], [1e-3, 0.0]])   # the saddle itself; and a run that reaches the next saddle
    eta = 1.0 / S.hessian_bound(L, G)
    out = S.run_escape(x0, L, G, T, eta, max_steps=3000, mirror=False, stop_when_stuck=True)
    assert bool(out["stuck"][0]) and int(out["steps"][0]) == 1
    # the second run reaches the next saddle (4 tau, 0) exactly (x_1 = 0 stays 0) and stops there
    assert bool(out["stuck"][1]) and int(out["k"][1]) == 1 and 50 < int(out["steps"][1]) < 3000
    np.testing.assert_allclose(np.asarray(out["x"][1]), [4 * T, 0.0], rtol=1e-12)
    free = S.run_escape(x0[1:], L, G, T, eta, max_steps=3000, mirror=False)
    assert not bool(free["stuck"][0]) and int(free["steps"][0]) == 3000


def test_run_escape_pgd_matches_a_python_loop():
    x0 = np.array([[0.0, 0.0]])
    eta = 1.0 / S.hessian_bound(L, G)
    key, r, gth, tth = jax.random.key(5), 0.01, 0.05, 3
    out = S.run_escape(x0, L, G, T, eta, max_steps=3000, pgd=True, key=key, r=r, g_thres=gth, t_thres=tth)
    kk = jax.random.split(key, 1)[0]
    gf = lambda z: S.grad_f(z, L, G, T)  # noqa: E731
    step = jax.jit(lambda x, t, tn: S.pgd_step(x, t, tn, kk, gf, eta, r, gth, tth))
    x, t, tn, npert = jnp.asarray(x0[0]), 0, -tth - 1, 0
    Tm, Am = [-1, -1], [-1, -1]
    k = _marks_ref(np.asarray(x), 0, Tm, Am, True)
    while t < 3000 and k < 2:
        x, tn, p = step(x, t, tn)
        npert += int(p)
        t += 1
        k = _marks_ref(np.asarray(x), t, Tm, Am, True)
    assert int(out["steps"][0]) == t and int(out["perturbations"][0]) == npert >= 1
    np.testing.assert_array_equal(np.asarray(out["T"][0]), Tm)
    np.testing.assert_array_equal(np.asarray(out["A"][0]), Am)
    np.testing.assert_allclose(np.asarray(out["x"][0]), np.asarray(x), rtol=1e-12)


def test_run_values_matches_a_python_loop():
    x0 = np.array([[0.01, 0.02, 0.0]])
    eta = 1.0 / S.hessian_bound(L, G)
    vals = np.asarray(S.run_values(x0, L, G, T, eta, n_steps=12, stride=4, mirror=False))
    assert vals.shape == (1, 4)
    x, ref = jnp.asarray(x0[0]), [float(S.tube(jnp.asarray(x0[0]), L, G, T))]
    for t in range(1, 13):
        x = x - eta * S.grad_f(x, L, G, T, mirror=False)
        if t % 4 == 0:
            ref.append(float(S.tube(x, L, G, T)))
    np.testing.assert_allclose(vals[0], ref, rtol=1e-12)


def test_runner_validation():
    eta = 1.0 / S.hessian_bound(L, G)
    x0 = np.zeros((1, 2))
    with pytest.raises(InvalidParameter, match="max_steps must be >= 1, got 0"):
        S.run_escape(x0, L, G, T, eta, max_steps=0)
    with pytest.raises(InvalidParameter, match="pgd=True needs a PRNG key"):
        S.run_escape(x0, L, G, T, eta, pgd=True, r=0.1, g_thres=0.1)
    with pytest.raises(InvalidParameter, match="g_thres must be > 0"):
        S.run_escape(x0, L, G, T, eta, pgd=True, key=jax.random.key(0), r=0.1, g_thres=0.0)
    with pytest.raises(InvalidParameter, match="t_thres must be >= 0, got -1"):
        S.run_escape(x0, L, G, T, eta, pgd=True, key=jax.random.key(0), r=0.1, g_thres=0.1, t_thres=-1)
    with pytest.raises(InvalidParameter, match="step size"):
        S.run_values(x0, L, G, T, 2 * eta, n_steps=2)


# ----------------------------------------------------------------------------- constants and bounds
def test_hessian_lipschitz_bound_by_hand_and_as_a_bound():
    for l, g, t in ((L, G, T), (2.0, 1.0, 1.0)):
        t111 = (20 * g + 32 * l + 60 * (l + g)) / t
        t112 = 20 / math.sqrt(3) * (l + g) / t
        t122 = 15 / 4 * (l + g) / t
        exp = math.sqrt(t111 ** 2 + 3 * t112 ** 2 + 3 * t122 ** 2)
        assert S.hessian_lipschitz_bound(l, g, t) == pytest.approx(exp, rel=1e-15)
    # Hessian differences in the connector region are within rho * distance
    H = jax.jit(jax.hessian(lambda x: S.f(x, L, G, T)))
    rho = S.hessian_lipschitz_bound(L, G, T)
    rng = np.random.default_rng(6)
    ratios = []
    for _ in range(20):
        x = np.array([rng.uniform(T, 2 * T), rng.uniform(0, T)])
        y = x + rng.normal(size=2) * 1e-3
        ratios.append(np.linalg.norm(np.asarray(H(jnp.asarray(x)) - H(jnp.asarray(y))), 2) / np.linalg.norm(x - y))
    assert 0.05 * rho < max(ratios) <= rho


def test_is_eps_sosp_and_no_sosp_eps():
    hess = np.diag([-0.5, 2.0])
    # lambda_min = -0.5 >= -sqrt(rho eps) iff rho eps >= 0.25; ||grad|| <= eps
    assert bool(S.is_eps_sosp(np.array([0.3, 0.4]), hess, 0.5, 0.5))          # 0.5 <= 0.5, -0.5 >= -0.5
    assert not bool(S.is_eps_sosp(np.array([0.3, 0.4]), hess, 0.5 - 1e-9, 0.5 + 1e-6))
    assert not bool(S.is_eps_sosp(np.array([0.0, 0.0]), hess, 0.5, 0.49))
    assert bool(S.is_eps_sosp(jnp.array([0.3, 0.4]), jnp.asarray(hess), 0.5, 0.5))
    got = np.asarray(S.is_eps_sosp(np.array([[0.0, 0.1], [1.0, 0.0]]), np.stack([hess, hess]), 0.5, 1.0))
    np.testing.assert_array_equal(got, [True, False])
    rho = S.hessian_lipschitz_bound(L, G, T)
    assert S.no_sosp_eps(L, G, T) == pytest.approx(min(2 * G * T, 4 * G * G / rho), rel=1e-15)
    assert S.no_sosp_eps(L, G, 100.0) == pytest.approx(4 * G * G / S.hessian_lipschitz_bound(L, G, 100.0), rel=1e-15)


def test_lemma74_lower_bounds():
    assert S.dg_dxi_lower_printed(L, G, T) == pytest.approx(-4 * L * T, rel=1e-15)
    assert S.g1_prime_lower_corrected(L, G, T) == pytest.approx(-(4.07 * L + 0.07 * G) * T, rel=1e-15)
    assert S.dg_dxi_lower_corrected(L, G, T) == pytest.approx(-(4.76 * L + 2.57 * G) * T, rel=1e-15)
    xs = np.linspace(T, 2 * T, 2001)
    p = np.asarray(S.connector_slope(jnp.asarray(xs), L, G, T))
    assert p.min() >= S.g1_prime_lower_corrected(L, G, T)
    assert p.min() < S.dg_dxi_lower_printed(L, G, T)   # the printed bound fails
    X, Y = np.meshgrid(xs[::20], np.linspace(0, T, 51))
    dg = np.asarray(S.connector_slope(jnp.asarray(X), L, G, T) + S.g2_prime(jnp.asarray(X), L, G, T) * Y ** 2)
    assert dg.min() >= S.dg_dxi_lower_corrected(L, G, T)
    # near-tight at L = gamma (the bound's worst case quoted in the docstring: -7.3202 tau (L = gamma = 1))
    X, Y = np.meshgrid(np.linspace(1, 2, 2001), np.linspace(0, 1, 201))
    dg1 = np.asarray(S.connector_slope(jnp.asarray(X), 1.0, 1.0, 1.0) + S.g2_prime(jnp.asarray(X), 1.0, 1.0, 1.0) * Y ** 2)
    assert -7.33 < dg1.min() < -7.31 and S.dg_dxi_lower_corrected(1.0, 1.0, 1.0) == pytest.approx(-7.33)


def test_gaussian_box_mass():
    for d, c in ((1, 1.0), (3, 2.0), (5, 0.5)):
        assert float(S.gaussian_box_mass(d, c)) == pytest.approx(erf(c / math.sqrt(2)) ** d, rel=1e-13)
    z = np.random.default_rng(1).normal(size=(100_000, 3))
    frac = np.mean(np.all(np.abs(z) <= 1.3, axis=1))
    assert abs(frac - float(S.gaussian_box_mass(3, 1.3))) < 5 * math.sqrt(0.25 / 100_000)


def test_in_domain():
    t = T
    inside = np.array([[5.9 * t, 1.9 * t, 0.9 * t], [0.0, 0.0, 0.0], [2 * t, 6 * t, t]])
    outside = np.array([[6.1 * t, 0.0, 0.0], [2.1 * t, 1.1 * t, 1.1 * t], [0.5 * t, 1.1 * t, 0.0]])
    assert np.all(S.in_domain(inside, t)) and not np.any(S.in_domain(outside, t))
    assert bool(np.all(np.asarray(S.in_domain(jnp.asarray(-inside), t))))       # the octopus is symmetric
    assert not np.any(S.in_domain(-inside[:1], t, mirror=False))                 # the tube is not
    assert bool(S.in_domain(np.array([6.05 * t, 0.0, 0.0]), t, slack=0.1 * t))
    assert not bool(S.in_domain(np.array([6.05 * t, 0.0, 0.0]), t, slack=0.01 * t))
    assert bool(S.in_domain(np.array([-0.05, 0.0]), t, mirror=False, slack=0.1))
