"""Engine-level tests of analytic/gram_extra.py: the printed forms of Definitions 3.2 / 3.3 against the
derived ones, the Condition 3.1 witnesses (closed-form Gaussian mean, identity kernel), the explicit
constants."""
import math

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad

from analytic import gaussian, gram
from analytic import gram_extra as GX
from tests.gram_refs import unit_conv as _conv, unit_rows as _unit


@pytest.mark.parametrize("var", [0.3, 0.5, 1.0, 2.0, 7.0])
def test_smooth_abs_mean_closed_form_matches_quadrature(var):
    eps = GX.SMOOTH_ABS_EPS

    def f(z):
        return math.sqrt(var * z * z + eps * eps) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    # split at the kink scale and cut at z = 40 (tail < 1e-300): quad reaches ~1e-15 per piece
    num = 2 * sum(quad(f, lo, hi, epsabs=0, epsrel=1e-13, limit=400)[0] for lo, hi in ((0, 0.2), (0.2, 10), (10, 40)))
    assert float(GX.smooth_abs_mean(var)) == pytest.approx(num, rel=1e-12)
    assert float(gaussian.mean(GX.SMOOTH_ABS, var)) == pytest.approx(num, rel=1e-12)


def test_smooth_abs_condition_3_1_constants():
    z = np.linspace(-40, 40, 400_001)
    d1 = np.asarray(GX.SMOOTH_ABS.df(jnp.asarray(z)))
    assert np.max(np.abs(d1)) <= GX.SMOOTH_ABS.lipschitz
    assert np.max(np.abs(np.gradient(d1, z))) == pytest.approx(GX.SMOOTH_ABS.smooth, rel=1e-3)
    assert gaussian.condition_3_1_constants(GX.SMOOTH_ABS) == (GX.SMOOTH_ABS_EPS, 1.0, 1.0 / GX.SMOOTH_ABS_EPS)


def test_identity_kernel_is_the_covariance():
    rng = np.random.default_rng(1)
    Q = rng.normal(size=(4, 4))
    A = Q @ Q.T + 0.1 * np.eye(4)
    for method in ("closed", "brute"):
        np.testing.assert_allclose(np.asarray(gaussian.pair_gram(GX.IDENTITY, jnp.asarray(A), method=method)), A,
                                   rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(gaussian.mean(GX.IDENTITY, jnp.diag(jnp.asarray(A)))), 0.0)


@pytest.mark.parametrize("H", [2, 3, 5])
def test_resnet_printed_equals_derived_on_unit_inputs(H):
    X = _unit(4, 3, seed=H)
    a = np.asarray(GX.resnet_kernel_printed(X, H))
    b = np.asarray(gram.resnet_kernel(X, H))
    np.testing.assert_allclose(a, b, rtol=0, atol=64 * np.finfo(float).eps * 64 * (1 + np.abs(b).max()))


def test_resnet_printed_differs_off_the_unit_sphere():
    X = _unit(4, 3) * np.array([[0.5], [1.0], [1.5], [2.0]])
    H, t = 4, 0.5 / 4
    cs = gram.c_sigma("softplus")
    Kg, _ = gram.general_kernel(jnp.asarray(X @ X.T)[:, None, :, None], [0.0, 1.0, 1.0], [math.sqrt(cs), t, t],
                                "softplus", q=1)
    K = Kg[-1][:, 0, :, 0]
    derived = np.asarray(t * t * K * gaussian.pair_gram("softplus", K, deriv=True))
    printed = np.asarray(GX.resnet_kernel_printed(X, H, unit_check=False))
    assert np.linalg.norm(printed - derived) / np.linalg.norm(derived) > 1e-3


def test_conv_printed_factor_and_discrepancy():
    X = _conv(3, 2, 4)
    for H in (3, 4):
        t = 0.5 / H
        p = np.asarray(GX.conv_resnet_kernel_printed(X, H))
        r = np.asarray(GX.conv_resnet_kernel_printed(X, H, restore_factor=True))
        np.testing.assert_allclose(r, t * t * p, rtol=1e-14)
        d = np.asarray(gram.conv_resnet_kernel(X, H))
        assert np.linalg.norm(r - d) / np.linalg.norm(d) > 0.01  # skip term / patching differ as well


def test_conv_printed_with_q1_and_h2():
    # q = 1 (no patching) and H = 2 (no residual layer): the printed K^(H) is the derived one / t^2
    X = _conv(3, 2, 4)
    t = 0.5 / 2
    p = np.asarray(GX.conv_resnet_kernel_printed(X, 2, q=1))
    d = np.asarray(gram.conv_resnet_kernel(X, 2, q=1))
    np.testing.assert_allclose(t * t * p, d, rtol=1e-12, atol=1e-15)


def test_lipschitz_330_and_explicit_step():
    for act in ("softplus", "tanh", GX.IDENTITY):
        for p in (1, 2, 3):
            assert GX.lipschitz_330(act, 2.0, p) == pytest.approx(
                2 * math.sqrt(p) * max(gram.lipschitz_328(act, 2.0), gram.lipschitz_329(act, 2.0)))
    assert GX.lipschitz_330(GX.IDENTITY, 2.0, 1) == pytest.approx(math.sqrt(2))
    assert GX.explicit_step(0.5, 2.0) == pytest.approx(0.5 / 64)
    u, y = jnp.array([1.0, 2.0]), jnp.array([0.0, 1.0])
    G = jnp.array([[2.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(np.asarray(GX.linearised_output_step(u, G, y, 0.1)), [0.8, 1.7])


def test_printed_kernels_name_the_depth_constraint():
    import pytest

    from analytic.errors import InvalidParameter
    X = np.eye(3)[:2]
    for H in (2.5, True, 1, "3"):
        with pytest.raises(InvalidParameter, match="H must be an integer >= 2"):
            GX.resnet_kernel_printed(X, H)
    Xc = np.full((2, 2, 3), 1 / np.sqrt(6.0))
    with pytest.raises(InvalidParameter, match="H must be an integer >= 2"):
        GX.conv_resnet_kernel_printed(Xc, 2.5)
    Xc[0, 0, 0] = np.nan
    with pytest.raises(InvalidParameter, match="finite"):
        GX.conv_resnet_kernel_printed(Xc, 2)


def test_two_layer_gd_records_float64():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3)); X /= np.linalg.norm(X, axis=1, keepdims=True)
    out = gram.two_layer_gd(rng.normal(size=(8, 3)), np.sign(rng.normal(size=8)), X, rng.normal(size=4), 0.1, 3)
    assert all(np.asarray(out[k]).dtype == np.float64 for k in ("sq_err", "flip_frac", "max_dist"))


def test_patches_names_the_patch_size_constraint():
    from analytic.errors import InvalidParameter
    x = np.ones((2, 5))
    assert gram.patches(x, 3).shape == (6, 5)
    for q in (2, 0, -1, 3.0):
        with pytest.raises(InvalidParameter, match="patch size q must be odd and >= 1"):
            gram.patches(x, q)


def test_general_kernel_needs_one_scale_per_layer():
    from analytic.errors import InvalidParameter
    P0 = jnp.eye(2)[:, None, :, None]
    with pytest.raises(InvalidParameter, match="one scale per layer"):
        gram.general_kernel(P0, [0.0, 1.0], [1.0], "relu", q=1)
