"""analytic.cnn_fast against the brute-force references of analytic.cnn (chapter 5 simulations).

* the 5-scalar dynamics reproduces the full-dimensional Algorithm 1 trajectory (float64 round-off);
* the invariant-set classification of a few hundred runs equals the classification of the same runs
  followed to convergence in full dimension (analytic.cnn.run_gd, vmapped);
* the projection sampler and its gradient agree with the closed forms and with the brute-force sampler;
* the reduced init sampler has the law of the projected full-dimensional init;
* bad input raises InvalidParameter naming the constraint.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic  # noqa: F401
from analytic import cnn, cnn_fast
from analytic.errors import InvalidParameter
from verify import mc, tolerance

PI = math.pi


def _full_problem(seed, k, p, ratio, n, ws=1.0):
    w, a_s = cnn_fast.full_teacher(jax.random.key(seed), k, p, ratio, 1.0, ws)
    v, a = cnn_fast.init_full(jax.random.key(seed + 1), k, p, cnn_fast.init_radius(a_s, w), n=n)
    return np.asarray(w), np.asarray(a_s), np.asarray(v), np.asarray(a)


def test_reduced_trajectory_matches_full():
    k, p = 20, 25
    w, a_s, v, a = _full_problem(3, k, p, 4.0, 1, ws=1.7)
    st0, prob, Qv, Qa = cnn_fast.reduce(v[0], a[0], w, a_s)
    eta = cnn_fast.default_eta(k)
    fin, tr = cnn_fast.run_reduced(st0, eta, prob, 300)
    vf, af, trf = cnn.run_gd(jnp.asarray(v[0]), jnp.asarray(a[0]), eta, jnp.asarray(w), jnp.asarray(a_s), 300)
    tr, trf = np.asarray(tr), np.asarray(trf)
    # columns: phi, a.a*, 1.a, ||v||, loss
    scale = 1 + np.abs(trf)
    assert np.all(np.abs(tr[:, :5] - trf) <= tolerance.roundoff_tol(scale, 4096)), np.max(np.abs(tr[:, :5] - trf))
    v2, a2 = cnn_fast.lift(fin, Qv, Qa)
    assert np.allclose(v2, np.asarray(vf), rtol=0, atol=1e-11) and np.allclose(a2, np.asarray(af), rtol=0, atol=1e-11)


@pytest.mark.parametrize("ratio", [1.0, 9.0])
def test_classification_matches_full_dimensional_runs(ratio):
    """A few hundred runs: reduced + invariant-set stop vs full-dimensional run_gd to convergence."""
    k, p, n, steps = 25, 6, 192, 3000
    w, a_s, v, a = _full_problem(11 + int(ratio), k, p, ratio, n)
    eta = cnn_fast.default_eta(k)
    states, prob = [], None
    for i in range(n):
        st0, pr, _, _ = cnn_fast.reduce(v[i], a[i], w, a_s)
        states.append(np.asarray(st0))
        prob = pr if prob is None else prob
    # the teacher's coordinates (c, s) depend on the run only through the basis of a0: batch them
    probs = [cnn_fast.reduce(v[i], a[i], w, a_s)[1] for i in range(n)]
    P = cnn_fast.Problem(*(np.stack([np.asarray(getattr(q, f)) for q in probs]) for f in cnn_fast.Problem._fields))
    lab, nsteps, _ = cnn_fast.classify(np.stack(states), eta, P)
    assert np.all(lab != cnn_fast.UNDECIDED)

    run = jax.jit(jax.vmap(lambda v0, a0: cnn.run_gd(v0, a0, eta, jnp.asarray(w), jnp.asarray(a_s), steps)[2][-1]))
    fin = np.asarray(run(jnp.asarray(v), jnp.asarray(a)))
    phi_T = fin[:, 0]
    full_lab = np.where(phi_T < 1e-6, cnn_fast.GLOBAL, np.where(phi_T > PI - 0.2, cnn_fast.SPURIOUS, -1))
    assert np.all(full_lab >= 0), f"full runs not settled: {phi_T[full_lab < 0]}"
    assert np.array_equal(lab, full_lab), np.nonzero(lab != full_lab)
    assert 0 < np.mean(lab == cnn_fast.GLOBAL) <= 1


def test_ratio_zero_is_a_coin_flip_on_phi0():
    prob = cnn_fast.teacher_for_ratio(25, 0.0)
    st = np.asarray(cnn_fast.init_reduced(jax.random.key(5), prob, 6, 512))
    assert np.all(st[:, 2:] == 0)  # radius |1.a*|/sqrt(k) = 0
    lab, _, _ = cnn_fast.classify(st, cnn_fast.default_eta(25), prob)
    phi0 = np.arctan2(np.abs(st[:, 1]), st[:, 0])
    assert np.array_equal(lab == cnn_fast.GLOBAL, phi0 < PI / 2)


def test_init_reduced_has_the_law_of_the_projected_full_init():
    k, p, n = 9, 6, 4000
    prob = cnn_fast.teacher_for_ratio(k, 4.0)
    red = np.asarray(cnn_fast.init_reduced(jax.random.key(1), prob, p, n))
    # full: project v on w* = e1 and a on (1/sqrt k, u) with the teacher of the same ratio
    w, a_s = cnn_fast.full_teacher(jax.random.key(2), k, p, 4.0)
    v, a = cnn_fast.init_full(jax.random.key(3), k, p, cnn_fast.init_radius(a_s, w), n=n)
    v, a, w, a_s = (np.asarray(x) for x in (v, a, w, a_s))
    cos_full = v @ w
    e1 = np.ones(k) / math.sqrt(k)
    u = a_s - (a_s @ e1) * e1
    u /= np.linalg.norm(u)
    stats_full = [cos_full, a @ e1, a @ u, np.linalg.norm(a, axis=1)]
    stats_red = [red[:, 0], red[:, 2], red[:, 3], np.linalg.norm(red[:, 2:], axis=1)]
    z = tolerance.z_threshold(1e-6, 2 * len(stats_full))
    for f, r in zip(stats_full, stats_red):  # means and second moments agree within z * se
        for fn in (lambda x: x, lambda x: x * x):
            a1, a2 = fn(f), fn(r)
            se = math.sqrt(a1.var() / n + a2.var() / n)
            assert abs(a1.mean() - a2.mean()) <= z * se


def test_projection_sampler_matches_closed_form_and_brute_force():
    k, p = 6, 5
    key = jax.random.key(0)
    ks = jax.random.split(key, 4)
    par = {"v": jax.random.normal(ks[0], (p,)), "a": jax.random.normal(ks[1], (k,)),
           "w_star": 1.5 * jax.random.normal(ks[2], (p,)), "a_star": jax.random.normal(ks[3], (k,))}
    exact = float(cnn.population_loss(par["v"], par["a"], par["w_star"], par["a_star"]))
    n = 200_000
    ef = mc.estimate(cnn_fast.sample_loss_fast_p, jax.random.key(1), par, n)
    eb = mc.estimate(cnn_fast.sample_loss_brute_p, jax.random.key(2), par, n)
    z = tolerance.z_threshold(1e-6, 3)
    assert abs(float(ef.mean) - exact) <= z * float(ef.se)
    assert abs(float(eb.mean) - exact) <= z * float(eb.se)
    assert abs(float(ef.mean) - float(eb.mean)) <= z * math.hypot(float(ef.se), float(eb.se))
    ee = mc.estimate(cnn_fast.sample_loss_erfinv_p, jax.random.key(4), par, n)
    assert abs(float(ee.mean) - exact) <= z * float(ee.se)

    def g_sample(key, q):
        return cnn_fast.sample_grad_fast(key, q["v"], q["a"], q["w_star"], q["a_star"])
    eg = mc.estimate(g_sample, jax.random.key(3), par, n)
    gv, ga = cnn.population_grad(par["v"], par["a"], par["w_star"], par["a_star"])
    mean = np.concatenate([np.asarray(eg.mean[0]), np.asarray(eg.mean[1])])
    se = np.concatenate([np.asarray(eg.se[0]), np.asarray(eg.se[1])])
    exp = np.concatenate([np.asarray(gv), np.asarray(ga)])
    zt = tolerance.z_threshold(1e-6, exp.size)
    assert np.all(np.abs(mean - exp) <= tolerance.mc_tolerance(se, exp, zt)), (mean, exp, se)


def test_projection_sampler_batched():
    k, p, b = 4, 3, 8
    ks = jax.random.split(jax.random.key(7), 4)
    par = {"v": jax.random.normal(ks[0], (b, p)), "a": jax.random.normal(ks[1], (b, k)),
           "w_star": jax.random.normal(ks[2], (b, p)), "a_star": jax.random.normal(ks[3], (b, k))}
    est = mc.estimate(cnn_fast.sample_loss_fast_p, jax.random.key(1), par, 50_000, batched=True)
    exact = np.asarray(jax.vmap(cnn.population_loss)(par["v"], par["a"], par["w_star"], par["a_star"]))
    zt = tolerance.z_threshold(1e-6, b)
    assert np.all(np.abs(np.asarray(est.mean) - exact) <= zt * np.asarray(est.se))


def test_table_cell_is_monotone_and_matches_published_corner():
    g, s, u, _ = cnn_fast.table_counts(jax.random.key(0), 300, ks=(25, 100), ratios=(1, 25))
    assert u.sum() == 0
    p_hat = g / 300
    assert p_hat[0, 1] == 1.0  # k=25, ratio 25 (a* parallel to 1): published 1
    assert p_hat[1, 1] > p_hat[1, 0]  # monotone in the ratio


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, msg", [
    (lambda: cnn_fast.teacher_for_ratio(0, 1.0), "k (number of patches) must be an integer >= 1"),
    (lambda: cnn_fast.teacher_for_ratio(5, float("nan")), "ratio"),
    (lambda: cnn_fast.teacher_for_ratio(5, 6.0), "ratio"),
    (lambda: cnn_fast.teacher_for_ratio(5, 1.0, norm_a=float("nan")), "||a*||"),
    (lambda: cnn_fast.full_teacher(jax.random.key(0), 5, 1, 1.0), "p (patch dimension) must be an integer >= 2"),
    (lambda: cnn_fast.reduce(np.ones(3), np.ones(4), np.ones(2), np.ones(4)), "same dimension p"),
    (lambda: cnn_fast.reduce(np.ones(3), np.ones(4), np.ones(3), np.ones(5)), "same dimension k"),
    (lambda: cnn_fast.reduce(np.array([1.0, np.nan, 0.0]), np.ones(4), np.ones(3), np.ones(4)), "finite"),
    (lambda: cnn_fast.reduce(np.zeros(3), np.ones(4), np.ones(3), np.ones(4)), "non-zero"),
    (lambda: cnn_fast.classify(np.zeros((3, 4)), 0.1, cnn_fast.teacher_for_ratio(5, 1.0)), "shape (n, 5)"),
    (lambda: cnn_fast.classify(np.full((3, 5), np.nan), 0.1, cnn_fast.teacher_for_ratio(5, 1.0)), "finite"),
    (lambda: cnn_fast.classify(np.ones((3, 5)), 2.0, cnn_fast.teacher_for_ratio(5, 1.0)), "Lemma 5.4"),
    (lambda: cnn_fast.classify(np.ones((3, 5)), float("nan"), cnn_fast.teacher_for_ratio(5, 1.0)), "eta"),
    (lambda: cnn_fast.table_counts(jax.random.key(0), 0), "n (inits per cell)"),
    (lambda: cnn_fast.table_counts(jax.random.key(0), 10, eta_factor=1.5), "eta_factor"),
])
def test_bad_input(call, msg):
    with pytest.raises(InvalidParameter, match=None) as ei:
        call()
    assert msg in str(ei.value), str(ei.value)
