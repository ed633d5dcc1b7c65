"""A training run: the state after k updates as a pure function of (scenario, k).

`Run(scenario)` prepares everything that does not change during training (data, layout,
hyperparameters, events); `State` is what does. `Run.advance` moves a state on with the compiled
`kernels.train_steps`, applying the scenario's events at their steps; `Run.trace` makes one
update through the same kernel and returns every intermediate of it.
"""

from __future__ import annotations

import base64
import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import codes, kernels
from .datasets import Data, build, encode, feature_matrix, feature_names
from .errors import ScenarioError
from .network import Layout, hyper_vectors, initial_params, resolve_head

HYPER_FIELDS = ("optimizer", "schedule", "regularization", "clip", "batch_size")
SEGMENT = 2000  # most updates per kernel call between checkpoints
GRADCHECK_H = 1e-6


@dataclass
class State:
    """Everything that changes during training, after `step` updates and the events at `step`."""

    step: int
    theta: np.ndarray  # [P]
    m1: np.ndarray  # [P] SGD momentum buffer / Adam m
    m2: np.ndarray  # [P] RMSProp / Adam v
    mask: np.ndarray  # [P] 1 trainable, 0 fixed bias or pruned weight
    opt_t: int  # updates made by the current optimizer
    hyper: dict  # current optimizer, schedule, regularization, clip, batch_size
    ip: np.ndarray
    hp: np.ndarray
    next_event: int  # index of the first event not yet applied
    n_added: int = 0  # rows added by add_points events
    pruned: np.ndarray | None = None  # [P] bool, weights kept at zero
    diverged_at: int | None = None

    def copy(self) -> State:
        return State(
            self.step,
            self.theta.copy(),
            self.m1.copy(),
            self.m2.copy(),
            self.mask.copy(),
            self.opt_t,
            copy.deepcopy(self.hyper),
            self.ip.copy(),
            self.hp.copy(),
            self.next_event,
            self.n_added,
            None if self.pruned is None else self.pruned.copy(),
            self.diverged_at,
        )

    @property
    def nbytes(self) -> int:
        return int(self.theta.nbytes * 5 + 512)


@dataclass
class Buffers:
    """Work arrays of one kernel call (see `kernels` for the layout)."""

    Z: np.ndarray
    A: np.ndarray
    DA: np.ndarray
    D: np.ndarray
    GD: np.ndarray
    GR: np.ndarray
    G: np.ndarray
    loss_s: np.ndarray
    layer_stats: np.ndarray
    out: np.ndarray
    rows: np.ndarray
    perm: np.ndarray

    @classmethod
    def make(cls, layout: Layout, batch: int, n_rows: int) -> Buffers:
        U, P, L = layout.n_units, layout.n_params, layout.n_layers
        batch = max(batch, 1)
        return cls(
            np.zeros((U, batch)),
            np.zeros((U, batch)),
            np.zeros((U, batch)),
            np.zeros((U, batch)),
            np.zeros(P),
            np.zeros(P),
            np.zeros(P),
            np.zeros(batch),
            np.zeros((3, L + 1)),
            np.zeros(codes.OUT_SIZE),
            np.zeros(batch, dtype=np.int64),
            np.zeros(max(n_rows, 1), dtype=np.int64),
        )


@dataclass
class History:
    """Per-update records of `advance`: batch loss, learning rate, per-layer statistics."""

    steps: list[np.ndarray] = field(default_factory=list)
    loss: list[np.ndarray] = field(default_factory=list)
    lr: list[np.ndarray] = field(default_factory=list)
    layers: list[np.ndarray] = field(default_factory=list)  # [n, 3, L+1]


class Run:
    """The fixed part of a scenario's training run and the maths on its states."""

    def __init__(self, scenario: dict):
        self.scenario = scenario
        self.data: Data = build(scenario["dataset"])
        n_inputs = self.data.inputs.shape[1]
        features = scenario.get("features") or ["x1", "x2"]
        self.features = list(features) if n_inputs == 2 else None
        self.feature_names = feature_names(n_inputs, self.features)
        self.out_act, self.loss, width = resolve_head(scenario, self.data)
        self.hidden_act = scenario.get("activation", "tanh")
        hidden = list(scenario.get("hidden_layers", [4, 2]))
        self.layout = Layout.of([len(self.feature_names), *hidden, width])
        self.wmask = self.layout.weight_mask()
        self.threshold = 0.5 if self.out_act == "sigmoid" else 0.0
        self.seed = int(scenario.get("init", {}).get("seed", 1)) * 1_000_003 + int(
            scenario["dataset"].get("seed", 1)
        )
        hyper = {k: copy.deepcopy(scenario.get(k)) for k in HYPER_FIELDS}
        hyper["batch_size"] = int(scenario.get("batch_size", 10))
        self.initial_hyper = hyper
        self.hyper_at(hyper)  # validates
        self.events = list(scenario.get("events") or [])
        self._check_events()
        self.inputs_all, self.F, self.Y = self._rows_with_added_points()
        self.n_base = self.data.inputs.shape[0]
        self.theta0 = initial_params(scenario.get("init") or {}, self.layout)
        self.mask0 = np.ones(self.layout.n_params)
        if not scenario.get("train_biases", True):
            self.mask0 = self.wmask.copy()

    # ------------------------------------------------------------ set-up

    def hyper_at(self, hyper: dict) -> tuple[np.ndarray, np.ndarray]:
        """The kernels' hyperparameter vectors for merged optimizer/schedule/... settings."""
        return hyper_vectors(self._hyper_scenario(hyper), self.out_act, self.loss)

    def _hyper_scenario(self, hyper: dict) -> dict:
        merged = {k: v for k, v in hyper.items() if v is not None}
        merged["activation"] = self.hidden_act
        return merged

    def _check_events(self) -> None:
        L = self.layout.n_layers
        last = 0
        hyper = self.initial_hyper  # settings in force, with the set events so far
        for n, ev in enumerate(self.events):
            loc: tuple[str | int, ...] = ("events", n)
            if ev["step"] < last:
                raise ScenarioError((*loc, "step"), "events must be ordered by step")
            last = ev["step"]
            kind = ev["kind"]
            if kind == "set_weight":
                layer = ev["layer"]
                if not 1 <= layer <= L:
                    raise ScenarioError((*loc, "layer"), f"must be between 1 and {L}")
                if not 0 <= ev["to"] < self.layout.sizes[layer]:
                    raise ScenarioError((*loc, "to"), f"must be below {self.layout.sizes[layer]}")
                if not ev.get("bias"):
                    src = ev.get("from")
                    if src is None or not 0 <= src < self.layout.sizes[layer - 1]:
                        raise ScenarioError(
                            (*loc, "from"),
                            f"must be given and below {self.layout.sizes[layer - 1]}",
                        )
            elif kind == "add_points":
                inputs = np.asarray(ev["inputs"], dtype=np.float64)
                if inputs.ndim != 2 or inputs.shape[1] != self.data.inputs.shape[1]:
                    raise ScenarioError(
                        (*loc, "inputs"), f"rows must have {self.data.inputs.shape[1]} values"
                    )
                if self.data.is_classification:
                    labels = ev.get("labels")
                    if labels is None or len(labels) != inputs.shape[0]:
                        raise ScenarioError((*loc, "labels"), "one label per added row")
                    if min(labels) < 0 or max(labels) >= self.data.n_classes:
                        raise ScenarioError(
                            (*loc, "labels"), f"must be between 0 and {self.data.n_classes - 1}"
                        )
                else:
                    assert self.data.targets is not None
                    t = ev.get("targets")
                    width = self.data.targets.shape[1]
                    if t is None or np.asarray(t, dtype=np.float64).shape != (len(inputs), width):
                        raise ScenarioError(
                            (*loc, "targets"), f"one row of {width} targets per added row"
                        )
            elif kind == "set":
                hyper = self.merge_hyper(hyper, ev["changes"])
                try:
                    self.hyper_at(hyper)
                except ScenarioError as err:
                    raise ScenarioError((*loc, "changes", *err.loc), err.msg) from None

    @staticmethod
    def merge_hyper(hyper: dict, changes: dict) -> dict:
        """`hyper` with the given (non-null) values of a partial scenario merged in."""
        merged = copy.deepcopy(hyper)
        for key, value in changes.items():
            if value is None:
                continue
            if isinstance(value, dict):
                given = {k: v for k, v in value.items() if v is not None}
                merged[key] = {**(merged.get(key) or {}), **copy.deepcopy(given)}
            else:
                merged[key] = copy.deepcopy(value)
        return merged

    def _encode(self, labels: np.ndarray | None, targets: np.ndarray | None) -> np.ndarray:
        width = int(self.layout.sizes[-1])
        if labels is not None:
            return encode(labels, self.data.n_classes, self.out_act, width)
        assert targets is not None
        return np.asarray(targets, dtype=np.float64).reshape(-1, width)

    def _rows_with_added_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        inputs = [self.data.inputs]
        ys = [self._encode(self.data.labels, self.data.targets)]
        for ev in self.events:
            if ev["kind"] == "add_points":
                inputs.append(np.asarray(ev["inputs"], dtype=np.float64))
                labels = ev.get("labels")
                ys.append(
                    self._encode(
                        None if labels is None else np.asarray(labels, dtype=np.int64),
                        ev.get("targets"),
                    )
                )
        X = np.concatenate(inputs)
        return X, feature_matrix(X, self.features), np.ascontiguousarray(np.concatenate(ys))

    # ------------------------------------------------------------ states

    def train_rows(self, state: State) -> np.ndarray:
        extra = np.arange(self.n_base, self.n_base + state.n_added, dtype=np.int64)
        return np.ascontiguousarray(np.concatenate([self.data.train_rows, extra]))

    def initial_state(self) -> State:
        ip, hp = self.hyper_at(self.initial_hyper)
        P = self.layout.n_params
        state = State(
            step=0,
            theta=self.theta0.copy(),
            m1=np.zeros(P),
            m2=np.zeros(P),
            mask=self.mask0.copy(),
            opt_t=0,
            hyper=copy.deepcopy(self.initial_hyper),
            ip=ip,
            hp=hp,
            next_event=0,
        )
        self._apply_events(state)
        return state

    def _apply_events(self, state: State) -> None:
        """Apply every event at `state.step` (the state after that many updates)."""
        while state.next_event < len(self.events):
            ev = self.events[state.next_event]
            if ev["step"] > state.step:
                break
            state.next_event += 1
            if state.diverged_at is not None:
                continue
            kind = ev["kind"]
            if kind == "set":
                old_kind = (state.hyper.get("optimizer") or {}).get("kind", "sgd")
                state.hyper = self.merge_hyper(state.hyper, ev["changes"])
                state.ip, state.hp = self.hyper_at(state.hyper)
                if (state.hyper.get("optimizer") or {}).get("kind", "sgd") != old_kind:
                    state.m1[:] = 0.0
                    state.m2[:] = 0.0
                    state.opt_t = 0
            elif kind == "set_weight":
                layer, j = ev["layer"], ev["to"]
                if ev.get("bias"):
                    p = int(self.layout.boff[layer]) + j
                else:
                    p = int(self.layout.woff[layer]) + j * int(self.layout.sizes[layer - 1])
                    p += ev["from"]
                    if state.pruned is not None and state.pruned[p]:
                        state.pruned[p] = False  # a hand-set weight is no longer pruned
                        state.mask[p] = 1.0
                state.theta[p] = float(ev["value"])
            elif kind == "prune":
                weights = np.flatnonzero(self.wmask)
                n = int(round(float(ev["fraction"]) * weights.size))
                order = np.argsort(np.abs(state.theta[weights]), kind="stable")
                chosen = weights[order[:n]]
                if state.pruned is None:
                    state.pruned = np.zeros(self.layout.n_params, dtype=bool)
                state.pruned[chosen] = True
                state.theta[chosen] = 0.0
                state.mask[chosen] = 0.0
                state.m1[chosen] = 0.0
                state.m2[chosen] = 0.0
            elif kind == "add_points":
                state.n_added += len(ev["inputs"])

    def _next_event_step(self, state: State) -> int | None:
        if state.next_event < len(self.events):
            return int(self.events[state.next_event]["step"])
        return None

    def advance(
        self, state: State, n_steps: int, history: History | None = None, stop_every: int = 0
    ) -> State:
        """Move `state` (in place) on by `n_steps` updates, applying events at their steps.

        With `stop_every`, returns early at the next multiple of it, so callers can evaluate.
        """
        target = state.step + n_steps
        while state.step < target and state.diverged_at is None:
            end = min(target, state.step + SEGMENT)
            nxt = self._next_event_step(state)
            if nxt is not None and nxt > state.step:
                end = min(end, nxt)
            if stop_every:
                end = min(end, (state.step // stop_every + 1) * stop_every)
            self._run_kernel(state, end - state.step, history)
            if stop_every and state.step % stop_every == 0:
                break
        return state

    def _run_kernel(self, state: State, n: int, history: History | None) -> Buffers:
        rows = self.train_rows(state)
        bs = int(state.hyper["batch_size"])
        buf = Buffers.make(self.layout, min(bs, rows.size), rows.size)
        L = self.layout.n_layers
        hist_loss = np.zeros(n)
        hist_lr = np.zeros(n)
        hist_layers = np.zeros((n, 3, L + 1))
        lay = self.layout
        done = kernels.train_steps(
            state.theta, state.mask, self.wmask, state.m1, state.m2, state.opt_t,
            lay.sizes, lay.woff, lay.boff, lay.uoff, state.ip, state.hp, self.seed,
            state.step, state.step + n, self.F, self.Y, rows, bs,
            buf.Z, buf.A, buf.DA, buf.D, buf.GD, buf.GR, buf.G, buf.loss_s, buf.layer_stats,
            buf.out, buf.rows, buf.perm, hist_loss, hist_lr, hist_layers,
        )  # fmt: skip
        if history is not None:
            history.steps.append(np.arange(state.step + 1, state.step + done + 1))
            history.loss.append(hist_loss[:done])
            history.lr.append(hist_lr[:done])
            history.layers.append(hist_layers[:done])
        state.step += done
        state.opt_t += done
        if buf.out[codes.OUT_DIVERGED] != 0.0:
            state.diverged_at = state.step
        else:
            self._apply_events(state)
        return buf

    def batches_per_epoch(self, state: State) -> int:
        n_train = self.data.train_rows.size + state.n_added
        return math.ceil(n_train / min(int(state.hyper["batch_size"]), n_train))

    # ------------------------------------------------------------ reading states

    def params(self, theta: np.ndarray) -> list[dict[str, np.ndarray]]:
        lay = self.layout
        return [
            {"W": lay.W(theta, layer).copy(), "b": lay.b(theta, layer).copy()}
            for layer in range(1, lay.n_layers + 1)
        ]

    def metrics(self, state: State) -> dict[str, Any]:
        """Total loss over the train set, data loss over the test set, accuracies."""
        lay = self.layout
        train = self.train_rows(state)
        test = np.ascontiguousarray(self.data.test_rows)
        chunk = max(1, min(512, max(train.size, test.size)))
        buf = Buffers.make(lay, chunk, 1)
        reg = kernels.regularization(
            state.theta,
            self.wmask,
            int(state.ip[codes.IP_REG]),
            state.hp[codes.HP_REG_RATE],
            buf.GR,
        )
        tr_loss, tr_ok = kernels.evaluate(
            state.theta, lay.sizes, lay.woff, lay.boff, lay.uoff, state.ip, self.F, self.Y,
            train, self.threshold, buf.Z, buf.A, buf.loss_s, buf.DA, buf.D,
        )  # fmt: skip
        result: dict[str, Any] = {
            "train_loss": tr_loss + reg,
            "test_loss": None,
            "train_accuracy": tr_ok / train.size if self.data.is_classification else None,
            "test_accuracy": None,
        }
        if test.size:
            te_loss, te_ok = kernels.evaluate(
                state.theta, lay.sizes, lay.woff, lay.boff, lay.uoff, state.ip, self.F, self.Y,
                test, self.threshold, buf.Z, buf.A, buf.loss_s, buf.DA, buf.D,
            )  # fmt: skip
            result["test_loss"] = te_loss
            if self.data.is_classification:
                result["test_accuracy"] = te_ok / test.size
        return result

    def trace(self, state: State, trace_samples: int = 32) -> tuple[State, dict[str, Any]]:
        """Update `state.step` -> +1 through the same kernel as `advance`; the update's numbers.

        Returns the new state (events at the new step applied) and the trace as the contract
        describes it.
        """
        before = state.copy()
        after = state.copy()
        buf = self._run_kernel(after, 1, None)
        lay = self.layout
        nb = int(min(int(before.hyper["batch_size"]), self.train_rows(before).size))
        # the last batch of an epoch may be shorter: count the rows the kernel used
        nb = self._batch_length(before, nb)
        rows = buf.rows[:nb].copy()
        ts = min(trace_samples, nb)
        out = buf.out
        opt_kind = (before.hyper.get("optimizer") or {}).get("kind", "sgd")
        theta_after = after.theta
        layers = []
        for layer in range(1, lay.n_layers + 1):
            W = lay.W(before.theta, layer)
            b = lay.b(before.theta, layer)
            W_after = lay.W(theta_after, layer)
            b_after = lay.b(theta_after, layer)
            entry: dict[str, Any] = {
                "W": W,
                "b": b,
                "z": lay.units(buf.Z, layer)[:ts],
                "a": lay.units(buf.A, layer)[:ts],
                "dL_da": lay.units(buf.DA, layer)[:ts],
                "delta": lay.units(buf.D, layer)[:ts],
                "grad_W_data": lay.W(buf.GD, layer),
                "grad_W_reg": lay.W(buf.GR, layer),
                "grad_W": lay.W(buf.G, layer),
                "grad_b_data": lay.b(buf.GD, layer),
                "grad_b": lay.b(buf.G, layer),
                "W_after": W_after,
                "b_after": b_after,
                "update_W": W_after - W,
                "update_b": b_after - b,
                "trainable_W": lay.W(before.mask, layer) != 0,
                "trainable_b": lay.b(before.mask, layer) != 0,
                "grad_norm": buf.layer_stats[0, layer],
                "optimizer_state": self._optimizer_state(after, layer, opt_kind),
                "fprime": self._fprime(
                    layer, lay.units(buf.Z, layer)[:ts], lay.units(buf.A, layer)[:ts]
                ),
            }
            layers.append(entry)
        trace = {
            "lr": out[codes.OUT_LR],
            "optimizer": opt_kind,
            "optimizer_step": after.opt_t,
            "batch": {
                "indices": rows,
                "inputs": self.inputs_all[rows],
                "features": self.F[rows],
                "targets": self.Y[rows],
            },
            "loss": {
                "total": out[codes.OUT_LOSS_TOTAL],
                "data": out[codes.OUT_LOSS_DATA],
                "reg": out[codes.OUT_LOSS_REG],
                "per_sample": buf.loss_s[:nb].copy(),
            },
            "grad_norm": {
                "before_clip": out[codes.OUT_NORM_BEFORE],
                "after_clip": out[codes.OUT_NORM_AFTER],
                "clip_scale": out[codes.OUT_CLIP_SCALE],
            },
            "layers": layers,
        }
        return after, trace

    def _fprime(self, layer: int, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
        """f'(z) of a layer's units, from the cached z and a; None for softmax."""
        act = self.out_act if layer == self.layout.n_layers else self.hidden_act
        code = codes.ACTIVATIONS[act]
        if code == codes.SOFTMAX:
            return None
        # the same formulas as kernels.act_grad, elementwise
        if code == codes.SIGMOID:
            return a * (1.0 - a)
        if code == codes.TANH:
            return 1.0 - a * a
        if code == codes.RELU:
            return np.where(z > 0.0, 1.0, 0.0)
        if code == codes.LEAKY_RELU:
            return np.where(z > 0.0, 1.0, codes.LEAKY_SLOPE)
        return np.ones_like(z)

    def _batch_length(self, state: State, bs: int) -> int:
        n_train = self.train_rows(state).size
        per_epoch = math.ceil(n_train / bs)
        j = state.step % per_epoch
        return min(bs, n_train - j * bs)

    def _optimizer_state(self, state: State, layer: int, kind: str) -> dict[str, Any]:
        lay = self.layout
        mu = state.hp[codes.HP_MOMENTUM]
        if kind == "sgd":
            if mu == 0.0:
                return {}
            return {
                "momentum_buffer_W": lay.W(state.m1, layer),
                "momentum_buffer_b": lay.b(state.m1, layer),
            }
        if kind == "rmsprop":
            return {"square_avg_W": lay.W(state.m2, layer), "square_avg_b": lay.b(state.m2, layer)}
        return {
            "step": state.opt_t,
            "exp_avg_W": lay.W(state.m1, layer),
            "exp_avg_b": lay.b(state.m1, layer),
            "exp_avg_sq_W": lay.W(state.m2, layer),
            "exp_avg_sq_b": lay.b(state.m2, layer),
        }

    def gradcheck(self, state: State) -> dict[str, Any]:
        """Analytic gradient of the next batch's total loss (before clipping) against central
        differences with h = 1e-6, for every trainable parameter."""
        probe = state.copy()
        buf = self._run_kernel(probe, 1, None)
        nb = self._batch_length(
            state, int(min(int(state.hyper["batch_size"]), self.train_rows(state).size))
        )
        analytic = (buf.GD + buf.GR) * state.mask
        lay = self.layout
        numeric = np.zeros(lay.n_params)
        work = Buffers.make(lay, nb, 1)
        theta = state.theta.copy()
        kernels.numeric_gradient(
            theta, state.mask, lay.sizes, lay.woff, lay.boff, lay.uoff, state.ip, state.hp,
            self.wmask, self.F, self.Y, buf.rows[:nb].copy(), nb, GRADCHECK_H,
            work.Z, work.A, work.loss_s, work.GR, numeric,
        )  # fmt: skip
        trainable = state.mask != 0
        a = analytic[trainable]
        n = numeric[trainable]
        abs_err = np.abs(a - n)
        rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-8)
        an = np.where(trainable, analytic, np.nan)
        layers = [
            {
                "grad_W": lay.W(an, layer),
                "numeric_W": lay.W(numeric, layer),
                "grad_b": lay.b(an, layer),
                "numeric_b": lay.b(numeric, layer),
            }
            for layer in range(1, lay.n_layers + 1)
        ]
        return {
            "h": GRADCHECK_H,
            "batch_indices": buf.rows[:nb].copy(),
            "layers": layers,
            "n_params": int(trainable.sum()),
            "max_abs_error": float(abs_err.max()) if abs_err.size else 0.0,
            "max_rel_error": float(rel_err.max()) if rel_err.size else 0.0,
        }

    def dataset(self, state: State) -> dict[str, Any]:
        """Every row (with points added by events up to the state's step) and the split."""
        n = self.n_base + state.n_added
        return {
            "inputs": self.inputs_all[:n],
            "features": self.F[:n],
            "targets": self.Y[:n],
            "labels": None if self.data.labels is None else self._labels()[:n],
            "train": self.train_rows(state),
            "test": self.data.test_rows,
            "extent": list(self.data.extent),
            "feature_names": self.feature_names,
        }

    def _labels(self) -> np.ndarray:
        assert self.data.labels is not None
        added = [np.asarray(ev["labels"], dtype=np.int64) for ev in self.events
                 if ev["kind"] == "add_points"]  # fmt: skip
        return np.concatenate([self.data.labels, *added])

    def require_plane(self) -> None:
        """Heatmaps are drawn over the input plane: the data must have two input columns."""
        if self.data.inputs.shape[1] != 2:
            raise ScenarioError(("dataset",), "heatmaps need 2-D data (two input columns)")

    def heatmaps(self, state: State, resolution: int) -> dict[str, Any]:
        """Every unit's output over a resolution x resolution grid of the input plane."""
        self.require_plane()
        x0, x1, y0, y1 = self.data.extent
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        gx, gy = np.meshgrid(xs, ys)  # rows: y increasing
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        F = feature_matrix(grid, self.features)
        n = F.shape[0]
        lay = self.layout
        Z = np.zeros((lay.n_units, n))
        A = np.zeros((lay.n_units, n))
        kernels.forward(
            state.theta, lay.sizes, lay.woff, lay.boff, lay.uoff,
            int(state.ip[codes.IP_HIDDEN_ACT]), int(state.ip[codes.IP_OUT_ACT]),
            F, np.arange(n, dtype=np.int64), n, Z, A,
        )  # fmt: skip
        layers = []
        for layer in range(lay.n_layers + 1):
            # Beyond float32's range (a diverging run) a value is drawn as non-finite: inf.
            with np.errstate(over="ignore"):
                block = lay.units(A, layer).astype("<f4")
            layers.append(
                {
                    "units": [
                        base64.b64encode(np.ascontiguousarray(block[:, j]).tobytes()).decode()
                        for j in range(block.shape[1])
                    ]
                }
            )
        return {"extent": list(self.data.extent), "resolution": resolution, "layers": layers}
