"""The update: learning-rate schedules, regularization, clipping and the optimizers.

The rules are the contract's, which are `torch.optim`'s documented ones; `tests/reference/`
writes them again in plain Python.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .codes import (
    ADAM,
    ADAMW,
    CLIP_NORM,
    CLIP_VALUE,
    COSINE,
    CYCLIC,
    EXPONENTIAL,
    REG_L1,
    REG_L2,
    REG_NONE,
    RMSPROP,
    SGD,
    STEP,
    WARMUP,
)
from .tuples import Hyper, Params

CLIP_EPS = 1e-6  # as torch.nn.utils.clip_grad_norm_


@njit(cache=True, nogil=True, error_model="numpy")
def lr_at(hyper: Hyper, k: int) -> float:
    """Learning rate of update k (k = 0 for the first update), with the contract's formulas.

    step: lr gamma^floor(k / step_size); exponential: lr gamma^k;
    cosine: min_lr + (lr - min_lr) (1 + cos(pi min(k, T) / T)) / 2;
    warmup: lr (k + 1) / warmup_steps while k < warmup_steps;
    cyclic (triangular): lr + (max_lr - lr) max(0, 1 - |k / step_size - 2c + 1|),
    c = floor(1 + k / (2 step_size)).
    """
    lr = hyper.lr
    sched = hyper.sched
    if sched == STEP:
        return lr * hyper.gamma ** math.floor(k / hyper.step_size)
    if sched == EXPONENTIAL:
        return lr * hyper.gamma**k
    if sched == COSINE:
        total = hyper.total_steps
        min_lr = hyper.min_lr
        return min_lr + (lr - min_lr) * (1.0 + math.cos(math.pi * min(k, total) / total)) / 2.0
    if sched == WARMUP:
        w = hyper.warmup_steps
        if k < w:
            return lr * (k + 1) / w
        return lr
    if sched == CYCLIC:
        ss = hyper.step_size
        c = math.floor(1.0 + k / (2.0 * ss))
        x = abs(k / ss - 2.0 * c + 1.0)
        return lr + (hyper.max_lr - lr) * max(0.0, 1.0 - x)
    return lr


@njit(cache=True, nogil=True, error_model="numpy")
def regularization(theta: np.ndarray, wmask: np.ndarray, hyper: Hyper, grad_reg: np.ndarray):
    """Regularization loss over every weight (never biases); its gradient into grad_reg.

    l1: rate sum |w|, gradient rate sign(w) (0 at 0); l2: rate 1/2 sum w^2, gradient rate w.
    """
    reg = hyper.reg
    rate = hyper.reg_rate
    if reg == REG_NONE:
        grad_reg[:] = 0.0
        return 0.0
    total = 0.0
    for p in range(theta.shape[0]):
        g = 0.0
        if wmask[p] != 0.0:
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
        grad_reg[p] = g
    if reg == REG_L1:
        return rate * total
    return rate * 0.5 * total


@njit(cache=True, nogil=True, error_model="numpy")
def clip(hyper: Hyper, norm_before: float, grad: np.ndarray) -> tuple[float, float]:
    """Clip `grad` in place; returns (scale, norm after).

    norm: g <- g min(1, threshold / (||g|| + 1e-6)), as torch.nn.utils.clip_grad_norm_;
    value: each entry clamped to [-threshold, threshold].
    """
    thr = hyper.clip_threshold
    scale = 1.0
    if hyper.clip == CLIP_NORM:
        scale = min(1.0, thr / (norm_before + CLIP_EPS))
        for p in range(grad.shape[0]):
            grad[p] = grad[p] * scale
    elif hyper.clip == CLIP_VALUE:
        for p in range(grad.shape[0]):
            grad[p] = min(max(grad[p], -thr), thr)
    sq = 0.0
    for p in range(grad.shape[0]):
        sq += grad[p] * grad[p]
    return scale, math.sqrt(sq)


@njit(cache=True, nogil=True, error_model="numpy")
def apply_optimizer(
    params: Params, wmask: np.ndarray, hyper: Hyper, lr: float, grad: np.ndarray, opt_t: int
) -> None:
    """theta <- the optimizer's update with gradient `grad`, for trainable parameters only.

    sgd:     b <- mu b + g (b = g at the first update); d = g + mu b (nesterov) or b; theta -= lr d
    rmsprop: v <- alpha v + (1 - alpha) g^2; theta -= lr g / (sqrt(v) + eps)
    adam:    m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
             theta -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps),  t = opt_t + 1
    adamw:   theta <- theta (1 - lr wd) for weights first, then adam.
    `opt_t` counts this optimizer's earlier updates. `weight_decay` belongs to adamw only (the
    contract's rules for sgd, rmsprop and adam have none; L2 is the scenario's `regularization`).
    """
    theta, mask, m1, m2 = params.theta, params.mask, params.m1, params.m2
    P = theta.shape[0]
    opt = hyper.opt
    if opt == SGD:
        mu = hyper.momentum
        nesterov = hyper.nesterov != 0
        for p in range(P):
            if mask[p] == 0.0:
                continue
            g = grad[p]
            d = g
            if mu != 0.0:
                if opt_t == 0:
                    m1[p] = g
                else:
                    m1[p] = mu * m1[p] + g
                d = g + mu * m1[p] if nesterov else m1[p]
            theta[p] = theta[p] - lr * d
    elif opt == RMSPROP:
        alpha = hyper.alpha
        eps = hyper.eps
        for p in range(P):
            if mask[p] == 0.0:
                continue
            g = grad[p]
            m2[p] = alpha * m2[p] + (1.0 - alpha) * g * g
            theta[p] = theta[p] - lr * g / (math.sqrt(m2[p]) + eps)
    elif opt == ADAM or opt == ADAMW:
        b1 = hyper.beta1
        b2 = hyper.beta2
        eps = hyper.eps
        decay = lr * hyper.weight_decay
        t = opt_t + 1
        bc2_sqrt = math.sqrt(1.0 - b2**t)
        step_size = lr / (1.0 - b1**t)
        for p in range(P):
            if mask[p] == 0.0:
                continue
            g = grad[p]
            if opt == ADAMW and wmask[p] != 0.0:
                theta[p] = theta[p] * (1.0 - decay)
            m1[p] = b1 * m1[p] + (1.0 - b1) * g
            m2[p] = b2 * m2[p] + (1.0 - b2) * g * g
            denom = math.sqrt(m2[p]) / bc2_sqrt + eps
            theta[p] = theta[p] - step_size * (m1[p] / denom)
