"""Mutant tests for the chapter-5 simulation statements: a wrong closed form or wrong scalar dynamics
must move the verdict to ``refuted``."""
from __future__ import annotations

import jax.numpy as jnp

from analytic import cnn, cnn_fast
from verify.testing import assert_caught, mutated

PI = jnp.pi


def test_wrong_scalar_dynamics_caught():
    """The 5-scalar step drops the (pi - 1) I term of dl/da: the reduced/full consistency part fails."""
    good = cnn_fast.reduced_grad

    def wrong(state, prob):
        g = good(state, prob)
        return g.at[2:].add(-(PI - 1) * state[2:] / (2 * PI))

    with mutated(cnn_fast, "reduced_grad", wrong):
        assert_caught("fig-5.2")


def test_wrong_population_gradient_caught():
    """Theorem 5.2 with the v-gradient's sign flipped (the full-dimensional reference changes)."""
    good = cnn.population_grad

    def wrong(v, a, w_star, a_star):
        gv, ga = good(v, a, w_star, a_star)
        return -gv, ga

    with mutated(cnn, "population_grad", wrong):
        assert_caught("fig-5.2")


def test_wrong_classification_caught_by_table():
    """Swapping the global / spurious invariant sets turns every table entry into 1 - p."""
    good = cnn_fast.decide

    def wrong(state, prob):
        lab = good(state, prob)
        return jnp.where(lab == cnn_fast.GLOBAL, cnn_fast.SPURIOUS,
                         jnp.where(lab == cnn_fast.SPURIOUS, cnn_fast.GLOBAL, lab))

    with mutated(cnn_fast, "decide", wrong):
        assert_caught("table-5.1")


def test_wrong_spurious_point_caught():
    """Lemma 5.1's spurious point without the -I in (11^T - I): the limit of Thm 5.5 no longer matches."""
    def wrong(w_star, a_star):
        k = a_star.shape[0]
        ws = jnp.linalg.norm(w_star)
        a = jnp.linalg.solve(cnn.a_matrix(k), jnp.sum(a_star) * jnp.ones(k) * ws)
        return -w_star / ws, a

    with mutated(cnn, "spurious_point", wrong):
        assert_caught("thm-5.5")


def test_wrong_spurious_conditions_caught():
    """Thm 5.5's sign condition flipped (a0.a* > 0): the selected runs converge to the global minimum."""
    good = cnn_fast.thm55_conditions

    def wrong(v, a, w_star, a_star):
        return good(v, -a, w_star, a_star)  # picks the combination with a0.a* > 0

    with mutated(cnn_fast, "thm55_conditions", wrong):
        assert_caught("thm-5.5", expect=("refuted", "inconclusive"))


def test_wrong_init_radius_caught():
    """Theorem 5.4's radius without the 1/sqrt(k): |1.a0| <= ||w*|| |1.a*| fails, the corrected form is refuted."""
    def wrong(a_star, w_star):
        return jnp.abs(jnp.sum(a_star, -1)) * jnp.linalg.norm(w_star, axis=-1)

    with mutated(cnn_fast, "init_radius", wrong):
        assert_caught("thm-5.4")
