"""The one central-difference gradient checker every gradient test uses.

`check_grads(f, x, analytic)` compares an analytic gradient of a scalar function with
(f(x + h e_i) - f(x - h e_i)) / 2h for every coordinate, and on failure prints both side by
side, coordinate by coordinate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

H = 1e-6


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = H) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    gf = g.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        plus = f(x)
        flat[i] = keep - h
        minus = f(x)
        flat[i] = keep
        gf[i] = (plus - minus) / (2 * h)
    return g


def check_grads(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic: np.ndarray,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    h: float = H,
    what: str = "gradient",
) -> None:
    """Assert that `analytic` is the gradient of f at x, within rtol/atol of central differences."""
    numeric = numeric_grad(f, x, h)
    analytic = np.asarray(analytic, dtype=np.float64).reshape(numeric.shape)
    bad = ~np.isclose(analytic, numeric, rtol=rtol, atol=atol)
    if bad.any():
        lines = [
            f"{what}: {int(bad.sum())} of {bad.size} entries differ",
            "index  analytic  numeric",
        ]
        for idx in zip(*np.nonzero(bad), strict=True):
            lines.append(f"{idx}  {analytic[idx]!r}  {numeric[idx]!r}")
        raise AssertionError("\n".join(lines[:40]))
