"""analytic.fastrng: the Box-Muller normal pairs used by the chapter-5 projection sampler."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic  # noqa: F401  (x64)
from analytic import fastrng
from verify import tolerance


def test_sincos_octant_matches_libm_to_roundoff():
    x = jnp.linspace(0.0, math.pi / 4, 200_001)
    s, c = fastrng.sincos_octant(x)
    assert float(jnp.max(jnp.abs(s - jnp.sin(x)))) < 4e-16
    assert float(jnp.max(jnp.abs(c - jnp.cos(x)))) < 4e-16


def test_pairs_cover_every_octant_with_the_right_angle():
    # the low 32 bits choose the angle: octant o and fraction f give Theta = o pi/4 + (pi/4) (f + 1/2) / 2^29
    hi = np.uint64(0x8000_0000) << np.uint64(32)  # U = 1/2 + 2^-33: R = sqrt(2 log 2) (very nearly)
    for o in range(8):
        for f in (0, 1 << 28, (1 << 29) - 1):
            word = hi | (np.uint64(o) << np.uint64(29)) | np.uint64(f)
            u, t = fastrng.pairs_from_bits(jnp.asarray([word], jnp.uint64))
            theta = o * math.pi / 4 + (math.pi / 4) * (f + 0.5) / 2 ** 29
            r = math.sqrt(-2 * math.log((0x8000_0000 + 0.5) / 2 ** 32))
            if o % 2:  # odd octants use the reflected angle inside the octant (same uniform law)
                theta = o * math.pi / 4 + math.pi / 4 - (math.pi / 4) * (f + 0.5) / 2 ** 29
            assert abs(float(u[0]) - r * math.cos(theta)) < 1e-14
            assert abs(float(t[0]) - r * math.sin(theta)) < 1e-14


def test_moments_and_cdf_of_the_pairs():
    n = 2_000_000
    u, t = fastrng.normal_pairs(jax.random.key(3), (n,))
    u, t = np.asarray(u), np.asarray(t)
    feats = {"E u": (u, 0.0), "E t": (t, 0.0), "E u^2": (u * u, 1.0), "E t^2": (t * t, 1.0),
             "E ut": (u * t, 0.0), "E u^4": (u ** 4, 3.0), "E u^2 t^2": (u * u * t * t, 1.0),
             "E relu(u)": (np.maximum(u, 0), 1 / math.sqrt(2 * math.pi)),
             "E |u+t|": (np.abs(u + t), 2 / math.sqrt(math.pi))}
    # the CDF at fixed points (including the tails), as indicator means
    for x in (-3.0, -1.0, -0.3, 0.0, 0.5, 2.0, 3.5):
        phi = 0.5 * math.erfc(-x / math.sqrt(2))
        feats[f"P(u<{x})"] = ((u < x).astype(float), phi)
        feats[f"P(t<{x})"] = ((t < x).astype(float), phi)
    z = tolerance.z_threshold(1e-6, len(feats))
    for name, (vals, exp) in feats.items():
        se = vals.std() / math.sqrt(n)
        assert abs(vals.mean() - exp) <= z * se, (name, vals.mean(), exp, se)


def test_wrong_sampler_is_caught():
    """The moment test above fails on a plausible bug (radius without the factor 2 in -2 log U)."""
    n = 400_000
    bits = jax.random.bits(jax.random.key(0), (n,), jnp.uint64)
    u, _ = fastrng.pairs_from_bits(bits)
    u_bad = np.asarray(u) / math.sqrt(2.0)
    se = (u_bad ** 2).std() / math.sqrt(n)
    assert abs((u_bad ** 2).mean() - 1.0) > tolerance.z_threshold(1e-6, 1) * se


@pytest.mark.parametrize("shape", [(), (3,), (4, 5)])
def test_shapes_and_dtype(shape):
    u, t = fastrng.normal_pairs(jax.random.key(0), shape)
    assert u.shape == shape and t.shape == shape and u.dtype == jnp.float64
