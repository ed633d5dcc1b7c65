"""Minibatches: each epoch is a seeded permutation of the training rows, cut into batches."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def mix64(x: np.uint64) -> np.uint64:
    """SplitMix64's finalizer: a well-mixed 64-bit value from a counter."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True, error_model="numpy")
def epoch_permutation(seed: int, epoch: int, n: int, out: np.ndarray) -> None:
    """out[:n] = a permutation of 0..n-1, a pure function of (seed, epoch, n) (Fisher-Yates)."""
    state = mix64(np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(epoch))
    for i in range(n):
        out[i] = i
    for i in range(n - 1, 0, -1):
        state = state + np.uint64(0x9E3779B97F4A7C15)
        j = np.int64(mix64(state) % np.uint64(i + 1))
        tmp = out[i]
        out[i] = out[j]
        out[j] = tmp


@njit(cache=True, nogil=True, error_model="numpy")
def batch_rows(
    seed: int,
    k: int,
    train_rows: np.ndarray,
    batch_size: int,
    perm: np.ndarray,
    perm_epoch: int,
    rows: np.ndarray,
) -> tuple[int, int]:
    """Dataset rows of update k's batch into `rows`; returns (batch length, epoch of `perm`).

    Batch k mod batches_per_epoch of epoch floor(k / batches_per_epoch); the last batch of an
    epoch is shorter when the batch size does not divide the training set. `perm` holds the
    permutation of `perm_epoch` and is recomputed when the epoch changes.
    """
    n_train = train_rows.shape[0]
    bs = min(batch_size, n_train)
    per_epoch = (n_train + bs - 1) // bs
    epoch = k // per_epoch
    j = k - epoch * per_epoch
    if epoch != perm_epoch:
        epoch_permutation(seed, epoch, n_train, perm)
    start = j * bs
    nb = min(bs, n_train - start)
    for s in range(nb):
        rows[s] = train_rows[perm[start + s]]
    return nb, epoch
