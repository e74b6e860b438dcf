"""Value pins for analytic/fastrng.py (Box-Muller pairs from one 64-bit word), bit-level.

Written to kill mutants (ci/mutation.sh): 64-bit words are built by hand from their documented
fields (high 32 bits -> U = (h + 1/2) / 2^32, R = sqrt(-2 log U); low 32 bits -> octant o (3 bits) and
fraction f (29 bits), Theta = o pi/4 + (pi/4) (f + 1/2) / 2^29, reflected inside odd octants) and
decoded independently with Python integers and float64 ``math``/numpy ``log``/``cos``/``sin``; the
polynomial sin/cos is compared with its defining Taylor polynomials (degree 18 / 19) evaluated in
exact rational arithmetic, where the truncation degree is visible (outside [0, pi/4]).
"""
from __future__ import annotations

import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analytic  # noqa: F401  (x64)
from analytic import fastrng


def _decode(word: int):
    """(u, t) of a 64-bit word, by the module docstring's recipe, in float64 math (no jax)."""
    h, lo = word >> 32, word & 0xFFFF_FFFF
    o, f = lo >> 29, lo & ((1 << 29) - 1)
    r = math.sqrt(-2.0 * math.log((h + 0.5) / 2.0 ** 32))
    phi = (math.pi / 4) * (f + 0.5) / 2.0 ** 29
    theta = o * math.pi / 4 + (math.pi / 4 - phi if o % 2 else phi)
    return r * math.cos(theta), r * math.sin(theta)


def _pairs(words):
    u, t = fastrng.pairs_from_bits(jnp.asarray(np.array(words, dtype=np.uint64), jnp.uint64))
    return np.asarray(u), np.asarray(t)


def test_constants():
    assert fastrng._TWO32 == 4294967296.0
    assert fastrng._FRAC_SCALE == math.pi / 4 / 536870912.0
    assert fastrng._TERMS == 9


def test_extreme_radii():
    """h = 0: U = 2^-33, R = sqrt(66 log 2) (the largest radius); h = 2^32 - 1: U = 1 - 2^-33 (the smallest)."""
    # octant 0, f = 0: Theta = (pi/4) 2^-30, so u = R cos(Theta), t = R sin(Theta) ~ R Theta
    u, t = _pairs([0, (0xFFFF_FFFF << 32)])
    th = (math.pi / 4) * 0.5 / 2 ** 29
    r0 = math.sqrt(66 * math.log(2))
    r1 = math.sqrt(-2 * math.log1p(-2.0 ** -33))          # ~ 2^-16
    assert u[0] == pytest.approx(r0 * math.cos(th), rel=1e-15) and t[0] == pytest.approx(r0 * math.sin(th), rel=1e-14)
    assert r0 == pytest.approx(6.7637, abs=1e-4)      # the midpoint of the first cell: sqrt(2 * 33 log 2)
    # the largest U: -log(1 - 2^-33) ~ 2^-33, so R ~ 2^-16; float64 loses digits in (h + 1/2) / 2^32 -> log
    assert u[1] == pytest.approx(r1, rel=1e-6) and 0 < t[1] < 1e-13
    assert u[1] == pytest.approx(2.0 ** -16, rel=1e-6)


def test_each_field_moves_the_right_output():
    """Change one field at a time: the high word scales (u, t) by R, octant and fraction rotate them."""
    base = (0x1234_5678 << 32) | (5 << 29) | 0x0ABC_DEF1
    words = [base, base ^ (1 << 40), base ^ (1 << 63), base ^ (1 << 32), base ^ 1, base ^ (1 << 28),
             base ^ (1 << 29), base ^ (1 << 30), base ^ (1 << 31)]
    u, t = _pairs(words)
    for i, w in enumerate(words):
        ru, rt = _decode(w)
        assert u[i] == pytest.approx(ru, rel=1e-13, abs=1e-14) and t[i] == pytest.approx(rt, rel=1e-13, abs=1e-14)
    # radius: only the high word; angle: only the low word
    r = np.hypot(u, t)
    np.testing.assert_allclose(r[[4, 5, 6, 7, 8]], r[0], rtol=1e-14)
    ang = np.arctan2(t, u)
    np.testing.assert_allclose(ang[[1, 2, 3]], ang[0], rtol=1e-13)


def test_random_words_against_the_documented_recipe():
    g = np.random.default_rng(7)
    words = [int(x) for x in g.integers(0, 2 ** 63, size=400, dtype=np.int64)]
    words = [w | (int(b) << 63) for w, b in zip(words, g.integers(0, 2, size=400))]
    words += [(1 << 64) - 1, 1 << 63, (1 << 32) - 1, 1 << 32]
    u, t = _pairs(words)
    ref = np.array([_decode(w) for w in words])
    np.testing.assert_allclose(u, ref[:, 0], rtol=1e-13, atol=3e-15)
    np.testing.assert_allclose(t, ref[:, 1], rtol=1e-13, atol=3e-15)
    assert u.dtype == np.float64 and t.dtype == np.float64


def test_octant_signs_and_swaps_exactly_at_the_centre():
    """f = 2^28 - 1 or 2^28: Theta is pi/8 -+ a hair into octant o (odd octants reflected): exact signs per octant."""
    h = 0x8000_0000
    for o in range(8):
        for f in (0, (1 << 29) - 1):
            w = (h << 32) | (o << 29) | f
            u, t = _pairs([w])
            ru, rt = _decode(w)
            assert u[0] == pytest.approx(ru, rel=1e-13, abs=1e-15) and t[0] == pytest.approx(rt, rel=1e-13, abs=1e-15)
            # the sector is the octant's: o pi/4 < Theta < (o + 1) pi/4
            th = math.atan2(t[0], u[0]) % (2 * math.pi)
            assert o * math.pi / 4 < th < (o + 1) * math.pi / 4


def _taylor(x: float, odd: bool, degree: int) -> float:
    """sum_j (-1)^j x^(2j [+1]) / (2j [+1])! up to ``degree``, in exact rational arithmetic."""
    X = Fraction(x)
    tot = Fraction(0)
    for j in range(degree // 2 + 1):
        n = 2 * j + (1 if odd else 0)
        if n > degree:
            break
        tot += (-1) ** j * X ** n / math.factorial(n)
    return float(tot)


def test_sincos_polynomials_are_the_degree_18_19_taylor_polynomials():
    # outside [0, pi/4] the truncation shows: at x = 4 the degree-16 and -20 polynomials differ by > 1e-7
    xs = [0.5, 1.5, 3.0, 4.0, 5.0]
    s, c = (np.asarray(v) for v in fastrng.sincos_octant(jnp.asarray(xs)))
    for i, x in enumerate(xs):
        assert s[i] == pytest.approx(_taylor(x, True, 19), rel=1e-13, abs=1e-13)
        assert c[i] == pytest.approx(_taylor(x, False, 18), rel=1e-13, abs=1e-13)
    assert abs(_taylor(4.0, False, 16) - _taylor(4.0, False, 18)) > 1e-6
    assert abs(_taylor(4.0, True, 21) - _taylor(4.0, True, 19)) > 1e-8


def test_sincos_exact_values():
    s, c = fastrng.sincos_octant(jnp.asarray([0.0, math.pi / 4, math.pi / 6]))
    s, c = np.asarray(s), np.asarray(c)
    assert s[0] == 0.0 and c[0] == 1.0
    assert s[1] == pytest.approx(math.sqrt(0.5), rel=2e-16) and c[1] == pytest.approx(math.sqrt(0.5), rel=2e-16)
    assert s[2] == pytest.approx(0.5, rel=2e-16) and c[2] == pytest.approx(math.sqrt(3) / 2, rel=2e-16)
    # scalar and shape preserving
    s0, c0 = fastrng.sincos_octant(jnp.float64(0.25))
    assert s0.shape == () and float(s0) == pytest.approx(math.sin(0.25), rel=2e-16)
    assert float(c0) == pytest.approx(math.cos(0.25), rel=2e-16)


def test_normal_pairs_uses_one_uint64_word_per_pair():
    key = jax.random.key(11)
    u, t = fastrng.normal_pairs(key, (3, 2))
    bits = np.asarray(jax.random.bits(key, (3, 2), jnp.uint64)).ravel()
    ref = np.array([_decode(int(b)) for b in bits])
    np.testing.assert_allclose(np.asarray(u).ravel(), ref[:, 0], rtol=1e-13, atol=3e-15)
    np.testing.assert_allclose(np.asarray(t).ravel(), ref[:, 1], rtol=1e-13, atol=3e-15)
    u0, t0 = fastrng.normal_pairs(key)
    assert u0.shape == () and float(u0) == pytest.approx(_decode(int(np.asarray(jax.random.bits(key, (), jnp.uint64))))[0],
                                                         rel=1e-13, abs=3e-15)
