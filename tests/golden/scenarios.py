"""Golden figures: about twenty varied scenarios whose numbers must never change by accident.

Every optimizer, schedule, loss, clipping, regularization, events, minibatch shape, batch
normalization and dropout appears at least once. `figures(client)` answers, per scenario, a
hash of the parameters and metrics at a few steps (through `/snapshot`) and of one `/step`
trace (the contract's trace fields only, so that fields added later do not disturb it).
`golden.json` holds the figures taken before a refactor; a change that alters them on purpose
bumps `ENGINE_VERSION` and writes them again:

    python -m tests.golden.scenarios --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import orjson

GOLDEN = Path(__file__).with_name("golden.json")
STEPS = (0, 1, 7, 50, 333)
TRACE_STEP = 5
TRACE_LAYER_FIELDS = (
    "W", "b", "z", "a", "dL_da", "delta", "fprime", "grad_W_data", "grad_W_reg", "grad_W",
    "grad_b", "W_after", "b_after", "update_W", "update_b", "optimizer_state",
)  # fmt: skip


def _base(**changes: Any) -> dict[str, Any]:
    scenario: dict[str, Any] = {
        "dataset": {"kind": "circle", "n_samples": 120, "noise": 0.1, "seed": 2},
        "hidden_layers": [4, 2],
        "activation": "tanh",
        "optimizer": {"kind": "sgd", "lr": 0.03},
        "batch_size": 10,
    }
    scenario.update(changes)
    return scenario


SCENARIOS: dict[str, dict[str, Any]] = {
    "default-circle": _base(),
    "xor-relu-momentum": _base(
        dataset={"kind": "xor", "n_samples": 100, "seed": 3},
        activation="relu",
        init={"scheme": "he_normal", "seed": 4},
        optimizer={"kind": "sgd", "lr": 0.05, "momentum": 0.9},
    ),
    "nesterov-step-schedule": _base(
        optimizer={"kind": "sgd", "lr": 0.1, "momentum": 0.8, "nesterov": True},
        schedule={"kind": "step", "step_size": 20, "gamma": 0.5},
    ),
    "rmsprop-exponential": _base(
        dataset={"kind": "gauss", "n_samples": 80, "noise": 0.3, "seed": 1},
        optimizer={"kind": "rmsprop", "lr": 0.01, "alpha": 0.9},
        schedule={"kind": "exponential", "gamma": 0.995},
    ),
    "adam-cosine": _base(
        dataset={"kind": "spiral", "n_samples": 150, "seed": 5},
        hidden_layers=[8, 8],
        optimizer={"kind": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7},
        schedule={"kind": "cosine", "total_steps": 200, "min_lr": 0.001},
    ),
    "adamw-warmup": _base(
        optimizer={"kind": "adamw", "lr": 0.02, "weight_decay": 0.1},
        schedule={"kind": "warmup", "warmup_steps": 30},
    ),
    "sgd-cyclic": _base(
        optimizer={"kind": "sgd", "lr": 0.01},
        schedule={"kind": "cyclic", "step_size": 25, "max_lr": 0.2},
    ),
    "l1-clip-norm": _base(
        regularization={"kind": "l1", "rate": 0.003},
        clip={"kind": "norm", "threshold": 0.2},
        optimizer={"kind": "sgd", "lr": 0.3},
    ),
    "l2-clip-value": _base(
        regularization={"kind": "l2", "rate": 0.01},
        clip={"kind": "value", "threshold": 0.05},
        optimizer={"kind": "sgd", "lr": 0.3, "momentum": 0.5},
    ),
    "spiral3-softmax": {
        "dataset": {"kind": "spiral3", "n_samples": 150, "seed": 2},
        "hidden_layers": [6],
        "activation": "relu",
        "optimizer": {"kind": "adam", "lr": 0.01},
        "batch_size": 16,
    },
    "plane-regression": {
        "dataset": {"kind": "plane", "n_samples": 100, "noise": 0.2},
        "hidden_layers": [3],
        "activation": "leaky_relu",
        "init": {"scheme": "he_uniform", "seed": 2},
        "optimizer": {"kind": "sgd", "lr": 0.01},
    },
    "multi-gauss-half-sse": {
        "dataset": {"kind": "multi_gauss", "n_samples": 100, "seed": 4},
        "hidden_layers": [5, 3],
        "activation": "sigmoid",
        "output_activation": "tanh",
        "loss": "half_sse",
        "init": {"scheme": "xavier_normal", "seed": 9},
        "optimizer": {"kind": "sgd", "lr": 0.1},
    },
    "moons-features-leaky": _base(
        dataset={"kind": "moons", "n_samples": 100, "noise": 0.1, "seed": 6},
        features=["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"],
        activation="leaky_relu",
        output_activation="sigmoid",
        loss="mse",
        init={"scheme": "normal", "scale": 0.3, "bias": 0.05, "seed": 7},
    ),
    "sigmoid-fixed-biases": _base(
        activation="sigmoid",
        init={"scheme": "xavier_normal", "bias": 0.2, "seed": 11},
        train_biases=False,
        optimizer={"kind": "sgd", "lr": 0.5},
    ),
    "full-batch-linear-hidden": _base(
        dataset={"kind": "gauss", "n_samples": 60, "seed": 8},
        activation="linear",
        batch_size=5000,
        optimizer={"kind": "sgd", "lr": 0.1},
    ),
    "ragged-minibatch": _base(batch_size=7, hidden_layers=[3, 3, 3]),
    "no-hidden-and-gate": {
        "dataset": {"kind": "and", "train_fraction": 1.0},
        "hidden_layers": [],
        "optimizer": {"kind": "sgd", "lr": 0.5},
        "batch_size": 4,
    },
    "points-five-columns-classes": {
        "dataset": {
            "kind": "points",
            "points": {
                "inputs": [[(r * 7 + c * 3) % 11 / 5.0 - 1.0 for c in range(5)] for r in range(40)],
                "labels": [(r * 5) % 3 for r in range(40)],
            },
            "train_fraction": 0.75,
            "seed": 3,
        },
        "hidden_layers": [10],
        "activation": "relu",
        "optimizer": {"kind": "adam", "lr": 0.005},
        "batch_size": 8,
    },
    "points-explicit-params": {
        "dataset": {
            "kind": "points",
            "points": {
                "inputs": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.2]],
                "targets": [[0.1, 0.9], [0.8, 0.2], [0.7, 0.3], [0.2, 0.6], [0.4, 0.5]],
            },
            "train_fraction": 1.0,
        },
        "hidden_layers": [2],
        "activation": "sigmoid",
        "output_activation": "sigmoid",
        "loss": "half_sse",
        "init": {
            "params": [
                {"W": [[0.15, 0.2], [0.25, 0.3]], "b": [0.35, 0.35]},
                {"W": [[0.4, 0.45], [0.5, 0.55]], "b": [0.6, 0.6]},
            ]
        },
        "optimizer": {"kind": "sgd", "lr": 0.5},
        "batch_size": 2,
    },
    "events-every-kind": _base(
        events=[
            {"step": 3, "kind": "set", "changes": {"optimizer": {"lr": 0.1}}},
            {"step": 4, "kind": "set_weight", "layer": 1, "to": 0, "from": 1, "value": 0.7},
            {"step": 4, "kind": "set_weight", "layer": 2, "to": 1, "bias": True, "value": -0.2},
            {"step": 5, "kind": "prune", "fraction": 0.3},
            {
                "step": 6,
                "kind": "add_points",
                "inputs": [[1.0, 1.0], [-4.0, 4.0]],
                "labels": [1, 0],
            },
            {"step": 20, "kind": "set", "changes": {"optimizer": {"kind": "adam", "lr": 0.01}}},
            {"step": 40, "kind": "set", "changes": {"batch_size": 25, "clip": {"kind": "norm"}}},
        ]
    ),
    "diverging-relu": _base(
        dataset={"kind": "plane", "n_samples": 100},
        activation="relu",
        output_activation="linear",
        loss="mse",
        optimizer={"kind": "sgd", "lr": 5.0},
    ),
    "batchnorm-dropout-adam-events": _base(
        hidden_layers=[5, 3],
        normalization={"kind": "batch", "momentum": 0.2, "eps": 1e-5},
        dropout={"rate": 0.3, "seed": 4},
        optimizer={"kind": "adam", "lr": 0.01},
        batch_size=8,
        events=[
            {
                "step": 10,
                "kind": "add_points",
                "inputs": [[1.0, 1.0], [-4.0, 4.0]],
                "labels": [1, 0],
            },
            {"step": 30, "kind": "set", "changes": {"dropout": {"rate": 0.1}}},
            {"step": 40, "kind": "set", "changes": {"batch_size": 12}},
        ],
    ),
    "batchnorm-relu-ragged-clip": _base(
        activation="relu",
        hidden_layers=[4, 4],
        normalization={"kind": "batch"},
        optimizer={"kind": "sgd", "lr": 0.1, "momentum": 0.9},
        regularization={"kind": "l2", "rate": 0.001},
        clip={"kind": "value", "threshold": 0.5},
        batch_size=7,
    ),
}


def digest(value: Any) -> str:
    """sha256 of a JSON value written canonically (sorted keys, floats as they round-trip)."""
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24]


def _ok(r) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return r.json()


def figures_of(client, scenario: dict[str, Any]) -> dict[str, str]:
    out = {}
    for k in STEPS:
        snap = _ok(client.post("/api/v1/snapshot", json={"scenario": scenario, "step": k}))
        out[f"params@{k}"] = digest(snap["params"])
        out[f"metrics@{k}"] = digest([snap["metrics"], snap["diverged"], snap["diverged_at_step"]])
    step = _ok(client.post("/api/v1/step", json={"scenario": scenario, "step": TRACE_STEP}))
    trace = step["trace"]
    kept = {
        "lr": trace["lr"],
        "batch": trace["batch"],
        "loss": trace["loss"],
        "grad_norm": trace["grad_norm"],
        "layers": [
            {
                **{f: layer.get(f) for f in TRACE_LAYER_FIELDS},
                # normalization and dropout, only where present (older figures have neither)
                **{f: layer[f] for f in ("bn", "dropout_mask") if layer.get(f) is not None},
            }
            for layer in trace["layers"]
        ],
    }
    out[f"trace@{TRACE_STEP}"] = digest(kept)
    train = _ok(client.post("/api/v1/train", json={"scenario": scenario, "step": 0, "steps": 60}))
    out["train-history@60"] = digest(
        [train["params"], [{k: h[k] for k in sorted(h)} for h in train["history"]]]
    )
    return out


def figures(client) -> dict[str, dict[str, str]]:
    return {name: figures_of(client, sc) for name, sc in SCENARIOS.items()}


if __name__ == "__main__" and "--write" in sys.argv:
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    with TestClient(create_app(Settings(database_url="sqlite:///:memory:"))) as c:
        GOLDEN.write_text(json.dumps(figures(c), indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
