"""The groups of arrays and numbers that the compiled kernels take, and views into them.

Each group is a fixed-arity named tuple of flat, C-contiguous arrays (or scalars), so numba
compiles every kernel once for all network depths; a kernel makes the per-layer views it needs
(`weights`, `biases`, `units`) with slicing and `reshape`.

Layout (shapes in brackets):
- `theta` [P]: every parameter, flat. Layer l (1..L) has W_l at `woff[l]`, row-major
  [sizes[l], sizes[l-1]], and b_l at `boff[l]` [sizes[l]]; a batch-normalized hidden layer then
  has gamma_l at `goff[l]` and beta_l right after it (each [sizes[l]]). Layer l's parameters
  end at `pend[l]`.
- unit buffers (`Z`, `A`, `FP`, `DA`, `D`) [U, batch]: one row per unit of every layer
  (unit-major, so the loops over a batch are contiguous); layer l's units start at row
  `uoff[l]`, and layer 0 is the feature vector a_0.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class Net(NamedTuple):
    """The network's fixed layout."""

    sizes: np.ndarray  # [L+1] int64: units per layer, sizes[0] = number of features
    woff: np.ndarray  # [L+1] int64: offset of W_l in theta (index 0 unused)
    boff: np.ndarray  # [L+1] int64: offset of b_l in theta
    uoff: np.ndarray  # [L+1] int64: first row of layer l in the unit buffers
    wmask: np.ndarray  # [P] 1.0 for weights, 0.0 for biases, gamma, beta (regularization,
    # weight decay, pruning)
    goff: np.ndarray  # [L+1] int64: offset of gamma_l in theta, -1 without normalization
    pend: np.ndarray  # [L+1] int64: end of layer l's parameters in theta


class Params(NamedTuple):
    """What an update changes: parameters and the optimizer's buffers."""

    theta: np.ndarray  # [P]
    mask: np.ndarray  # [P] 1.0 trainable, 0.0 fixed bias or pruned weight
    m1: np.ndarray  # [P] SGD's momentum buffer, Adam's m
    m2: np.ndarray  # [P] RMSProp's and Adam's v
    run_mean: np.ndarray  # [U] batch normalization's running mean per unit (rows as `units`)
    run_var: np.ndarray  # [U] and running variance (unbiased batch variances), from 0 and 1


class Hyper(NamedTuple):
    """The settings in force: choices as integer codes (see `codes`) and hyperparameters."""

    hidden_act: int
    out_act: int
    loss: int
    opt: int
    sched: int
    reg: int
    clip: int
    nesterov: int
    batch_size: int
    lr: float
    momentum: float
    alpha: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    reg_rate: float
    clip_threshold: float
    step_size: float
    gamma: float
    total_steps: float
    min_lr: float
    warmup_steps: float
    max_lr: float
    norm: int  # 1: batch normalization of every hidden layer
    bn_momentum: float
    bn_eps: float
    drop_rate: float  # dropout probability of a hidden unit (training only)
    drop_seed: int


class Data(NamedTuple):
    """The rows training draws its batches from."""

    F: np.ndarray  # [n_rows, sizes[0]] every row's feature vector a_0
    Y: np.ndarray  # [n_rows, K] every row's encoded targets
    train_rows: np.ndarray  # [n_train] int64: the rows of the training set
    seed: int  # the batch order's seed


class Work(NamedTuple):
    """Buffers of one batch; after an update they hold every intermediate of it."""

    Z: np.ndarray  # [U, batch] z = W a_prev + b
    A: np.ndarray  # [U, batch] a = f(z) (f(y) with normalization; after dropout)
    FP: np.ndarray  # [U, batch] f'(z) (f'(y) with normalization; not for a softmax layer)
    DA: np.ndarray  # [U, batch] dl/da, per sample
    D: np.ndarray  # [U, batch] delta = dl/dz, per sample (B dL/dz with normalization)
    XH: np.ndarray  # [U, batch] x_hat = (z - mean) / sqrt(var + eps)   (normalization only;
    YB: np.ndarray  # [U, batch] y = gamma x_hat + beta                    [1, 1] otherwise)
    DY: np.ndarray  # [U, batch] delta_y = B dL/dy
    MK: np.ndarray  # [U, batch] dropout's m / (1 - p) (dropout only, [1, 1] otherwise)
    bn_stats: np.ndarray  # [5, U] per unit: batch mean, biased variance, 1 / sqrt(var + eps),
    # mean(delta_y), mean(delta_y x_hat)
    GD: np.ndarray  # [P] gradient of the data loss (batch mean)
    GR: np.ndarray  # [P] gradient of the regularization
    G: np.ndarray  # [P] the gradient the optimizer used (masked, clipped)
    loss_s: np.ndarray  # [batch] per-sample loss
    layer_stats: np.ndarray  # [3, L+1] gradient norm, dead and saturated fraction per layer
    rows: np.ndarray  # [batch] int64: dataset rows of the batch
    perm: np.ndarray  # [n_train] int64: the current epoch's permutation


class Record(NamedTuple):
    """Per-update records of `train_steps` (index k - k0)."""

    loss: np.ndarray  # [n] the batch's total loss
    lr: np.ndarray  # [n] the learning rate used
    layers: np.ndarray  # [n, 3, L+1] `layer_stats`, written where `keep` is set
    keep: np.ndarray  # [n] bool: updates whose per-layer statistics are wanted


class StepResult(NamedTuple):
    """The scalars of one update."""

    total: float  # data + regularization loss of the batch
    data: float
    reg: float
    norm_before: float  # gradient norm before clipping (computed when asked for or clipping)
    norm_after: float
    lr: float
    clip_scale: float
    diverged: bool


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def weights(net: Net, flat: np.ndarray, layer: int) -> np.ndarray:
    """W_l [sizes[l], sizes[l-1]] as a view of a flat [P] array (theta or a gradient)."""
    n_out = net.sizes[layer]
    n_in = net.sizes[layer - 1]
    o = net.woff[layer]
    return flat[o : o + n_out * n_in].reshape((n_out, n_in))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def biases(net: Net, flat: np.ndarray, layer: int) -> np.ndarray:
    """b_l [sizes[l]] as a view of a flat [P] array."""
    o = net.boff[layer]
    return flat[o : o + net.sizes[layer]]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def units(net: Net, M: np.ndarray, layer: int) -> np.ndarray:
    """Layer l's rows [sizes[l], batch] of a unit buffer."""
    o = net.uoff[layer]
    return M[o : o + net.sizes[layer]]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def gammas(net: Net, flat: np.ndarray, layer: int) -> np.ndarray:
    """gamma_l [sizes[l]] of a normalized layer, as a view of a flat [P] array."""
    o = net.goff[layer]
    return flat[o : o + net.sizes[layer]]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def betas(net: Net, flat: np.ndarray, layer: int) -> np.ndarray:
    """beta_l [sizes[l]] of a normalized layer (right after gamma_l)."""
    o = net.goff[layer] + net.sizes[layer]
    return flat[o : o + net.sizes[layer]]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def unit_values(net: Net, v: np.ndarray, layer: int) -> np.ndarray:
    """Layer l's entries [sizes[l]] of a per-unit [U] array (running statistics)."""
    o = net.uoff[layer]
    return v[o : o + net.sizes[layer]]
