"""The engine's own tanh against tanh in extended precision, and at its special values."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from backprop_playground.engine.activations import tanh


@njit(cache=False)
def _tanh_all(x, out):
    for i in range(x.shape[0]):
        out[i] = tanh(x[i])


def _ulps(got: np.ndarray, x: np.ndarray) -> np.ndarray:
    exact = np.tanh(x.astype(np.longdouble))
    ulp = np.spacing(np.abs(exact.astype(np.float64))).astype(np.longdouble)
    return np.abs(got.astype(np.longdouble) - exact) / ulp


def test_tanh_is_within_one_and_a_half_ulp():
    assert np.finfo(np.longdouble).nmant >= 63, "needs x86 extended precision as the reference"
    rng = np.random.default_rng(7)
    x = np.concatenate(
        [
            rng.uniform(-3.0, 3.0, 400_000),
            rng.normal(0.0, 0.3, 200_000),
            rng.uniform(-25.0, 25.0, 100_000),
            np.linspace(0.6, 0.65, 20_001),  # around the switch between the two formulas
            -np.linspace(0.6, 0.65, 20_001),
            10.0 ** rng.uniform(-12, -6, 10_000),
        ]
    )
    out = np.empty_like(x)
    _tanh_all(x, out)
    err = _ulps(out, x)
    assert float(err.max()) <= 1.5, f"{float(err.max())} ulp at x = {x[err.argmax()]!r}"
    # and odd exactly
    neg = np.empty_like(x)
    _tanh_all(-x, neg)
    assert np.array_equal(neg, -out)


def test_tanh_special_values():
    x = np.array([0.0, -0.0, 5e-324, -1e-300, np.inf, -np.inf, 400.0, -400.0, np.nan])
    out = np.empty_like(x)
    _tanh_all(x, out)
    assert out[0] == 0.0 and math.copysign(1.0, out[0]) == 1.0
    assert out[1] == 0.0 and math.copysign(1.0, out[1]) == -1.0
    assert out[2] == 5e-324 and out[3] == -1e-300
    assert list(out[4:8]) == [1.0, -1.0, 1.0, -1.0]
    assert math.isnan(out[8])
