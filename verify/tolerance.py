"""The one place where z thresholds and float round-off bounds are decided.

Monte Carlo comparisons
-----------------------
A comparison of an estimate ``est`` (standard error ``se``) with a closed form ``exp`` passes when

    |est - exp| <= z(alpha, m) * se + C_EPS * eps * (1 + |exp|)

where ``z(alpha, m) = Phi^{-1}(1 - alpha / (2 m))`` is the two-sided normal quantile with a
Bonferroni correction over the ``m`` coordinates compared *within one check* (coordinates x
Hypothesis examples), and ``alpha = ALPHA_PER_CHECK`` is the false-alarm rate of one registered
check.  The CLT justifies the normal quantile: every estimator averages at least
``MIN_MC_SAMPLES`` i.i.d. draws with finite variance, and ``se`` is the sample standard error.

Suite-wide false-alarm arithmetic
---------------------------------
``ALPHA_PER_CHECK = 2e-6``.  The catalog has < 200 statements and no statement runs more than
``MAX_MC_COMPARISONS_PER_STATEMENT = 2`` independent Monte Carlo checks, so by the union bound

    P(any false alarm in a full CI run) <= 200 * 2 * 2e-6 = 8e-4 < 1e-3.

(Each check's own Bonferroni factor keeps its internal family-wise rate at ``ALPHA_PER_CHECK``.)
The normal approximation is conservative at these sample sizes for the bounded/light-tailed
integrands used here; ``tests/test_tolerance.py`` measures the false-alarm rate over many seeds.

Exact identities
----------------
Autodiff-vs-closed-form and conservation laws are compared with a float64 round-off bound
scaled by the size of the operands: ``|a - b| <= C_EPS * eps * n_ops * (scale)``, never a fixed
``1e-6``.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

EPS = float(np.finfo(np.float64).eps)  # 2.22e-16
ALPHA_PER_CHECK = 2e-6
MAX_MC_COMPARISONS_PER_STATEMENT = 2
SUITE_STATEMENT_BOUND = 200
SUITE_FALSE_ALARM_BOUND = SUITE_STATEMENT_BOUND * MAX_MC_COMPARISONS_PER_STATEMENT * ALPHA_PER_CHECK
assert SUITE_FALSE_ALARM_BOUND < 1e-3
MIN_MC_SAMPLES = 1000
C_EPS = 64.0  # slack factor on machine epsilon for accumulated round-off


def z_threshold(alpha: float = ALPHA_PER_CHECK, m: int = 1) -> float:
    """Two-sided normal quantile at family-wise rate ``alpha`` over ``m`` comparisons (Bonferroni)."""
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    return float(-ndtri(alpha / (2.0 * m)))


def roundoff_tol(scale, n_ops: int = 1, c: float = C_EPS):
    """float64 round-off bound for an exact identity whose operands have magnitude ``scale``."""
    return c * EPS * max(1, int(n_ops)) * (1.0 + np.abs(np.asarray(scale, dtype=np.float64)))


def mc_tolerance(se, expected, z: float):
    """Allowed |estimate - expected| for one coordinate: z*se + round-off on the closed form."""
    se = np.asarray(se, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    return z * se + C_EPS * EPS * (1.0 + np.abs(expected))


def z_scores(estimate, se, expected):
    """|est - exp| / se per coordinate (inf where se == 0 and they differ, 0 where equal)."""
    est = np.asarray(estimate, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    exp = np.asarray(expected, dtype=np.float64)
    diff = np.abs(est - exp)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff > 0, np.inf, 0.0))
    return z


def describe(m: int, alpha: float = ALPHA_PER_CHECK) -> str:
    """Human description of the policy used for a check with m compared coordinates."""
    return (f"|est-exp| <= z*se + {C_EPS:g}*eps*(1+|exp|), z={z_threshold(alpha, m):.2f} "
            f"(alpha={alpha:g}, Bonferroni m={m})")


def binomial_upper(k: int, n: int, alpha: float = ALPHA_PER_CHECK) -> float:
    """Clopper-Pearson one-sided upper bound on a probability after k successes in n trials."""
    from scipy.stats import beta

    if n <= 0:
        return 1.0
    if k >= n:
        return 1.0
    return float(beta.ppf(1 - alpha, k + 1, n - k))


def binomial_lower(k: int, n: int, alpha: float = ALPHA_PER_CHECK) -> float:
    """Clopper-Pearson one-sided lower bound on a probability after k successes in n trials."""
    from scipy.stats import beta

    if k <= 0:
        return 0.0
    return float(beta.ppf(alpha, k, n - k + 1))


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (used for reported confidence intervals, not for verdicts)."""
    if n == 0:
        return (0.0, 1.0)
    z = float(-ndtri((1 - level) / 2))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))
