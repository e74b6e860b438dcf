"""A check that cannot fail is a defect: each chapter-5 check must report a deliberately wrong
closed form (dropped 2*pi, flipped sign, off-by-one constant) as refuted."""
import jax.numpy as jnp
import pytest

from analytic import cnn
from verify.testing import assert_caught, mutated

PI = jnp.pi
_loss, _grad, _g, _step, _spur = cnn.population_loss, cnn.population_grad, cnn.g, cnn.gd_step, cnn.spurious_point


def loss_dropped_2pi_cross(v, a, w_star, a_star):
    # the a.a* term without its 1/(2pi)
    phi = cnn.angle(v, w_star)
    ws = jnp.linalg.norm(w_star)
    return _loss(v, a, w_star, a_star) - (cnn.g(phi) - 1) * ws * jnp.dot(a, a_star) * (1 - 1 / (2 * PI))


def grad_flipped_v(v, a, w_star, a_star):
    gv, ga = _grad(v, a, w_star, a_star)
    return -gv, ga


def grad_off_by_one_a(v, a, w_star, a_star):
    gv, ga = _grad(v, a, w_star, a_star)
    return gv, ga + (a - jnp.linalg.norm(w_star) * a_star) / (2 * PI)  # (pi-1) -> pi


def grad_flipped_a_signal(v, a, w_star, a_star):
    # sign of the (g(phi)-1) a* term flipped
    gv, ga = _grad(v, a, w_star, a_star)
    phi = cnn.angle(v, w_star)
    return gv, ga + 2 * jnp.linalg.norm(w_star) * (cnn.g(phi) - 1) * a_star / (2 * PI)


def grad_dropped_2pi_ones(v, a, w_star, a_star):
    # the 1 1^T a* term without its 1/(2pi)
    gv, ga = _grad(v, a, w_star, a_star)
    return gv, ga - jnp.linalg.norm(w_star) * jnp.sum(a_star) * (1 - 1 / (2 * PI))


def grad_antidamped(v, a, w_star, a_star):
    # flipped sign of the (pi-1) a term
    gv, ga = _grad(v, a, w_star, a_star)
    return gv, ga - 2 * (PI - 1) * a / (2 * PI)


def loss_off_by_one(v, a, w_star, a_star):
    # (pi-1) -> pi in the ||a*||^2 term
    return _loss(v, a, w_star, a_star) + jnp.dot(w_star, w_star) * jnp.dot(a_star, a_star) / (4 * PI)


def sample_init_not_uniform_in_ball(key, p, a_star, w_star):
    # radius r*U instead of r*U^(1/k): not uniform in the ball
    import jax
    k1, k2, k3 = jax.random.split(key, 3)
    v = jax.random.normal(k1, (p,))
    d = jax.random.normal(k2, (a_star.shape[0],))
    d = d / jnp.linalg.norm(d)
    return v / jnp.linalg.norm(v), cnn.init_radius(a_star, w_star) * jax.random.uniform(k3) * d


def step_sqrt_eta(v, a, eta, w_star, a_star):
    # the step size enters as sqrt(eta)
    gv, ga = _grad(v, a, w_star, a_star)
    return v - jnp.sqrt(eta) * gv, a - jnp.sqrt(eta) * ga


def g_wrong(phi):
    return (PI - phi) * jnp.cos(phi) + 2 * jnp.sin(phi)


def step_no_normalisation(v, a, eta, w_star, a_star):
    gv, ga = _grad(v, a, w_star, a_star)
    return v - eta * gv * jnp.linalg.norm(v) + eta * 0.1 * v, a - eta * ga


def spurious_wrong(w_star, a_star):
    v, a = _spur(w_star, a_star)
    return v, a * 1.1


CASES = [
    ("thm-5.1", "population_loss", loss_dropped_2pi_cross),
    ("thm-5.2", "population_grad", grad_flipped_v),
    ("thm-5.2", "population_grad", grad_off_by_one_a),
    ("alg-1", "gd_step", step_no_normalisation),
    ("lemma-5.1", "spurious_point", spurious_wrong),
    ("lemma-5.3", "population_grad", grad_flipped_a_signal),
    ("lemma-5.4", "population_grad", grad_dropped_2pi_ones),
    ("paper:eq-1Ta-recursion", "population_grad", grad_off_by_one_a),
    ("lemma-5.6", "g", g_wrong),
    ("lemma-5.7", "population_grad", grad_flipped_a_signal),
    ("lemma-5.8", "population_grad", grad_antidamped),
    ("cor-5.1", "population_grad", grad_flipped_v),
    ("lemma-5.9", "population_grad", grad_flipped_v),
    ("lemma-5.10", "population_grad", grad_dropped_2pi_ones),
    ("lemma-5.11", "population_grad", grad_antidamped),
    ("lemma-5.12", "population_loss", loss_off_by_one),
    ("remark-5.1", "sample_init", sample_init_not_uniform_in_ball),
    ("remark-5.2", "population_loss_rotinv", lambda v, a, w, s, m1, m2: cnn.population_loss(v, a, w, s)),
]


@pytest.mark.parametrize("sid,name,wrong", CASES, ids=[f"{c[0]}:{c[2].__name__}" for c in CASES])
def test_wrong_formula_is_caught(sid, name, wrong):
    with mutated(cnn, name, wrong):
        assert_caught(sid)


# Statements whose expected verdict is conditional/erratum: a mutant must move them to refuted.
CONDITIONAL = [
    ("lemma-5.2", "population_grad", grad_flipped_v),
    ("lemma-5.5", "population_grad", grad_flipped_v),
    ("paper:lemma-5.5", "population_grad", grad_flipped_v),
    ("thm-5.3", "population_grad", grad_flipped_v),
    ("sec-5.1:basin-subset", "population_grad", grad_flipped_v),
    ("paper:basin-subset", "population_grad", grad_flipped_v),
    ("cor-5.2", "gd_step", step_sqrt_eta),
    ("remark-5.3", "population_grad", grad_flipped_v),
]


@pytest.mark.parametrize("sid,name,wrong", CONDITIONAL, ids=[c[0] for c in CONDITIONAL])
def test_wrong_formula_breaks_conditional(sid, name, wrong):
    with mutated(cnn, name, wrong):
        assert_caught(sid)
