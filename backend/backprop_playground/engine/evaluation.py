"""Whole-set evaluation and the gradient check's loss: forward passes without an update."""

from __future__ import annotations

import math

from numba import njit

from .kernels import SATURATED, forward, output_loss
from .optim import regularization
from .tuples import Data, Hyper, Net, Params, Work, units


@njit(cache=True, nogil=True, error_model="numpy")
def evaluate(
    params: Params, net: Net, hyper: Hyper, F, Y, rows, threshold, work: Work, alive, special
):
    """Mean data loss and number of correct predictions over `rows`, in chunks of the
    buffers' width, in eval mode (running statistics, no dropout); `alive` [2, U] gets, per
    unit, 1 where some row gives a != 0 ([0]) and where some row gives |f'| >= 0.01 ([1]) (a
    unit without is dead or saturated on them).

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
        forward(params, net, hyper, F, sub, nb, work, 0, False, special)
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
def batch_total_loss(
    params: Params, net: Net, hyper: Hyper, data: Data, rows, nb, work: Work, k, special
):
    """Total loss (data + regularization) of update k's batch in training mode (batch
    statistics, update k's dropout masks; the running statistics are not touched): the function
    `gradcheck` differentiates."""
    L = net.sizes.shape[0] - 1
    forward(params, net, hyper, data.F, rows, nb, work, k, True, special)
    z, a = units(net, work.Z, L), units(net, work.A, L)
    data_loss = output_loss(hyper.loss, z, a, data.Y, rows, nb, work.loss_s)
    return data_loss / nb + regularization(params.theta, net.wmask, hyper, work.GR)


@njit(cache=True, nogil=True, error_model="numpy")
def numeric_gradient(
    params: Params, net: Net, hyper: Hyper, data: Data, rows, nb, k, h, work, out, special
):
    """Central differences (L(theta + h e_p) - L(theta - h e_p)) / 2h for every trainable p
    (NaN for the others), L of update k's batch. `params.theta` is restored after each probe."""
    theta = params.theta
    for p in range(theta.shape[0]):
        if params.mask[p] == 0.0:
            out[p] = math.nan
            continue
        keep = theta[p]
        theta[p] = keep + h
        plus = batch_total_loss(params, net, hyper, data, rows, nb, work, k, special)
        theta[p] = keep - h
        minus = batch_total_loss(params, net, hyper, data, rows, nb, work, k, special)
        theta[p] = keep
        out[p] = (plus - minus) / (2.0 * h)
