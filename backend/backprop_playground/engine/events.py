"""Changes made during a run: checking a scenario's events and applying them to a state."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

from .errors import ScenarioError
from .state import State

if TYPE_CHECKING:
    from .run import Run


def merge_settings(settings: dict, changes: dict) -> dict:
    """`settings` with the given (non-null) values of a partial scenario merged in."""
    merged = copy.deepcopy(settings)
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, dict):
            given = {k: v for k, v in value.items() if v is not None}
            merged[key] = {**merged[key], **copy.deepcopy(given)}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def single_sample_batch(n_train: int, batch_size: int) -> bool:
    """Whether some batch of an epoch holds one sample (the last one is n mod b when short)."""
    b = min(batch_size, n_train)
    last = n_train - (-(-n_train // b) - 1) * b
    return b == 1 or last == 1


def check_batches(run: Run) -> None:
    """With normalization, refuse a scenario whose batches would ever hold a single sample: at
    the start, or after the events of any step (batch_size changes, added points)."""
    if not run.normalized:
        return

    def refuse(loc: tuple[str | int, ...], n_train: int, batch_size: int) -> None:
        b = min(batch_size, n_train)
        which = "every batch" if b == 1 else "the last batch of each epoch"
        raise ScenarioError(
            loc,
            f"batch normalization needs at least 2 samples in every batch: a batch size of "
            f"{batch_size} on {n_train} training rows leaves {which} with 1 sample",
        )

    n_train = int(run.data.train_rows.size)
    batch_size = int(run.initial_settings["batch_size"])
    if single_sample_batch(n_train, batch_size):
        refuse(("batch_size",), n_train, batch_size)
    events = run.events
    loc: tuple[str | int, ...] | None = None  # the latest change at this step
    for n, ev in enumerate(events):
        if ev["kind"] == "add_points":
            n_train += len(ev["inputs"])
            loc = ("events", n, "inputs")
        elif ev["kind"] == "set" and ev["changes"].get("batch_size") is not None:
            batch_size = int(ev["changes"]["batch_size"])
            loc = ("events", n, "changes", "batch_size")
        if n + 1 == len(events) or events[n + 1]["step"] != ev["step"]:
            if loc is not None and single_sample_batch(n_train, batch_size):
                refuse(loc, n_train, batch_size)
            loc = None


def check_events(run: Run) -> None:
    """Refuse events that cannot apply to this run (422 naming the event's field)."""
    L = run.layout.n_layers
    sizes = run.layout.sizes
    n_columns = run.data.inputs.shape[1]
    last = 0
    settings = run.initial_settings  # in force, with the set events so far
    for n, ev in enumerate(run.events):
        loc: tuple[str | int, ...] = ("events", n)
        if ev["step"] < last:
            raise ScenarioError((*loc, "step"), "events must be ordered by step")
        last = ev["step"]
        kind = ev["kind"]
        if kind == "set_weight":
            layer = ev["layer"]
            if not 1 <= layer <= L:
                raise ScenarioError((*loc, "layer"), f"must be between 1 and {L}")
            if not 0 <= ev["to"] < sizes[layer]:
                raise ScenarioError((*loc, "to"), f"must be below {sizes[layer]}")
            if not ev["bias"]:
                src = ev["from"]
                if src is None or not 0 <= src < sizes[layer - 1]:
                    raise ScenarioError(
                        (*loc, "from"), f"must be given and below {sizes[layer - 1]}"
                    )
        elif kind == "add_points":
            inputs = np.asarray(ev["inputs"], dtype=np.float64)
            if inputs.ndim != 2 or inputs.shape[1] != n_columns:
                raise ScenarioError((*loc, "inputs"), f"rows must have {n_columns} values")
            if run.data.is_classification:
                labels = ev["labels"]
                if labels is None or len(labels) != inputs.shape[0]:
                    raise ScenarioError((*loc, "labels"), "one label per added row")
                if min(labels) < 0 or max(labels) >= run.data.n_classes:
                    raise ScenarioError(
                        (*loc, "labels"), f"must be between 0 and {run.data.n_classes - 1}"
                    )
            else:
                assert run.data.targets is not None
                t = ev["targets"]
                width = run.data.targets.shape[1]
                if t is None or np.asarray(t, dtype=np.float64).shape != (len(inputs), width):
                    raise ScenarioError(
                        (*loc, "targets"), f"one row of {width} targets per added row"
                    )
        elif kind == "set":
            settings = merge_settings(settings, ev["changes"])
            try:
                run.hyper_for(settings)
            except ScenarioError as err:
                raise ScenarioError((*loc, "changes", *err.loc), err.msg) from None


def apply_events(run: Run, state: State) -> None:
    """Apply every event at `state.step` (the state after that many updates)."""
    layout = run.layout
    theta, mask, m1, m2 = state.params.theta, state.mask, state.params.m1, state.params.m2
    while state.next_event < len(run.events):
        ev = run.events[state.next_event]
        if ev["step"] > state.step:
            break
        state.next_event += 1
        if state.diverged_at is not None:
            continue
        kind = ev["kind"]
        if kind == "set":
            old_kind = state.settings["optimizer"]["kind"]
            state.settings = merge_settings(state.settings, ev["changes"])
            state.hyper = run.hyper_for(state.settings)
            if state.settings["optimizer"]["kind"] != old_kind:
                m1[:] = 0.0  # a new optimizer starts with empty state
                m2[:] = 0.0
                state.opt_t = 0
        elif kind == "set_weight":
            layer, j = ev["layer"], ev["to"]
            if ev["bias"]:
                p = int(layout.boff[layer]) + j
            else:
                p = int(layout.woff[layer]) + j * int(layout.sizes[layer - 1]) + ev["from"]
                if state.pruned is not None and state.pruned[p]:
                    state.pruned[p] = False  # a hand-set weight is no longer pruned
                    mask[p] = 1.0
            theta[p] = float(ev["value"])
        elif kind == "prune":
            weights = np.flatnonzero(run.wmask)
            count = int(round(float(ev["fraction"]) * weights.size))
            order = np.argsort(np.abs(theta[weights]), kind="stable")
            chosen = weights[order[:count]]
            if state.pruned is None:
                state.pruned = np.zeros(layout.n_params, dtype=bool)
            state.pruned[chosen] = True
            theta[chosen] = 0.0
            mask[chosen] = 0.0
            m1[chosen] = 0.0
            m2[chosen] = 0.0
        elif kind == "add_points":
            state.n_added += len(ev["inputs"])
