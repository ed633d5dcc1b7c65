"""Lessons beyond a dense two-class network: pruning, regression, three classes with softmax."""

from __future__ import annotations

from typing import Any

_PRUNE = {
    "title": "Prune 90% of the weights",
    "dataset": {"kind": "xor", "n_samples": 300, "seed": 1},
    "hidden_layers": [24, 24],
    "activation": "relu",
    "init": {"scheme": "xavier_uniform", "seed": 2},
    "optimizer": {"kind": "sgd", "lr": 0.03},
    "batch_size": 10,
    "events": [{"step": 600, "kind": "prune", "fraction": 0.9}],
}

_PLANE = {
    "title": "Regression on a plane",
    "dataset": {"kind": "plane", "n_samples": 200, "seed": 1},
    "hidden_layers": [],
    "output_activation": "linear",
    "loss": "mse",
    "init": {"scheme": "xavier_uniform", "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.01},
    "batch_size": 10,
}

_SPIRAL3 = {
    "title": "Three spirals, softmax",
    "dataset": {"kind": "spiral3", "n_samples": 500, "seed": 1},
    "hidden_layers": [24, 24],
    "activation": "relu",
    "output_activation": "softmax",
    "loss": "cross_entropy",
    "init": {"scheme": "he_uniform", "seed": 1},
    "optimizer": {"kind": "adam", "lr": 0.02},
    "batch_size": 25,
}


PRESETS: list[dict[str, Any]] = [
    {
        "id": "prune-90",
        "title": "Pruning 90% of the weights",
        "summary": "A 2-24-24-1 ReLU network learns the XOR quadrants; at update 600 the 90% "
        "of weights with the smallest magnitude are set to 0 for good. Accuracy drops, then "
        "300 more updates of the remaining 10% bring it back to where it was.",
        "lesson": True,
        "steps": 900,
        "watch": "the network view at step 600, when most edges turn dashed, and the loss "
        "chart's jump and recovery",
        "scenario": _PRUNE,
    },
    {
        "id": "plane-regression",
        "title": "Regression on a plane",
        "summary": "The target is the plane (x1 + x2) / 10, and a single linear output unit "
        "computes exactly a plane, w1·x1 + w2·x2 + b. Gradient descent walks the weights to "
        "0.1, 0.1 and 0, and the squared error falls to nearly 0.",
        "lesson": True,
        "steps": 200,
        "watch": "the output heatmap tilting into place, the two weights approaching 0.1, "
        "and the loss chart (log scale)",
        "scenario": _PLANE,
    },
    {
        "id": "spiral3-softmax",
        "title": "Three spirals with softmax",
        "summary": "Three interleaved spiral arms, one class each. The output layer has one "
        "unit per class and softmax turns their values into probabilities that sum to 1; "
        "cross-entropy pushes the right class's probability up. Two ReLU layers of 24 "
        "learn the arms with Adam.",
        "lesson": True,
        "steps": 2000,
        "watch": "the output heatmaps, one per class, and the three-coloured decision regions",
        "scenario": _SPIRAL3,
    },
]
