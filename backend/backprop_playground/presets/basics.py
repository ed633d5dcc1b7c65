"""The first steps: the classic worked example, and XOR (why a hidden layer)."""

from __future__ import annotations

from typing import Any

from .common import variant

WORKED_EXAMPLE_SUMMARY = (
    "The classic step-by-step backpropagation example (Matt Mazur): 2 inputs, 2 sigmoid hidden "
    "units, 2 sigmoid outputs, half squared error, learning rate 0.5, biases 0.35 and 0.60 held "
    "fixed. Step once and read the published numbers: out_o1 = 0.75136507, E_total = "
    "0.298371109, dE/dw5 = 0.082167041, w5 becomes 0.35891648, w1 becomes 0.149780716. "
    "The error the post quotes after the update (0.291027924) comes from a bug in its first "
    "script (hidden deltas computed with the already-updated output weights); the correct "
    "value, shown here, is 0.291027774."
)

_XOR: dict[str, Any] = {
    "title": "XOR with 2-2-1",
    "dataset": {"kind": "xor_gate", "train_fraction": 1.0},
    "hidden_layers": [2],
    "activation": "tanh",
    "output_activation": "sigmoid",
    "loss": "bce",
    "init": {"scheme": "xavier_uniform", "seed": 3},
    "optimizer": {"kind": "sgd", "lr": 0.5},
    "batch_size": 4,
}


PRESETS: list[dict[str, Any]] = [
    {
        "id": "worked-example",
        "title": "The classic worked example (2-2-2 sigmoid)",
        "summary": WORKED_EXAMPLE_SUMMARY,
        "lesson": True,
        "steps": 1,
        "watch": "the step's phases: the forward values, the output and hidden deltas, then "
        "each weight's update",
        "scenario": {
            "title": "The classic worked example",
            "dataset": {
                "kind": "points",
                "train_fraction": 1.0,
                "points": {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]},
            },
            "hidden_layers": [2],
            "activation": "sigmoid",
            "output_activation": "sigmoid",
            "loss": "half_sse",
            "init": {
                "params": [
                    {"W": [[0.15, 0.20], [0.25, 0.30]], "b": [0.35, 0.35]},
                    {"W": [[0.40, 0.45], [0.50, 0.55]], "b": [0.60, 0.60]},
                ]
            },
            "train_biases": False,
            "optimizer": {"kind": "sgd", "lr": 0.5},
            "batch_size": 1,
        },
    },
    {
        "id": "xor",
        "title": "XOR needs a hidden layer (2-2-1)",
        "summary": "The four corners of XOR. No straight line separates them, so a network "
        "without a hidden layer stalls at loss ln 2 = 0.693 with 3 of 4 right; two hidden tanh "
        "units bend the plane so that one line can, and get all four.",
        "lesson": True,
        "steps": 300,
        "watch": "the hidden heatmaps becoming two half-planes, and the output heatmap",
        "scenario": _XOR,
        "compare": variant(_XOR, "XOR without a hidden layer", hidden_layers=[]),
        "compare_label": "no hidden layer",
    },
]
