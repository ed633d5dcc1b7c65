"""Activation functions and their derivatives, one unit at a time (softmax is per layer)."""

from __future__ import annotations

import math

from numba import njit

from .codes import LEAKY_RELU, LEAKY_SLOPE, RELU, SIGMOID, TANH


@njit(cache=True, nogil=True)
def act_forward(code: int, z: float) -> float:
    """a = f(z)."""
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
