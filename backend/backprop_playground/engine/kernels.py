"""Compiled kernels: forward pass, loss, backward pass, one update, many updates, evaluation.

The maths, slowly: `tests/reference/simple_net.py` writes the same network in plain Python, one
sample and one weight at a time, and the engine matches it to 1e-10.

Beside them: `dense.py` (the small products over a batch), `optim.py` (the update rules),
`evaluation.py` (whole-set evaluation, the gradient check's loss).

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

import numpy as np
from numba import njit

from .activations import act_forward, act_grad
from .batches import batch_rows, mix64
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
from .dense import _matmul_batch, _mean_outer
from .optim import apply_optimizer, clip, lr_at, regularization
from .tuples import Data, Hyper, Net, Params, Record, StepResult, Work, biases, units, weights

SATURATED = 0.01  # a sigmoid/tanh unit is saturated when |f'(z)| < this for every sample
TWO_POW_M53 = 2.0**-53

# ---------------------------------------------------------------- forward and loss


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def forward(params: Params, net: Net, hyper: Hyper, F, rows, nb, work: Work, k, training, special):
    """z = W a_prev + b, a = f(z) and f'(z) for every layer and the first `nb` of `rows` of F.

    F [n_rows, sizes[0]] holds every dataset row's features; `work.Z`, `A`, `FP` [U, >= nb]
    receive the caches the backward pass uses (a softmax layer has no f'). Each z sums w_i a_i
    in the order of i, then adds b. With `special` (normalization or dropout in the run),
    hidden layers go through `hidden_forward` (in `training` mode with batch statistics and
    update k's masks; otherwise with the running statistics and no dropout). `train_steps`
    compiles `special` as a constant, so a run without either has none of that code.
    """
    theta = params.theta
    Z, A, FP = work.Z, work.A, work.FP
    L = net.sizes.shape[0] - 1
    a0 = units(net, A, 0)
    z0 = units(net, Z, 0)
    for s in range(nb):
        r = rows[s]
        for i in range(a0.shape[0]):
            z0[i, s] = F[r, i]
            a0[i, s] = F[r, i]
    dropout = training and hyper.drop_rate > 0.0
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
        elif special and layer < L and (hyper.norm != 0 or dropout):
            hidden_forward(params, net, hyper, work, layer, rows, nb, k, training)
        else:
            for j in range(z.shape[0]):
                for s in range(nb):
                    a[j, s] = act_forward(code, z[j, s])
                    fp[j, s] = act_grad(code, z[j, s], a[j, s])


@njit(cache=True, nogil=True, error_model="numpy")
def hidden_forward(
    params: Params, net: Net, hyper: Hyper, work: Work, layer, rows, nb, k, training
):
    """A hidden layer's z -> a with batch normalization and/or dropout (z already computed).

    Normalization: x_hat = (z - mean) / sqrt(var + eps), y = gamma x_hat + beta, per unit, with
    the batch's mean and biased variance in training (kept in `work.bn_stats`) or the running
    ones; a = f(y), fp = f'(y). Dropout (training, rate p > 0): a <- a m / (1 - p), the mask
    values kept in `work.MK`.
    """
    code = hyper.hidden_act
    z = units(net, work.Z, layer)
    a = units(net, work.A, layer)
    fp = units(net, work.FP, layer)
    norm = hyper.norm != 0
    dropout = training and hyper.drop_rate > 0.0
    o = net.uoff[layer]
    for j in range(z.shape[0]):
        u = o + j
        if norm:
            xh = work.XH[u]
            y = work.YB[u]
            if training:
                total = 0.0
                for s in range(nb):
                    total += z[j, s]
                mean = total / nb
                sq = 0.0
                for s in range(nb):
                    d = z[j, s] - mean
                    sq += d * d
                var = sq / nb
                work.bn_stats[0, u] = mean
                work.bn_stats[1, u] = var
            else:
                mean = params.run_mean[u]
                var = params.run_var[u]
            inv_std = 1.0 / math.sqrt(var + hyper.bn_eps)
            work.bn_stats[2, u] = inv_std
            g = params.theta[net.goff[layer] + j]
            be = params.theta[net.goff[layer] + net.sizes[layer] + j]
            for s in range(nb):
                xh[s] = (z[j, s] - mean) * inv_std
                y[s] = g * xh[s] + be
                a[j, s] = act_forward(code, y[s])
                fp[j, s] = act_grad(code, y[s], a[j, s])
        else:
            for s in range(nb):
                a[j, s] = act_forward(code, z[j, s])
                fp[j, s] = act_grad(code, z[j, s], a[j, s])
        if dropout:
            mk = work.MK[u]
            for s in range(nb):
                mk[s] = dropout_scale(hyper.drop_seed, k, rows[s], layer, j, hyper.drop_rate)
                a[j, s] = a[j, s] * mk[s]


@njit(cache=True, nogil=True, error_model="numpy")
def dropout_scale(seed, k, r, layer, j, p):
    """m / (1 - p) for unit j of hidden layer `layer`, dataset row r, update k: the unit is
    kept (m = 1) when u >= p, u = (h >> 11) 2^-53,
    h = mix64(seed C1 + k C2 + r C3 + layer C4 + j) modulo 2^64 (the contract's constants)."""
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
    x = x + np.uint64(k) * np.uint64(0xBF58476D1CE4E5B9)
    x = x + np.uint64(r) * np.uint64(0x94D049BB133111EB)
    x = x + np.uint64(layer) * np.uint64(0xD6E8FEB86659FD93)
    x = x + np.uint64(j)
    h = mix64(x)
    u = np.float64(h >> np.uint64(11)) * TWO_POW_M53
    if u >= p:
        return 1.0 / (1.0 - p)
    return 0.0


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
def backward(theta, net: Net, hyper: Hyper, nb, work: Work, special):
    """Hidden deltas and the data gradient, from the output deltas already in `work.D`.

    grad_W_l[j, i] = mean_s delta_l[j, s] a_{l-1}[i, s];  grad_b_l[j] = mean_s delta_l[j, s]
    dl/da_{l-1} = W_l^T delta_l;  delta_{l-1} = dl/da_{l-1} * f'(z_{l-1})   (per sample)
    With normalization or dropout, `hidden_backward` makes delta_{l-1} (and grad gamma, beta).
    """
    L = net.sizes.shape[0] - 1
    A, FP, DA, D, GD = work.A, work.FP, work.DA, work.D, work.GD
    special = special and (hyper.norm != 0 or hyper.drop_rate > 0.0)
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
            if special:
                hidden_backward(theta, net, hyper, work, layer - 1, nb)
            else:
                for i in range(delta_prev.shape[0]):
                    for s in range(nb):
                        delta_prev[i, s] = dL_da_prev[i, s] * fp_prev[i, s]


@njit(cache=True, nogil=True, error_model="numpy")
def hidden_backward(theta, net: Net, hyper: Hyper, work: Work, layer, nb):
    """delta of a hidden layer with dropout and/or normalization, from its dL/da (in `work.DA`).

    delta_y = dL/da * mask * f'(y) (mask = m / (1 - p), 1 without dropout); with normalization
    grad_gamma = mean(delta_y x_hat), grad_beta = mean(delta_y) and
    delta = gamma / sqrt(var + eps) (delta_y - mean(delta_y) - x_hat mean(delta_y x_hat)),
    every per-sample value B times the derivative of the batch loss.
    """
    dL_da = units(net, work.DA, layer)
    delta = units(net, work.D, layer)
    fp = units(net, work.FP, layer)
    dropout = hyper.drop_rate > 0.0
    norm = hyper.norm != 0
    o = net.uoff[layer]
    for j in range(delta.shape[0]):
        u = o + j
        dy = work.DY[u] if norm else work.D[u]  # D[u] is delta[j]
        if dropout:
            mk = work.MK[u]
            for s in range(nb):
                dy[s] = dL_da[j, s] * mk[s] * fp[j, s]
        else:
            for s in range(nb):
                dy[s] = dL_da[j, s] * fp[j, s]
        if norm:
            xh = work.XH[u]
            total = 0.0
            total_x = 0.0
            for s in range(nb):
                total += dy[s]
                total_x += dy[s] * xh[s]
            mean_dy = total / nb
            mean_dyx = total_x / nb
            work.bn_stats[3, u] = mean_dy
            work.bn_stats[4, u] = mean_dyx
            g = net.goff[layer] + j
            work.GD[g] = mean_dyx  # grad gamma
            work.GD[g + net.sizes[layer]] = mean_dy  # grad beta
            c = theta[g] * work.bn_stats[2, u]
            for s in range(nb):
                delta[j, s] = c * (dy[s] - mean_dy - xh[s] * mean_dyx)


@njit(cache=True, nogil=True, error_model="numpy")
def update_running_stats(params: Params, net: Net, hyper: Hyper, work: Work, nb):
    """running_mean <- (1 - m) running_mean + m mean_B; running_var <- (1 - m) running_var +
    m var_B B / (B - 1), for every hidden unit (torch's BatchNorm1d, momentum m)."""
    L = net.sizes.shape[0] - 1
    m = hyper.bn_momentum
    unbias = nb / (nb - 1.0)
    for u in range(net.uoff[1], net.uoff[L]):
        params.run_mean[u] = (1.0 - m) * params.run_mean[u] + m * work.bn_stats[0, u]
        params.run_var[u] = (1.0 - m) * params.run_var[u] + m * (work.bn_stats[1, u] * unbias)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def unit_stats(net: Net, hyper: Hyper, nb, work: Work, layer_stats):
    """layer_stats[1, l], [2, l]: the fraction of hidden layer l's units that are dead (ReLU
    family: f = 0 for every sample of the batch, which for leaky ReLU needs its input = 0
    exactly) or saturated (sigmoid, tanh: |f'| < 0.01 for every sample). f's input is z, or y
    with normalization; f's output is read before dropout."""
    L = net.sizes.shape[0] - 1
    hidden_act = hyper.hidden_act
    dropout = hyper.drop_rate > 0.0
    for layer in range(1, L + 1):
        layer_stats[1, layer] = 0.0
        layer_stats[2, layer] = 0.0
        if layer == L or nb == 0:
            continue
        a = units(net, work.A, layer)
        fp = units(net, work.FP, layer)
        n = a.shape[0]
        dead = 0
        saturated = 0
        for j in range(n):
            if hidden_act == RELU or hidden_act == LEAKY_RELU:
                all_zero = True
                for s in range(nb):
                    if dropout:
                        u = net.uoff[layer] + j
                        x = work.YB[u, s] if hyper.norm != 0 else work.Z[u, s]
                        out = act_forward(hidden_act, x)
                    else:
                        out = a[j, s]
                    if out != 0.0:
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
    """layer_stats[0, l] = ||g_l|| (W, b, and gamma, beta, of layer l); returns ||g|| over
    every layer."""
    L = net.sizes.shape[0] - 1
    sq_total = 0.0
    for layer in range(1, L + 1):
        sq = 0.0
        for p in range(net.woff[layer], net.pend[layer]):
            sq += G[p] * G[p]
        sq_total += sq
        layer_stats[0, layer] = math.sqrt(sq)
    return math.sqrt(sq_total)


# ---------------------------------------------------------------- one update


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def one_step(
    params: Params, net: Net, hyper: Hyper, data: Data, work: Work, k, nb, opt_t, stats, special
):
    """Update k -> k + 1 on the batch `work.rows[:nb]`: forward, loss, backward,
    regularization, clipping, optimizer. Leaves every intermediate in `work`.

    With `stats`, `work.layer_stats` gets each layer's gradient norm before clipping ([0, l])
    and the dead and saturated fractions of its units ([1, l], [2, l]); the norms are also
    computed whenever clipping by norm needs them. `opt_t` counts the current optimizer's
    earlier updates. With normalization the running statistics move once, after the forward
    pass.
    """
    theta = params.theta
    L = net.sizes.shape[0] - 1
    Z, A, FP, DA, D = work.Z, work.A, work.FP, work.DA, work.D
    forward(params, net, hyper, data.F, work.rows, nb, work, k, True, special)
    if special and hyper.norm != 0:
        update_running_stats(params, net, hyper, work, nb)
    z, a, fp = units(net, Z, L), units(net, A, L), units(net, FP, L)
    dL_da, delta = units(net, DA, L), units(net, D, L)
    data_loss = output_loss(hyper.loss, z, a, data.Y, work.rows, nb, work.loss_s) / nb
    output_delta(hyper.loss, a, fp, data.Y, work.rows, nb, dL_da, delta)
    backward(theta, net, hyper, nb, work, special)
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
        unit_stats(net, hyper, nb, work, work.layer_stats)
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
    """`train_loop` for a run without normalization and dropout: compiled with `special`
    constant False, so none of their code is in it (it would cost the small networks about
    10% of their speed)."""
    return train_loop(params, net, hyper, data, work, record, k0, opt_t, False)


@njit(cache=True, nogil=True, error_model="numpy")
def train_steps_special(
    params: Params, net: Net, hyper: Hyper, data: Data, work: Work, record: Record, k0, opt_t
):
    """`train_loop` for a run with normalization or dropout in force."""
    return train_loop(params, net, hyper, data, work, record, k0, opt_t, True)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def train_loop(
    params: Params,
    net: Net,
    hyper: Hyper,
    data: Data,
    work: Work,
    record: Record,
    k0,
    opt_t,
    special,
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
        result = one_step(params, net, hyper, data, work, k, nb, opt_t + done, keep, special)
        record.loss[h] = result.total
        record.lr[h] = result.lr
        if keep:
            record.layers[h] = work.layer_stats
        done += 1
        if result.diverged:
            break
    return done, nb, result
