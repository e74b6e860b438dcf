"""Value pins for analytic/cnn_fast.py (chapter 5 fast paths), against independent references.

Written to kill mutants (ci/mutation.sh): each projection-sampler draw is recomputed by hand from
the same normals; the reduced dynamics is compared with the full-dimensional closed forms of
analytic/cnn.py (pinned in tests/test_analytic_pins_cnn.py) projected onto the bases; the invariant-set
classification against a plain-Python loop over ``reduced_step`` / the docstring's conditions; the
samplers by Monte Carlo; constants, tables and validation at their boundaries.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic  # noqa: F401  (float64)
from analytic import cnn, cnn_fast as CF, fastrng
from analytic.errors import InvalidParameter

PI = math.pi
V0, A0 = np.array([0.7, -1.3, 0.4]), np.array([0.5, -0.2, 1.1, 0.3])
WS, AS = np.array([1.2, 0.3, -0.9]), np.array([0.8, 1.5, -0.6, 0.2])


def _j(*xs):
    return tuple(jnp.asarray(x) for x in xs)


def _proj(v, w_star):
    w = v / np.linalg.norm(v)
    c = float(w @ w_star)
    perp = w_star - c * w
    return w, c, float(np.linalg.norm(perp)), perp / np.linalg.norm(perp)


# ----------------------------------------------------------------------------- projection sampler
def test_span():
    w, c, sp, e2 = CF._span(*_j(V0, WS))
    rw, rc, rsp, re2 = _proj(V0, WS)
    np.testing.assert_allclose(np.asarray(w), rw, rtol=1e-15)
    assert float(c) == pytest.approx(rc, rel=1e-14) and float(sp) == pytest.approx(rsp, rel=1e-14)
    np.testing.assert_allclose(np.asarray(e2), re2, rtol=1e-13)
    _, c, sp, e2 = CF._span(jnp.array([2.0, 0.0]), jnp.array([-3.0, 0.0]))   # w* parallel to v
    assert float(c) == -3.0 and float(sp) == 0.0 and np.all(np.asarray(e2) == 0.0)


def test_sample_loss_draws_by_hand():
    key = jax.random.key(3)
    k = len(A0)
    _, c, sp, _ = _proj(V0, WS)
    u, t = (np.asarray(x) for x in fastrng.normal_pairs(key, (k,)))
    r = A0 @ np.maximum(u, 0) - AS @ np.maximum(c * u + sp * t, 0)
    assert float(CF.sample_loss_fast(key, *_j(V0, A0, WS, AS))) == pytest.approx(0.5 * r * r, rel=1e-12)
    p = dict(zip(("v", "a", "w_star", "a_star"), _j(V0, A0, WS, AS)))
    assert float(CF.sample_loss_fast_p(key, p)) == pytest.approx(0.5 * r * r, rel=1e-12)
    z = np.asarray(jax.random.normal(key, (2, k), dtype=jnp.float64))
    r = A0 @ np.maximum(z[0], 0) - AS @ np.maximum(c * z[0] + sp * z[1], 0)
    assert float(CF.sample_loss_erfinv(key, *_j(V0, A0, WS, AS))) == pytest.approx(0.5 * r * r, rel=1e-12)
    assert float(CF.sample_loss_erfinv_p(key, p)) == pytest.approx(0.5 * r * r, rel=1e-12)
    Z = jax.random.normal(key, (k, len(V0)), dtype=jnp.float64)
    assert float(CF.sample_loss_brute_p(key, p)) == pytest.approx(float(cnn.sample_loss(*_j(V0, A0), Z, *_j(WS, AS))), rel=1e-14)


def test_sample_grad_draw_by_hand():
    key = jax.random.key(4)
    k = len(A0)
    w, c, sp, e2 = _proj(V0, WS)
    u, t = (np.asarray(x) for x in fastrng.normal_pairs(key, (k,)))
    h = np.maximum(u, 0)
    r = A0 @ h - AS @ np.maximum(c * u + sp * t, 0)
    gv, ga = CF.sample_grad_fast(key, *_j(V0, A0, WS, AS))
    np.testing.assert_allclose(np.asarray(ga), r * h, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.asarray(gv), (r / np.linalg.norm(V0)) * ((A0 * (u > 0)) @ t) * e2, rtol=1e-12, atol=1e-15)


def test_samplers_are_unbiased_for_the_closed_forms():
    n = 10_000
    keys = jax.random.split(jax.random.key(5), n)
    args = _j(V0, A0, WS, AS)
    exact = float(cnn.population_loss(*args))
    for fn in (CF.sample_loss_fast, CF.sample_loss_erfinv):
        d = np.asarray(jax.vmap(lambda kk: fn(kk, *args))(keys))
        assert abs(d.mean() - exact) < 5 * d.std(ddof=1) / math.sqrt(n)
    gv, ga = jax.vmap(lambda kk: CF.sample_grad_fast(kk, *args))(keys)
    ev, ea = (np.asarray(x) for x in cnn.population_grad(*args))
    for g, e in ((np.asarray(gv), ev), (np.asarray(ga), ea)):
        assert np.all(np.abs(g.mean(0) - e) < 5 * g.std(0, ddof=1) / math.sqrt(n) + 1e-15)


# ----------------------------------------------------------------------------- reduced dynamics
def test_qr_basis():
    cols = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])   # rank 2 (col3 = col1 + col2)
    Q = CF._qr_basis(cols, 3)
    assert Q.shape == (4, 3)
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-14)           # padded with a third direction
    np.testing.assert_allclose(Q[:, :2] @ (Q[:, :2].T @ cols), cols, atol=1e-14)
    np.testing.assert_allclose(Q[:, 0], cols[:, 0] / math.sqrt(2), rtol=1e-15)
    Q2 = CF._qr_basis(np.array([[1.0, 1.0], [1.0, -1.0]]), 3)               # width > n: zero column
    assert Q2.shape == (2, 3) and np.all(Q2[:, 2] == 0)
    np.testing.assert_allclose(Q2[:, :2].T @ Q2[:, :2], np.eye(2), atol=1e-15)
    Q3 = CF._qr_basis(np.zeros((3, 2)), 2)
    np.testing.assert_allclose(Q3, np.eye(3)[:, :2])
    Q4 = CF._qr_basis(np.array([[1.0, 1e-13], [0.0, 1e-13]]), 2)   # tiny second column: dropped, padded with e2
    np.testing.assert_allclose(np.abs(Q4), np.eye(2), atol=1e-15)


def test_reduce_lift_roundtrip_and_problem():
    st, prob, Qv, Qa = CF.reduce(V0, A0, WS, AS)
    v, a = CF.lift(st, Qv, Qa)
    np.testing.assert_allclose(v, V0, atol=1e-14)
    np.testing.assert_allclose(a, A0, atol=1e-14)
    assert float(st[1]) >= 0
    np.testing.assert_allclose(Qv[:, 0], WS / np.linalg.norm(WS), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(prob.c), Qa.T @ np.ones(4), atol=1e-14)
    np.testing.assert_allclose(np.asarray(prob.s), Qa.T @ AS, atol=1e-14)
    assert float(prob.ws) == pytest.approx(np.linalg.norm(WS)) and float(prob.k) == 4.0
    assert float(CF.phi_of(st)) == pytest.approx(float(cnn.angle(*_j(V0, WS))), abs=1e-13)
    # a v0 whose perpendicular part points the "negative" way is re-oriented (y >= 0)
    st2, _, Qv2, _ = CF.reduce(-V0 + 2 * WS, A0, WS, AS)
    assert float(st2[1]) > 0
    np.testing.assert_allclose(Qv2 @ np.asarray(st2[:2]), -V0 + 2 * WS, atol=1e-14)


def test_reduced_grad_stats_and_trajectory_match_the_full_closed_forms():
    st, prob, Qv, Qa = CF.reduce(V0, A0, WS, AS)
    gv, ga = (np.asarray(x) for x in cnn.population_grad(*_j(V0, A0, WS, AS)))
    np.testing.assert_allclose(np.asarray(CF.reduced_grad(st, prob)), np.concatenate([Qv.T @ gv, Qa.T @ ga]), atol=1e-13)
    eta = 0.15
    st1 = CF.reduced_step(st, eta, prob)
    np.testing.assert_allclose(np.asarray(st1), np.asarray(st) - eta * np.asarray(CF.reduced_grad(st, prob)), rtol=1e-15)
    ws = np.linalg.norm(WS)
    exp = [float(cnn.angle(*_j(V0, WS))), A0 @ AS, A0.sum(), np.linalg.norm(V0), float(cnn.population_loss(*_j(V0, A0, WS, AS))),
           np.linalg.norm(A0 - ws * AS), abs(A0.sum() - ws * AS.sum())]
    np.testing.assert_allclose(np.asarray(CF.reduced_stats(st, prob)), exp, rtol=1e-12, atol=1e-13)
    assert CF.STAT_NAMES == ("phi", "a.a*", "1.a", "||v||", "loss", "||a-a*||", "|1.a-1.a*|")
    fin, tr = CF.run_reduced(st, eta, prob, 4)
    tr = np.asarray(tr)
    assert tr.shape == (5, 7)
    s = st
    for i in range(5):
        np.testing.assert_allclose(tr[i], np.asarray(CF.reduced_stats(s, prob)), rtol=1e-13, atol=1e-14)
        if i < 4:
            s = CF.reduced_step(s, eta, prob)
    np.testing.assert_allclose(np.asarray(fin), np.asarray(s), rtol=1e-14)


def _decide_ref(st, c, s, ws, k):
    x, y, A = st[0], st[1], st[2:]
    phi = math.atan2(abs(y), x)
    aas, one_as, ss = A @ s, c @ s, s @ s
    y1 = (A @ c) * one_as
    g = (PI - phi) * math.cos(phi) + math.sin(phi)
    if aas > 0 and phi < PI / 2 and y1 <= ws * one_as ** 2:
        return CF.GLOBAL
    if (aas < 0 and phi > PI / 2 and y1 >= ws * (k - 1) / (k + PI - 1) * one_as ** 2
            and g <= 1 - PI * one_as ** 2 / ((k + PI - 1) * ss)):
        return CF.SPURIOUS
    return CF.UNDECIDED


def test_decide_against_the_stated_conditions():
    assert (CF.GLOBAL, CF.SPURIOUS, CF.UNDECIDED) == (0, 1, 2)
    rng = np.random.default_rng(0)
    k = 5
    prob = CF.teacher_for_ratio(k, 2.0, 1.3, ws=1.4)
    c, s = np.asarray(prob.c), np.asarray(prob.s)
    sts = rng.normal(size=(3000, 5)) * np.array([1.0, 1.0, 2.0, 2.0, 2.0])
    got = np.asarray(jax.vmap(lambda z: CF.decide(z, prob))(jnp.asarray(sts)))
    ref = np.array([_decide_ref(z, c, s, 1.4, k) for z in sts])
    np.testing.assert_array_equal(got, ref)
    assert min(np.sum(ref == lab) for lab in (0, 1, 2)) > 20   # every label occurs


def _classify_ref(states, eta, prob, max_steps):
    labels, steps, out = [], [], []
    step = jax.jit(lambda z: CF.reduced_step(z, eta, prob))
    dec = jax.jit(lambda z: CF.decide(z, prob))
    for st in states:
        st = jnp.asarray(st)
        lab, n = int(dec(st)), 0
        while lab == CF.UNDECIDED and n < max_steps:
            st = step(st)
            n += 1
            lab = int(dec(st))
        labels.append(lab); steps.append(n); out.append(np.asarray(st))
    return np.array(labels), np.array(steps), np.stack(out)


def test_classify_matches_a_python_loop():
    k = 6
    prob = CF.teacher_for_ratio(k, 3.0)
    eta = CF.default_eta(k)
    states = np.asarray(CF.init_reduced(jax.random.key(2), prob, 4, 20))
    msgs = []
    lab, steps, fin = CF.classify(states, eta, prob, max_steps=5000, block=8, progress=msgs.append)
    rl, rs, rf = _classify_ref(states, eta, prob, 5000)
    np.testing.assert_array_equal(lab, rl)
    np.testing.assert_array_equal(steps, rs)
    np.testing.assert_allclose(fin, rf, rtol=1e-12, atol=1e-14)
    assert np.all(lab != CF.UNDECIDED) and steps.max() > 8 and msgs and msgs[0].startswith("8 steps")
    # a step cap: runs that need more than 3 steps stay undecided, after exactly 3 steps
    lab3, steps3, _ = CF.classify(states, eta, prob, max_steps=3, block=8)
    np.testing.assert_array_equal(lab3, np.where(rs <= 3, rl, CF.UNDECIDED))
    np.testing.assert_array_equal(steps3, np.minimum(rs, 3))


def test_classify_validation_and_helpers():
    prob = CF.teacher_for_ratio(4, 1.0)
    with pytest.raises(InvalidParameter, match="states must have shape \\(n, 5\\)"):
        CF.classify(np.zeros((3, 4)), 0.1, prob)
    with pytest.raises(InvalidParameter, match="initial states must be finite"):
        CF.classify(np.full((1, 5), np.nan), 0.1, prob)
    with pytest.raises(InvalidParameter, match="batched problem constants must have 3 rows, got 2"):
        CF._batch(np.zeros((2, 3)), 1, 3)
    np.testing.assert_array_equal(CF._batch(np.array([1.0, 2.0, 3.0]), 1, 2), [[1, 2, 3], [1, 2, 3]])
    assert [CF._bucket(n) for n in (1, 64, 65, 256, 257, 1025)] == [64, 64, 256, 256, 1024, 4096]
    k = 4
    bound = 2 * PI / (k + PI - 1)
    CF._check_eta(bound * (1 - 1e-12), k)
    for bad in (bound, 0.0, -1.0, math.nan, math.inf):
        with pytest.raises(InvalidParameter, match="eta must be"):
            CF._check_eta(bad, k)
    assert CF.default_eta(k) == pytest.approx(PI / (k + PI - 1), rel=1e-15)


# ----------------------------------------------------------------------------- teachers and inits
@pytest.mark.parametrize("k,ratio,norm_a,ws", [(4, 0.0, 1.0, 1.0), (9, 4.0, 2.0, 0.5), (5, 5.0, 0.7, 3.0), (1, 1.0, 1.0, 1.0)])
def test_teacher_for_ratio(k, ratio, norm_a, ws):
    prob = CF.teacher_for_ratio(k, ratio, norm_a, ws)
    c, s = np.asarray(prob.c), np.asarray(prob.s)
    np.testing.assert_allclose(c, [math.sqrt(k), 0.0, 0.0], rtol=1e-15)
    assert np.linalg.norm(s) == pytest.approx(norm_a, rel=1e-14)
    assert (c @ s) ** 2 / (s @ s) == pytest.approx(ratio, abs=1e-12)
    assert s[2] == 0 and s[1] >= 0 and float(prob.ws) == ws and float(prob.k) == k


@pytest.mark.parametrize("k,ratio,norm_a,ws", [(4, 1.0, 1.0, 1.0), (9, 4.0, 2.0, 0.5), (1, 1.0, 0.3, 2.0)])
def test_full_teacher(k, ratio, norm_a, ws):
    w, a = (np.asarray(x) for x in CF.full_teacher(jax.random.key(0), k, 3, ratio, norm_a, ws))
    assert w.shape == (3,) and a.shape == (k,)
    assert np.linalg.norm(w) == pytest.approx(ws, rel=1e-14) and np.linalg.norm(a) == pytest.approx(norm_a, rel=1e-14)
    assert a.sum() ** 2 / (a @ a) == pytest.approx(ratio, rel=1e-12)


def test_teacher_validation():
    for args, needle in (((4, -0.1), "ratio"), ((4, 4.5), "ratio \\(1.a\\*\\)\\^2/\\|\\|a\\*\\|\\|\\^2 must be in \\[0, k\\] = \\[0, 4\\]"),
                         ((4, math.nan), "ratio"), ((4, 1.0, 0.0), "\\|\\|a\\*\\|\\| must be positive"),
                         ((4, 1.0, 1.0, 0.0), "\\|\\|w\\*\\|\\| must be positive"), ((4, 1.0, 1.0, math.inf), "w\\*"),
                         ((0, 0.0), "k \\(number of patches\\)")):
        with pytest.raises(InvalidParameter, match=needle):
            CF.teacher_for_ratio(*args)
    CF.teacher_for_ratio(4, 4.0)   # ratio = k allowed (a* parallel to 1)
    with pytest.raises(InvalidParameter, match="ratio"):
        CF.full_teacher(jax.random.key(0), 4, 3, 5.0)
    with pytest.raises(InvalidParameter, match="p \\(patch dimension\\) must be an integer >= 2, got 1"):
        CF.full_teacher(jax.random.key(0), 4, 1, 1.0)


def test_check_k_p_and_validate():
    assert CF._check_k(1) == 1 and CF._check_k(np.int64(3)) == 3
    assert CF._check_p(2) == 2 and CF._check_p(np.int64(5)) == 5
    for bad in (0, True, 2.0):
        with pytest.raises(InvalidParameter, match="k \\(number of patches\\) must be an integer >= 1"):
            CF._check_k(bad)
    for bad in (1, False, 3.0):
        with pytest.raises(InvalidParameter, match="p \\(patch dimension\\) must be an integer >= 2"):
            CF._check_p(bad)
    ok = (np.ones(2), np.ones(3), np.ones(2), np.ones(3))
    CF._validate(*ok)
    CF._validate(np.ones(1), np.ones(1), np.ones(1), np.ones(1))
    for i, bad, needle in ((0, np.ones((2, 1)), "v must be a non-empty vector"), (1, np.ones(0), "a must be a non-empty vector"),
                           (2, np.array([1.0, np.nan]), "w\\* must be finite"), (3, np.array([np.inf, 1, 1]), "a\\* must be finite"),
                           (0, np.ones(3), "same dimension p, got 3 and 2"), (1, np.ones(2), "same dimension k, got 2 and 3"),
                           (0, np.zeros(2), "v must be non-zero"), (2, np.zeros(2), "w\\* must be non-zero")):
        args = list(ok)
        args[i] = bad
        with pytest.raises(InvalidParameter, match=needle):
            CF._validate(*args)
    with pytest.raises(InvalidParameter, match="v must be non-zero"):
        CF.reduce(np.zeros(2), np.ones(3), np.ones(2), np.ones(3))


def test_init_full_law():
    k, p, R, n = 3, 4, 1.7, 4000
    v, a = (np.asarray(x) for x in CF.init_full(jax.random.key(1), k, p, R, n=n))
    assert v.shape == (n, p) and a.shape == (n, k)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-14)
    r = np.linalg.norm(a, axis=1)
    assert r.max() <= R * (1 + 1e-14) and abs(((r / R) ** k).mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    np.testing.assert_allclose(v.T @ v / n, np.eye(p) / p, atol=6 / math.sqrt(n) / p)
    v1, a1 = CF.init_full(jax.random.key(1), k, p, R)
    assert np.shape(v1) == (p,) and np.shape(a1) == (k,)
    assert float(jnp.linalg.norm(a1)) <= R


def test_chi2_and_init_reduced_law():
    assert np.all(np.asarray(CF._chi2(jax.random.key(0), 0, (3,))) == 0)
    assert np.all(np.asarray(CF._chi2(jax.random.key(0), -1, (3,))) == 0)
    x = np.asarray(CF._chi2(jax.random.key(0), 3, (5000,)))
    assert abs(x.mean() - 3) < 5 * math.sqrt(6 / 5000)
    k, p, n = 5, 4, 4000
    prob = CF.teacher_for_ratio(k, 2.0, 1.0, ws=1.5)
    st = np.asarray(CF.init_reduced(jax.random.key(3), prob, p, n))
    assert st.shape == (n, 5)
    np.testing.assert_allclose(st[:, 0] ** 2 + st[:, 1] ** 2, 1.0, rtol=1e-13)
    assert np.all(st[:, 1] >= 0)
    # cos theta(v, w*) of a uniform direction in R^p: mean 0, E[cos^2] = 1/p
    assert abs(st[:, 0].mean()) < 5 * math.sqrt(1 / p / n)
    assert abs(np.mean(st[:, 0] ** 2) - 1 / p) < 5 * np.std(st[:, 0] ** 2) / math.sqrt(n)
    R = abs(float(prob.c @ prob.s)) * 1.5 / math.sqrt(k)
    r = np.linalg.norm(st[:, 2:], axis=1)
    assert r.max() <= R * (1 + 1e-13) and abs(((r / R) ** k).mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    # coordinates of a uniform direction in R^k: E[A_i^2 / |A|^2] = 1/k, 1/k and (k-2)/k for the rest
    frac = st[:, 2:] ** 2 / r[:, None] ** 2
    np.testing.assert_allclose(frac.mean(0), [1 / k, 1 / k, (k - 2) / k], atol=5 * 0.5 / math.sqrt(n))
    st2 = np.asarray(CF.init_reduced(jax.random.key(3), prob, p, 50, radius=0.25))
    assert np.linalg.norm(st2[:, 2:], axis=1).max() <= 0.25
    st1 = np.asarray(CF.init_reduced(jax.random.key(3), CF.teacher_for_ratio(1, 1.0), p, 50))
    assert np.all(st1[:, 3:] == 0) and np.allclose(np.abs(st1[:, 2]), 1.0 * np.linalg.norm(st1[:, 2:], axis=1))


def test_success_probability_and_table_counts():
    res = CF.success_probability(jax.random.key(4), 4, 3, 1.0, 16)
    assert res["global"] + res["spurious"] + res["undecided"] == 16 and res["n"] == 16
    prob = CF.teacher_for_ratio(4, 1.0)
    st = CF.init_reduced(jax.random.key(4), prob, 3, 16)
    lab, steps, _ = CF.classify(st, CF.default_eta(4), prob, max_steps=100_000)
    assert res["global"] == int(np.sum(lab == CF.GLOBAL)) and res["spurious"] == int(np.sum(lab == CF.SPURIOUS))
    assert res["steps_max"] == int(steps.max()) and res["steps_mean"] == pytest.approx(float(steps.mean()))
    # defaults: p = 6, eta_factor = 1/2; cell (i, j) draws its inits from key i * len(ratios) + j
    g, s, u, smax = CF.table_counts(jax.random.key(6), 8, ks=(4, 5), ratios=(0.0, 1.0))
    assert g.shape == (2, 2) and np.all(g + s + u == 8)
    keys = jax.random.split(jax.random.key(6), 4)
    for i, k in enumerate((4, 5)):
        for j, r in enumerate((0.0, 1.0)):
            pr = CF.teacher_for_ratio(k, r)
            lab, steps, _ = CF.classify(CF.init_reduced(keys[2 * i + j], pr, 6, 8), 0.5 * 2 * PI / (k + PI - 1), pr)
            assert g[i, j] == np.sum(lab == CF.GLOBAL) and s[i, j] == np.sum(lab == CF.SPURIOUS)
            assert smax[i, j] == steps.max()
    with pytest.raises(InvalidParameter, match="n \\(inits per cell\\) must be an integer >= 1"):
        CF.table_counts(jax.random.key(0), 0)
    for bad in (0.0, 1.0):
        with pytest.raises(InvalidParameter, match="eta_factor must be in \\(0, 1\\)"):
            CF.table_counts(jax.random.key(0), 1, eta_factor=bad)


def test_table_constants():
    assert CF.TABLE_KS == (25, 36, 49, 64, 81, 100) and CF.TABLE_RATIOS == (0, 1, 4, 9, 16, 25) and CF.TABLE_P == 6
    T = CF.TABLE_PUBLISHED
    assert T.shape == (6, 6) and np.all((T >= 0.5) & (T <= 1.0))
    assert np.all(T[:, 0] == 0.5) and np.all(np.diff(T, axis=1) >= 0)   # coin flip at ratio 0, monotone in the ratio
    assert T[0, 3] == 1.0 and T[5, 5] == 0.9 and T[2, 2] == 0.61


# ----------------------------------------------------------------------------- Theorems 5.4 / 5.5
def test_init_radius_batched():
    a = np.array([[1.0, 2.0, 3.0], [-1.0, -1.0, 0.5]])
    w = np.array([[3.0, 4.0], [1.0, 0.0]])
    np.testing.assert_allclose(np.asarray(CF.init_radius(*_j(a, w))), [30 / math.sqrt(3), 1.5 / math.sqrt(3)], rtol=1e-15)


def _signs_ref(v, a, w, a_s):
    out = []
    for sv, sa in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
        out.append((sa * a @ a_s, sa * a.sum(), _angle(sv * v, w)))
    return np.array(out).T


def _angle(u, w):
    return math.acos(max(-1.0, min(1.0, u @ w / (np.linalg.norm(u) * np.linalg.norm(w)))))


def test_sign_choices_and_theorem_conditions():
    rng = np.random.default_rng(8)
    for _ in range(30):
        v, w = rng.normal(size=3), rng.normal(size=3) * rng.uniform(0.5, 2)
        a, a_s = rng.normal(size=4), rng.normal(size=4)
        aas, one_a, phi = (np.asarray(x) for x in CF.sign_choices(*_j(v, a, w, a_s)))
        ref = _signs_ref(v, a, w, a_s)
        np.testing.assert_allclose(aas, ref[0], rtol=1e-13)
        np.testing.assert_allclose(one_a, ref[1], rtol=1e-13)
        np.testing.assert_allclose(phi, ref[2], atol=1e-7)
        ws = np.linalg.norm(w)
        for corrected, B in ((False, abs(a_s.sum())), (True, ws * abs(a_s.sum()))):
            exp = (ref[0] > 0) & (np.abs(ref[1]) <= B) & (ref[2] < PI / 2)
            np.testing.assert_array_equal(np.asarray(CF.thm54_conditions(*_j(v, a, w, a_s), corrected=corrected)), exp)
        r = a_s.sum() ** 2 / (a_s @ a_s)
        g = (PI - ref[2]) * np.cos(ref[2]) + np.sin(ref[2])
        exp = (ref[0] < 0) & (np.abs(ref[1]) <= abs(a_s.sum())) & (g <= 1 - 2 * r)
        np.testing.assert_array_equal(np.asarray(CF.thm55_conditions(*_j(v, a, w, a_s))), exp)


def test_theorem_conditions_at_their_boundaries():
    v, w = jnp.array([1.0, 1.0]), jnp.array([1.0, 0.0])   # phi = pi/4 for +v
    a_s = jnp.array([1.0, 1.0])
    a = jnp.array([1.5, 0.5])                              # 1.a = 2 = |1.a*|: allowed (<=)
    c = np.asarray(CF.thm54_conditions(v, a, w, a_s))
    np.testing.assert_array_equal(c, [True, False, False, False])
    c = np.asarray(CF.thm54_conditions(v, a, 3.0 * w, a_s))   # printed: B = |1.a*| = 2 still ok
    assert c[0]
    c = np.asarray(CF.thm54_conditions(v, a * 1.1, 3.0 * w, a_s))
    assert not c[0] and bool(np.asarray(CF.thm54_conditions(v, a * 1.1, 3.0 * w, a_s, corrected=True))[0])
    # Theorem 5.5: r = (1.a*)^2/||a*||^2; a* = (1, -1): r = 0, condition g(phi) <= 1 holds for phi >= pi/2
    a_s = jnp.array([1.0, -1.0])
    a = jnp.array([-1.0, 1.0])    # a.a* = -2 < 0, 1.a = 0
    c = np.asarray(CF.thm55_conditions(jnp.array([-1.0, 0.0]), a, w, a_s))   # phi = pi for +v, 0 for -v
    np.testing.assert_array_equal(c, [True, False, False, False])
