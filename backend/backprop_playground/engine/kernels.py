"""Compiled kernels: forward, loss, backward, regularization, clipping, optimizers, schedules.

Every route computes training states with these functions, so their numbers are bit-identical:
`train_steps` runs many updates in one compiled loop, and a traced update calls the very same
`one_step` once and reads the intermediates it left in its buffers.

Layout (shapes in brackets):
- `theta` [P]: all parameters, flat. Layer l (1..L) has W at `woff[l]` (row-major,
  `sizes[l]` rows by `sizes[l-1]` columns, so `W[j, i] = theta[woff[l] + j*sizes[l-1] + i]`)
  and b at `boff[l]`.
- `Z`, `A`, `DA`, `D` [U, batch]: pre-activations z, activations a, dL/da and delta of every
  unit of every layer, one row per unit (unit-major, so loops over the batch are contiguous);
  layer l's units start at row `uoff[l]`, layer 0 is the feature vector a_0.
- `mask` [P]: 1 for trainable parameters, 0 for fixed biases and pruned weights.
- `wmask` [P]: 1 for weights, 0 for biases (regularization and weight decay touch weights only).

No `fastmath`: every floating-point operation happens in the written order, so results are
reproducible bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .codes import (
    ADAM,
    ADAMW,
    BCE,
    CLIP_NORM,
    CLIP_VALUE,
    COSINE,
    CROSS_ENTROPY,
    CYCLIC,
    EXPONENTIAL,
    HALF_SSE,
    HP_ALPHA,
    HP_BETA1,
    HP_BETA2,
    HP_CLIP_THRESHOLD,
    HP_EPS,
    HP_GAMMA,
    HP_LR,
    HP_MAX_LR,
    HP_MIN_LR,
    HP_MOMENTUM,
    HP_REG_RATE,
    HP_STEP_SIZE,
    HP_TOTAL_STEPS,
    HP_WARMUP_STEPS,
    HP_WEIGHT_DECAY,
    IP_CLIP,
    IP_HIDDEN_ACT,
    IP_LOSS,
    IP_NESTEROV,
    IP_OPT,
    IP_OUT_ACT,
    IP_REG,
    IP_SCHED,
    LEAKY_RELU,
    LEAKY_SLOPE,
    MSE,
    OUT_CLIP_SCALE,
    OUT_DIVERGED,
    OUT_LOSS_DATA,
    OUT_LOSS_REG,
    OUT_LOSS_TOTAL,
    OUT_LR,
    OUT_NORM_AFTER,
    OUT_NORM_BEFORE,
    REG_L1,
    REG_L2,
    RELU,
    RMSPROP,
    SGD,
    SIGMOID,
    SOFTMAX,
    STEP,
    TANH,
    WARMUP,
)

CLIP_EPS = 1e-6  # as torch.nn.utils.clip_grad_norm_


# ---------------------------------------------------------------- activations


@njit(cache=True, nogil=True)
def act_forward(code: int, z: float) -> float:
    """a = f(z) for one unit (softmax is handled per layer in `forward`)."""
    if code == SIGMOID:
        if z >= 0.0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)
    if code == TANH:
        return math.tanh(z)
    if code == RELU:
        return z if z > 0.0 else 0.0
    if code == LEAKY_RELU:
        return z if z > 0.0 else LEAKY_SLOPE * z
    return z


@njit(cache=True, nogil=True)
def act_grad(code: int, z: float, a: float) -> float:
    """f'(z), from the cached z and a = f(z). At the kink, relu'(0) = 0 and leaky'(0) = 0.01."""
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if z > 0.0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if z > 0.0 else LEAKY_SLOPE
    return 1.0


# ---------------------------------------------------------------- schedule


@njit(cache=True, nogil=True)
def lr_at(sched: int, hp: np.ndarray, k: int) -> float:
    """Learning rate of update k (k = 0 for the first update), with the contract's formulas."""
    lr = hp[HP_LR]
    if sched == STEP:
        return lr * hp[HP_GAMMA] ** math.floor(k / hp[HP_STEP_SIZE])
    if sched == EXPONENTIAL:
        return lr * hp[HP_GAMMA] ** k
    if sched == COSINE:
        total = hp[HP_TOTAL_STEPS]
        min_lr = hp[HP_MIN_LR]
        return min_lr + (lr - min_lr) * (1.0 + math.cos(math.pi * min(k, total) / total)) / 2.0
    if sched == WARMUP:
        w = hp[HP_WARMUP_STEPS]
        if k < w:
            return lr * (k + 1) / w
        return lr
    if sched == CYCLIC:
        ss = hp[HP_STEP_SIZE]
        c = math.floor(1.0 + k / (2.0 * ss))
        x = abs(k / ss - 2.0 * c + 1.0)
        return lr + (hp[HP_MAX_LR] - lr) * max(0.0, 1.0 - x)
    return lr


# ---------------------------------------------------------------- minibatches


@njit(cache=True, nogil=True)
def _mix64(x: np.uint64) -> np.uint64:
    """SplitMix64's finalizer: a well-mixed 64-bit value from a counter."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
def epoch_permutation(seed: int, epoch: int, n: int, out: np.ndarray) -> None:
    """out[:n] = a permutation of 0..n-1, a pure function of (seed, epoch, n) (Fisher-Yates)."""
    state = _mix64(np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(epoch))
    for i in range(n):
        out[i] = i
    for i in range(n - 1, 0, -1):
        state = state + np.uint64(0x9E3779B97F4A7C15)
        j = np.int64(_mix64(state) % np.uint64(i + 1))
        tmp = out[i]
        out[i] = out[j]
        out[j] = tmp


@njit(cache=True, nogil=True)
def batch_rows(
    seed: int,
    k: int,
    train_rows: np.ndarray,
    batch_size: int,
    perm: np.ndarray,
    perm_epoch: int,
    rows: np.ndarray,
) -> tuple[int, int]:
    """Dataset rows of update k's batch into `rows`; returns (batch length, epoch of `perm`).

    Batch k mod batches_per_epoch of epoch floor(k / batches_per_epoch), where each epoch is
    a seeded permutation of the training rows cut into consecutive batches.
    `perm` holds the permutation of `perm_epoch` and is recomputed when the epoch changes.
    """
    n_train = train_rows.shape[0]
    bs = min(batch_size, n_train)
    per_epoch = (n_train + bs - 1) // bs
    epoch = k // per_epoch
    j = k - epoch * per_epoch
    if epoch != perm_epoch:
        epoch_permutation(seed, epoch, n_train, perm)
    start = j * bs
    nb = min(bs, n_train - start)
    for s in range(nb):
        rows[s] = train_rows[perm[start + s]]
    return nb, epoch


# ---------------------------------------------------------------- forward and loss


@njit(cache=True, nogil=True)
def forward(theta, sizes, woff, boff, uoff, hidden_act, out_act, F, rows, nb, Z, A):
    """z = W a_prev + b, a = f(z) for every layer and the first `nb` of `rows` of F.

    F [n_rows, sizes[0]] holds every dataset row's features; Z, A [U, >= nb] receive the caches
    (unit-major, so the loops over the batch are contiguous). Each z sums w_i a_i in the order
    of i, then adds b.
    """
    L = sizes.shape[0] - 1
    n0 = sizes[0]
    for s in range(nb):
        r = rows[s]
        for i in range(n0):
            Z[i, s] = F[r, i]
            A[i, s] = F[r, i]
    for layer in range(1, L + 1):
        n_in = sizes[layer - 1]
        n_out = sizes[layer]
        wo = woff[layer]
        bo = boff[layer]
        pi = uoff[layer - 1]
        po = uoff[layer]
        code = out_act if layer == L else hidden_act
        for j in range(n_out):
            zj = Z[po + j]
            for s in range(nb):
                zj[s] = 0.0
            base = wo + j * n_in
            for i in range(n_in):
                w = theta[base + i]
                ai = A[pi + i]
                for s in range(nb):
                    zj[s] += w * ai[s]
            bj = theta[bo + j]
            aj = A[po + j]
            for s in range(nb):
                z = zj[s] + bj
                zj[s] = z
                if code != SOFTMAX:
                    aj[s] = act_forward(code, z)
        if code == SOFTMAX:
            for s in range(nb):
                m = Z[po, s]
                for j in range(1, n_out):
                    m = max(m, Z[po + j, s])
                total = 0.0
                for j in range(n_out):
                    e = math.exp(Z[po + j, s] - m)
                    A[po + j, s] = e
                    total += e
                for j in range(n_out):
                    A[po + j, s] = A[po + j, s] / total


@njit(cache=True, nogil=True)
def output_loss(loss, out_act, Z, A, Y, rows, nb, po, K, loss_s, DA, D, want_delta):
    """Per-sample loss into loss_s[:nb]; if want_delta, dL/da and delta of the output layer.

    half_sse: l = 1/2 sum (y^ - y)^2, dl/da = y^ - y
    mse:      l = 1/K sum (y^ - y)^2, dl/da = 2 (y^ - y) / K
    bce:      l = 1/K sum [max(z,0) - z y + log1p(exp(-|z|))] (stable, from z), delta = (y^ - y)/K
    cross_entropy: l = sum y (logsumexp(z) - z), delta = y^ sum(y) - y (= y^ - y for one-hot)
    For the fused heads (bce, cross_entropy) dL/da is for display only and may be infinite.
    Returns the sum of the per-sample losses.
    """
    total = 0.0
    for s in range(nb):
        r = rows[s]
        ell = 0.0
        if loss == BCE:
            for k in range(K):
                z = Z[po + k, s]
                y = Y[r, k]
                ell += max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))
            ell = ell / K
            if want_delta:
                for k in range(K):
                    yh = A[po + k, s]
                    y = Y[r, k]
                    D[po + k, s] = (yh - y) / K
                    DA[po + k, s] = _safe_bce_dlda(yh, y, K)
        elif loss == CROSS_ENTROPY:
            m = Z[po, s]
            for k in range(1, K):
                m = max(m, Z[po + k, s])
            se = 0.0
            for k in range(K):
                se += math.exp(Z[po + k, s] - m)
            lse = m + math.log(se)
            ysum = 0.0
            for k in range(K):
                y = Y[r, k]
                ell += y * (lse - Z[po + k, s])
                ysum += y
            if want_delta:
                for k in range(K):
                    yh = A[po + k, s]
                    y = Y[r, k]
                    D[po + k, s] = yh * ysum - y
                    DA[po + k, s] = _safe_div(-y, yh)
        else:
            for k in range(K):
                diff = A[po + k, s] - Y[r, k]
                if loss == HALF_SSE:
                    ell += 0.5 * diff * diff
                else:
                    ell += diff * diff
            if loss == MSE:
                ell = ell / K
            if want_delta:
                for k in range(K):
                    diff = A[po + k, s] - Y[r, k]
                    dlda = diff if loss == HALF_SSE else 2.0 * diff / K
                    DA[po + k, s] = dlda
                    D[po + k, s] = dlda * act_grad(out_act, Z[po + k, s], A[po + k, s])
        loss_s[s] = ell
        total += ell
    return total


@njit(cache=True, nogil=True)
def _safe_div(a, b):
    if b == 0.0:
        if a == 0.0:
            return math.nan
        return math.copysign(math.inf, a)
    return a / b


@njit(cache=True, nogil=True)
def _safe_bce_dlda(yh, y, K):
    """dl/dy^ = -(1/K) (y / y^ - (1 - y) / (1 - y^)): display only; infinite when y^ saturates."""
    return -(_safe_div(y, yh) - _safe_div(1.0 - y, 1.0 - yh)) / K


@njit(cache=True, nogil=True)
def regularization(theta, wmask, reg, rate, GR):
    """Regularization loss over every weight (never biases) and its gradient into GR.

    l1: rate sum |w|, gradient rate sign(w) (0 at 0); l2: rate 1/2 sum w^2, gradient rate w.
    """
    total = 0.0
    for p in range(theta.shape[0]):
        g = 0.0
        if wmask[p] != 0.0 and reg != 0:
            w = theta[p]
            if reg == REG_L1:
                total += abs(w)
                if w > 0.0:
                    g = rate
                elif w < 0.0:
                    g = -rate
            elif reg == REG_L2:
                total += w * w
                g = rate * w
        GR[p] = g
    if reg == REG_L1:
        return rate * total
    if reg == REG_L2:
        return rate * 0.5 * total
    return 0.0


# ---------------------------------------------------------------- backward


@njit(cache=True, nogil=True)
def _dot_batch(x, y, nb):
    """sum_s x[s] y[s] with four interleaved partial sums (a fixed order, so reproducible)."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    s = 0
    while s + 3 < nb:
        a0 += x[s] * y[s]
        a1 += x[s + 1] * y[s + 1]
        a2 += x[s + 2] * y[s + 2]
        a3 += x[s + 3] * y[s + 3]
        s += 4
    while s < nb:
        a0 += x[s] * y[s]
        s += 1
    return (a0 + a1) + (a2 + a3)


@njit(cache=True, nogil=True)
def backward(theta, sizes, woff, boff, uoff, hidden_act, nb, Z, A, DA, D, GD):
    """Hidden deltas and the data gradient, from the output deltas already in D.

    dL/da_{l-1} = W_l^T delta_l;  delta_{l-1} = dL/da_{l-1} * f'(z_{l-1})   (per sample)
    grad_W_l[j, i] = mean_s delta_l[s, j] a_{l-1}[s, i];  grad_b_l[j] = mean_s delta_l[s, j]
    """
    L = sizes.shape[0] - 1
    for layer in range(L, 0, -1):
        n_in = sizes[layer - 1]
        n_out = sizes[layer]
        wo = woff[layer]
        bo = boff[layer]
        pi = uoff[layer - 1]
        po = uoff[layer]
        for j in range(n_out):
            dj = D[po + j]
            gb = 0.0
            for s in range(nb):
                gb += dj[s]
            GD[bo + j] = gb / nb
            base = wo + j * n_in
            for i in range(n_in):
                GD[base + i] = _dot_batch(dj, A[pi + i], nb) / nb
        if layer > 1:
            for i in range(n_in):
                dai = DA[pi + i]
                for s in range(nb):
                    dai[s] = 0.0
                for j in range(n_out):
                    w = theta[wo + j * n_in + i]
                    dj = D[po + j]
                    for s in range(nb):
                        dai[s] += w * dj[s]
                zi = Z[pi + i]
                ai = A[pi + i]
                di = D[pi + i]
                for s in range(nb):
                    di[s] = dai[s] * act_grad(hidden_act, zi[s], ai[s])


# ---------------------------------------------------------------- one update


@njit(cache=True, nogil=True)
def one_step(
    theta, mask, wmask, m1, m2, opt_t, sizes, woff, boff, uoff, ip, hp, k,
    F, Y, rows, nb, Z, A, DA, D, GD, GR, G, loss_s, layer_stats, out,
):  # fmt: skip
    """Update k -> k + 1 on the batch `rows[:nb]`: forward, loss, backward, regularization,
    clipping, optimizer. Leaves every intermediate in the buffers; `out` gets the scalars,
    `layer_stats[0, l]` the gradient norm of layer l before clipping, `[1, l]` the fraction of
    dead units and `[2, l]` of saturated units of hidden layer l.

    `opt_t` is the number of updates this optimizer has made before (0 at its first one);
    m1 holds SGD's momentum buffer or Adam's m, m2 RMSProp's or Adam's v.
    """
    L = sizes.shape[0] - 1
    hidden_act = ip[IP_HIDDEN_ACT]
    out_act = ip[IP_OUT_ACT]
    P = theta.shape[0]
    po = uoff[L]
    K = sizes[L]

    forward(theta, sizes, woff, boff, uoff, hidden_act, out_act, F, rows, nb, Z, A)
    data = output_loss(ip[IP_LOSS], out_act, Z, A, Y, rows, nb, po, K, loss_s, DA, D, True) / nb
    backward(theta, sizes, woff, boff, uoff, hidden_act, nb, Z, A, DA, D, GD)
    reg = regularization(theta, wmask, ip[IP_REG], hp[HP_REG_RATE], GR)
    total = data + reg

    # g = d(total)/d(theta) for trainable parameters only
    for p in range(P):
        G[p] = (GD[p] + GR[p]) * mask[p]

    # per-layer gradient norms (before clipping) and the units that stopped learning
    sq_total = 0.0
    for layer in range(1, L + 1):
        sq = 0.0
        for p in range(woff[layer], boff[layer] + sizes[layer]):
            sq += G[p] * G[p]
        sq_total += sq
        layer_stats[0, layer] = math.sqrt(sq)
        layer_stats[1, layer] = 0.0
        layer_stats[2, layer] = 0.0
        if layer < L and nb > 0:
            dead = 0
            sat = 0
            pl = uoff[layer]
            for j in range(sizes[layer]):
                all_dead = True
                all_sat = True
                for s in range(nb):
                    z = Z[pl + j, s]
                    if A[pl + j, s] != 0.0:  # dead: the unit outputs zero for every sample
                        all_dead = False
                    if abs(act_grad(hidden_act, z, A[pl + j, s])) >= 0.01:
                        all_sat = False
                if hidden_act == RELU or hidden_act == LEAKY_RELU:
                    if all_dead:
                        dead += 1
                elif hidden_act == SIGMOID or hidden_act == TANH:
                    if all_sat:
                        sat += 1
            layer_stats[1, layer] = dead / sizes[layer]
            layer_stats[2, layer] = sat / sizes[layer]
    norm_before = math.sqrt(sq_total)

    clip = ip[IP_CLIP]
    thr = hp[HP_CLIP_THRESHOLD]
    scale = 1.0
    if clip == CLIP_NORM:
        scale = min(1.0, thr / (norm_before + CLIP_EPS))
        for p in range(P):
            G[p] = G[p] * scale
    elif clip == CLIP_VALUE:
        for p in range(P):
            G[p] = min(max(G[p], -thr), thr)
    norm_after = norm_before
    if clip != 0:
        sq_total = 0.0
        for p in range(P):
            sq_total += G[p] * G[p]
        norm_after = math.sqrt(sq_total)

    lr = lr_at(ip[IP_SCHED], hp, k)
    apply_optimizer(theta, mask, wmask, m1, m2, opt_t, ip, hp, lr, G)

    diverged = not math.isfinite(total)
    if not diverged:
        for p in range(P):
            if not math.isfinite(theta[p]):
                diverged = True
                break
    out[OUT_LOSS_TOTAL] = total
    out[OUT_LOSS_DATA] = data
    out[OUT_LOSS_REG] = reg
    out[OUT_NORM_BEFORE] = norm_before
    out[OUT_NORM_AFTER] = norm_after
    out[OUT_LR] = lr
    out[OUT_CLIP_SCALE] = scale
    out[OUT_DIVERGED] = 1.0 if diverged else 0.0


@njit(cache=True, nogil=True)
def apply_optimizer(theta, mask, wmask, m1, m2, opt_t, ip, hp, lr, G):
    """theta <- optimizer update with gradient G, as torch.optim documents it.

    sgd:     b <- mu b + g (b = g at the first update); d = g + mu b (nesterov) or b; theta -= lr d
    rmsprop: v <- alpha v + (1 - alpha) g^2; theta -= lr g / (sqrt(v) + eps)
    adam:    m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
             theta -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps),  t = opt_t + 1
    adamw:   theta <- theta (1 - lr wd) for weights first, then adam.
    `weight_decay` belongs to adamw only (the contract's rules for sgd, rmsprop and adam have
    none; L2 regularization is the scenario's `regularization`).
    """
    opt = ip[IP_OPT]
    wd = hp[HP_WEIGHT_DECAY]
    mu = hp[HP_MOMENTUM]
    nesterov = ip[IP_NESTEROV] != 0
    alpha = hp[HP_ALPHA]
    b1 = hp[HP_BETA1]
    b2 = hp[HP_BETA2]
    eps = hp[HP_EPS]
    t = opt_t + 1
    bc1 = 1.0 - b1**t
    bc2_sqrt = math.sqrt(1.0 - b2**t)
    step_size = lr / bc1
    for p in range(theta.shape[0]):
        if mask[p] == 0.0:
            continue
        g = G[p]
        if opt == ADAMW and wmask[p] != 0.0:
            theta[p] = theta[p] * (1.0 - lr * wd)
        if opt == SGD:
            d = g
            if mu != 0.0:
                if opt_t == 0:
                    m1[p] = g
                else:
                    m1[p] = mu * m1[p] + g
                d = g + mu * m1[p] if nesterov else m1[p]
            theta[p] = theta[p] - lr * d
        elif opt == RMSPROP:
            m2[p] = alpha * m2[p] + (1.0 - alpha) * g * g
            theta[p] = theta[p] - lr * g / (math.sqrt(m2[p]) + eps)
        elif opt == ADAM or opt == ADAMW:
            m1[p] = b1 * m1[p] + (1.0 - b1) * g
            m2[p] = b2 * m2[p] + (1.0 - b2) * g * g
            denom = math.sqrt(m2[p]) / bc2_sqrt + eps
            theta[p] = theta[p] - step_size * (m1[p] / denom)


# ---------------------------------------------------------------- many updates


@njit(cache=True, nogil=True)
def train_steps(
    theta, mask, wmask, m1, m2, opt_t, sizes, woff, boff, uoff, ip, hp, seed, k0, k1,
    F, Y, train_rows, batch_size, Z, A, DA, D, GD, GR, G, loss_s, layer_stats, out,
    rows, perm, hist_loss, hist_lr, hist_layers,
):  # fmt: skip
    """Updates k0 .. k1-1 with `one_step`, stopping after the first diverged one.

    Records per update (index k - k0): the batch's total loss, the learning rate and
    `layer_stats` (hist_layers[k - k0] = layer_stats). Returns the number of updates made.
    """
    perm_epoch = -1
    done = 0
    for k in range(k0, k1):
        nb, perm_epoch = batch_rows(seed, k, train_rows, batch_size, perm, perm_epoch, rows)
        one_step(
            theta, mask, wmask, m1, m2, opt_t + done, sizes, woff, boff, uoff, ip, hp, k,
            F, Y, rows, nb, Z, A, DA, D, GD, GR, G, loss_s, layer_stats, out,
        )  # fmt: skip
        h = k - k0
        hist_loss[h] = out[OUT_LOSS_TOTAL]
        hist_lr[h] = out[OUT_LR]
        for r in range(layer_stats.shape[0]):
            for c in range(layer_stats.shape[1]):
                hist_layers[h, r, c] = layer_stats[r, c]
        done += 1
        if out[OUT_DIVERGED] != 0.0:
            break
    return done


# ---------------------------------------------------------------- evaluation


@njit(cache=True, nogil=True)
def evaluate(theta, sizes, woff, boff, uoff, ip, F, Y, rows, threshold, Z, A, loss_s, DA, D):
    """Mean data loss and number of correct predictions over `rows`, in chunks of len(Z).

    A prediction is correct when, with one output, y^ and y fall on the same side of
    `threshold`, and with several, argmax y^ = argmax y.
    """
    L = sizes.shape[0] - 1
    po = uoff[L]
    K = sizes[L]
    chunk = Z.shape[1]
    n = rows.shape[0]
    total = 0.0
    correct = 0
    for start in range(0, n, chunk):
        nb = min(chunk, n - start)
        sub = rows[start : start + nb]
        forward(theta, sizes, woff, boff, uoff, ip[IP_HIDDEN_ACT], ip[IP_OUT_ACT], F, sub, nb, Z, A)
        total += output_loss(
            ip[IP_LOSS], ip[IP_OUT_ACT], Z, A, Y, sub, nb, po, K, loss_s, DA, D, False
        )
        for s in range(nb):
            r = sub[s]
            if K == 1:
                if (A[po, s] > threshold) == (Y[r, 0] > threshold):
                    correct += 1
            else:
                best_p = 0
                best_y = 0
                for k in range(1, K):
                    if A[po + k, s] > A[po + best_p, s]:
                        best_p = k
                    if Y[r, k] > Y[r, best_y]:
                        best_y = k
                if best_p == best_y:
                    correct += 1
    return total / max(n, 1), correct


@njit(cache=True, nogil=True)
def batch_total_loss(
    theta, sizes, woff, boff, uoff, ip, hp, wmask, F, Y, rows, nb, Z, A, loss_s, GR
):
    """Total loss (data + regularization) of one batch: the function `gradcheck` differentiates."""
    L = sizes.shape[0] - 1
    forward(theta, sizes, woff, boff, uoff, ip[IP_HIDDEN_ACT], ip[IP_OUT_ACT], F, rows, nb, Z, A)
    data = output_loss(
        ip[IP_LOSS], ip[IP_OUT_ACT], Z, A, Y, rows, nb, uoff[L], sizes[L], loss_s, Z, Z, False
    )
    return data / nb + regularization(theta, wmask, ip[IP_REG], hp[HP_REG_RATE], GR)


@njit(cache=True, nogil=True)
def numeric_gradient(
    theta, mask, sizes, woff, boff, uoff, ip, hp, wmask, F, Y, rows, nb, h, Z, A, loss_s, GR, out
):
    """Central differences (L(theta + h e_p) - L(theta - h e_p)) / 2h for every trainable p."""
    for p in range(theta.shape[0]):
        if mask[p] == 0.0:
            out[p] = math.nan
            continue
        keep = theta[p]
        theta[p] = keep + h
        plus = batch_total_loss(
            theta, sizes, woff, boff, uoff, ip, hp, wmask, F, Y, rows, nb, Z, A, loss_s, GR
        )
        theta[p] = keep - h
        minus = batch_total_loss(
            theta, sizes, woff, boff, uoff, ip, hp, wmask, F, Y, rows, nb, Z, A, loss_s, GR
        )
        theta[p] = keep
        out[p] = (plus - minus) / (2.0 * h)
