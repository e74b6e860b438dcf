"""Value pins for analytic/filter.py (chapter 6), against independently computed references.

Written to kill mutants (ci/mutation.sh): the second moments on wedges by adaptive 1-D quadrature
(scipy) in polar coordinates, the one-neuron and patch-model gradients by autodiff of the empirical
loss, the samplers by Monte Carlo with standard-error tolerances, the bounds and step sizes by hand,
and every validation boundary.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate
from scipy.stats import truncnorm

import analytic  # noqa: F401  (float64)
from analytic import filter as F
from analytic.errors import InvalidParameter

PI = math.pi


def _u(t):
    return np.array([math.cos(t), math.sin(t)])


def _wedge_integral(ind, dens=lambda t: 1.0 / (2 * PI), lo=0.0, hi=2 * PI, points=()):
    """int_lo^hi u(t) u(t)^T ind(t) dens(t) dt, entrywise by quad."""
    out = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            fn = lambda t, i=i, j=j: _u(t)[i] * _u(t)[j] * ind(t) * dens(t)  # noqa: E731
            pts = sorted({p for p in points if lo < p < hi})
            out[i, j] = integrate.quad(fn, lo, hi, points=pts or None, limit=400, epsabs=1e-13, epsrel=1e-12)[0]
    return out


# ----------------------------------------------------------------------------- model
def test_predict_and_losses_by_hand():
    Z = jnp.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]])
    w, ws = jnp.array([1.0, 1.0]), jnp.array([0.5, -1.0])
    # Z w = (3, -0.5, -3) -> relu mean = 1; Z w* = (-1.5, -1, 3) -> 1
    assert float(F.relu(-1.0)) == 0.0 and float(F.relu(2.0)) == 2.0
    assert float(F.predict(w, Z)) == pytest.approx(1.0, rel=1e-15)
    assert float(F.predict(ws, Z)) == pytest.approx(1.0, rel=1e-15)
    assert float(F.sample_loss(2.0 * w, Z, ws)) == pytest.approx(0.5, rel=1e-15)   # f = 2, f* = 1
    Zs = jnp.stack([Z, -Z])   # second sample: Z w = (-3, 0.5, 3) -> 7/6; Z w* = (1.5, 1, -3) -> 5/6
    assert float(F.empirical_loss(w, Zs, ws)) == pytest.approx(0.5 * (0.0 + 0.5 * (1 / 3) ** 2), rel=1e-14)


def test_population_grad_and_terms_by_hand():
    w, ws = jnp.array([1.0, 2.0]), jnp.array([0.5, -1.0])
    Ap, An, As = jnp.array([[2.0, 1.0], [1.0, 3.0]]), jnp.array([[1.0, 0.0], [0.0, 0.5]]), jnp.array([[0.2, 0.1], [0.1, 0.4]])
    d = np.array([0.5, 3.0])
    np.testing.assert_allclose(np.asarray(F.population_grad(w, ws, Ap, An)),
                               np.asarray(Ap) @ d + np.asarray(An) @ np.asarray(w), rtol=1e-15)
    t1, t2 = F.inner_product_terms(w, ws, Ap, An)
    assert float(t1) == pytest.approx(d @ np.asarray(Ap) @ d) and float(t2) == pytest.approx(d @ np.asarray(An) @ np.asarray(w))
    exp = 0.5 * (d @ np.asarray(Ap) @ d + np.asarray(w) @ np.asarray(An) @ np.asarray(w) + np.asarray(ws) @ np.asarray(As) @ np.asarray(ws))
    assert float(F.loss_from_moments(w, ws, Ap, An, As)) == pytest.approx(exp, rel=1e-15)


def test_one_neuron_loss_and_gradient_from_empirical_moments():
    """k = 1: l(w) and its gradient are exactly the moment formulas for an empirical measure."""
    rng = np.random.default_rng(1)
    zs = rng.normal(size=(50, 3))
    w, ws = jnp.array([0.4, -1.0, 0.7]), jnp.array([1.0, 0.2, -0.3])
    Zs = jnp.asarray(zs[:, None, :])
    Ap, An = F.empirical_moments(w, ws, jnp.asarray(zs))
    As, _ = F.empirical_moments(ws, -w, jnp.asarray(zs))   # A_{w*,-w} = E[ZZ^T 1{w*Z > 0, -wZ > 0}]
    assert float(F.loss_from_moments(w, ws, Ap, An, As)) == pytest.approx(float(F.empirical_loss(w, Zs, ws)), rel=1e-12)
    g = jax.grad(F.empirical_loss)(w, Zs, ws)
    np.testing.assert_allclose(np.asarray(F.population_grad(w, ws, Ap, An)), np.asarray(g), rtol=1e-12)


# ----------------------------------------------------------------------------- geometry
def test_angle_and_arc_moment():
    a, b = jnp.array([1.0, 0.0, 0.0]), jnp.array([1.0, 1.0, 0.0])
    assert float(F.angle(a, 3.0 * b)) == pytest.approx(PI / 4, rel=1e-14)
    assert float(F.angle(a, -b)) == pytest.approx(3 * PI / 4, rel=1e-14)
    assert float(F.angle(jnp.array([0.1, 0.7, 0.3]), jnp.array([0.1, 0.7, 0.3]) * 3.0)) == pytest.approx(0.0, abs=2e-8)
    assert float(F.angle(jnp.array([0.1, 0.7, 0.3]), -jnp.array([0.1, 0.7, 0.3]))) == pytest.approx(PI, abs=1e-7)
    for lo, hi in ((0.3, 1.9), (-2.0, 0.5), (1.0, 4.0)):
        ref = 2 * PI * _wedge_integral(lambda t: 1.0, lo=lo, hi=hi)
        np.testing.assert_allclose(np.asarray(F.arc_moment(lo, hi)), ref, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(F.arc_moment(1.0, 0.5)), np.zeros((2, 2)))


def test_plane_basis():
    a, b = jnp.array([2.0, 0.0, 1.0]), jnp.array([0.3, 1.0, -0.5])
    e1, e2 = F._plane_basis(a, b)
    np.testing.assert_allclose(np.asarray(e1), np.asarray(a) / np.linalg.norm(a), rtol=1e-15)
    assert abs(float(e1 @ e2)) < 1e-15 and float(e2 @ e2) == pytest.approx(1.0, rel=1e-15)
    # b lies in span(e1, e2) with a positive e2 component
    bb = np.asarray(b)
    resid = bb - float(e1 @ b) * np.asarray(e1) - float(e2 @ b) * np.asarray(e2)
    assert np.linalg.norm(resid) < 1e-14 and float(e2 @ b) > 0
    for bpar in (3.0 * a, -a):   # b parallel to a: any unit e2 orthogonal to e1
        e1, e2 = F._plane_basis(a, bpar)
        assert abs(float(e1 @ e2)) < 1e-15 and float(e2 @ e2) == pytest.approx(1.0, rel=1e-14)
    e1, e2 = F._plane_basis(jnp.array([0.0, 1.0]), jnp.array([0.0, 2.0]))
    np.testing.assert_allclose(np.abs(np.asarray(e2)), [1.0, 0.0], atol=1e-15)


@pytest.mark.parametrize("psi", [0.4, PI / 2, 2.3])
@pytest.mark.parametrize("m2", [1.0, 3.0, 2.5])
def test_rot_inv_region_by_quadrature(psi, m2):
    """p = 3, a = 2 e1, b at angle psi in the (e1, e2) plane: in-plane block (2 m2/p)/(2 pi) int over
    the wedge of u u^T; out-of-plane (m2/p) P(wedge) = (m2/p) omega/(2 pi)."""
    p = 3
    a, b = jnp.array([2.0, 0.0, 0.0]), 3.0 * jnp.array([math.cos(psi), math.sin(psi), 0.0])
    ind = lambda t: float(math.cos(t) > 0 and math.cos(t - psi) > 0)  # noqa: E731
    kinks = [PI / 2, 3 * PI / 2, (psi + PI / 2) % (2 * PI), (psi - PI / 2) % (2 * PI)]
    ref = np.zeros((3, 3))
    ref[:2, :2] = (2 * m2 / p) * _wedge_integral(ind, points=kinks)
    ref[2, 2] = (m2 / p) * (PI - psi) / (2 * PI)
    np.testing.assert_allclose(np.asarray(F.rot_inv_region(a, b, m2)), ref, atol=1e-12)
    assert float(jnp.trace(F.rot_inv_region(a, b, m2))) == pytest.approx(m2 * (PI - psi) / (2 * PI), rel=1e-12)
    Ap, An = F.rot_inv_moments(a, b, m2)
    np.testing.assert_allclose(np.asarray(Ap), ref, atol=1e-12)
    np.testing.assert_allclose(np.asarray(An), np.asarray(F.rot_inv_region(a, -b, m2)), atol=1e-15)


def test_gaussian_and_sphere_moments_by_monte_carlo():
    w, ws = jnp.array([1.0, -0.5, 0.3]), jnp.array([0.2, 1.0, 0.4])
    rng = np.random.default_rng(2)
    n = 200_000
    z = rng.normal(size=(n, 3))
    for zz, moments in ((z, F.gaussian_moments), (z / np.linalg.norm(z, axis=1, keepdims=True), F.sphere_moments)):
        a, b = zz @ np.asarray(w), zz @ np.asarray(ws)
        for A, ind in zip(moments(w, ws), ((a > 0) & (b > 0), (a > 0) & (b <= 0))):
            terms = zz[:, :, None] * zz[:, None, :] * ind[:, None, None]
            mean, se = terms.mean(0), terms.std(0, ddof=1) / math.sqrt(n)
            assert np.all(np.abs(np.asarray(A) - mean) < 5 * se + 1e-12)


@pytest.mark.parametrize("phi", [0.0, 0.3, 1.2, PI / 2, 2.5, PI])
def test_rot_inv_constants_are_the_extreme_eigenvalues(phi):
    p, m2 = 3, 2.0
    w, ws = jnp.array([math.cos(phi), math.sin(phi), 0.0]), jnp.array([1.0, 0.0, 0.0])
    Ap, An = F.rot_inv_moments(w, ws, m2)
    ep, en = np.linalg.eigvalsh(np.asarray(Ap)), np.linalg.eigvalsh(np.asarray(An))
    assert float(F.gamma_rot_inv(phi, p, m2)) == pytest.approx(ep[0], abs=1e-12)
    assert float(F.L_rot_inv(phi, p, m2)) == pytest.approx(ep[-1], abs=1e-12)
    assert float(F.cross_lmax_rot_inv(phi, p, m2)) == pytest.approx(en[-1], abs=1e-12)
    assert float(F.cross_lmax_printed(phi)) == pytest.approx((phi + math.sin(phi)) / 2, abs=1e-15)
    s, c = math.sin(phi), math.cos(phi)
    np.testing.assert_allclose(np.asarray(F.cross_matrix_printed(phi)),
                               0.5 * np.array([[phi - s * c, -s * s], [-s * s, phi + s * c]]), atol=1e-15)
    # the printed matrix is the unnormalised arc integral of the cross wedge, lambda_max = printed value
    assert np.linalg.eigvalsh(np.asarray(F.cross_matrix_printed(phi)))[-1] == pytest.approx(float(F.cross_lmax_printed(phi)), abs=1e-12)


def test_beta_rot_inv():
    assert F.beta_rot_inv(2, 1.0) == pytest.approx(1 / (2 * PI), rel=1e-15)
    assert F.beta_rot_inv(5, 5.0) == pytest.approx(1 / PI, rel=1e-15)
    # the sup over phi of cross_lmax / phi is the phi -> 0 limit
    phis = np.linspace(1e-6, PI, 200)
    ratios = [float(F.cross_lmax_rot_inv(ph, 4, 3.0)) / ph for ph in phis]
    assert max(ratios) <= F.beta_rot_inv(4, 3.0) * (1 + 1e-12) and max(ratios) == pytest.approx(F.beta_rot_inv(4, 3.0), rel=1e-9)
    with pytest.raises(InvalidParameter, match="m2 = E\\|\\|Z\\|\\|\\^2 must be > 0"):
        F.beta_rot_inv(2, 0.0)


def test_parameter_checks():
    F._check_p(2); F._check_p(np.int64(7))
    for bad in (1, 2.0, "3"):
        with pytest.raises(InvalidParameter, match="p must be an integer >= 2"):
            F._check_p(bad)
    F._check_phi(0.0); F._check_phi(PI); F._check_phi(np.array([0.0, 1.0, PI]))
    F._check_phi(PI / 2, hi=PI / 2)
    for bad, hi in ((-1e-9, PI), (PI + 1e-9, PI), (PI / 2 + 1e-9, PI / 2), (math.nan, PI), (math.inf, PI)):
        with pytest.raises(InvalidParameter, match="phi must"):
            F._check_phi(bad, hi)
    F._check_sigma(1e-3)
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(InvalidParameter, match="sigma must be a finite number > 0"):
            F._check_sigma(bad)
    F._check_q(0.0); F._check_q(1.0)
    for bad in (-1e-9, 1.0 + 1e-9, math.nan):
        with pytest.raises(InvalidParameter, match="q \\(mass around -w\\*\\) must lie in \\[0, 1\\]"):
            F._check_q(bad)
    F._check_alpha(1e-9); F._check_alpha(1 - 1e-9)
    for bad in (0.0, 1.0, math.nan):
        with pytest.raises(InvalidParameter, match="alpha must lie in \\(0, 1\\)"):
            F._check_alpha(bad)


# ----------------------------------------------------------------------------- Monte Carlo / empirical
def test_region_term_and_empirical_moments_by_hand():
    w, ws = jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])
    zs = jnp.array([[1.0, 1.0], [1.0, -2.0], [-1.0, 1.0], [2.0, 0.0]])
    # region of (w, w*): z1 only; (w, -w*): z2 and z4 (w*.z4 = 0 counts as <= 0)
    p, n = F.region_term(zs[0], w, ws)
    np.testing.assert_array_equal(np.asarray(p), [[1, 1], [1, 1]]) or None
    np.testing.assert_array_equal(np.asarray(n), np.zeros((2, 2)))
    Ap, An = F.empirical_moments(w, ws, zs)
    np.testing.assert_allclose(np.asarray(Ap), np.array([[1, 1], [1, 1]]) / 4, rtol=1e-15)
    np.testing.assert_allclose(np.asarray(An), (np.array([[1, -2], [-2, 4]]) + np.array([[4, 0], [0, 0]])) / 4, rtol=1e-15)


def test_moments_mc_is_the_plain_mean_with_standard_errors():
    sampler = lambda k: jax.random.normal(k, (2,))  # noqa: E731
    w, ws = jnp.array([1.0, 0.3]), jnp.array([-0.2, 1.0])
    (Ap, An), (sp, sn) = F.moments_mc(sampler, jax.random.key(0), w, ws, 64)
    zs = jax.vmap(sampler)(jax.random.split(jax.random.key(0), 64))
    ep, en = F.empirical_moments(w, ws, zs)
    np.testing.assert_allclose(np.asarray(Ap), np.asarray(ep), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(An), np.asarray(en), rtol=1e-14)
    terms = np.asarray(jax.vmap(lambda z: F.region_term(z, w, ws)[0])(zs))
    np.testing.assert_allclose(np.asarray(sp), terms.std(0, ddof=1) / 8.0, rtol=1e-12)
    F.moments_mc(sampler, jax.random.key(0), w, ws, 2)
    with pytest.raises(InvalidParameter, match="n must be >= 2, got 1"):
        F.moments_mc(sampler, jax.random.key(0), w, ws, 1)


def test_patch_averages_by_hand():
    Z = jnp.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    w, ws = jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])
    s1, s2, s3 = F.patch_averages(w, ws, Z)
    np.testing.assert_allclose(np.asarray(s1), [0.25, 0.25])
    np.testing.assert_allclose(np.asarray(s2), [0.25, -0.25])
    np.testing.assert_allclose(np.asarray(s3), [-0.25, 0.25])


def test_patch_gradient_from_moments_equals_autodiff():
    rng = np.random.default_rng(5)
    Zs = jnp.asarray(rng.normal(size=(40, 3, 2)))
    w, ws = jnp.array([0.8, -0.4]), jnp.array([0.3, 1.0])
    P = F.patch_moments(w, ws, Zs)
    g = jax.grad(F.empirical_loss)(w, Zs, ws)
    np.testing.assert_allclose(np.asarray(F.patch_grad_from_moments(w, ws, P)), np.asarray(g), rtol=1e-11, atol=1e-14)
    u = []
    for Z in np.asarray(Zs):   # the patch averages in plain numpy
        a, b = Z @ np.asarray(w), Z @ np.asarray(ws)
        u.append(np.stack([((a > 0) & (b > 0)) @ Z, ((a > 0) & (b <= 0)) @ Z, ((a <= 0) & (b > 0)) @ Z]) / len(Z))
    for key, (i, j) in {"P11": (0, 0), "P22": (1, 1), "P12": (0, 1), "P13": (0, 2), "P23": (1, 2)}.items():
        ref = sum(np.outer(x[i], x[j]) for x in u) / len(u)
        np.testing.assert_allclose(np.asarray(P[key]), ref, rtol=1e-12, atol=1e-15)
    ref = sum(np.linalg.norm(np.asarray(P[k]), 2) for k in ("P12", "P13", "P23"))
    assert float(F.cross_norm(P)) == pytest.approx(ref, rel=1e-12)


# ----------------------------------------------------------------------------- Section 6.4 laws
def test_mixture_angle_sampler_law():
    sigma, q, n = 0.7, 0.3, 8000
    t = np.asarray(jax.vmap(lambda k: F.sample_mixture_angle(k, sigma, q))(jax.random.split(jax.random.key(1), n)))
    neg = t > PI / 2
    assert np.all((t >= -PI / 2) & (t <= 3 * PI / 2))
    assert abs(neg.mean() - q) < 5 * math.sqrt(q * (1 - q) / n)
    tn = truncnorm(-PI / 2 / sigma, PI / 2 / sigma, loc=0.0, scale=sigma)
    for x in (t[~neg], t[neg] - PI):
        assert abs(x.mean()) < 5 * tn.std() / math.sqrt(len(x))
        assert abs(np.mean(x ** 2) - tn.var()) < 5 * np.std(x ** 2) / math.sqrt(len(x))
    z = np.asarray(jax.vmap(lambda k: F.sample_mixture(k, sigma, q, 0.4))(jax.random.split(jax.random.key(1), n)))
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.arctan2(z[:, 1], z[:, 0]), np.angle(np.exp(1j * (t + 0.4))), atol=1e-12)


def test_patch_sampler_law():
    k, sigma, sigma2, n = 3, 0.5, 0.2, 4000
    P = np.asarray(jax.vmap(lambda kk: F.sample_patches(kk, k, sigma, sigma2, 0.5))(jax.random.split(jax.random.key(2), n)))
    assert P.shape == (n, k, 2)
    np.testing.assert_allclose(np.linalg.norm(P, axis=2), 1.0, rtol=1e-14)
    ang = np.arctan2(P[..., 1], P[..., 0])
    # patches of one sample spread around their centre with the truncated N(0, sigma2^2) law:
    # the difference of two patch angles has variance 2 Var(TN)
    diff = np.angle(np.exp(1j * (ang[:, 0] - ang[:, 1])))
    v = truncnorm(-PI / 2 / sigma2, PI / 2 / sigma2, scale=sigma2).var()
    assert abs(np.mean(diff ** 2) - 2 * v) < 5 * np.std(diff ** 2) / math.sqrt(n)
    # centres: half near w*, half near -w*
    near = np.abs(np.angle(np.exp(1j * ang[:, 0]))) < PI / 2
    assert abs(near.mean() - 0.5) < 5 * math.sqrt(0.25 / n)


def _mixture_density(sigma, q):
    tn = truncnorm(-PI / 2 / sigma, PI / 2 / sigma, scale=sigma)

    def dens(t):
        t = (t + PI / 2) % (2 * PI) - PI / 2   # into [-pi/2, 3pi/2)
        return (1 - q) * tn.pdf(t) if t < PI / 2 else q * tn.pdf(t - PI)
    return dens


def test_truncated_normal_pieces():
    for c, sigma in ((0.0, 0.5), (PI, 1.3)):
        ts = np.linspace(c - PI / 2, c + PI / 2, 7)
        ref = truncnorm(-PI / 2 / sigma, PI / 2 / sigma, loc=c, scale=sigma).pdf(ts)
        np.testing.assert_allclose(np.asarray(F._tn_pdf(jnp.asarray(ts), c, sigma)), ref, rtol=1e-12)
        dens = truncnorm(-PI / 2 / sigma, PI / 2 / sigma, loc=c, scale=sigma).pdf
        lo, hi = c - 0.9, c + 0.4
        np.testing.assert_allclose(np.asarray(F._weighted_arc(lo, hi, c, sigma)),
                                   _wedge_integral(lambda t: 1.0, dens=dens, lo=lo, hi=hi), atol=1e-12)
    np.testing.assert_array_equal(np.asarray(F._weighted_arc(1.0, 0.5, 0.0, 0.5)), np.zeros((2, 2)))


@pytest.mark.parametrize("ca,cb,sigma,q", [(0.3, 0.0, 0.5, 0.5), (2.0, 0.0, 0.8, 0.3), (-1.0, 2.9, 0.4, 0.7),
                                           (3.0, -2.5, 1.0, 0.1),
                                           (4.5, 4.0, 0.5, 0.3), (-4.0, -3.5, 0.7, 0.6)])   # angles outside (-pi, pi]
def test_mixture_region_by_quadrature(ca, cb, sigma, q):
    dens = _mixture_density(sigma, q)
    ind = lambda t: float(math.cos(t - ca) > 0 and math.cos(t - cb) > 0)  # noqa: E731
    kinks = [(x + PI / 2) % (2 * PI) - PI / 2 for x in (ca + PI / 2, ca - PI / 2, cb + PI / 2, cb - PI / 2)] + [PI / 2]
    ref = _wedge_integral(ind, dens=dens, lo=-PI / 2, hi=3 * PI / 2, points=kinks)
    np.testing.assert_allclose(np.asarray(F.mixture_region(ca, cb, sigma, q)), ref, atol=1e-10)


def test_mixture_region_is_2pi_periodic():
    ref = np.asarray(F.mixture_region(0.9, -1.2, 0.6, 0.4))
    for sa, sb in ((1, 0), (0, -1), (1, 1), (-1, 0), (0, 2)):   # one turn of ca (the 3 copies of the supports)
        np.testing.assert_allclose(np.asarray(F.mixture_region(0.9 + 2 * PI * sa, -1.2 + 2 * PI * sb, 0.6, 0.4)), ref, atol=1e-12)


def test_mixture_moments_and_swap():
    sigma, q = 0.6, 0.4
    w, ws = jnp.array([math.cos(0.7), math.sin(0.7)]) * 2.0, jnp.array([1.0, 0.0]) * 0.5
    Ap, An = F.mixture_moments(w, ws, sigma, q)
    np.testing.assert_allclose(np.asarray(Ap), np.asarray(F.mixture_region(0.7, 0.0, sigma, q)), atol=1e-15)
    np.testing.assert_allclose(np.asarray(An), np.asarray(F.mixture_region(0.7, PI, sigma, q)), atol=1e-15)
    np.testing.assert_allclose(np.asarray(F.mixture_swap_neg(w, ws, sigma, q)),
                               np.asarray(F.mixture_region(0.0, 0.7 + PI, sigma, q)), atol=1e-15)
    assert float(F._ang2(jnp.array([-1.0, 1.0]))) == pytest.approx(3 * PI / 4)
    # total: A_{w,w*} + A_{w,-w*} = E[ZZ^T 1{w.Z > 0}]; over w and -w it is E[ZZ^T] (trace 1)
    Ap2, An2 = F.mixture_moments(-w, ws, sigma, q)
    assert float(jnp.trace(Ap + An + Ap2 + An2)) == pytest.approx(1.0, rel=1e-12)


def test_eig2_and_opnorm2():
    M = jnp.array([[2.0, 0.7], [0.3, -1.0]])
    sym = 0.5 * (np.asarray(M) + np.asarray(M).T)
    np.testing.assert_allclose(np.asarray(F.eig2(M)), np.linalg.eigvalsh(sym), rtol=1e-14)
    assert float(F.opnorm2(M)) == pytest.approx(np.linalg.norm(np.asarray(M), 2), rel=1e-14)


def test_mixture_constants_against_a_grid_search():
    sigma, phi0, q, n = 0.5, 0.8, 0.5, 16
    out = F.mixture_constants(sigma, phi0, q, n_grid=n)
    ws = jnp.array([1.0, 0.0])

    mm = jax.jit(lambda th: F.mixture_moments(jnp.array([jnp.cos(th), jnp.sin(th)]), ws, sigma, q))

    def eigs(th):
        Ap, An = mm(th)
        return np.linalg.eigvalsh(np.asarray(Ap)), np.linalg.eigvalsh(np.asarray(An))
    th = np.linspace(0, phi0, n)
    ep = [eigs(t) for t in th]
    em = [eigs(-t) for t in th]
    gam = [min(a[0][0], b[0][0]) for a, b in zip(ep, em)]
    Ls = [max(a[0][1], b[0][1]) for a, b in zip(ep, em)]
    tb = np.linspace(1e-4, PI / 2, n)
    beta = max(max(eigs(t)[1][1], eigs(-t)[1][1]) / t for t in tb)
    assert out["gamma"] == pytest.approx(min(gam), rel=1e-9)
    assert out["L"] == pytest.approx(max(Ls), rel=1e-9)
    assert out["gamma_phi0"] == pytest.approx(gam[-1], rel=1e-9)
    assert out["L0"] == pytest.approx(Ls[0], rel=1e-9)
    assert out["beta"] == pytest.approx(beta, rel=1e-9)
    step = min(g / (2 * (l + 4 * beta) ** 2) for g, l in zip(gam, Ls))
    assert out["step"] == pytest.approx(step, rel=1e-9)
    with pytest.raises(InvalidParameter, match="phi must lie in \\[0, 1.5708\\]"):
        F.mixture_constants(sigma, 2.0)


# ----------------------------------------------------------------------------- exact constants, empirical 2-D
def test_breakpoints_2d_by_hand():
    Zs = np.array([[[1.0, 1.0]], [[0.0, -1.0]]])   # patch angles pi/4 and -pi/2
    # boundaries: pi/4 +- pi/2 = 3pi/4, -pi/4;  -pi/2 +- pi/2 = 0, -pi  (mod 2 pi)
    np.testing.assert_allclose(F.breakpoints_2d(Zs, 1.0, PI / 2), [0.0, PI / 2])
    np.testing.assert_allclose(F.breakpoints_2d(Zs, 1.0, PI), [0.0, 3 * PI / 4, PI])
    np.testing.assert_allclose(F.breakpoints_2d(Zs, -1.0, PI / 2), [0.0, PI / 4, PI / 2])


def _constants_bruteforce(Zs, phi0, n=4000):
    ws = jnp.array([1.0, 0.0])
    res = {"gamma": np.inf, "L": 0.0, "beta": 0.0, "L_cross": 0.0}
    grid = np.linspace(1e-7, PI / 2, n)
    for sign in (1.0, -1.0):
        out = F._constants_at(jnp.asarray(sign * grid), jnp.asarray(Zs), ws)
        lo, lmax, bn, cn = (np.asarray(x) for x in out)
        inside = grid <= phi0
        res["gamma"] = min(res["gamma"], lo[inside].min())
        res["L"] = max(res["L"], lmax[inside].max())
        res["beta"] = max(res["beta"], (bn / grid).max())
        res["L_cross"] = max(res["L_cross"], (cn / grid).max())
    return res


def test_constants_2d_against_a_fine_grid():
    rng = np.random.default_rng(7)
    ang = rng.uniform(-PI / 2 + 0.3, PI / 2 - 0.3, size=(6, 2))   # patches in the half-plane of w*
    ang[4:] += PI   # and two samples around -w*
    Zs = np.stack([np.cos(ang), np.sin(ang)], axis=-1)
    phi0 = 0.9
    out = F.constants_2d(Zs, phi0)
    ref = _constants_bruteforce(Zs, phi0)
    P11 = F.patch_moments(jnp.array([1.0, 0.0]), jnp.array([1.0, 0.0]), jnp.asarray(Zs))["P11"]
    assert out["gamma"] <= ref["gamma"] + 1e-12 and out["gamma"] == pytest.approx(ref["gamma"], rel=1e-9)
    assert out["L"] >= ref["L"] - 1e-12 and out["L"] == pytest.approx(ref["L"], rel=1e-9)
    assert out["L"] >= np.linalg.eigvalsh(np.asarray(P11))[-1] - 1e-12
    for key in ("beta", "L_cross"):   # sups of c/theta: the grid approaches them from below
        assert ref[key] <= out[key] * (1 + 1e-9) and out[key] == pytest.approx(ref[key], rel=2e-3)
    assert out["gamma_phi0"] >= out["gamma"] - 1e-15


def test_constants_2d_validation():
    with pytest.raises(InvalidParameter, match="Zs must have shape \\(n, k, 2\\)"):
        F.constants_2d(np.zeros((3, 2)), 0.5)
    with pytest.raises(InvalidParameter, match="Zs must hold at least one sample"):
        F.constants_2d(np.zeros((0, 1, 2)), 0.5)
    with pytest.raises(InvalidParameter, match="phi must"):
        F.constants_2d(np.ones((2, 1, 2)), 1.6)


# ----------------------------------------------------------------------------- GD and bounds
def test_gd_matches_a_python_loop():
    grad = lambda w: jnp.array([2.0, -1.0]) * w + jnp.array([0.5, 0.1])  # noqa: E731
    ws = np.asarray(F.gd(grad, jnp.array([1.0, 2.0]), 0.1, 4))
    assert ws.shape == (5, 2)
    w, ref = np.array([1.0, 2.0]), [np.array([1.0, 2.0])]
    for _ in range(4):
        w = w - 0.1 * (np.array([2.0, -1.0]) * w + np.array([0.5, 0.1]))
        ref.append(w)
    np.testing.assert_allclose(ws, np.stack(ref), rtol=1e-14)


def test_rates_and_steps_by_hand():
    assert F.rate_bound_thm62(0.2, 0.5) == pytest.approx(0.95, rel=1e-15)
    assert F.rate_bound_thm63(0.2, 0.5, 0.05) == pytest.approx(1 - 0.2 * (0.5 - 0.3) / 2, rel=1e-15)
    assert F.step_thm63(1.0, 2.0, 0.1, 0.25) == pytest.approx(0.4 / (2 * 16.0), rel=1e-15)
    assert F.init_bound(2, 0.1) == pytest.approx(0.5 - 0.1 * math.sqrt(1 / PI), rel=1e-15)
    assert F.cor61_bound(8, 0.2) == pytest.approx(0.5 - 0.2 * math.sqrt(8 / (2 * PI)), rel=1e-15)
    with pytest.raises(InvalidParameter, match="alpha"):
        F.init_bound(2, 1.0)
    with pytest.raises(InvalidParameter, match="p must be an integer >= 2"):
        F.init_bound(1, 0.5)
    assert float(F.thm65_printed_bound(0.3, PI / 3)) == pytest.approx(0.3 - 4 * 0.5, rel=1e-14)
    assert float(F.thm65_corrected_bound(0.25, 0.04)) == pytest.approx(0.09, rel=1e-14)
    assert float(F.thm65_corrected_bound(0.04, 0.25)) == 0.0
    assert float(F.thm65_corrected_bound(-0.1, 0.0)) == 0.0


@pytest.mark.parametrize("p,alpha", [(2, 0.3), (5, 0.2), (3, 0.8)])
def test_init_success_prob_by_monte_carlo(p, alpha):
    n = 200_000
    rng = np.random.default_rng(p)
    g = rng.normal(size=(n, p))
    w0 = alpha * rng.uniform(size=(n, 1)) ** (1 / p) * g / np.linalg.norm(g, axis=1, keepdims=True)
    e1 = np.zeros(p); e1[0] = 1.0
    hit = np.linalg.norm(w0 - e1, axis=1) <= math.sqrt(1 - alpha * alpha)
    exact = F.init_success_prob(p, alpha)
    assert abs(hit.mean() - exact) < 5 * math.sqrt(exact * (1 - exact) / n)
    assert exact >= F.init_bound(p, alpha) - 1e-12


def test_sample_ball_law():
    p, rad, n = 3, 2.0, 4000
    xs = np.asarray(jax.vmap(lambda k: F.sample_ball(k, p, rad))(jax.random.split(jax.random.key(9), n)))
    r = np.linalg.norm(xs, axis=1)
    assert r.max() <= rad * (1 + 1e-14) and r.max() > 0.95 * rad
    assert abs(((r / rad) ** p).mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    np.testing.assert_allclose(xs.T @ xs / n, rad * rad / (p + 2) * np.eye(p), atol=6 * rad * rad / math.sqrt(n))


def test_straddle_fraction_by_hand():
    w, ws = jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])
    Zs = jnp.array([
        [[1.0, 1.0], [1.0, 1.0]],     # all inside S: no straddle
        [[1.0, 1.0], [1.0, -0.5]],    # mean (1, 0.25) inside, one patch outside: straddle
        [[-1.0, 1.0], [-1.0, 2.0]],   # all outside
        [[2.0, 1.0], [-1.0, 1.0]],    # mean (0.5, 1) inside, one patch outside: straddle
        [[-1.0, 1.0], [3.0, 1.0]],    # mean (1, 1) inside, the first patch outside: straddle
    ])
    assert float(F.straddle_fraction(w, ws, Zs)) == pytest.approx(0.6, rel=1e-15)


def test_straddle_family():
    rho, m, h, n = 0.2, 0.25, 0.5, 40
    Zs = np.asarray(F.straddle_family(rho, m, h, n=n, eps_frac=0.5))
    assert Zs.shape == (n, 2, 2)
    np.testing.assert_allclose(np.linalg.norm(Zs, axis=2), 1.0, rtol=1e-14)
    ang = np.arctan2(Zs[..., 1], Zs[..., 0])
    ns = 30
    np.testing.assert_allclose(ang[:ns, 0], ang[:ns, 1], atol=1e-15)
    np.testing.assert_allclose(ang[:ns, 0], np.linspace(-h, h, ns), atol=1e-14)
    a = PI / 2 - 0.5 * rho
    np.testing.assert_allclose(ang[ns:, 0], a - rho, atol=1e-14)
    np.testing.assert_allclose(ang[ns:, 1], a + rho, atol=1e-14)
    assert np.asarray(F.straddle_family(rho, 0.0, h, n=8)).shape == (8, 2, 2)
    for args, needle in (((0.0, m, h), "rho must lie in \\(0, 0.5\\)"), ((0.5, m, h), "rho"),
                         ((rho, -0.1, h), "m must lie in \\[0, 1\\)"), ((rho, 1.0, h), "m must"),
                         ((rho, m, 0.0), "h must lie in \\(0, pi/2\\)"), ((rho, m, PI / 2), "h must")):
        with pytest.raises(InvalidParameter, match=needle):
            F.straddle_family(*args)
