"""Gram matrices of chapters 2-3 of the thesis (gradient-descent-thesis.txt).

Chapter 2 (two-layer ReLU network f(W, a, x) = m^{-1/2} sum_r a_r relu(w_r . x)):
  * ``h_inf``  -- Assumption 2.1 (line 432): H^inf_ij = E_w[x_i.x_j 1{w.x_i>0, w.x_j>0}]
                  = x_i.x_j (pi - arccos(x_i.x_j)) / (2 pi) for unit inputs;
  * ``lambda_0`` -- lambda_min(H^inf) (Theorem 2.1, line 446);
  * ``h_finite`` -- H(t) of eq. (2.5) (line 491): x_i.x_j (1/m) sum_r 1{..}1{..};
  * ``two_layer_u``, ``two_layer_gd`` -- the network and plain GD on W (a fixed) as one lax.scan.

Chapter 3 (deep networks, activation sigma, c_sigma = (E_{z~N(0,1)} sigma(z)^2)^{-1}):
  * ``fc_kernel``     -- Definition 3.1 (line 1231), network (3.2); for n >= 64 inputs of equal norm
    every entry is one 1-D function of the input correlation, tabulated as a Chebyshev series
    (ReLU: in the angle arccos(rho)) and evaluated in one fused pass; layer by layer otherwise;
  * ``resnet_kernel`` -- Definition 3.2 (line 1299), network (3.3) with the c_res/H scaling;
  * ``conv_resnet_kernel`` -- Definition 3.3 (line 1372), 1-D convolutional ResNet, q-patches,
    stride 1, zero padding;
  * ``general_kernel`` -- Definition 3.4 (line 2925), the general framework (D, rho) of Sec. 3.12;
  * finite-width networks ``fc_forward``/``resnet_forward``/``conv_resnet_forward`` and the Gram
    ``last_layer_gram`` of the gradients w.r.t. W^(H) by autodiff (eq. (3.12)-(3.14)).

Derivation notes (the printed formulas are OCR-garbled; what the code computes is derived from the
networks and cross-checked against the finite-width autodiff Grams):
  * Def 3.1: K^(H)_ij = c_sigma K^(H-1)_ij E[sigma'(u) sigma'(v)], (u, v) ~ N(0, A^(H)) where A^(H)
    is the 2x2 block of K^(H-1).  Printed: "(u,v) ~ N(0, A^(H-1))" (an index shift of the same block).
  * Def 3.2: K^(h)_ij = K^(h-1)_ij + (c_res/H)(b_i E[sigma(v)] + b_j E[sigma(u)]) + (c_res/H)^2
    E[sigma(u)sigma(v)].  Printed: "c_res b_i sigma(u)/H + c_res b_j sigma(v)/H" -- b_i paired with
    u (the i-variable).  The two coincide when K_ii = K_jj (unit inputs, the thesis's setting).
  * Def 3.3: the skip term carries the un-patched pixel Gram of x^(h-1); the Gaussian covariances
    use the patched Gram w(.) (sum over the q patch offsets).  Printed: "H_ij = K^(h-1)_ij + ..."
    with K^(h-1) the patched Gram, and K^(H) without the (c_res/H)^2 factor.
    Registered as the def-3.3 erratum (printed form: analytic.gram_extra.conv_resnet_kernel_printed).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from . import gaussian
from .errors import InvalidParameter, require

jax.config.update("jax_enable_x64", True)

UNIT_TOL = 1e-10


# ----------------------------------------------------------------------------- validation
def _as_data(X, *, unit: bool = True, min_n: int = 2):
    X = jnp.asarray(X, dtype=jnp.float64)
    require(X.ndim == 2, f"inputs must be an (n, d) array, got shape {tuple(X.shape)}")
    require(X.shape[0] >= min_n, f"n must be >= {min_n}, got {X.shape[0]}")
    if isinstance(X, jax.core.Tracer):  # inside jit: value checks are done by the caller
        return X
    Xn = np.asarray(X)
    require(bool(np.all(np.isfinite(Xn))), "inputs must be finite")
    if unit:
        dev = float(np.max(np.abs(np.linalg.norm(Xn, axis=1) - 1.0)))
        require(dev <= UNIT_TOL, f"inputs must have unit norm ||x_i|| = 1 (max deviation {dev:.3g})")
    return X


def _depth(H, lo: int = 1):
    require(isinstance(H, (int, np.integer)) and not isinstance(H, bool) and int(H) >= lo,
            f"H must be an integer >= {lo}, got {H!r}")
    return int(H)


def c_sigma(act) -> float:
    """c_sigma = (E_{z~N(0,1)}[sigma(z)^2])^{-1} (Section 3.2, network (3.2)); ReLU: 2."""
    act = gaussian.get(act)
    with jax.ensure_compile_time_eval():  # a constant even when called under jit
        return float(1.0 / gaussian.second_moment(act, 1.0))


# ----------------------------------------------------------------------------- chapter 2
def h_inf(X):
    """H^inf of Assumption 2.1 (thesis line 432), closed form for unit inputs:
    H^inf_ij = x_i.x_j (pi - arccos(x_i.x_j)) / (2 pi)."""
    X = _as_data(X, min_n=1)
    G = jnp.clip(X @ X.T, -1.0, 1.0)
    return G * (jnp.pi - jnp.arccos(G)) / (2 * jnp.pi)


def lambda_0(X) -> float:
    """lambda_0 = lambda_min(H^inf) (Assumption 2.1 / Theorem 2.1, line 446)."""
    return float(jnp.linalg.eigvalsh(h_inf(X))[0])


def h_finite(W, X):
    """H(W) of eq. (2.5) (line 491): H_ij = x_i.x_j (1/m) sum_r 1{w_r.x_i > 0, w_r.x_j > 0}."""
    W = jnp.asarray(W, dtype=jnp.float64)
    X = jnp.asarray(X, dtype=jnp.float64)
    S = (X @ W.T > 0).astype(jnp.float64)  # (n, m)
    return (X @ X.T) * (S @ S.T) / W.shape[0]


def two_layer_u(W, a, X):
    """u_i = f(W, a, x_i) = m^{-1/2} sum_r a_r relu(w_r . x_i) (Chapter 2, Section 2.1)."""
    return jax.nn.relu(X @ W.T) @ a / jnp.sqrt(W.shape[0])


def two_layer_loss(W, a, X, y):
    """L(W) = 1/2 sum_i (u_i - y_i)^2, eq. (2.1)."""
    r = two_layer_u(W, a, X) - y
    return 0.5 * jnp.dot(r, r)


def two_layer_grad(W, a, X, y):
    """dL/dw_r = m^{-1/2} sum_i (u_i - y_i) a_r x_i 1{w_r.x_i > 0}, eq. (2.3)."""
    r = two_layer_u(W, a, X) - y
    S = (X @ W.T > 0).astype(jnp.float64)  # (n, m)
    return (a[:, None] * ((S * r[:, None]).T @ X)) / jnp.sqrt(W.shape[0])


def r_prime(X, y, u0, m, lam0):
    """R' = sqrt(n) ||y - u(0)|| / (sqrt(m) lambda_0), Lemma 2.3 (line 562)."""
    n = X.shape[0]
    return math.sqrt(n) * float(jnp.linalg.norm(y - u0)) / (math.sqrt(m) * lam0)


def anticoncentration(R):
    """P(|w.x| < R) for w ~ N(0, I), ||x|| = 1: erf(R / sqrt 2) (used in Lemma 2.2, line 506)."""
    return jax.scipy.special.erf(jnp.asarray(R, dtype=jnp.float64) / jnp.sqrt(2.0))


def anticoncentration_bound(R):
    """The bound of the proof of Lemma 2.2: P(|w.x| < R) <= 2R / sqrt(2 pi)."""
    return 2 * jnp.asarray(R, dtype=jnp.float64) / jnp.sqrt(2 * jnp.pi)


@functools.partial(jax.jit, static_argnames=("steps", "track_lmin"))
def _two_layer_gd(W0, a, X, y, eta, steps: int, track_lmin: bool = True):
    def step(W, _):
        u = two_layer_u(W, a, X)
        S0 = X @ W0.T > 0
        S = X @ W.T > 0
        lm = jnp.linalg.eigvalsh(h_finite(W, X))[0] if track_lmin else jnp.nan
        rec = (jnp.sum((u - y) ** 2), jnp.mean(S != S0, dtype=jnp.float64), jnp.max(jnp.linalg.norm(W - W0, axis=1)), lm)
        return W - eta * two_layer_grad(W, a, X, y), rec

    W, (loss, flips, dist, lmin) = jax.lax.scan(step, W0, None, length=steps)
    return W, loss, flips, dist, lmin


def two_layer_gd(W0, a, X, y, eta, steps: int, track_lmin: bool = True):
    """Plain GD on W (a fixed), eq. (2.2), as one lax.scan.  Returns dict of per-step arrays:
    ``sq_err`` = ||y - u(k)||^2, ``flip_frac``, ``max_dist`` = max_r ||w_r(k) - w_r(0)||,
    ``lmin`` = lambda_min(H(k)) for k = 0..steps-1 (NaN unless ``track_lmin``), and the final W."""
    require(eta > 0, f"step size eta must be > 0, got {eta}")
    W, loss, flips, dist, lmin = _two_layer_gd(jnp.asarray(W0), jnp.asarray(a), jnp.asarray(X),
                                               jnp.asarray(y), float(eta), int(steps), bool(track_lmin))
    return {"W": W, "sq_err": loss, "flip_frac": flips, "max_dist": dist, "lmin": lmin}


# ----------------------------------------------------------------------------- chapter 3: kernels
def _pair(act, K, deriv=False, method="auto"):
    return gaussian.pair_gram(act, K, deriv=deriv, method=method)


COMPOSED_MIN_N = 64  # fc_kernel(method="auto") tabulates the 1-D map from this n on


def fc_kernel(X, H, act="softplus", *, method: str = "auto", layers: bool = False):
    """K^(H) of Definition 3.1 (line 1231) for the fully connected network (3.2).

    K^(0) = X X^T; K^(h) = c_sigma E[sigma(u) sigma(v)] over the 2x2 blocks of K^(h-1), h < H;
    K^(H) = c_sigma K^(H-1) * E[sigma'(u) sigma'(v)] over the 2x2 blocks of K^(H-1).
    Printed: the last expectation is written with A^(H-1) (the same block, one index shifted).
    ``method``: ``auto`` -- for n >= COMPOSED_MIN_N inputs with equal norms, K^(H)_ij = G(rho_ij) with
    G one function of the input correlation, tabulated as a Chebyshev series (``_fc_composed``),
    otherwise as ``closed`` if there are closed forms, else ``mehler``; ``closed`` (one fused XLA
    computation), ``mehler``, ``brute``: layer by layer with that ``gaussian.pair_gram`` method.
    ``layers``: also return [K^(0), ..., K^(H-1)] (layer by layer)."""
    X = _as_data(X)
    H = _depth(H)
    act = gaussian.get(act)
    cs = c_sigma(act)
    if (not layers and method == "auto" and X.shape[0] >= COMPOSED_MIN_N
            and not isinstance(X, jax.core.Tracer)):  # equivalent-mutant: ReplaceUnaryOperator_Delete_Not (picks between two paths that agree to ~1e-14: speed only)
        K = _fc_composed(X, H, act, cs)
        if K is not None:
            return K
    if not layers and method in ("auto", "closed") and act.kernel is not None and act.dkernel is not None:
        return _fc_closed(X, H, act.name, cs)  # one fused XLA computation
    KH, Ks = _fc_layers(X @ X.T, H, act, cs, method)
    return (KH, Ks) if layers else KH


def _fc_layers(K, H, act, cs, method):
    """The recursion of Definition 3.1 layer by layer from K = K^(0): (K^(H), [K^(0..H-1)])."""
    Ks = [K]
    for _ in range(1, H):
        K = cs * _pair(act, K, method=method)
        Ks.append(K)
    return cs * K * _pair(act, K, deriv=True, method=method), Ks


@functools.partial(jax.jit, static_argnames=("H", "name"))
def _fc_closed(X, H, name, cs):
    act = gaussian.get(name)
    K = X @ X.T
    for _ in range(1, H):
        K = cs * _pair(act, K, method="closed")
    return cs * K * _pair(act, K, deriv=True, method="closed")


# ----------------------------------------------------------------------------- K^(H) as a 1-D map
# With K^(0)_ii = d for all i (unit inputs) the recursion of Definition 3.1 never mixes entries:
# every K^(h)_ii is the same number d_h and K^(h)_ij depends only on rho_ij = K^(0)_ij / d, so
# K^(H)_ij = G(rho_ij) for one function G of one variable.  G is tabulated once per call as a Chebyshev
# series (gaussian.cheb_fit, error measured a posteriori) and the n x n matrix then costs one matmul
# and one fused Clenshaw pass instead of H passes of 2-D expectations.
def _fc_composed(X, H, act, cs):
    """K^(H) by the tabulated 1-D map, or None when it does not apply (the caller then goes layer
    by layer): unequal norms (non-homogeneous sigma), no sigma', or a fit that does not converge.

    Smooth sigma: the Chebyshev nodes rho_k are packed into a small Gram matrix with diagonal d
    (``_fc_nodes``) and pushed through the very recursion of the n x n path (``_fc_layers``, i.e.
    gaussian.pair_gram), so G inherits its expectations.  ReLU: the arc-cosine maps have sqrt(1 - rho^2)
    branch points at rho = +-1, so G is tabulated in the angle theta = arccos(rho), in which it is
    analytic, by a cancellation-free angle recursion (``_relu_angle_series``); ReLU is positively
    homogeneous, so any norms work: K^(H)_ij = scale sqrt(d_i d_j) G(theta_ij)."""
    if act.df is None:
        return None  # the layer-by-layer path raises the "not differentiable" error
    if act.name == "relu" and act.kernel is not None and act.dkernel is not None:
        c = _relu_angle_series(H)
        if c is None:
            return None
        return _fc_eval_angle(X, jnp.asarray(_pad8(c)), cs, float(H), act.name)
    Xn = np.asarray(X)
    d = np.einsum("ij,ij->i", Xn, Xn)
    if float(np.ptp(d)) > 1e-14 * float(np.max(d)):
        return None
    d0 = float(np.mean(d))
    fit = gaussian.cheb_fit(lambda r: _fc_nodes(r, H, act, cs, d0))
    if fit is None:
        return None
    return _fc_eval_rho(X, jnp.asarray(_pad8(fit[0])))


def _pad8(c):
    """Zero-pad a coefficient vector to a multiple of 8 (fewer distinct shapes to compile)."""
    c = np.asarray(c, dtype=np.float64)
    return np.concatenate([c, np.zeros(-c.size % 8)])


def _fc_nodes(r, H, act, cs, d0):
    """G(r) of ``_fc_composed`` at the correlations r: the r_k fill the strict upper triangle of a
    p x p Gram matrix with diagonal d0 (padding 0), which goes through ``_fc_layers``."""
    r = np.asarray(r, dtype=np.float64)
    m = r.size
    disc = math.sqrt(1 + 8 * m)  # equivalent-mutant: ReplaceBinaryOperator_Add_Mul (ceil((1 + sqrt(8m)) / 2) is the same integer for every m >= 1)
    p = int(math.ceil((1 + disc) / 2))  # the smallest p with p (p - 1) / 2 >= m
    iu = np.triu_indices(p, 1)
    v = np.zeros(iu[0].size)
    v[:m] = r
    K = np.zeros((p, p))
    K[iu] = d0 * v
    K = K + K.T
    np.fill_diagonal(K, d0)
    KH, _ = _fc_layers(jnp.asarray(K), H, act, cs, "auto")
    return np.asarray(KH)[iu][:m]


_SIN_MINUS_TCOS = [(-1) ** (k + 1) * 2 * k / math.factorial(2 * k + 1) for k in range(1, 13)]


def _relu_angle_step(th):
    """One normalised ReLU layer in the angle variable (numpy): rho' = (sin th + (pi - th) cos th)/pi,
    returned as th' = arccos(rho') = 2 arcsin(sqrt(u/2)) with u = 1 - rho' computed without
    cancellation: u = 2 sin^2(th/2) - (sin th - th cos th)/pi, the bracket by its Taylor series
    sum_k (-1)^(k+1) 2k th^(2k+1)/(2k+1)! for th < 1 (terms beyond k = 12 are < 1e-25)."""
    th = np.asarray(th, dtype=np.float64)
    ts = np.where(th < 1.0, th, 0.0)
    t2 = ts * ts
    ser = np.zeros_like(ts)
    for c in _SIN_MINUS_TCOS[::-1]:
        ser = ser * t2 + c
    B = np.where(th < 1.0, ser * ts * t2, np.sin(th) - th * np.cos(th))
    u = np.clip(2.0 * np.sin(0.5 * th) ** 2 - B / np.pi, 0.0, 2.0)
    return 2.0 * np.arcsin(np.sqrt(0.5 * u))


def relu_angle_map(theta, H: int):
    """G(theta) = K^(H)_ij / sqrt(K_ii K_jj) for ReLU with c_sigma = 2 as a function of the input
    angle theta = arccos(rho_ij) (numpy, cancellation-free): theta_h = step(theta_{h-1}),
    G = cos(theta_{H-1}) (pi - theta_{H-1}) / pi."""
    th = np.asarray(theta, dtype=np.float64)
    for _ in range(1, H):
        th = _relu_angle_step(th)
    return np.cos(th) * (np.pi - th) / np.pi


@functools.lru_cache(maxsize=None)
def _relu_angle_series(H: int):
    """Chebyshev coefficients of relu_angle_map(theta, H) in t = 2 theta/pi - 1 (None: no fit)."""
    fit = gaussian.cheb_fit(lambda t: relu_angle_map(0.5 * np.pi * (t + 1.0), H))
    return None if fit is None else fit[0]


def _unit_corr(X):
    """rho_ij = x_i.x_j / (|x_i| |x_j|) with rho_ii = 1 exactly (the ReLU maps are infinitely
    ill-conditioned at rho = 1: one ulp there moves K^(H) by ~1e-8), and (|x_i| |x_j|)_ij."""
    K = X @ X.T
    sd = jnp.sqrt(jnp.diag(K))
    inv = 1.0 / sd
    n = K.shape[0]
    eye = jnp.arange(n)[:, None] == jnp.arange(n)[None, :]
    rho = jnp.where(eye, 1.0, jnp.clip(K * inv[:, None] * inv[None, :], -1.0, 1.0))
    return rho, sd[:, None] * sd[None, :]


@jax.jit
def _fc_eval_rho(X, c):
    rho, _ = _unit_corr(X)
    return gaussian.clenshaw(c, rho)


@functools.partial(jax.jit, static_argnames=("name",))
def _fc_eval_angle(X, c, cs, H, name):
    """scale sqrt(d_i d_j) G(theta_ij) for a positively homogeneous sigma with closed forms: every
    layer multiplies the diagonal by s = c_sigma E[s(u)^2]/var, the last by c_sigma E[s'(u)^2]."""
    act = gaussian.get(name)
    one = jnp.ones((), jnp.float64)
    s = cs * act.kernel(one, one, one)
    scale = jnp.power(s, H - 1.0) * cs * act.dkernel(one, one, one)
    rho, den = _unit_corr(X)
    t = gaussian.fast_arccos(rho) * (2.0 / jnp.pi) - 1.0
    return (scale * den) * gaussian.clenshaw(c, t)


def resnet_kernel(X, H, act="softplus", *, c_res: float = 0.5, method: str = "auto", layers: bool = False):
    """K^(H) of Definition 3.2 (line 1299) for the ResNet (3.3).

    K^(1) = c_sigma E[sigma sigma](K^(0)), b^(1)_i = sqrt(c_sigma) E sigma(u), u ~ N(0, K^(0)_ii);
    for h = 2..H-1 with t = c_res/H:
      K^(h)_ij = K^(h-1)_ij + t (b_i E sigma(v) + b_j E sigma(u)) + t^2 E[sigma(u) sigma(v)],
      b^(h)_i = b^(h-1)_i + t E sigma(u);
    K^(H) = t^2 K^(H-1) * E[sigma'(u) sigma'(v)]  (H >= 2).
    Printed: the cross terms as "c_res b_i sigma(u)/H + c_res b_j sigma(v)/H" (identical for unit inputs).
    ``layers``: also return ([K^(0..H-1)], [b^(1..H-1)])."""
    X = _as_data(X)
    H = _depth(H, 2)
    require(0 < c_res, f"c_res must be > 0, got {c_res}")
    act = gaussian.get(act)
    cs = c_sigma(act)
    t = c_res / H
    K0 = X @ X.T
    K = cs * _pair(act, K0, method=method)
    b = math.sqrt(cs) * gaussian.mean(act, jnp.diag(K0))
    Ks, bs = [K0, K], [b]
    for _ in range(2, H):
        d = jnp.diag(K)
        Es = gaussian.mean(act, d)
        K = K + t * (b[:, None] * Es[None, :] + Es[:, None] * b[None, :]) + t * t * _pair(act, K, method=method)
        b = b + t * Es
        Ks.append(K)
        bs.append(b)
    KH = t * t * K * _pair(act, K, deriv=True, method=method)
    return (KH, Ks, bs) if layers else KH


def patch_gram(S, q: int = 3):
    """w(S): the patched Gram of a pixel Gram S (shape (n, p, n, p)): with zero padding and
    stride 1, w(S)[i,l,j,r] = sum_{s=-(q-1)/2..(q-1)/2} S[i,l+s,j,r+s] (terms off the image = 0)."""
    n, p = S.shape[0], S.shape[1]
    half = (q - 1) // 2
    out = jnp.zeros_like(S)
    for s in range(-half, half + 1):
        lo, hi = max(0, -s), min(p, p - s)  # l in [lo, hi): l+s in [0, p)
        out = out.at[:, lo:hi, :, lo:hi].add(S[:, lo + s:hi + s, :, lo + s:hi + s])
    return out


def general_kernel(P0, Ds, scales, act="softplus", *, q: int = 3, method: str = "auto"):
    """Definition 3.4 (line 2925), population Grams of the general framework (Sec. 3.12) for 1-D
    signals of p pixels: layer h has skip map D^(h) in {0, 1} (scalar multiple of identity) and
    activation rho^(h) = scales[h] * sigma.  P0: pixel Gram of the input, shape (n, p, n, p).

      K^(h) = D^2 K^(h-1) + D (b_i E rho(V) + b_j E rho(U)) + E[rho(U) rho(V)],
      b^(h) = D b^(h-1) + E rho(U),  (U, V) ~ N(0, w(K^(h-1)) 2x2 blocks), b^(0) = 0.
    Returns (list of pixel Grams K^(0..), list of biases b^(1..)) (b has shape (n, p))."""
    act = gaussian.get(act)
    P0 = jnp.asarray(P0, dtype=jnp.float64)
    n, p = P0.shape[0], P0.shape[1]
    K = P0
    b = jnp.zeros((n, p))
    Ks, bs = [K], []
    require(len(Ds) == len(scales), f"one scale per layer: got {len(Ds)} layers and {len(scales)} scales")
    for D, s in zip(Ds, scales):
        A = patch_gram(K, q).reshape(n * p, n * p)
        E2 = (s * s) * _pair(act, A, method=method).reshape(n, p, n, p)
        Es = (s * gaussian.mean(act, jnp.diag(A))).reshape(n, p)
        K = D * D * K + D * (b[:, :, None, None] * Es[None, None] + Es[:, :, None, None] * b[None, None]) + E2
        b = D * b + Es
        Ks.append(K)
        bs.append(b)
    return Ks, bs


def conv_inputs_gram(X):
    """Pixel Gram S[i,l,j,r] = x_i[:, l] . x_j[:, r] of conv inputs X (n, d0, p)."""
    return jnp.einsum("iak,jal->ikjl", X, X)


def _as_conv_data(X):
    X = jnp.asarray(X, dtype=jnp.float64)
    require(X.ndim == 3, f"conv inputs must be an (n, d0, p) array, got shape {tuple(X.shape)}")
    require(X.shape[0] >= 2, f"n must be >= 2, got {X.shape[0]}")
    require(bool(np.all(np.isfinite(np.asarray(X)))), "conv inputs must be finite")
    dev = float(np.max(np.abs(np.sqrt(np.sum(np.asarray(X) ** 2, axis=(1, 2))) - 1.0)))
    require(dev <= UNIT_TOL, f"inputs must have unit Frobenius norm (max deviation {dev:.3g})")
    return X


def conv_resnet_kernel(X, H, act="softplus", *, c_res: float = 0.5, q: int = 3, method: str = "auto",
                       layers: bool = False):
    """K^(H) of Definition 3.3 (line 1372), 1-D convolutional ResNet, X of shape (n, d0, p).

    Pixel Grams via ``general_kernel`` with D = (0, 1, ..., 1), scales (sqrt(c_sigma), c_res/H, ...);
    K^(H)_ij = (c_res/H)^2 sum_l w(K^(H-1))[i,l,j,l] E[sigma'(u_l) sigma'(v_l)].
    Printed: K^(H) = tr(M) without the (c_res/H)^2 factor, and the skip term with the patched Gram."""
    X = _as_conv_data(X)
    H = _depth(H, 2)
    require(q >= 1 and q % 2 == 1, f"patch size q must be odd and >= 1, got {q}")
    act = gaussian.get(act)
    cs = c_sigma(act)
    t = c_res / H
    n, _, p = X.shape
    Ks, bs = general_kernel(conv_inputs_gram(X), [0.0] + [1.0] * (H - 2), [math.sqrt(cs)] + [t] * (H - 2),
                            act, q=q, method=method)
    A = patch_gram(Ks[-1], q)
    D = _pair(act, A.reshape(n * p, n * p), deriv=True, method=method).reshape(n, p, n, p)
    KH = t * t * jnp.einsum("iljl->ij", A * D)
    return (KH, Ks, bs) if layers else KH


# ----------------------------------------------------------------------------- chapter 3: networks
def init_params(key, arch: str, d: int, m: int, H: int, p: int = 1, q: int = 3):
    """Standard Gaussian init (Sec. 3.2): W^(h) entries N(0,1), a entries N(0,1).  Shapes:
    fc/resnet: W1 (m, d), Wh (m, m), a (m,); conv: W1 (m, q d), Wh (m, q m), a (m, p)."""
    keys = jax.random.split(key, H + 1)
    if arch == "conv":
        shapes = [(m, q * d)] + [(m, q * m)] * (H - 1)
        a = jax.random.normal(keys[-1], (m, p))
    else:
        shapes = [(m, d)] + [(m, m)] * (H - 1)
        a = jax.random.normal(keys[-1], (m,))
    Ws = [jax.random.normal(k, s) for k, s in zip(keys[:H], shapes, strict=True)]
    return {"W": Ws, "a": a}


def fc_forward(params, x, act="softplus", cs=None):
    """Network (3.2): x^(h) = sqrt(c_sigma/m) sigma(W^(h) x^(h-1)); f = a . x^(H).  Returns (f, layers)."""
    act = gaussian.get(act)
    cs = c_sigma(act) if cs is None else cs
    h = x
    hs = [h]
    for W in params["W"]:
        h = jnp.sqrt(cs / W.shape[0]) * act.f(W @ h)
        hs.append(h)
    return params["a"] @ h, hs


def resnet_forward(params, x, act="softplus", cs=None, c_res: float = 0.5):
    """Network (3.3): x^(1) = sqrt(c_sigma/m) sigma(W^(1) x); x^(h) = x^(h-1) + c_res/(H sqrt m) sigma(W^(h) x^(h-1))."""
    act = gaussian.get(act)
    cs = c_sigma(act) if cs is None else cs
    Ws = params["W"]
    H = len(Ws)
    m = Ws[0].shape[0]
    h = jnp.sqrt(cs / m) * act.f(Ws[0] @ x)
    hs = [x, h]
    for W in Ws[1:]:
        h = h + c_res / (H * jnp.sqrt(m)) * act.f(W @ h)
        hs.append(h)
    return params["a"] @ h, hs


def patches(x, q: int = 3):
    """phi(x): (c, p) -> (q c, p), column l = stacked x[:, l+s] for s = -(q-1)/2..(q-1)/2, zero padded."""
    require(isinstance(q, (int, np.integer)) and q >= 1 and q % 2 == 1, f"patch size q must be odd and >= 1, got {q!r}")
    half = (q - 1) // 2  # equivalent-mutant: ReplaceBinaryOperator_Sub_BitXor (q is odd: q ^ 1 == q - 1)
    xp = jnp.pad(x, ((0, 0), (half, half)))
    p = x.shape[1]
    return jnp.concatenate([xp[:, s:s + p] for s in range(q)], axis=0)


def conv_resnet_forward(params, x, act="softplus", cs=None, c_res: float = 0.5, q: int = 3):
    """Conv ResNet (Sec. 3.2): x^(1) = sqrt(c_sigma/m) sigma(W^(1) phi(x)),
    x^(h) = x^(h-1) + c_res/(H sqrt m) sigma(W^(h) phi(x^(h-1))), f = <a, x^(H)>."""
    act = gaussian.get(act)
    cs = c_sigma(act) if cs is None else cs
    Ws = params["W"]
    H = len(Ws)
    m = Ws[0].shape[0]
    h = jnp.sqrt(cs / m) * act.f(Ws[0] @ patches(x, q))
    hs = [x, h]
    for W in Ws[1:]:
        h = h + c_res / (H * jnp.sqrt(m)) * act.f(W @ patches(h, q))
        hs.append(h)
    return jnp.sum(params["a"] * h), hs


FORWARD = {"fc": "fc_forward", "resnet": "resnet_forward", "conv": "conv_resnet_forward"}


def forward_fn(arch: str):
    if arch not in FORWARD:
        raise InvalidParameter(f"arch must be one of {', '.join(FORWARD)}, got {arch!r}")
    return globals()[FORWARD[arch]]


def last_layer_gram(params, X, arch: str, act="softplus", **kw):
    """G^(H)(0)_ij = <du_i/dW^(H), du_j/dW^(H)> by autodiff (eq. (3.12)-(3.14))."""
    fwd = forward_fn(arch)
    cs = c_sigma(act)

    def u_of(WH, x):
        ps = {"W": params["W"][:-1] + [WH], "a": params["a"]}
        return fwd(ps, x, act, cs, **kw)[0]

    J = jax.vmap(jax.grad(u_of), in_axes=(None, 0))(params["W"][-1], X)
    J = J.reshape(X.shape[0], -1)
    return J @ J.T


def layer_grams(params, X, arch: str, act="softplus", **kw):
    """[(x_i^(h) . x_j^(h))_{ij} for h = 0..H] of the finite network (pixel Grams for conv)."""
    fwd = forward_fn(arch)
    cs = c_sigma(act)
    hs = jax.vmap(lambda x: fwd(params, x, act, cs, **kw)[1])(X)
    if arch == "conv":
        return [jnp.einsum("iak,jal->ikjl", h, h) for h in hs]
    return [h @ h.T for h in hs]


# ----------------------------------------------------------------------------- technical lemmas
def opnorm_tail_bound(c: float, c_w0: float, m: int):
    """Lemma 3.27 (line 3481): P(||W||_2 > c_w0 sqrt(m)) <= exp(-(c_w0 - sqrt(c) - 1)^2 m / 2),
    W a (c m) x m standard Gaussian matrix, c_w0 > sqrt(c) + 1."""
    require(c_w0 > math.sqrt(c) + 1, f"c_w0 must be > sqrt(c) + 1, got c_w0={c_w0}, c={c}")
    return math.exp(-((c_w0 - math.sqrt(c) - 1) ** 2) * m / 2)


def tensor_power_matrix(V, k: int):
    """[vec(v_1^{(x)k}), ..., vec(v_n^{(x)k})] (d^k x n) of Lemma 3.31 (line 3615)."""
    V = jnp.asarray(V, dtype=jnp.float64)
    cols = []
    for v in V:
        t = v
        for _ in range(k - 1):
            t = jnp.outer(t, v).reshape(-1)
        cols.append(t)
    return jnp.stack(cols, axis=1)


def product_perturbation_bound(alphas, Ms):
    """Lemma 3.26 (line 3470): ||prod A_i - prod B_i|| <= (prod (1 + alpha_i) - 1) prod M_i
    for ||A_i|| <= M_i, ||A_i - B_i|| <= alpha_i M_i (conclusion lost in the OCR; this is the
    standard telescoping form)."""
    alphas = jnp.asarray(alphas)
    Ms = jnp.asarray(Ms)
    return (jnp.prod(1 + alphas) - 1) * jnp.prod(Ms)


def project_out(g, x):
    """z = g - (g.x) x / ||x||^2: a point of the hyperplane D_i = {w : w.x_i = 0} (Lemma 2.6, line 814)."""
    g = jnp.asarray(g, dtype=jnp.float64)
    x = jnp.asarray(x, dtype=jnp.float64)
    return g - (g @ x) / (x @ x) * x


def lipschitz_328(act, c: float) -> float:
    """Lemma 3.28 (line 3495) with an explicit constant: for a, b in [1/c, c],
    |E sigma(sqrt(a) z) - E sigma(sqrt(b) z)| <= C |a - b|, C = L sqrt(2/pi) sqrt(c) / 2
    (d/da E sigma(sqrt a z) = E[z sigma'(sqrt a z)] / (2 sqrt a), |E z sigma'| <= L E|z|)."""
    a = gaussian.get(act)
    require(a.lipschitz is not None, f"activation {a.name!r} is not Lipschitz")
    return a.lipschitz * math.sqrt(2 / math.pi) * math.sqrt(c) / 2


def lipschitz_329(act, c: float) -> float:
    """Lemma 3.29 (line 3509) with an explicit constant via Price's theorem: dF/dA_12 = dF/dA_21 =
    E[s'(u)s'(v)]/2, dF/dA_11 = E[s''(u)s(v)]/2, so ||grad F||_F^2 <= beta^2 M^2/2 + L^4/2 with
    M = |s(0)| + L sqrt(2c/pi) >= E|s(u)|: C = sqrt(beta^2 M^2/2 + L^4/2)."""
    a = gaussian.get(act)
    require(a.lipschitz is not None and a.smooth is not None,
            f"activation {a.name!r} must be Lipschitz and smooth (Condition 3.1)")
    M = a.at_zero + a.lipschitz * math.sqrt(2 * c / math.pi)
    return math.sqrt(a.smooth ** 2 * M ** 2 / 2 + a.lipschitz ** 4 / 2)


# ----------------------------------------------------------------------------- perturbation bounds
def g_c(c: float, h: int) -> float:
    """g_c(h) = sum_{i=0}^{h-1} c^i (the geometric factor of Lemma 3.3)."""
    return float(sum(c ** i for i in range(h)))


def fc_perturbation_bound(cs, L, cx0, cw0, R, h):
    """Lemma 3.3 (line 1643): ||x^(h)(k) - x^(h)(0)|| <= sqrt(c_sigma) L c_x0 g_{c_x}(h) R,
    c_x = 2 sqrt(c_sigma) L c_w0, if ||W^(h)(0)||_op <= c_w0 sqrt m, ||x^(h)(0)|| <= c_x0,
    ||W^(h)(k) - W^(h)(0)||_F <= sqrt(m) R, R <= c_w0."""
    cx = 2 * math.sqrt(cs) * L * cw0
    return math.sqrt(cs) * L * cx0 * g_c(cx, h) * R


def resnet_perturbation_bound(cs, L, cx0, cw0, R, c_res, q: int = 1):
    """Lemma 3.10 (line 2070; q = 1) and Lemma 3.17 (line 2456; conv, patch size q):
    ||x^(h)(k) - x^(h)(0)|| <= (sqrt(c_sigma q) L + c_x0/c_w0) exp(2 c_res c_w0 L sqrt q) R.
    Printed (3.17): the first factor is written without sqrt(q) (OCR); the derivation needs it since
    ||phi(x)||_F <= sqrt(q) ||x||_F."""
    return (math.sqrt(cs * q) * L + cx0 / cw0) * math.exp(2 * c_res * cw0 * L * math.sqrt(q)) * R


def fc_weight_radius(cx0, a20, cx, H, n, res0, lam0, m):
    """Lemma 3.5 (line 1670): R' = 16 c_x0 a_{2,0} c_x^H sqrt(n) ||y - u(0)|| / (lambda0 sqrt m),
    with c_x = max(2 sqrt(c_sigma) L c_w0, 1); weights stay within R' sqrt(m) (Frobenius)."""
    return 16 * cx0 * a20 * cx ** H * math.sqrt(n) * res0 / (lam0 * math.sqrt(m))


def resnet_weight_radius(c_res, cx0, a20, L, cw0, H, n, res0, lam0, m, q: int = 1):
    """Lemma 3.12 (line 2090): R' = 16 c_res c_x0 a_{2,0} L e^{2 c_res c_w0 L} sqrt(n)||y-u(0)||/(H lambda0 sqrt m)
    (Lemma 3.19, conv: the exponent and the first factor carry sqrt(q))."""
    return (16 * c_res * cx0 * a20 * L * math.sqrt(q) * math.exp(2 * c_res * cw0 * L * math.sqrt(q))
            * math.sqrt(n) * res0 / (H * lam0 * math.sqrt(m)))
