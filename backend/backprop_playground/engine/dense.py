"""Small dense products over a batch, in a fixed order of operations (so reproducible).

The batch is short (10 samples by default) and not known at compile time: these loops keep
several independent running sums at once instead of relying on vectorization.
"""

from __future__ import annotations

from numba import njit


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
