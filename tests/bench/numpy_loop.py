"""The baseline of `make bench`: a straightforward numpy training loop, one numpy call per
operation, doing the same updates as the engine (tanh hidden and output, half squared error,
plain SGD, minibatches). It shares no code with the engine."""

from __future__ import annotations

import numpy as np


def train(Ws, bs, X, Y, batches, lr):
    """`len(batches)` SGD updates of a tanh network; Ws[l] [out, in], bs[l] [out]."""
    L = len(Ws)
    for rows in batches:
        a = [X[rows]]
        for l in range(L):
            z = a[-1] @ Ws[l].T + bs[l]
            a.append(np.tanh(z))
        y = Y[rows]
        n = rows.shape[0]
        delta = (a[-1] - y) * (1.0 - a[-1] * a[-1])
        for l in range(L - 1, -1, -1):
            gW = delta.T @ a[l] / n
            gb = delta.mean(axis=0)
            if l > 0:
                delta = (delta @ Ws[l]) * (1.0 - a[l] * a[l])
            Ws[l] -= lr * gW
            bs[l] -= lr * gb
    return Ws, bs
