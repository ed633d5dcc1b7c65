"""What changes during training (`State`), the work buffers of a kernel call and the history."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import Layout
from .tuples import Hyper, Params, Work


@dataclass
class State:
    """Everything that changes during training, after `step` updates and the events at `step`."""

    step: int
    params: Params  # theta, mask, m1, m2, running statistics (see `tuples.Params`)
    opt_t: int  # updates made by the current optimizer
    settings: dict  # optimizer, schedule, regularization, clip, batch_size, dropout in force (never
    # changed in place: an event replaces it, so copies of a state share it)
    hyper: Hyper  # the same settings as the kernels take them
    next_event: int  # index of the first event not yet applied
    n_added: int = 0  # rows added by add_points events
    pruned: np.ndarray | None = None  # [P] bool, weights kept at zero
    diverged_at: int | None = None

    @property
    def theta(self) -> np.ndarray:
        return self.params.theta

    @property
    def mask(self) -> np.ndarray:
        return self.params.mask

    def copy(self) -> State:
        return State(
            self.step,
            Params(*(a.copy() for a in self.params)),
            self.opt_t,
            self.settings,
            self.hyper,
            self.next_event,
            self.n_added,
            None if self.pruned is None else self.pruned.copy(),
            self.diverged_at,
        )

    @property
    def nbytes(self) -> int:
        return int(self.theta.nbytes * 5 + 512)


def make_work(
    layout: Layout, batch: int, n_rows: int, norm: bool = False, dropout: bool = False
) -> Work:
    """Zeroed buffers for batches of up to `batch` samples drawn from `n_rows` training rows;
    those of normalization and dropout only when they are used ([1, 1] otherwise)."""
    U, P, L = layout.n_units, layout.n_params, layout.n_layers
    batch = max(batch, 1)
    nu, nbn = (U, batch) if norm else (1, 1)
    mu, mb = (U, batch) if dropout else (1, 1)
    return Work(
        Z=np.zeros((U, batch)),
        A=np.zeros((U, batch)),
        FP=np.zeros((U, batch)),
        DA=np.zeros((U, batch)),
        D=np.zeros((U, batch)),
        XH=np.zeros((nu, nbn)),
        YB=np.zeros((nu, nbn)),
        DY=np.zeros((nu, nbn)),
        MK=np.zeros((mu, mb)),
        bn_stats=np.zeros((5, U if norm else 1)),
        GD=np.zeros(P),
        GR=np.zeros(P),
        G=np.zeros(P),
        loss_s=np.zeros(batch),
        layer_stats=np.zeros((3, L + 1)),
        rows=np.zeros(batch, dtype=np.int64),
        perm=np.zeros(max(n_rows, 1), dtype=np.int64),
    )


@dataclass
class History:
    """Per-update records of `Run.advance`: batch loss, learning rate, per-layer statistics.

    `keep` (optional, one flag per update from the history's first) says which updates'
    per-layer statistics (gradient norms, dead and saturated units) to compute: a history
    thinned for an answer needs only those it shows. Without it, every update's are kept.
    """

    keep: np.ndarray | None = None
    steps: list[np.ndarray] = field(default_factory=list)
    loss: list[np.ndarray] = field(default_factory=list)
    lr: list[np.ndarray] = field(default_factory=list)
    layers: list[np.ndarray] = field(default_factory=list)  # [n, 3, L+1]
    n: int = 0  # updates recorded

    def keep_flags(self, n: int) -> np.ndarray:
        """The `keep` flags of the next `n` updates."""
        if self.keep is None:
            return np.ones(n, dtype=np.bool_)
        flags = np.zeros(n, dtype=np.bool_)
        part = self.keep[self.n : self.n + n]
        flags[: part.size] = part
        return flags
