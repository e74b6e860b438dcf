"""Closed forms for chapter 3 that ``analytic/gram.py`` does not hold: the printed forms of
Definitions 3.2 / 3.3 (kept next to the derived ones so an erratum can show both), the explicit
constant of Lemma 3.30, the witnesses that attain the constants of Lemmas 3.28 / 3.30, and the
first-order (linearised) output step used by Lemmas 3.6-3.7, 3.13-3.14, 3.20-3.21.

Every function here is called through the module (``gram_extra.f``) so that a mutant test can
patch it.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from . import gaussian, gram
from .errors import require

jax.config.update("jax_enable_x64", True)


# ----------------------------------------------------------------------------- Definition 3.2, printed
def resnet_kernel_printed(X, H, act="softplus", *, c_res: float = 0.5, method: str = "auto", unit_check: bool = True):
    """K^(H) of Definition 3.2 (thesis line 1299) exactly as printed:

      K^(h)_ij = K^(h-1)_ij + E_{(u,v)~N(0,A^(h)_ij)}[c_res b_i u-term + c_res b_j v-term ...]
               = K^(h-1)_ij + (c_res/H)(b_i E s(u) + b_j E s(v)) + (c_res/H)^2 E[s(u) s(v)],

    i.e. b_i is paired with s(u), u ~ N(0, K_ii) (the i-variable).  ``gram.resnet_kernel`` (derived
    from the network) pairs b_i with E s(v), v ~ N(0, K_jj).  The two agree whenever K^(h)_ii does
    not depend on i -- in particular for unit inputs, the thesis's standing assumption, where every
    K^(h)_ii and b^(h)_i is the same number.  ``unit_check=False`` accepts non-unit inputs (to show the
    difference off the sphere).  K^(H) uses the block of K^(H-1) (the printed "A^(H-1)" is recalled as
    that block in the proof of Lemma 3.22, line 3257)."""
    X = jnp.asarray(X, dtype=jnp.float64)
    if unit_check:
        X = gram._as_data(X)
    H = gram._depth(H, 2)
    act = gaussian.get(act)
    cs = gram.c_sigma(act)
    t = c_res / H
    K0 = X @ X.T
    K = cs * gaussian.pair_gram(act, K0, method=method)
    b = math.sqrt(cs) * gaussian.mean(act, jnp.diag(K0))
    for _ in range(2, H):
        Es = gaussian.mean(act, jnp.diag(K))
        K = K + t * (b * Es)[:, None] + t * (b * Es)[None, :] + t * t * gaussian.pair_gram(act, K, method=method)
        b = b + t * Es
    return t * t * K * gaussian.pair_gram(act, K, deriv=True, method=method)


# ----------------------------------------------------------------------------- Definition 3.3, printed
def conv_resnet_kernel_printed(X, H, act="softplus", *, c_res: float = 0.5, q: int = 3, method: str = "auto",
                               restore_factor: bool = False):
    """K^(H) of Definition 3.3 (thesis line 1372) read literally, for 1-D signals X (n, d0, p):

      K^(0)_ij = phi(x_i)^T phi(x_j)                      (the patched input Gram w(S));
      K^(1)_ij = c_sigma E[s(u)^T s(v)],  (u, v) ~ N(0, blocks of K^(0))    (no patching: h = 1 is
                 outside the range h = 2..H-1 of (3.9));
      b^(1)_i  = sqrt(c_sigma) E s(u), u ~ N(0, K^(0)_ii);
      h = 2..H-1:  H^(h)_ij = K^(h-1)_ij + t (b_i (x) E s(v) + E s(u) (x) b_j) + t^2 E[s(u)^T s(v)],
                   (u, v) ~ N(0, blocks of K^(h-1)),  K^(h) = w(H^(h))  [(3.9): K_lr = tr(H_{D_l, D_r})],
                   b^(h)_i = b^(h-1)_i + t E s(u), u ~ N(0, K^(h-1)_ii);
      M_ij,lr = K^(H-1)_ij,lr E[s'(u_l) s'(v_r)],  K^(H)_ij = tr(M_ij)        (t = c_res/H).

    What differs from the network (``gram.conv_resnet_kernel``): (1) the skip term adds the *patched*
    Gram K^(h-1) where the network adds the pixel Gram of x^(h-1); (2) K^(1) (the covariance of layer
    2) is not patched; (3) K^(H) lacks the factor t^2 = (c_res/H)^2 that the network's last residual
    branch carries (Def. 3.2 has it).  The cross terms are unreadable in the OCR ("c_res b_i^T s(u)/H")
    and are taken in the network's pairing, so they are no part of the discrepancy.
    ``restore_factor=True`` multiplies K^(H) by t^2: what is left is discrepancies (1)-(2) alone."""
    X = gram._as_conv_data(X)
    H = gram._depth(H, 2)
    require(q >= 1 and q % 2 == 1, f"patch size q must be odd and >= 1, got {q}")
    act = gaussian.get(act)
    cs = gram.c_sigma(act)
    t = c_res / H
    n, _, p = X.shape

    def pair(K, deriv=False):
        return gaussian.pair_gram(act, K.reshape(n * p, n * p), deriv=deriv, method=method).reshape(n, p, n, p)

    def diag(K):
        return jnp.diag(K.reshape(n * p, n * p))

    K = gram.patch_gram(gram.conv_inputs_gram(X), q)                      # K^(0)
    b = (math.sqrt(cs) * gaussian.mean(act, diag(K))).reshape(n, p)       # b^(1)
    K = cs * pair(K)                                                      # K^(1), not patched
    for _ in range(2, H):
        Es = gaussian.mean(act, diag(K)).reshape(n, p)
        Hh = K + t * (b[:, :, None, None] * Es[None, None] + Es[:, :, None, None] * b[None, None]) + t * t * pair(K)
        b = b + t * Es
        K = gram.patch_gram(Hh, q)
    KH = jnp.einsum("iljl->ij", K * pair(K, deriv=True))
    return t * t * KH if restore_factor else KH


# ----------------------------------------------------------------------------- witnesses of Condition 3.1
SMOOTH_ABS_EPS = 0.1


def _smooth_abs(x):
    return jnp.sqrt(x * x + SMOOTH_ABS_EPS ** 2)


def _smooth_abs_d(x):
    return x / jnp.sqrt(x * x + SMOOTH_ABS_EPS ** 2)


def smooth_abs_mean(var):
    """E sqrt(var z^2 + eps^2), z ~ N(0, 1), in closed form: with b^2 = eps^2/var,
    E sqrt(z^2 + b^2) = b^2/(2 sqrt(2 pi)) e^{b^2/4} (K_0(b^2/4) + K_1(b^2/4))  (modified Bessel K;
    scipy's k0e/k1e carry the factor e^x).  Host-side (numpy), not jittable; tested against quadrature."""
    from scipy.special import k0e, k1e

    var = np.asarray(var, dtype=np.float64)
    b2 = SMOOTH_ABS_EPS ** 2 / var
    return np.sqrt(var) * b2 / (2 * math.sqrt(2 * math.pi)) * (k0e(b2 / 4) + k1e(b2 / 4))


# sqrt(z^2 + eps^2): |s(0)| = eps, sup|s'| = 1 (approached as |z| -> oo), sup|s''| = 1/eps (at 0).
# Not registered in gaussian.ACTIVATIONS (it would enter the Condition 3.2 / kernel checks).
SMOOTH_ABS = gaussian.Activation("smooth-abs", _smooth_abs, _smooth_abs_d, analytic=True, polynomial=False,
                                 mean=smooth_abs_mean, lipschitz=1.0, smooth=1.0 / SMOOTH_ABS_EPS,
                                 at_zero=SMOOTH_ABS_EPS)

# s(z) = z: |s(0)| = 0, Lipschitz 1, smooth 0 -- Condition 3.1 holds (Lemmas 3.28-3.30 assume nothing
# else); F(A) = E[U U^T] = A, so the Lipschitz ratio of Lemma 3.30's F is exactly 1.
IDENTITY = gaussian.Activation("identity", lambda x: x, lambda x: jnp.ones_like(x), analytic=True, polynomial=True,
                               kernel=lambda kii, kij, kjj: kij, dkernel=lambda kii, kij, kjj: jnp.ones_like(kij),
                               mean=lambda var: jnp.zeros_like(var), lipschitz=1.0, smooth=0.0, at_zero=0.0)


# ----------------------------------------------------------------------------- Lemma 3.30
def lipschitz_330(act, c: float, p: int) -> float:
    """Lemma 3.30 (line 3600) with an explicit constant: applying Lemma 3.28 to the 2p coordinates
    of G and Lemma 3.29 to the (2p)^2 2x2 sub-blocks of F: each diagonal entry A_kk enters 2p of the
    sub-blocks, so sum_kl ||A_{kl block} - B_{kl block}||_F^2 <= 4p ||A - B||_F^2 and
    C = 2 sqrt(p) max(C_3.28, C_3.29)."""
    return 2 * math.sqrt(p) * max(gram.lipschitz_328(act, c), gram.lipschitz_329(act, c))


# ----------------------------------------------------------------------------- GD path (Lemmas 3.6/3.7 ...)
def linearised_output_step(u, G, y, eta):
    """u(k) - eta G(k) (u(k) - y): the first-order part of u(k+1) in the proof of Theorem 3.1
    (u(k+1) - u(k) = -eta G(k)(u(k) - y) + I_2(k)), so I_2(k) = u(k+1) - linearised_output_step."""
    return u - eta * (G @ (u - y))


def explicit_step(lam0: float, lmax: float) -> float:
    """The explicit small step eta = lambda0 / (16 lambda_max(G(0))^2) that the chapter-3 GD checks use
    for "eta = O(lambda0 / (n^2 ...))" (implicit constant in the thesis): with it, to first order
    ||u(k+1) - u(k)||^2 <= eta^2 lambda_max^2 ||y - u||^2 = eta lambda0 ||y - u||^2 / 16."""
    return lam0 / (16 * lmax ** 2)
