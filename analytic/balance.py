"""Conserved quantities of gradient flow in homogeneous models, and the asymmetric matrix
factorization of thesis chapter 4 (auto-balancing; Du, Hu & Lee 2018).

Networks are stored *padded*: a depth-N fully connected network with widths n_0..n_N is a stack
``W`` of shape (DEPTH_MAX, P, P) with a 0/1 ``mask`` of the same shape; layers beyond N are
inactive (the forward pass skips them).  Padding keeps one jitted function per width bucket P
(see ``width_bucket``); the padded entries get exactly zero gradient once the gradient is masked.

Convention (thesis Sec. 4.2.1, line ~3830): W^(h) in R^{n_h x n_{h-1}},
f(x) = W^(N) sigma(W^(N-1) ... sigma(W^(1) x)), so W^(h)[i,:] are the weights *into* neuron i of
hidden layer h and W^(h+1)[:,i] the weights *out of* it.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .errors import InvalidParameter, require

DEPTH_MAX = 5
WIDTH_BUCKETS = (4, 8, 16)

# ----------------------------------------------------------------------------- activations
#: slope on the negative half-line of a positively homogeneous activation sigma(x) = x (x>=0), a x (x<0)
HOMOGENEOUS = {"relu": 0.0, "leaky_relu": 0.1, "linear": 1.0}
NON_HOMOGENEOUS = ("tanh", "softplus")


def homogeneous_act(x, slope):
    """sigma(x) = x for x >= 0 and slope*x for x < 0 (ReLU: 0, leaky ReLU: 0<slope<1, linear: 1).

    Homogeneous in the sense of Sec. 4.2.1 (line ~3838): sigma(x) = sigma'(x) x for every element
    of the sub-differential."""
    return jnp.where(x >= 0, x, slope * x)


def nonhomogeneous_act(name: str):
    require(name in NON_HOMOGENEOUS, f"non-homogeneous activation must be one of {NON_HOMOGENEOUS}, got {name!r}")
    return {"tanh": jnp.tanh, "softplus": jax.nn.softplus}[name]


def slope_of(name: str) -> float:
    """The negative-side slope of a homogeneous activation; InvalidParameter otherwise."""
    require(name in HOMOGENEOUS,
            f"activation must be positively homogeneous (sigma(x) = sigma'(x) x: one of {tuple(HOMOGENEOUS)}), "
            f"got {name!r}")
    return HOMOGENEOUS[name]


def width_bucket(widths) -> int:
    m = max(widths)
    for b in WIDTH_BUCKETS:
        if m <= b:
            return b
    raise InvalidParameter(f"widths must be <= {WIDTH_BUCKETS[-1]}, got max {m}")


# ----------------------------------------------------------------------------- architectures
def validate_widths(widths) -> tuple[int, ...]:
    widths = tuple(int(w) for w in widths)
    require(2 <= len(widths) - 1 <= DEPTH_MAX, f"depth N = len(widths)-1 must be in [2, {DEPTH_MAX}], got {len(widths) - 1}")
    require(all(w >= 1 for w in widths), f"every width must be >= 1, got {widths}")
    return widths


def validate_layers(weights) -> tuple[int, ...]:
    """Check that consecutive weight matrices chain: W^(h) is n_h x n_{h-1}.  Returns the widths."""
    require(len(weights) >= 2, f"need at least 2 layers, got {len(weights)}")
    shapes = [tuple(np.shape(w)) for w in weights]
    require(all(len(s) == 2 for s in shapes), f"every layer must be a matrix, got shapes {shapes}")
    for h in range(1, len(shapes)):
        require(shapes[h][1] == shapes[h - 1][0],
                f"layer shapes must chain: W^({h + 1}) has {shapes[h][1]} columns but W^({h}) has "
                f"{shapes[h - 1][0]} rows (shapes {shapes})")
    return (shapes[0][1],) + tuple(s[0] for s in shapes)


def mask_for(widths, P: int | None = None) -> np.ndarray:
    widths = validate_widths(widths)
    P = width_bucket(widths) if P is None else P
    N = len(widths) - 1
    m = np.zeros((DEPTH_MAX, P, P))
    for h in range(N):
        m[h, : widths[h + 1], : widths[h]] = 1.0
    return m


def pad_layers(weights, P: int | None = None):
    """Stack a list of weight matrices (validated) into the padded (DEPTH_MAX, P, P) form."""
    widths = validate_layers(weights)
    validate_widths(widths)
    P = width_bucket(widths) if P is None else P
    require(max(widths) <= P, f"padded width P must be >= every layer width, got P={P}, widths={widths}")
    W = np.zeros((DEPTH_MAX, P, P))
    for h, w in enumerate(weights):
        W[h, : w.shape[0], : w.shape[1]] = np.asarray(w)
    return jnp.asarray(W), jnp.asarray(mask_for(widths, P)), widths


def active_layers(mask):
    """1.0 for layers in use (any nonzero mask entry), shape (DEPTH_MAX,)."""
    return (jnp.sum(mask, axis=(1, 2)) > 0).astype(mask.dtype)


ACT_CODES = {"homogeneous": 0, "tanh": 1, "softplus": 2}


def activation(z, slope, code):
    """code 0: homogeneous_act(z, slope); 1: tanh; 2: softplus (traced, so one compile serves all)."""
    return jnp.where(code == 1, jnp.tanh(z), jnp.where(code == 2, jax.nn.softplus(z), homogeneous_act(z, slope)))


def forward(W, mask, x, slopes, codes=None):
    """f(x) for a padded network; ``x``: (m, P) inputs; ``slopes``: (DEPTH_MAX,) negative-side slope
    of the activation applied *after* layer h; ``codes`` (DEPTH_MAX,) ints (ACT_CODES) switch that
    activation to a non-homogeneous one.  Inactive layers pass their input through unchanged."""
    on = active_layers(mask)
    Wm = W * mask
    codes = jnp.zeros(DEPTH_MAX, dtype=jnp.int32) if codes is None else codes
    z = x @ Wm[0].T
    for h in range(1, W.shape[0]):
        z_new = activation(z, slopes[h - 1], codes[h - 1]) @ Wm[h].T
        z = jnp.where(on[h] > 0, z_new, z)
    return z


def loss(W, mask, x, y, out_mask, slopes, loss_mix, codes=None):
    """Training loss (4.4): sum over samples; ``loss_mix`` in {0,1}: 1 = squared 0.5(f-y)^2,
    0 = logistic log(1+exp(-y f)) with labels y in {-1,+1}; only real output coordinates count."""
    require_data(x)
    f = forward(W, mask, x, slopes, codes)
    sq = 0.5 * (f - y) ** 2
    lg = jnp.logaddexp(0.0, -y * f)
    per = loss_mix * sq + (1.0 - loss_mix) * lg
    return jnp.sum(per * out_mask)


def neuron_balance(W, mask):
    """Theorem 4.1 (line 3851): Q_{h,i} = ||W^(h)[i,:]||^2 - ||W^(h+1)[:,i]||^2 for every hidden
    neuron; returns (DEPTH_MAX-1, P) (zero where the pair (h, h+1) is not in the network)."""
    Wm = W * mask
    on = active_layers(mask)
    pair = on[:-1] * on[1:]
    incoming = jnp.sum(Wm[:-1] ** 2, axis=2)  # rows of W^(h)
    outgoing = jnp.sum(Wm[1:] ** 2, axis=1)  # columns of W^(h+1)
    return (incoming - outgoing) * pair[:, None]


def layer_balance(W, mask):
    """Corollary 4.1 (line 3865): ||W^(h)||_F^2 - ||W^(h+1)||_F^2, shape (DEPTH_MAX-1,)."""
    Wm = W * mask
    on = active_layers(mask)
    n2 = jnp.sum(Wm ** 2, axis=(1, 2))
    return (n2[:-1] - n2[1:]) * on[:-1] * on[1:]


def matrix_balance(W, mask, h):
    """Theorem 4.2 (line 3882): W^(h) W^(h)T - W^(h+1)T W^(h+1) (0-based layer index ``h``), P x P."""
    Wm = W * mask
    return Wm[h] @ Wm[h].T - Wm[h + 1].T @ Wm[h + 1]


def flow_derivative(quantity, loss_fn, params, grad_mask):
    """d/dt quantity(theta(t)) along gradient flow d theta/dt = -grad L (masked to the real
    parameters): the Jacobian-vector product <grad Q, -grad L> by forward-mode autodiff."""
    g = jax.grad(loss_fn)(params) * grad_mask
    _, dq = jax.jvp(quantity, (params,), (-g,))
    return dq


def flow_derivative_scale(quantity, loss_fn, params, grad_mask):
    """Operand scale of ``flow_derivative``: sum_k |dQ/dtheta_k| |dL/dtheta_k| per component
    (the size of the terms whose cancellation the conservation law asserts)."""
    g = jnp.abs(jax.grad(loss_fn)(params) * grad_mask)
    J = jax.jacrev(quantity)(params)
    return jnp.sum(jnp.abs(J) * g, axis=tuple(range(J.ndim - params.ndim, J.ndim)))


# ----------------------------------------------------------------------------- shared / sparse weights (Sec. 4.2.2)
def shared_weight_matrix(v, g):
    """W[i,j] = 0 if g[i,j] = 0 else v[g[i,j]-1] (line ~3905: sparsity and weight sharing map g_h)."""
    g = jnp.asarray(g)
    return jnp.where(g > 0, v[jnp.maximum(g - 1, 0)], 0.0)


def conv_map(n_in: int, r: int, P: int) -> np.ndarray:
    """g for a 1-D 'valid' convolution with one filter of size r: W[i, i+k] = v[k], n_out = n_in-r+1."""
    require(1 <= r <= n_in, f"filter size r must be in [1, n_in={n_in}], got {r}")
    g = np.zeros((P, P), dtype=np.int32)
    for i in range(n_in - r + 1):
        for k in range(r):
            g[i, i + k] = k + 1
    return g


def shared_norms_balance(V):
    """Theorem 4.3 (line 3924): ||v^(h)||^2 - ||v^(h+1)||^2 for stacked padded parameter vectors V
    (DEPTH_MAX, P) -- padded entries are zero."""
    n2 = jnp.sum(V ** 2, axis=1)
    return n2[:-1] - n2[1:]


# ----------------------------------------------------------------------------- matrix factorization (Sec. 4.3)
def _xp(*arrays):
    """numpy for numpy/float inputs (no per-shape compilation in Hypothesis loops), jax.numpy otherwise."""
    return np if all(isinstance(a, (np.ndarray, float, int, np.floating, np.integer)) for a in arrays) else jnp


def mf_loss(U, V, M):
    """(4.8): f(U, V) = 1/2 ||U V^T - M*||_F^2."""
    xp = _xp(U, V, M)
    return 0.5 * xp.sum((U @ V.T - M) ** 2)


def mf_regularized_loss(U, V, M):
    """(4.3): 1/2 ||U V^T - M*||_F^2 + 1/8 ||U^T U - V^T V||_F^2 (the balancing regularizer of Ge et al.).

    Printed: the coefficient is illegible in the source (OCR); 1/8 is Ge et al.'s choice."""
    xp = _xp(U, V, M)
    return mf_loss(U, V, M) + 0.125 * xp.sum((U.T @ U - V.T @ V) ** 2)


def mf_grads(U, V, M):
    """(4.2): df/dU = (U V^T - M*) V, df/dV = (U V^T - M*)^T U."""
    R = U @ V.T - M
    return R @ V, R.T @ U


def mf_gd_step(U, V, M, eta):
    """(4.9): one GD step U <- U - eta R V, V <- V - eta R^T U (simultaneous)."""
    gU, gV = mf_grads(U, V, M)
    return U - eta * gU, V - eta * gV


def balancedness(U, V):
    """U^T U - V^T V (conserved by gradient flow, Theorem 4.2 read as a two-layer linear net)."""
    return U.T @ U - V.T @ V


def balance_after_step(U, V, M, eta):
    """Claim 4.1 (line 4316): U'^T U' - V'^T V' = U^T U - V^T V + eta^2 (V^T R^T R V - U^T R R^T U),
    R = U V^T - M*, for (U', V') one GD step (4.9)."""
    R = U @ V.T - M
    return U.T @ U - V.T @ V + eta ** 2 * (V.T @ R.T @ R @ V - U.T @ R @ R.T @ U)


def balance_step_bound(U, V, M, eta):
    """(4.13): ||U'^TU' - V'^TV'||_F <= ||U^TU - V^TV||_F + eta^2 (||V||_F^2 + ||U||_F^2) ||R||_F^2."""
    xp = _xp(U, V, M, eta)
    R = U @ V.T - M
    return xp.linalg.norm(U.T @ U - V.T @ V) + eta ** 2 * (xp.sum(V ** 2) + xp.sum(U ** 2)) * xp.sum(R ** 2)


def thm44_step(t, eps, r, m_norm):
    """Theorem 4.4 step size eta_t = sqrt(eps/r) / (100 (t+1) ||M*||_F^{3/2}) (the schedule used in
    the proof of Claim 4.1, line ~4345; printed in the theorem illegibly)."""
    xp = _xp(t, eps, r, m_norm)
    return xp.sqrt(eps / r) / (100.0 * (t + 1.0) * m_norm ** 1.5)


def thm44_init_var(eps, d, r):
    """Initialization variance for Theorem 4.4: the variance is illegible in the thesis OCR (line ~4030,
    read as N(0, eps/poly(d))); the proof (line ~4290) only uses ||U_0||_F^2, ||V_0||_F^2 <= eps and
    ||U_0^TU_0 - V_0^TV_0||_F <= eps/2.  Reading checked: variance eps / (10 d^2)."""
    require(eps > 0, f"eps must be > 0, got {eps}")
    require(d >= 1 and r >= 1, f"d and r must be >= 1, got d={d}, r={r}")
    return eps / (10.0 * d * d)


def lemma41_norm_bound(r, m_norm):
    """Lemma 4.1 (iii) / Claim 4.3: ||U||_F^2, ||V||_F^2 <= 5 sqrt(r) ||M*||_F."""
    xp = _xp(r, m_norm)
    return 5.0 * xp.sqrt(r) * m_norm


def smoothness(c, m_norm):
    """Lemma 4.3 (line 4266): f is (6c+2)||M*||_F-smooth on {||U||_F^2, ||V||_F^2 <= c ||M*||_F}."""
    return (6.0 * c + 2.0) * m_norm


def claim42_beta(r, m_norm):
    """Claim 4.2: beta = (66 sqrt(r) + 2) ||M*||_F (Lemma 4.3 with c = 11 sqrt(r))."""
    xp = _xp(r, m_norm)
    return smoothness(11.0 * xp.sqrt(r), m_norm)


def mf_hessian_form(U, V, M, DU, DV):
    """(4.12): [nabla^2 f(U,V)](D, D) = 2 <U V^T - M*, D_U D_V^T> + ||U D_V^T + D_U V^T||_F^2."""
    xp = _xp(U, V, M, DU, DV)
    return 2.0 * xp.sum((U @ V.T - M) * (DU @ DV.T)) + xp.sum((U @ DV.T + DU @ V.T) ** 2)


def mf_hessian_matrix(U, V, M):
    """The Hessian of f (4.8) as a matrix on vec(U, V) (row-major), blocks from (4.12):
    H_UU = I (x) V^TV, H_VV = I (x) U^TU, H_UV[(i,a),(k,b)] = R[i,k] delta_ab + U[i,b] V[k,a]."""
    xp = np if all(isinstance(a, np.ndarray) for a in (U, V, M)) else jnp  # numpy in, numpy out (no per-shape compile)
    d1, r = U.shape
    d2 = V.shape[0]
    R = U @ V.T - M
    Huu = xp.kron(xp.eye(d1), V.T @ V)
    Hvv = xp.kron(xp.eye(d2), U.T @ U)
    Huv = xp.kron(R, xp.eye(r)) + xp.einsum("ib,ka->iakb", U, V).reshape(d1 * r, d2 * r)
    return xp.block([[Huu, Huv], [Huv.T, Hvv]])


def procrustes(W, Wstar):
    """argmin over orthogonal R of ||W - W* R||_F: R = A B^T from the SVD W*^T W = A S B^T."""
    xp = _xp(W, Wstar)
    A, _, Bt = xp.linalg.svd(Wstar.T @ W)
    return A @ Bt


def balanced_factors(M, r):
    """U* = Phi* Sigma*^{1/2}, V* = Psi* Sigma*^{1/2} from the rank-r SVD of M* (line ~4470)."""
    xp = _xp(M, r)
    P_, s, Qt = xp.linalg.svd(M, full_matrices=False)
    return P_[:, :r] * xp.sqrt(s[:r]), Qt[:r].T * xp.sqrt(s[:r])


def stationary_point(M, r, subset_mask):
    """A stationary point of f: the singular pairs of M* selected by ``subset_mask`` (0/1 over the
    first r), U = Phi_S Sigma_S^{1/2}, V = Psi_S Sigma_S^{1/2} (other columns zero)."""
    Us, Vs = balanced_factors(M, r)
    return Us * subset_mask, Vs * subset_mask


# ----------------------------------------------------------------------------- rank-1 dynamics (Sec. 4.3.2, 4.8)
def rank1_stats(u, v, ustar, vstar):
    """(alpha, alpha_perp, beta, beta_perp) = (u.u*, ||(I-u*u*^T)u||, v.v*, ||(I-v*v*^T)v||)."""
    xp = _xp(u, v, ustar, vstar)
    a = u @ ustar
    b = v @ vstar
    ap = xp.linalg.norm(u - a * ustar)
    bp = xp.linalg.norm(v - b * vstar)
    return xp.stack([a, ap, b, bp])


def rank1_recursion(s, eta, sigma1):
    """(4.23) (line 4582): alpha' = (1 - eta(beta^2 + beta_perp^2)) alpha + eta sigma1 beta,
    alpha_perp' = (1 - eta(beta^2 + beta_perp^2)) alpha_perp, and symmetrically for beta.

    Printed without absolute values: alpha_perp is a norm, so the printed form holds only while
    1 - eta ||v_t||^2 >= 0; the code takes |.| of the factor."""
    xp = _xp(s, eta, sigma1)
    a, ap, b, bp = s[0], s[1], s[2], s[3]
    nv = b ** 2 + bp ** 2
    nu = a ** 2 + ap ** 2
    return xp.stack([(1 - eta * nv) * a + eta * sigma1 * b, xp.abs(1 - eta * nv) * ap,
                      (1 - eta * nu) * b + eta * sigma1 * a, xp.abs(1 - eta * nu) * bp])


def rank1_recursion_printed(s, eta, sigma1):
    """(4.23) exactly as printed (no absolute value on the complement factors)."""
    xp = _xp(s, eta, sigma1)
    a, ap, b, bp = s[0], s[1], s[2], s[3]
    nv = b ** 2 + bp ** 2
    nu = a ** 2 + ap ** 2
    return xp.stack([(1 - eta * nv) * a + eta * sigma1 * b, (1 - eta * nv) * ap,
                      (1 - eta * nu) * b + eta * sigma1 * a, (1 - eta * nu) * bp])


def h_xi(s, sigma1):
    """h_t = alpha_t beta_t - sigma1, xi_t = alpha_perp^2 + beta_perp^2."""
    xp = _xp(s, sigma1)
    return xp.stack([s[0] * s[2] - sigma1, s[1] ** 2 + s[3] ** 2])


def h_xi_next(s, eta, sigma1):
    """(4.24) as derived here from (4.23):
    h' = (1 - eta(||u||^2 + ||v||^2) + eta^2 (a b h + a^2 bp^2 + b^2 ap^2 + ap^2 bp^2)) h
         - eta sigma1 xi + eta^2 sigma1 ap^2 bp^2,
    xi' = (1 - eta ||v||^2)^2 ap^2 + (1 - eta ||u||^2)^2 bp^2.

    Printed: the coefficient of h_t reads (1 - eta(alpha_t^2 + beta_t^2) + ...), i.e. without the
    complement energies alpha_perp^2 + beta_perp^2 = xi_t; the two differ by -eta xi_t h_t."""
    xp = _xp(s, eta, sigma1)
    a, ap, b, bp = s[0], s[1], s[2], s[3]
    h = a * b - sigma1
    xi = ap ** 2 + bp ** 2
    nu, nv = a ** 2 + ap ** 2, b ** 2 + bp ** 2
    coef = 1 - eta * (nu + nv) + eta ** 2 * (a * b * h + a ** 2 * bp ** 2 + b ** 2 * ap ** 2 + ap ** 2 * bp ** 2)
    return xp.stack([coef * h - eta * sigma1 * xi + eta ** 2 * sigma1 * ap ** 2 * bp ** 2,
                      (1 - eta * nv) ** 2 * ap ** 2 + (1 - eta * nu) ** 2 * bp ** 2])


def h_xi_next_printed(s, eta, sigma1):
    """(4.24) as printed (coefficient 1 - eta(alpha_t^2 + beta_t^2) + ...)."""
    xp = _xp(s, eta, sigma1)
    a, ap, b, bp = s[0], s[1], s[2], s[3]
    h = a * b - sigma1
    xi = ap ** 2 + bp ** 2
    nu, nv = a ** 2 + ap ** 2, b ** 2 + bp ** 2
    coef = 1 - eta * (a ** 2 + b ** 2) + eta ** 2 * (a * b * h + a ** 2 * bp ** 2 + b ** 2 * ap ** 2 + ap ** 2 * bp ** 2)
    return xp.stack([coef * h - eta * sigma1 * xi + eta ** 2 * sigma1 * ap ** 2 * bp ** 2,
                      (1 - eta * nv) ** 2 * ap ** 2 + (1 - eta * nu) ** 2 * bp ** 2])


def thm45_init_scale(c_init, sigma1, d):
    """Theorem 4.5: u_0, v_0 ~ N(0, delta I) with delta = c_init sqrt(sigma1 / d) read as the standard
    deviation of each entry (the proof's |alpha_0| ~ c_init sqrt(sigma1/d) needs exactly this)."""
    require(c_init > 0 and sigma1 > 0 and d >= 1, f"need c_init > 0, sigma1 > 0, d >= 1; got {c_init}, {sigma1}, {d}")
    return c_init * math.sqrt(sigma1 / d)


def thm45_step(c_step, sigma1):
    """Theorem 4.5: constant step eta = c_step / sigma1."""
    require(c_step > 0 and sigma1 > 0, f"need c_step > 0 and sigma1 > 0; got {c_step}, {sigma1}")
    return c_step / sigma1


def lemma45_ratio_bound():
    """Lemma 4.5 (iv): |alpha_t - beta_t| <= (99/101)(alpha_t + beta_t), i.e. alpha_t/beta_t in [1/100, 100]."""
    return 99.0 / 101.0


# ----------------------------------------------------------------------------- GD as an optax transformation
def gd_transform(schedule):
    """Plain GD (4.9) as an optax GradientTransformation with step-size schedule ``schedule(t)``."""
    import optax
    return optax.sgd(learning_rate=schedule)


def require_data(x):
    require(np.shape(x)[0] >= 1, f"data must contain at least 1 sample, got {np.shape(x)[0]}")
