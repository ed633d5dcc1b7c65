"""A training run: the state after k updates as a pure function of (scenario, k).

`Run(scenario)` prepares everything that does not change during training (data, layout,
settings, events) from the fully-defaulted scenario (`Scenario.engine_dict()`); `State` is what
does change. `Run.advance` moves a state on with the compiled `kernels.train_steps`, applying
the scenario's events at their steps; `Run.trace` (in `trace.py`) makes one update through the
same kernel and returns every intermediate of it.
"""

from __future__ import annotations

import base64
import copy
import math
from typing import Any

import numpy as np

from . import evaluation, kernels, optim, trace
from .datasets import Data, build, encode, feature_matrix, feature_names
from .errors import ScenarioError
from .events import apply_events, check_batches, check_events, merge_settings
from .network import Layout, hyper_of, initial_params, resolve_head
from .state import History, State, make_work
from .tuples import Data as KernelData
from .tuples import Hyper, Params, Record, StepResult, Work

SETTINGS = ("optimizer", "schedule", "regularization", "clip", "batch_size", "dropout")
SEGMENT = 2000  # most updates per kernel call


class Run:
    """The fixed part of a scenario's training run and the maths on its states."""

    def __init__(self, scenario: dict):
        self.scenario = scenario
        self.data: Data = build(scenario["dataset"])
        n_inputs = self.data.inputs.shape[1]
        self.features = list(scenario["features"]) if n_inputs == 2 else None
        self.feature_names = feature_names(n_inputs, self.features)
        self.out_act, self.loss, width = resolve_head(scenario, self.data)
        self.hidden_act = scenario["activation"]
        self.normalization = scenario["normalization"]
        # hidden layers only: without any, nothing is normalized
        self.normalized = self.normalization["kind"] == "batch" and bool(scenario["hidden_layers"])
        self.layout = Layout.of(
            [len(self.feature_names), *scenario["hidden_layers"], width], self.normalized
        )
        self.net = self.layout.net()
        self.wmask = self.net.wmask
        self.threshold = 0.5 if self.out_act == "sigmoid" else 0.0
        self.seed = int(scenario["init"]["seed"]) * 1_000_003 + int(scenario["dataset"]["seed"])
        self.initial_settings = {k: copy.deepcopy(scenario[k]) for k in SETTINGS}
        self.hyper_for(self.initial_settings)  # validates
        self.events = list(scenario["events"])
        check_events(self)
        check_batches(self)
        self.inputs_all, self.F, self.Y = self._rows_with_added_points()
        self.n_base = self.data.inputs.shape[0]
        self.theta0 = initial_params(scenario["init"], self.layout)
        self.mask0 = np.ones(self.layout.n_params)
        if not scenario["train_biases"]:  # fixes b only: gamma and beta stay trainable
            for layer in range(1, self.layout.n_layers + 1):
                self.layout.b(self.mask0, layer)[:] = 0.0

    # ------------------------------------------------------------ set-up

    def hyper_for(self, settings: dict) -> Hyper:
        """The kernels' `Hyper` for settings in force (422 for combinations that make no sense)."""
        return hyper_of(settings, self.hidden_act, self.out_act, self.loss, self.normalization)

    def special(self, hyper: Hyper) -> bool:
        """Whether training needs the kernels' normalization and dropout code."""
        return self.normalized or hyper.drop_rate > 0.0

    def make_work(self, batch: int, n_rows: int, hyper: Hyper) -> Work:
        """Work buffers for batches of up to `batch` rows (with those normalization and
        dropout need, when they are used)."""
        return make_work(self.layout, batch, n_rows, self.normalized, hyper.drop_rate > 0.0)

    merge_settings = staticmethod(merge_settings)

    def _encode(self, labels: np.ndarray | None, targets: np.ndarray | None) -> np.ndarray:
        width = int(self.layout.sizes[-1])
        if labels is not None:
            return encode(labels, self.out_act, width)
        assert targets is not None
        return np.asarray(targets, dtype=np.float64).reshape(-1, width)

    def _rows_with_added_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        inputs = [self.data.inputs]
        ys = [self._encode(self.data.labels, self.data.targets)]
        for ev in self.events:
            if ev["kind"] == "add_points":
                inputs.append(np.asarray(ev["inputs"], dtype=np.float64))
                labels = ev["labels"]
                ys.append(
                    self._encode(
                        None if labels is None else np.asarray(labels, dtype=np.int64),
                        ev["targets"],
                    )
                )
        X = np.concatenate(inputs)
        return X, feature_matrix(X, self.features), np.ascontiguousarray(np.concatenate(ys))

    # ------------------------------------------------------------ states

    def train_rows(self, state: State) -> np.ndarray:
        extra = np.arange(self.n_base, self.n_base + state.n_added, dtype=np.int64)
        return np.ascontiguousarray(np.concatenate([self.data.train_rows, extra]))

    def initial_state(self) -> State:
        P, U = self.layout.n_params, self.layout.n_units
        state = State(
            step=0,
            params=Params(
                self.theta0.copy(),
                self.mask0.copy(),
                np.zeros(P),
                np.zeros(P),
                np.zeros(U),
                np.ones(U),
            ),
            opt_t=0,
            settings=copy.deepcopy(self.initial_settings),
            hyper=self.hyper_for(self.initial_settings),
            next_event=0,
        )
        apply_events(self, state)
        return state

    def _next_event_step(self, state: State) -> int | None:
        if state.next_event < len(self.events):
            return int(self.events[state.next_event]["step"])
        return None

    def advance(self, state: State, n_steps: int, history: History | None = None) -> State:
        """Move `state` (in place) on by `n_steps` updates, applying events at their steps."""
        target = state.step + n_steps
        while state.step < target and state.diverged_at is None:
            end = min(target, state.step + SEGMENT)
            nxt = self._next_event_step(state)
            if nxt is not None and nxt > state.step:
                end = min(end, nxt)
            self.run_kernel(state, end - state.step, history)
        return state

    def run_kernel(
        self, state: State, n: int, history: History | None, stats: bool = False
    ) -> tuple[Work, int, StepResult]:
        """`n` updates of `state` in one kernel call (no event may fall inside them).

        Returns the work buffers (the last update's intermediates), the last batch's length
        and the last update's scalars. Per-layer statistics are computed where `history` keeps
        them, or for every update with `stats`.
        """
        rows = self.train_rows(state)
        work = self.make_work(min(state.hyper.batch_size, rows.size), rows.size, state.hyper)
        L = self.layout.n_layers
        keep = history.keep_flags(n) if history is not None else np.full(n, stats)
        record = Record(np.zeros(n), np.zeros(n), np.zeros((n, 3, L + 1)), keep)
        data = KernelData(self.F, self.Y, rows, self.seed)
        steps = kernels.train_steps_special if self.special(state.hyper) else kernels.train_steps
        done, nb, result = steps(
            state.params, self.net, state.hyper, data, work, record, state.step, state.opt_t
        )
        if history is not None:
            history.steps.append(np.arange(state.step + 1, state.step + done + 1))
            history.loss.append(record.loss[:done])
            history.lr.append(record.lr[:done])
            history.layers.append(record.layers[:done])
            history.n += done
        state.step += done
        state.opt_t += done
        if result.diverged:
            state.diverged_at = state.step
        else:
            apply_events(self, state)
        return work, nb, result

    def batches_per_epoch(self, state: State) -> int:
        n_train = self.data.train_rows.size + state.n_added
        return math.ceil(n_train / min(state.hyper.batch_size, n_train))

    # ------------------------------------------------------------ reading states

    def params(self, theta: np.ndarray, state: State | None = None) -> list[dict[str, Any]]:
        """Per layer W and b (of `theta`), and for a normalized layer gamma and beta, with the
        state's running_mean and running_var when `state` is given."""
        lay = self.layout
        out: list[dict[str, Any]] = []
        for layer in range(1, lay.n_layers + 1):
            entry: dict[str, Any] = {
                "W": lay.W(theta, layer).copy(),
                "b": lay.b(theta, layer).copy(),
            }
            if lay.normalized(layer):
                entry["gamma"] = lay.gamma(theta, layer).copy()
                entry["beta"] = lay.beta(theta, layer).copy()
                if state is not None:
                    entry["running_mean"] = lay.unit_values(state.params.run_mean, layer).copy()
                    entry["running_var"] = lay.unit_values(state.params.run_var, layer).copy()
            out.append(entry)
        return out

    def metrics(self, state: State) -> dict[str, Any]:
        """Total loss over the train set, data loss over the test set, accuracies (eval mode:
        running statistics, no dropout)."""
        train = self.train_rows(state)
        test = np.ascontiguousarray(self.data.test_rows)
        work = make_work(
            self.layout, max(1, min(512, max(train.size, test.size))), 1, self.normalized
        )
        reg = optim.regularization(state.theta, self.wmask, state.hyper, work.GR)
        alive = np.zeros((2, self.layout.n_units))
        tr_loss, tr_ok = evaluation.evaluate(
            state.params,
            self.net,
            state.hyper,
            self.F,
            self.Y,
            train,
            self.threshold,
            work,
            alive,
            self.normalized,
        )
        result: dict[str, Any] = {
            "train_loss": tr_loss + reg,
            "test_loss": None,
            "train_accuracy": tr_ok / train.size if self.data.is_classification else None,
            "test_accuracy": None,
            "units": self._unit_health(alive),
        }
        if test.size:
            te_loss, te_ok = evaluation.evaluate(
                state.params,
                self.net,
                state.hyper,
                self.F,
                self.Y,
                test,
                self.threshold,
                work,
                np.zeros((2, self.layout.n_units)),
                self.normalized,
            )
            result["test_loss"] = te_loss
            if self.data.is_classification:
                result["test_accuracy"] = te_ok / test.size
        return result

    def _unit_health(self, alive: np.ndarray) -> dict[str, list[float]]:
        """Per hidden layer, the fraction of units dead (ReLU family: a = 0 for every training
        row) and saturated (sigmoid, tanh: |f'| < 0.01 for every training row), in eval mode."""
        lay = self.layout
        dead, saturated = [], []
        relu = self.hidden_act in ("relu", "leaky_relu")
        squash = self.hidden_act in ("sigmoid", "tanh")
        for layer in range(1, lay.n_layers):
            o, n = int(lay.uoff[layer]), int(lay.sizes[layer])
            dead.append(float(np.mean(alive[0, o : o + n] == 0)) if relu else 0.0)
            saturated.append(float(np.mean(alive[1, o : o + n] == 0)) if squash else 0.0)
        return {"dead": dead, "saturated": saturated}

    def trace(self, state: State, trace_samples: int = 32) -> tuple[State, dict[str, Any]]:
        """Update `state.step` -> +1 and every number of it (see `trace.trace`)."""
        return trace.trace(self, state, trace_samples)

    def gradcheck(self, state: State) -> dict[str, Any]:
        """The next batch's analytic gradient against central differences (`trace.gradcheck`)."""
        return trace.gradcheck(self, state)

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
        added = [
            np.asarray(ev["labels"], dtype=np.int64)
            for ev in self.events
            if ev["kind"] == "add_points"
        ]
        return np.concatenate([self.data.labels, *added])

    def require_plane(self) -> None:
        """Heatmaps are drawn over the input plane: the data must have two input columns."""
        if self.data.inputs.shape[1] != 2:
            raise ScenarioError(("dataset",), "heatmaps need 2-D data (two input columns)")

    def heatmaps(self, state: State, resolution: int) -> dict[str, Any]:
        """Every unit's output over a resolution x resolution grid of the input plane (eval
        mode: running statistics, no dropout)."""
        self.require_plane()
        x0, x1, y0, y1 = self.data.extent
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        gx, gy = np.meshgrid(xs, ys)  # rows: y increasing
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        F = feature_matrix(grid, self.features)
        n = F.shape[0]
        lay = self.layout
        # only the buffers a forward pass writes get the grid's width
        U, nu = lay.n_units, lay.n_units if self.normalized else 1
        work = make_work(lay, 1, 1, self.normalized)._replace(
            Z=np.zeros((U, n)),
            A=np.zeros((U, n)),
            FP=np.zeros((U, n)),
            XH=np.zeros((nu, n if self.normalized else 1)),
            YB=np.zeros((nu, n if self.normalized else 1)),
        )
        A = work.A
        rows = np.arange(n, dtype=np.int64)
        kernels.forward(
            state.params, self.net, state.hyper, F, rows, n, work, 0, False, self.normalized
        )
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
