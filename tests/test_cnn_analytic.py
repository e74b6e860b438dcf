"""analytic.cnn: closed forms agree with each other, and bad input gets a clear error."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from analytic import cnn
from analytic.errors import InvalidParameter


def test_stationary_points_have_zero_gradient():
    w, a_s = jnp.array([0.3, -1.2, 0.5]), jnp.array([1.0, -0.5, 2.0, 0.1])
    for v, a in (cnn.global_minimum(w, a_s), cnn.spurious_point(w, a_s)):
        gv, ga = cnn.population_grad(v, a, w, a_s)
        assert float(jnp.max(jnp.abs(jnp.concatenate([gv, ga])))) < 1e-13
    v, a = cnn.global_minimum(w, a_s)
    assert abs(float(cnn.population_loss(v, a, w, a_s))) < 1e-13


def test_printed_loss_differs_from_corrected():
    args = (jnp.array([1.0, 0.0]), jnp.array([1.0, 1.0]), jnp.array([0.0, 1.0]), jnp.array([1.0, 1.0]))
    assert float(cnn.population_loss_printed(*args)) < 0 < float(cnn.population_loss(*args))


def test_spurious_signal_matches_direct_inner_product():
    a_s = jnp.array([1.0, -2.0, 0.3])
    _, a = cnn.spurious_point(jnp.array([1.0, 0.0]), a_s)
    np.testing.assert_allclose(float(cnn.spurious_signal(a_s)), float(a @ a_s), rtol=1e-12)


def test_scalar_gd_loop_agrees_with_python_loop():
    v, a = jnp.array([1.0, 0.5, -0.2]), jnp.array([0.2, 0.1])
    w, a_s = jnp.array([0.0, 1.0, 0.0]), jnp.array([1.0, 0.5])
    vv, aa = v, a
    for _ in range(7):
        vv, aa = cnn.gd_step(vv, aa, 0.1, w, a_s)
    v2, a2 = cnn.run_gd_dynamic(v, a, 0.1, w, a_s, 7)
    np.testing.assert_allclose(np.asarray(v2), np.asarray(vv), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(a2), np.asarray(aa), rtol=1e-13)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(v=[np.nan, 1.0], a=[1.0], w_star=[1.0, 0.0], a_star=[1.0]), "finite"),
    (dict(v=[0.0, 0.0], a=[1.0], w_star=[1.0, 0.0], a_star=[1.0]), "non-zero"),
    (dict(v=[1.0, 0.0], a=[], w_star=[1.0, 0.0], a_star=[]), "k >= 1"),
    (dict(v=[1.0, 0.0, 0.0], a=[1.0], w_star=[1.0, 0.0], a_star=[1.0]), "same dimension p"),
    (dict(v=[1.0, 0.0], a=[1.0, 2.0], w_star=[1.0, 0.0], a_star=[1.0]), "same dimension k"),
])
def test_bad_input_names_the_constraint(kwargs, needle):
    with pytest.raises(InvalidParameter, match=needle):
        cnn.loss(**kwargs)


def test_unit_constraint_and_init_errors():
    with pytest.raises(InvalidParameter, match="unit vector"):
        cnn.validate(w_star=[2.0, 0.0], unit_w_star=True)
    with pytest.raises(InvalidParameter, match="p .* >= 1"):
        cnn.init(jax.random.key(0), 0, [1.0], [1.0])
    with pytest.raises(InvalidParameter, match="1.a\\* must be non-zero"):
        cnn.init(jax.random.key(0), 2, [1.0, -1.0], [1.0, 0.0])
    with pytest.raises(InvalidParameter, match="k .* >= 1"):
        cnn.check_k(0)
