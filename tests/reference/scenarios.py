"""Random small scenarios with explicit data and explicit initial weights.

``dataset.kind = "points"`` and ``init.params`` pin down the data and the initial state
exactly, so the reference and the engine start from the same numbers.
"""

from __future__ import annotations

import random
from typing import Any

HIDDEN_ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
FEATURES = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]

# (output_activation, loss, how the data gives its targets)
HEADS = [
    ("sigmoid", "bce", "labels"),
    ("sigmoid", "bce", "binary_targets"),
    ("sigmoid", "half_sse", "unit_targets"),
    ("sigmoid", "mse", "labels"),
    ("tanh", "half_sse", "labels"),
    ("tanh", "mse", "signed_targets"),
    ("linear", "mse", "targets"),
    ("linear", "half_sse", "targets"),
    ("softmax", "cross_entropy", "labels"),
    ("softmax", "cross_entropy", "one_hot_targets"),
]

OPTIMIZERS: list[dict[str, Any]] = [
    {"kind": "sgd", "lr": 0.1},
    {"kind": "sgd", "lr": 0.05, "momentum": 0.9},
    {"kind": "sgd", "lr": 0.05, "momentum": 0.8, "nesterov": True},
    {"kind": "rmsprop", "lr": 0.01, "alpha": 0.9, "eps": 1e-8},
    {"kind": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7},
    {"kind": "adamw", "lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.3},
]


def _u(rng: random.Random, lo: float = -1.0, hi: float = 1.0) -> float:
    return rng.uniform(lo, hi)


def random_points(
    rng: random.Random, head: tuple[str, str, str], n_rows: int, n_inputs: int
) -> tuple[dict[str, Any], int]:
    """Explicit data for the head, and K, the width of the output layer."""
    output_activation, _, kind = head
    inputs = [[_u(rng, -2, 2) for _ in range(n_inputs)] for _ in range(n_rows)]
    if kind == "labels":
        n_classes = rng.choice([2, 3]) if output_activation == "softmax" else 2
        # every class appears, so that the class count is unambiguous
        labels = list(range(n_classes)) + [rng.randrange(n_classes) for _ in range(n_rows)]
        labels = labels[:n_rows]
        rng.shuffle(labels)
        width = n_classes if output_activation == "softmax" else 1
        return {"inputs": inputs, "labels": labels}, width
    K = rng.randint(1, 3)
    if kind == "binary_targets":
        targets = [[float(rng.randrange(2)) for _ in range(K)] for _ in range(n_rows)]
    elif kind == "unit_targets":
        targets = [[_u(rng, 0, 1) for _ in range(K)] for _ in range(n_rows)]
    elif kind == "signed_targets":
        targets = [[_u(rng) for _ in range(K)] for _ in range(n_rows)]
    elif kind == "targets":
        targets = [[_u(rng, -2, 2) for _ in range(K)] for _ in range(n_rows)]
    elif kind == "one_hot_targets":
        K = rng.choice([2, 3])
        hot = [rng.randrange(K) for _ in range(n_rows)]
        targets = [[1.0 if k == h else 0.0 for k in range(K)] for h in hot]
    else:
        raise ValueError(kind)
    return {"inputs": inputs, "targets": targets}, K


def random_params(
    rng: random.Random, widths: list[int], zero_fraction: float = 0.0
) -> list[dict[str, Any]]:
    """Explicit W (units_l x units_{l-1}) and b per layer, some weights exactly 0."""
    params = []
    for fan_in, units in zip(widths[:-1], widths[1:], strict=True):
        W = [
            [0.0 if rng.random() < zero_fraction else _u(rng) for _ in range(fan_in)]
            for _ in range(units)
        ]
        b = [_u(rng, -0.5, 0.5) for _ in range(units)]
        params.append({"W": W, "b": b})
    return params


def random_scenario(
    rng: random.Random,
    *,
    head: tuple[str, str, str] | None = None,
    activation: str | None = None,
    optimizer: dict[str, Any] | None = None,
    schedule: dict[str, Any] | None = None,
    regularization: dict[str, Any] | None = None,
    clip: dict[str, Any] | None = None,
    train_biases: bool | None = None,
    n_rows: int | None = None,
    batch_size: int | None = None,
    normalization: dict[str, Any] | None = None,
    dropout: dict[str, Any] | None = None,
    hidden: list[int] | None = None,
) -> dict[str, Any]:
    """A small random scenario: 0–3 hidden layers of 1–4 units, 2–3 inputs, 3–6 rows.

    Whatever is not given is drawn at random; the batch is the whole set by default.
    """
    head = head or rng.choice(HEADS)
    n_rows = n_rows or rng.randint(3, 6)
    n_inputs = rng.choice([2, 3])
    points, K = random_points(rng, head, n_rows, n_inputs)
    features = None
    if n_inputs == 2:
        features = rng.sample(FEATURES, rng.randint(1, 4))
    n_features = len(features) if features else n_inputs
    if hidden is None:
        hidden = [rng.randint(1, 4) for _ in range(rng.randint(0, 3))]
    widths = [n_features, *hidden, K]
    if regularization is None:
        regularization = rng.choice(
            [
                {"kind": "none", "rate": 0.0},
                {"kind": "l1", "rate": rng.choice([0.003, 0.05])},
                {"kind": "l2", "rate": rng.choice([0.003, 0.05])},
            ]
        )
    if clip is None:
        clip = rng.choice(
            [
                {"kind": "none", "threshold": 1.0},
                {"kind": "norm", "threshold": rng.choice([0.05, 0.5, 100.0])},
                {"kind": "value", "threshold": rng.choice([0.01, 0.1, 100.0])},
            ]
        )
    scenario: dict[str, Any] = {
        "format_version": 1,
        "dataset": {"kind": "points", "train_fraction": 1.0, "seed": 1, "points": points},
        "hidden_layers": hidden,
        "activation": activation or rng.choice(HIDDEN_ACTIVATIONS),
        "output_activation": head[0],
        "loss": head[1],
        "init": {"params": random_params(rng, widths, zero_fraction=0.15)},
        "train_biases": rng.random() < 0.8 if train_biases is None else train_biases,
        "optimizer": dict(optimizer or rng.choice(OPTIMIZERS)),
        "schedule": schedule or {"kind": "constant"},
        "regularization": regularization,
        "clip": clip,
        "batch_size": batch_size or n_rows,
        "events": [],
    }
    if features is not None:
        scenario["features"] = features
    if normalization is not None:
        scenario["normalization"] = normalization
    if dropout is not None:
        scenario["dropout"] = dropout
    return scenario
