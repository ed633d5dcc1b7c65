"""Between the routes and the engine: a bounded cache of states, work estimates, responses.

The cache only makes answers faster: every answer is computed from (scenario, step) by replaying
from the nearest cached checkpoint, which holds exactly what the state from step 0 would hold.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from .engine import History, Run, State
from .engine.optim import lr_at
from .health import judge
from .schemas import Scenario

CHECKPOINT_EVERY = 1000
DEFAULT_EVAL_EVERY = 1000
MAX_HISTORY = 2000

# Seconds per unit of work, fitted to updates timed through `Trainer.train` on the 2-core
# development machine (2-4-2-1 to 8 x 32 units, batches of 10 to 5,000, tanh and ReLU: about
# 3.4 us an update, 0.7 ns a multiply-add of one sample, 7.5 ns an activation of one sample),
# then raised about 1.7 times for a machine under load. A forward pass alone (evaluations,
# heatmaps) costs about half of an update's pass over the same samples.
SECONDS_PER_UPDATE = 6e-6
SECONDS_PER_MAC = 1.2e-9  # per multiply-add of W a_prev, per sample, forward and backward
SECONDS_PER_UNIT = 12e-9  # per unit per sample (activation, f', delta)
# Batch normalization adds about an activation's work per hidden unit and sample (mean,
# variance, x_hat and y forward; two batch means and delta backward); dropout one hash and a
# multiplication. Set with the same margin as the others, from in-process timings of 2-4-2-1
# to 4 x 32 units with batches of 10 and 100 (a loaded machine: the figures varied by 2x).
SECONDS_PER_NORM_UNIT = 12e-9
SECONDS_PER_DROPOUT_UNIT = 8e-9


class RequestError(ValueError):
    """A request that cannot be answered: `loc` names the field (from the body's root)."""

    kind = "request_invalid"

    def __init__(self, loc: tuple[str | int, ...], msg: str):
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


class WorkTooLargeError(RequestError):
    """A request whose estimated work exceeds the budget."""

    kind = "work_too_large"


def scenario_key(engine_dict: dict) -> str:
    return hashlib.sha256(orjson.dumps(engine_dict, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass
class Entry:
    run: Run
    checkpoints: dict[int, State] = field(default_factory=dict)
    nbytes: int = 0
    # whole-set metrics by step (a class asks for the same steps again and again)
    metrics: OrderedDict[int, dict[str, Any]] = field(default_factory=OrderedDict)

    def metrics_at(self, state: State) -> dict[str, Any]:
        found = self.metrics.get(state.step)
        if found is None:
            found = self.run.metrics(state)
            self.metrics[state.step] = found
            while len(self.metrics) > 4096:
                self.metrics.popitem(last=False)
        return found


class StateCache:
    """LRU of runs and their checkpoints, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.nbytes = 0
        self.lock = threading.Lock()

    def run(self, key: str, engine_dict: dict) -> Entry:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                return entry
        entry = Entry(Run(engine_dict))
        entry.nbytes = int(entry.run.F.nbytes * 2 + entry.run.Y.nbytes + 4096)
        with self.lock:
            existing = self.entries.get(key)
            if existing is not None:
                return existing
            self.entries[key] = entry
            self.nbytes += entry.nbytes
            self._evict()
        return entry

    def nearest(self, entry: Entry, step: int) -> State | None:
        with self.lock:
            best = max((s for s in entry.checkpoints if s <= step), default=None)
            return None if best is None else entry.checkpoints[best].copy()

    def store(self, key: str, entry: Entry, state: State) -> None:
        with self.lock:
            if state.step in entry.checkpoints or key not in self.entries:
                return
            entry.checkpoints[state.step] = state.copy()
            entry.nbytes += state.nbytes
            self.nbytes += state.nbytes
            self._evict()

    def _evict(self) -> None:
        while self.nbytes > self.max_bytes and self.entries:
            _, old = self.entries.popitem(last=False)
            self.nbytes -= old.nbytes


def _metrics(found: dict[str, Any]) -> dict[str, Any]:
    """The whole-set metrics an answer shows (not the units' health they also hold)."""
    return {k: v for k, v in found.items() if k != "units"}


def _thin(n: int, limit: int = MAX_HISTORY) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, limit)).astype(np.int64))


class Trainer:
    """Answers the API's questions about (scenario, step)."""

    def __init__(self, cache_bytes: int, budget_seconds: float):
        self.cache = StateCache(cache_bytes)
        self.budget = budget_seconds

    # ------------------------------------------------------------ work estimate

    def check_work(
        self, sc: Scenario, updates: int, evals: int = 1, grid: int = 0, gradcheck: bool = False
    ) -> None:
        """Refuse up front (from the request alone) what would take longer than the budget."""
        ds = sc.dataset
        if ds.kind == "points" and ds.points is not None:
            n = len(ds.points.inputs)
            n_in = len(ds.points.inputs[0]) if len(ds.points.inputs[0]) != 2 else len(sc.features)
            width = (
                len(ds.points.targets[0]) if ds.points.targets else max(ds.points.labels or [1]) + 1
            )
        else:
            n, n_in, width = ds.n_samples, len(sc.features), 3
        sizes = [n_in, *sc.hidden_layers, width]
        macs = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
        per_sample = macs * SECONDS_PER_MAC + sum(sizes[1:]) * SECONDS_PER_UNIT
        hidden_cost = 0.0
        if sc.normalization.kind == "batch":
            hidden_cost += SECONDS_PER_NORM_UNIT
        dropout = sc.dropout.rate > 0 or any(
            getattr(ev, "changes", None) is not None
            and ev.changes.dropout is not None
            and (ev.changes.dropout.rate or 0) > 0
            for ev in sc.events
        )
        if dropout:
            hidden_cost += SECONDS_PER_DROPOUT_UNIT
        per_sample += sum(sc.hidden_layers) * hidden_cost
        added = sum(len(getattr(ev, "inputs", [])) for ev in sc.events)
        n_train = max(1, math.ceil(ds.train_fraction * n)) + added
        batch = min(sc.batch_size, n_train)
        for ev in sc.events:
            if getattr(ev, "changes", None) is not None and ev.changes.batch_size:
                batch = max(batch, min(ev.changes.batch_size, n_train))
        seconds = updates * (batch * per_sample + SECONDS_PER_UPDATE)
        seconds += evals * (n + added) * per_sample / 2
        seconds += grid * grid * per_sample / 2
        if gradcheck:
            params = macs + sum(sizes[1:])
            if sc.normalization.kind == "batch":
                params += 2 * sum(sc.hidden_layers)  # gamma and beta
            seconds += 2 * params * batch * per_sample / 2
        if seconds > self.budget:
            raise WorkTooLargeError(
                ("body", "step"),
                f"this request would take about {seconds:.0f} s, over the limit of "
                f"{self.budget:.0f} s: ask for fewer steps, samples or units",
            )

    # ------------------------------------------------------------ states

    def entry(self, sc: Scenario) -> tuple[str, Entry]:
        d = sc.engine_dict()
        key = scenario_key(d)
        return key, self.cache.run(key, d)

    def state_at(self, key: str, entry: Entry, step: int) -> State:
        """A fresh copy of the state after `step` updates (frozen at divergence)."""
        state = self.cache.nearest(entry, step)
        if state is None:
            state = entry.run.initial_state()
            self.cache.store(key, entry, state)
        while state.step < step and state.diverged_at is None:
            nxt = min(step, (state.step // CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY)
            entry.run.advance(state, nxt - state.step)
            self.cache.store(key, entry, state)
        return state

    # ------------------------------------------------------------ responses

    def snapshot_fields(self, entry: Entry, state: State, step: int) -> dict[str, Any]:
        run = entry.run
        lr = None
        if state.diverged_at is None:
            lr = lr_at(state.hyper, state.step)
        pruned = None
        if state.pruned is not None:
            pruned = [p["W"] != 0 for p in run.params(state.pruned.astype(np.float64))]
        return {
            "step": step,
            "epoch": step / run.batches_per_epoch(state),
            "params": run.params(state.theta, state),
            "metrics": _metrics(entry.metrics_at(state)),
            "diverged": state.diverged_at is not None,
            "diverged_at_step": state.diverged_at,
            "lr": lr,
            "n_train": int(run.train_rows(state).size),
            "n_test": int(run.data.test_rows.size),
            "feature_names": run.feature_names,
            "layer_sizes": [int(s) for s in run.layout.sizes],
            "output_activation": run.out_act,
            "loss": run.loss,
            "pruned": pruned,
        }

    def snapshot(self, sc: Scenario, step: int) -> dict[str, Any]:
        self.check_work(sc, step)
        key, entry = self.entry(sc)
        state = self.state_at(key, entry, step)
        return self.snapshot_fields(entry, state, step)

    def step(self, sc: Scenario, step: int, trace_samples: int) -> dict[str, Any]:
        self.check_work(sc, step + 1)
        key, entry = self.entry(sc)
        state = self.state_at(key, entry, step)
        if state.diverged_at is not None:
            result = self.snapshot_fields(entry, state, step + 1)
            result["trace"] = None
            result["health"] = self._health(key, entry, state, result, [])
            return result
        after, trace = entry.run.trace(state, trace_samples)
        self.cache.store(key, entry, after)
        result = self.snapshot_fields(entry, after, step + 1)
        result["trace"] = trace
        grads = [[x["grad_norm"] for x in trace["layers"]]]
        result["health"] = self._health(key, entry, after, result, grads)
        return result

    def _health(
        self, key: str, entry: Entry, state: State, result: dict[str, Any], grad_norms: list
    ) -> dict[str, Any]:
        """The answer's training health (see `health.judge`): the state's units over the whole
        training set, and `grad_norms` (per layer) of the latest updates the answer covers."""
        # step 0's metrics are computed once per run; only then is its state needed
        start = entry.metrics.get(0) or entry.metrics_at(self.state_at(key, entry, 0))
        units = entry.metrics_at(state)["units"]
        run = entry.run
        return judge(
            n_layers=run.layout.n_layers,
            hidden_act=run.hidden_act,
            lr=float(state.hyper.lr),
            diverged_at=state.diverged_at,
            start_loss=start["train_loss"],
            loss=result["metrics"]["train_loss"],
            grad_norms=grad_norms,
            dead=[units["dead"]],
            saturated=[units["saturated"]],
        )

    def train(
        self,
        sc: Scenario,
        step: int,
        steps: int,
        eval_every: int | None,
        max_history: int = MAX_HISTORY,
        heatmaps_resolution: int | None = None,
    ) -> dict[str, Any]:
        every = eval_every or DEFAULT_EVAL_EVERY
        n_evals = steps // every + 2
        self.check_work(sc, step + steps, evals=n_evals, grid=heatmaps_resolution or 0)
        key, entry = self.entry(sc)
        run = entry.run
        if heatmaps_resolution is not None:
            run.require_plane()
        state = self.state_at(key, entry, step)
        start = state.copy()
        # per-layer statistics only for the updates the thinned history shows
        keep = np.zeros(steps, dtype=np.bool_)
        keep[_thin(steps, max_history)] = True
        history = History(keep=keep)
        evaluations = []
        target = step + steps
        while state.step < target and state.diverged_at is None:
            # stop at evaluation points (relative to the request's start) and checkpoints
            done = state.step - step
            nxt = min(target, step + (done // every + 1) * every)
            nxt = min(nxt, (state.step // CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY)
            run.advance(state, nxt - state.step, history)
            self.cache.store(key, entry, state)
            if (state.step - step) % every == 0 or state.step == target:
                evaluations.append({"step": state.step, **_metrics(entry.metrics_at(state))})
        done = state.step - step
        if done < steps and not keep[_thin(done, max_history)].all():
            # diverged early: the history thinned over the updates made shows others
            history = History(keep=np.isin(np.arange(done), _thin(done, max_history)))
            run.advance(start, done, history)
        result = self.snapshot_fields(entry, state, target)
        if not evaluations or evaluations[-1]["step"] != state.step:
            evaluations.append({"step": state.step, **result["metrics"]})
        result["history"] = self._history(run, history, max_history)
        result["health"] = self._health(key, entry, state, result, self._latest_grads(run, history))
        result["evaluations"] = evaluations
        if heatmaps_resolution is not None:
            result["heatmaps"] = {
                "step": result["step"],
                **run.heatmaps(state, heatmaps_resolution),
            }
        return result

    @staticmethod
    def _latest_grads(run: Run, history: History, n: int = 10) -> list[list[float]]:
        """The per-layer gradient norms of the latest `n` updates with statistics."""
        if not history.layers:
            return []
        layers = np.concatenate(history.layers)
        kept = np.ones(len(layers), dtype=bool)
        if history.keep is not None:
            kept = history.keep[: len(layers)]
        return [layers[i, 0, 1:].tolist() for i in np.flatnonzero(kept)[-n:]]

    @staticmethod
    def _history(run: Run, history: History, limit: int = MAX_HISTORY) -> list[dict[str, Any]]:
        if not history.steps:
            return []
        steps = np.concatenate(history.steps)
        loss = np.concatenate(history.loss)
        lr = np.concatenate(history.lr)
        layers = np.concatenate(history.layers)  # [n, 3, L+1]
        L = run.layout.n_layers
        keep = _thin(steps.size, limit)
        grad = layers[keep, 0, 1:].tolist()
        dead = layers[keep, 1, 1:L].tolist()
        sat = layers[keep, 2, 1:L].tolist()
        return [
            {
                "step": int(s),
                "loss": float(ls),
                "lr": float(r),
                "grad_norm": g,
                "dead": d,
                "saturated": sa,
            }
            for s, ls, r, g, d, sa in zip(
                steps[keep].tolist(),
                loss[keep].tolist(),
                lr[keep].tolist(),
                grad,
                dead,
                sat,
                strict=True,
            )
        ]

    def dataset(self, sc: Scenario, step: int) -> dict[str, Any]:
        self.check_work(sc, step)
        key, entry = self.entry(sc)
        state = self.state_at(key, entry, step)
        return {"step": step, **entry.run.dataset(state)}

    def schedule(self, sc: Scenario, step: int, steps: int) -> dict[str, Any]:
        """The learning rate of updates step .. step+steps-1, with the scenario's `set` events."""
        key, entry = self.entry(sc)
        run = entry.run
        settings = run.initial_settings
        hyper = run.hyper_for(settings)
        rates = []
        events = [ev for ev in run.events if ev["kind"] == "set"]
        n = 0
        for k in range(step, step + steps):
            while n < len(events) and events[n]["step"] <= k:
                settings = run.merge_settings(settings, events[n]["changes"])
                hyper = run.hyper_for(settings)
                n += 1
            rates.append(lr_at(hyper, k))
        return {"step": step, "lr": rates}

    def heatmaps(self, sc: Scenario, step: int, resolution: int) -> dict[str, Any]:
        self.check_work(sc, step, grid=resolution)
        key, entry = self.entry(sc)
        state = self.state_at(key, entry, step)
        return {"step": step, **entry.run.heatmaps(state, resolution)}

    def gradcheck(self, sc: Scenario, step: int) -> dict[str, Any]:
        self.check_work(sc, step + 1, gradcheck=True)
        key, entry = self.entry(sc)
        state = self.state_at(key, entry, step)
        if state.diverged_at is not None:
            raise RequestError(
                ("body", "step"), f"the run diverged at step {state.diverged_at}: no gradient"
            )
        return {"step": step, **entry.run.gradcheck(state)}
