"""Activation functions and their derivatives, one unit at a time (softmax is per layer)."""

from __future__ import annotations

import math

from numba import njit

from .codes import LEAKY_RELU, LEAKY_SLOPE, RELU, SIGMOID, TANH

# tanh(x) = x + x u Q(u), u = x^2, for |x| < 0.625: Q interpolates (tanh(x)/x - 1)/u at the
# Chebyshev nodes of [0, 0.625^2] (degree 10, fitted in extended precision).
_TANH_Q = (
    -0.3333333333333332,
    0.13333333333326397,
    -0.05396825396127438,
    0.021869488257900645,
    -0.008863229798091836,
    0.0035920587291046226,
    -0.0014553081025821988,
    0.0005874336131450451,
    -0.00023076917514053968,
    7.959205840800449e-05,
    -1.7241402510203268e-05,
)
_Q0, _Q1, _Q2, _Q3, _Q4, _Q5, _Q6, _Q7, _Q8, _Q9, _Q10 = _TANH_Q
_TANH_SMALL = 0.625
_TANH_TINY = 7e-9  # below this, tanh(x) rounds to x


@njit(cache=True, nogil=True, error_model="numpy")
def tanh(x: float) -> float:
    """tanh(x) within 1.4 ulp (tests/engine/test_activations.py measures it; the C library's
    is within 2.2 ulp), about three times as fast: tanh is most of a tanh network's update.

    |x| < 0.625: the odd polynomial x + x u Q(u); otherwise 1 - 2 / (exp(2|x|) + 1), whose
    rounding errors are not amplified once the result is above 0.55.
    """
    ax = abs(x)
    if ax < _TANH_SMALL:
        if ax < _TANH_TINY:
            return x  # keeps the sign of zero
        u = x * x
        q = _Q10
        q = q * u + _Q9
        q = q * u + _Q8
        q = q * u + _Q7
        q = q * u + _Q6
        q = q * u + _Q5
        q = q * u + _Q4
        q = q * u + _Q3
        q = q * u + _Q2
        q = q * u + _Q1
        q = q * u + _Q0
        return x + x * (u * q)
    r = 1.0 - 2.0 / (math.exp(2.0 * ax) + 1.0)
    return math.copysign(r, x)


@njit(cache=True, nogil=True, error_model="numpy")
def act_forward(code: int, z: float) -> float:
    """a = f(z)."""
    if code == SIGMOID:
        if z >= 0.0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)
    if code == TANH:
        return tanh(z)
    if code == RELU:
        return z if z > 0.0 else 0.0
    if code == LEAKY_RELU:
        return z if z > 0.0 else LEAKY_SLOPE * z
    return z


@njit(cache=True, nogil=True, error_model="numpy")
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
