"""Compiled kernels: forward pass, loss, backward pass, one update, many updates, evaluation.

The maths, slowly: `tests/reference/simple_net.py` writes the same network in plain Python, one
sample and one weight at a time, and the engine matches it to 1e-10.

Every route computes training states with these functions, so their numbers are bit-identical:
`train_steps` runs many updates in one compiled loop, and a traced update calls the very same
`one_step` once and reads the intermediates it left in its `Work` buffers. The arguments come in
fixed-arity named tuples (`tuples.Net`, `Params`, `Hyper`, `Data`, `Work`), so numba compiles
each kernel once for every depth; per-layer views (`W`, `b`, `a_prev`, `z`, `a`, `delta`,
`grad_W`, `grad_b`) are made inside with `tuples.weights`, `biases` and `units`.

No `fastmath`: every floating-point operation happens in the written order, so results are
reproducible bit for bit.
"""

from __future__ import annotations

import math

from numba import njit

from .activations import act_forward, act_grad
from .batches import batch_rows
from .codes import (
    BCE,
    CLIP_NONE,
    CLIP_NORM,
    CROSS_ENTROPY,
    HALF_SSE,
    LEAKY_RELU,
    MSE,
    RELU,
    SIGMOID,
    SOFTMAX,
    TANH,
)
from .optim import apply_optimizer, clip, lr_at, regularization
from .tuples import Data, Hyper, Net, Params, Record, StepResult, Work, biases, units, weights

SATURATED = 0.01  # a sigmoid/tanh unit is saturated when |f'(z)| < this for every sample

# ---------------------------------------------------------------- small dense products


@njit(cache=True, nogil=True, error_model="numpy")
def _matmul_batch(M, x, nb, out, transpose):
    """out[r, s] = sum_c M[r, c] x[c, s] for s < nb (M^T when `transpose`), summed from 0.0
    in the order of c.

    Four samples at a time, each with its own running sum, so the sums are those of the plain
    loop bit for bit and the four chains overlap.
    """
    if transpose:
        n_c, n_r = M.shape
    else:
        n_r, n_c = M.shape
    for r in range(n_r):
        s = 0
        while s + 4 <= nb:
            o0 = 0.0
            o1 = 0.0
            o2 = 0.0
            o3 = 0.0
            for c in range(n_c):
                m = M[c, r] if transpose else M[r, c]
                o0 += m * x[c, s]
                o1 += m * x[c, s + 1]
                o2 += m * x[c, s + 2]
                o3 += m * x[c, s + 3]
            out[r, s] = o0
            out[r, s + 1] = o1
            out[r, s + 2] = o2
            out[r, s + 3] = o3
            s += 4
        while s < nb:
            o = 0.0
            for c in range(n_c):
                m = M[c, r] if transpose else M[r, c]
                o += m * x[c, s]
            out[r, s] = o
            s += 1


@njit(cache=True, nogil=True, error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _dot_batch4(x, y0, y1, y2, y3, nb):
    """`_dot_batch(x, y_q, nb)` for four y_q at once: the same partial sums in the same order,
    with each x[s] loaded once."""
    p00 = p01 = p02 = p03 = 0.0
    p10 = p11 = p12 = p13 = 0.0
    p20 = p21 = p22 = p23 = 0.0
    p30 = p31 = p32 = p33 = 0.0
    s = 0
    while s + 3 < nb:
        x0, x1, x2, x3 = x[s], x[s + 1], x[s + 2], x[s + 3]
        p00 += x0 * y0[s]
        p01 += x1 * y0[s + 1]
        p02 += x2 * y0[s + 2]
        p03 += x3 * y0[s + 3]
        p10 += x0 * y1[s]
        p11 += x1 * y1[s + 1]
        p12 += x2 * y1[s + 2]
        p13 += x3 * y1[s + 3]
        p20 += x0 * y2[s]
        p21 += x1 * y2[s + 1]
        p22 += x2 * y2[s + 2]
        p23 += x3 * y2[s + 3]
        p30 += x0 * y3[s]
        p31 += x1 * y3[s + 1]
        p32 += x2 * y3[s + 2]
        p33 += x3 * y3[s + 3]
        s += 4
    while s < nb:
        xs = x[s]
        p00 += xs * y0[s]
        p10 += xs * y1[s]
        p20 += xs * y2[s]
        p30 += xs * y3[s]
        s += 1
    return (
        (p00 + p01) + (p02 + p03),
        (p10 + p11) + (p12 + p13),
        (p20 + p21) + (p22 + p23),
        (p30 + p31) + (p32 + p33),
    )


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _mean_outer(delta, a_prev, nb, grad_W):
    """grad_W[j, i] = mean_s delta[j, s] a_prev[i, s] (each sum as `_dot_batch` makes it)."""
    n_in = a_prev.shape[0]
    for j in range(delta.shape[0]):
        dj = delta[j]
        i = 0
        while i + 4 <= n_in:
            y0, y1, y2, y3 = a_prev[i], a_prev[i + 1], a_prev[i + 2], a_prev[i + 3]
            g0, g1, g2, g3 = _dot_batch4(dj, y0, y1, y2, y3, nb)
            grad_W[j, i] = g0 / nb
            grad_W[j, i + 1] = g1 / nb
            grad_W[j, i + 2] = g2 / nb
            grad_W[j, i + 3] = g3 / nb
            i += 4
        while i < n_in:
            grad_W[j, i] = _dot_batch(dj, a_prev[i], nb) / nb
            i += 1


# ---------------------------------------------------------------- forward and loss


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def forward(theta, net: Net, hyper: Hyper, F, rows, nb, Z, A, FP):
    """z = W a_prev + b, a = f(z) and f'(z) for every layer and the first `nb` of `rows` of F.

    F [n_rows, sizes[0]] holds every dataset row's features; Z, A, FP [U, >= nb] receive the
    caches the backward pass uses (a softmax layer has no f'). Each z sums w_i a_i in the order
    of i, then adds b.
    """
    L = net.sizes.shape[0] - 1
    a0 = units(net, A, 0)
    z0 = units(net, Z, 0)
    for s in range(nb):
        r = rows[s]
        for i in range(a0.shape[0]):
            z0[i, s] = F[r, i]
            a0[i, s] = F[r, i]
    for layer in range(1, L + 1):
        W = weights(net, theta, layer)
        b = biases(net, theta, layer)
        a_prev = units(net, A, layer - 1)
        z = units(net, Z, layer)
        a = units(net, A, layer)
        fp = units(net, FP, layer)
        code = hyper.out_act if layer == L else hyper.hidden_act
        _matmul_batch(W, a_prev, nb, z, False)
        for j in range(z.shape[0]):
            for s in range(nb):
                z[j, s] = z[j, s] + b[j]
        if code == SOFTMAX:
            _softmax(z, a, nb)
        else:
            for j in range(z.shape[0]):
                for s in range(nb):
                    a[j, s] = act_forward(code, z[j, s])
                    fp[j, s] = act_grad(code, z[j, s], a[j, s])


@njit(cache=True, nogil=True, error_model="numpy")
def _softmax(z, a, nb):
    """a[:, s] = exp(z[:, s] - max) / sum exp(z[:, s] - max)."""
    K = z.shape[0]
    for s in range(nb):
        m = z[0, s]
        for k in range(1, K):
            m = max(m, z[k, s])
        total = 0.0
        for k in range(K):
            e = math.exp(z[k, s] - m)
            a[k, s] = e
            total += e
        for k in range(K):
            a[k, s] = a[k, s] / total


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def output_loss(loss, z, a, Y, rows, nb, loss_s):
    """Per-sample loss l into loss_s[:nb]; returns their sum.

    z, a [K, >= nb] are the output layer's rows; Y [n_rows, K] the encoded targets.
    half_sse: l = 1/2 sum (y^ - y)^2;  mse: l = 1/K sum (y^ - y)^2
    bce:      l = 1/K sum [max(z,0) - z y + log1p(exp(-|z|))]   (stable, from z)
    cross_entropy: l = sum y (logsumexp(z) - z)                  (stable, from z)
    """
    K = z.shape[0]
    total = 0.0
    for s in range(nb):
        r = rows[s]
        ell = 0.0
        if loss == BCE:
            for k in range(K):
                y = Y[r, k]
                ell += max(z[k, s], 0.0) - z[k, s] * y + math.log1p(math.exp(-abs(z[k, s])))
            ell = ell / K
        elif loss == CROSS_ENTROPY:
            m = z[0, s]
            for k in range(1, K):
                m = max(m, z[k, s])
            se = 0.0
            for k in range(K):
                se += math.exp(z[k, s] - m)
            lse = m + math.log(se)
            for k in range(K):
                ell += Y[r, k] * (lse - z[k, s])
        else:
            for k in range(K):
                diff = a[k, s] - Y[r, k]
                if loss == HALF_SSE:
                    ell += 0.5 * diff * diff
                else:
                    ell += diff * diff
            if loss == MSE:
                ell = ell / K
        loss_s[s] = ell
        total += ell
    return total


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def output_delta(loss, a, fp, Y, rows, nb, dL_da, delta):
    """The output layer's dl/da and delta = dl/dz, per sample (rows [K, >= nb] as a, fp).

    half_sse: dl/da = y^ - y;  mse: dl/da = 2 (y^ - y) / K;  delta = dl/da f'(z)
    bce (sigmoid): delta = (y^ - y) / K;  cross_entropy (softmax): delta = y^ sum(y) - y
    (= y^ - y for one-hot targets). For these fused heads dl/da is for display only and may
    be infinite.
    """
    K = a.shape[0]
    for s in range(nb):
        r = rows[s]
        if loss == BCE:
            for k in range(K):
                y = Y[r, k]
                delta[k, s] = (a[k, s] - y) / K
                dL_da[k, s] = _bce_dl_da(a[k, s], y, K)
        elif loss == CROSS_ENTROPY:
            ysum = 0.0
            for k in range(K):
                ysum += Y[r, k]
            for k in range(K):
                y = Y[r, k]
                delta[k, s] = a[k, s] * ysum - y
                dL_da[k, s] = _safe_div(-y, a[k, s])
        else:
            for k in range(K):
                diff = a[k, s] - Y[r, k]
                dlda = diff if loss == HALF_SSE else 2.0 * diff / K
                dL_da[k, s] = dlda
                delta[k, s] = dlda * fp[k, s]


@njit(cache=True, nogil=True, error_model="numpy")
def _safe_div(a, b):
    if b == 0.0:
        if a == 0.0:
            return math.nan
        return math.copysign(math.inf, a)
    return a / b


@njit(cache=True, nogil=True, error_model="numpy")
def _bce_dl_da(yh, y, K):
    """dl/dy^ = -(1/K) (y / y^ - (1 - y) / (1 - y^)): display only; infinite when y^ saturates."""
    return -(_safe_div(y, yh) - _safe_div(1.0 - y, 1.0 - yh)) / K


# ---------------------------------------------------------------- backward


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def backward(theta, net: Net, nb, A, FP, DA, D, GD):
    """Hidden deltas and the data gradient, from the output deltas already in D.

    grad_W_l[j, i] = mean_s delta_l[j, s] a_{l-1}[i, s];  grad_b_l[j] = mean_s delta_l[j, s]
    dl/da_{l-1} = W_l^T delta_l;  delta_{l-1} = dl/da_{l-1} * f'(z_{l-1})   (per sample)
    """
    L = net.sizes.shape[0] - 1
    for layer in range(L, 0, -1):
        W = weights(net, theta, layer)
        delta = units(net, D, layer)
        a_prev = units(net, A, layer - 1)
        grad_W = weights(net, GD, layer)
        grad_b = biases(net, GD, layer)
        for j in range(delta.shape[0]):
            gb = 0.0
            for s in range(nb):
                gb += delta[j, s]
            grad_b[j] = gb / nb
        _mean_outer(delta, a_prev, nb, grad_W)
        if layer > 1:
            dL_da_prev = units(net, DA, layer - 1)
            delta_prev = units(net, D, layer - 1)
            fp_prev = units(net, FP, layer - 1)
            _matmul_batch(W, delta, nb, dL_da_prev, True)
            for i in range(delta_prev.shape[0]):
                for s in range(nb):
                    delta_prev[i, s] = dL_da_prev[i, s] * fp_prev[i, s]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def unit_stats(net: Net, hidden_act, nb, A, FP, layer_stats):
    """layer_stats[1, l], [2, l]: the fraction of hidden layer l's units that are dead (ReLU
    family: a = 0 for every sample of the batch, which for leaky ReLU needs z = 0 exactly) or
    saturated (sigmoid, tanh: |f'(z)| < 0.01 for every sample)."""
    L = net.sizes.shape[0] - 1
    for layer in range(1, L + 1):
        layer_stats[1, layer] = 0.0
        layer_stats[2, layer] = 0.0
        if layer == L or nb == 0:
            continue
        a = units(net, A, layer)
        fp = units(net, FP, layer)
        n = a.shape[0]
        dead = 0
        saturated = 0
        for j in range(n):
            if hidden_act == RELU or hidden_act == LEAKY_RELU:
                all_zero = True
                for s in range(nb):
                    if a[j, s] != 0.0:
                        all_zero = False
                        break
                if all_zero:
                    dead += 1
            elif hidden_act == SIGMOID or hidden_act == TANH:
                all_flat = True
                for s in range(nb):
                    if abs(fp[j, s]) >= SATURATED:
                        all_flat = False
                        break
                if all_flat:
                    saturated += 1
        layer_stats[1, layer] = dead / n
        layer_stats[2, layer] = saturated / n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _grad_norms(net: Net, G, layer_stats):
    """layer_stats[0, l] = ||g_l|| (W and b of layer l); returns ||g|| over every layer."""
    L = net.sizes.shape[0] - 1
    sq_total = 0.0
    for layer in range(1, L + 1):
        sq = 0.0
        for p in range(net.woff[layer], net.boff[layer] + net.sizes[layer]):
            sq += G[p] * G[p]
        sq_total += sq
        layer_stats[0, layer] = math.sqrt(sq)
    return math.sqrt(sq_total)


# ---------------------------------------------------------------- one update


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def one_step(params: Params, net: Net, hyper: Hyper, data: Data, work: Work, k, nb, opt_t, stats):
    """Update k -> k + 1 on the batch `work.rows[:nb]`: forward, loss, backward,
    regularization, clipping, optimizer. Leaves every intermediate in `work`.

    With `stats`, `work.layer_stats` gets each layer's gradient norm before clipping ([0, l])
    and the dead and saturated fractions of its units ([1, l], [2, l]); the norms are also
    computed whenever clipping by norm needs them. `opt_t` counts the current optimizer's
    earlier updates.
    """
    theta = params.theta
    L = net.sizes.shape[0] - 1
    Z, A, FP, DA, D = work.Z, work.A, work.FP, work.DA, work.D
    forward(theta, net, hyper, data.F, work.rows, nb, Z, A, FP)
    z, a, fp = units(net, Z, L), units(net, A, L), units(net, FP, L)
    dL_da, delta = units(net, DA, L), units(net, D, L)
    data_loss = output_loss(hyper.loss, z, a, data.Y, work.rows, nb, work.loss_s) / nb
    output_delta(hyper.loss, a, fp, data.Y, work.rows, nb, dL_da, delta)
    backward(theta, net, nb, A, FP, DA, D, work.GD)
    reg = regularization(theta, net.wmask, hyper, work.GR)
    total = data_loss + reg

    # g = d(total)/d(theta) for trainable parameters only
    G = work.G
    for p in range(G.shape[0]):
        G[p] = (work.GD[p] + work.GR[p]) * params.mask[p]

    norm_before = math.nan
    if stats or hyper.clip == CLIP_NORM:
        norm_before = _grad_norms(net, G, work.layer_stats)
    if stats:
        unit_stats(net, hyper.hidden_act, nb, A, FP, work.layer_stats)
    scale = 1.0
    norm_after = norm_before
    if hyper.clip != CLIP_NONE:
        scale, norm_after = clip(hyper, norm_before, G)

    lr = lr_at(hyper, k)
    apply_optimizer(params, net.wmask, hyper, lr, G, opt_t)

    diverged = not math.isfinite(total)
    if not diverged:
        for p in range(theta.shape[0]):
            if not math.isfinite(theta[p]):
                diverged = True
                break
    return StepResult(total, data_loss, reg, norm_before, norm_after, lr, scale, diverged)


# ---------------------------------------------------------------- many updates


@njit(cache=True, nogil=True, error_model="numpy")
def train_steps(
    params: Params, net: Net, hyper: Hyper, data: Data, work: Work, record: Record, k0, opt_t
):
    """Updates k0 .. k0 + len(record.loss) - 1 with `one_step`, stopping after the first
    diverged one; `opt_t` counts the current optimizer's updates before k0.

    Records per update (index k - k0) the batch's total loss and the learning rate, and, where
    `record.keep` is set, `work.layer_stats`. Returns (updates made, length of the last batch,
    the last update's scalars).
    """
    perm_epoch = -1
    done = 0
    nb = 0
    result = StepResult(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, False)
    for h in range(record.loss.shape[0]):
        k = k0 + h
        nb, perm_epoch = batch_rows(
            data.seed, k, data.train_rows, hyper.batch_size, work.perm, perm_epoch, work.rows
        )
        keep = record.keep[h]
        result = one_step(params, net, hyper, data, work, k, nb, opt_t + done, keep)
        record.loss[h] = result.total
        record.lr[h] = result.lr
        if keep:
            record.layers[h] = work.layer_stats
        done += 1
        if result.diverged:
            break
    return done, nb, result


# ---------------------------------------------------------------- evaluation


@njit(cache=True, nogil=True, error_model="numpy")
def evaluate(theta, net: Net, hyper: Hyper, F, Y, rows, threshold, work: Work, alive):
    """Mean data loss and number of correct predictions over `rows`, in chunks of the
    buffers' width; `alive` [2, U] gets, per unit, 1 where some row gives a != 0 ([0]) and
    where some row gives |f'(z)| >= 0.01 ([1]) (a unit without is dead or saturated on them).

    A prediction is correct when, with one output, y^ and y fall on the same side of
    `threshold`, and with several, argmax y^ = argmax y.
    """
    L = net.sizes.shape[0] - 1
    Z, A, FP = work.Z, work.A, work.FP
    z, a = units(net, Z, L), units(net, A, L)
    K = z.shape[0]
    chunk = Z.shape[1]
    n = rows.shape[0]
    total = 0.0
    correct = 0
    for start in range(0, n, chunk):
        nb = min(chunk, n - start)
        sub = rows[start : start + nb]
        forward(theta, net, hyper, F, sub, nb, Z, A, FP)
        total += output_loss(hyper.loss, z, a, Y, sub, nb, work.loss_s)
        for u in range(net.uoff[1], net.uoff[L]):  # the hidden units
            for s in range(nb):
                if A[u, s] != 0.0:
                    alive[0, u] = 1.0
                if abs(FP[u, s]) >= SATURATED:
                    alive[1, u] = 1.0
        for s in range(nb):
            r = sub[s]
            if K == 1:
                if (a[0, s] > threshold) == (Y[r, 0] > threshold):
                    correct += 1
            else:
                best_p = 0
                best_y = 0
                for k in range(1, K):
                    if a[k, s] > a[best_p, s]:
                        best_p = k
                    if Y[r, k] > Y[r, best_y]:
                        best_y = k
                if best_p == best_y:
                    correct += 1
    return total / max(n, 1), correct


@njit(cache=True, nogil=True, error_model="numpy")
def batch_total_loss(theta, net: Net, hyper: Hyper, data: Data, rows, nb, work: Work):
    """Total loss (data + regularization) of one batch: the function `gradcheck` differentiates."""
    L = net.sizes.shape[0] - 1
    Z, A, FP = work.Z, work.A, work.FP
    forward(theta, net, hyper, data.F, rows, nb, Z, A, FP)
    z, a = units(net, Z, L), units(net, A, L)
    data_loss = output_loss(hyper.loss, z, a, data.Y, rows, nb, work.loss_s)
    return data_loss / nb + regularization(theta, net.wmask, hyper, work.GR)


@njit(cache=True, nogil=True, error_model="numpy")
def numeric_gradient(params: Params, net: Net, hyper: Hyper, data: Data, rows, nb, h, work, out):
    """Central differences (L(theta + h e_p) - L(theta - h e_p)) / 2h for every trainable p
    (NaN for the others). `params.theta` is restored after each probe."""
    theta = params.theta
    for p in range(theta.shape[0]):
        if params.mask[p] == 0.0:
            out[p] = math.nan
            continue
        keep = theta[p]
        theta[p] = keep + h
        plus = batch_total_loss(theta, net, hyper, data, rows, nb, work)
        theta[p] = keep - h
        minus = batch_total_loss(theta, net, hyper, data, rows, nb, work)
        theta[p] = keep
        out[p] = (plus - minus) / (2.0 * h)
