"""Presets: ready-made scenarios, each with a title and what to watch."""

from __future__ import annotations

from typing import Any

from .schemas import Preset, Scenario

WORKED_EXAMPLE_SUMMARY = (
    "The classic step-by-step backpropagation example (Matt Mazur): 2 inputs, 2 sigmoid hidden "
    "units, 2 sigmoid outputs, half squared error, learning rate 0.5, biases 0.35 and 0.60 held "
    "fixed. Step once and read the published numbers: out_o1 = 0.75136507, E_total = "
    "0.298371109, dE/dw5 = 0.082167041, w5 becomes 0.35891648, w1 becomes 0.149780716. "
    "Note: the error the original post quotes after the update (0.291027924) comes from a bug "
    "in its first script, which computed the hidden deltas with the already-updated output "
    "weights; the correct value, shown here, is 0.291027774 and differs in the 7th digit."
)


def _tf_default(kind: str, title: str, regression: bool = False) -> dict[str, Any]:
    """TensorFlow Playground's start-up settings for one of its datasets."""
    scenario: dict[str, Any] = {
        "title": title,
        "dataset": {"kind": kind, "n_samples": 500, "noise": 0.0, "train_fraction": 0.5, "seed": 1},
        "features": ["x1", "x2"],
        "hidden_layers": [4, 2],
        "activation": "tanh",
        "output_activation": "linear" if regression else "tanh",
        "loss": "half_sse",
        "init": {"scheme": "uniform", "scale": 0.5, "bias": 0.1, "seed": 1},
        "optimizer": {"kind": "sgd", "lr": 0.03},
        "batch_size": 10,
    }
    return scenario


_PRESETS: list[dict[str, Any]] = [
    {
        "id": "worked-example",
        "title": "The classic worked example (2-2-2 sigmoid)",
        "summary": WORKED_EXAMPLE_SUMMARY,
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
        "summary": "The four corners of XOR. No straight line separates them; two hidden tanh "
        "units bend the plane so one can. Watch the hidden heatmaps become two half-planes.",
        "scenario": {
            "title": "XOR with 2-2-1",
            "dataset": {"kind": "xor_gate", "train_fraction": 1.0},
            "hidden_layers": [2],
            "activation": "tanh",
            "output_activation": "sigmoid",
            "loss": "bce",
            "init": {"scheme": "xavier_uniform", "seed": 3},
            "optimizer": {"kind": "sgd", "lr": 0.5},
            "batch_size": 4,
        },
    },
    {
        "id": "tf-circle",
        "title": "TensorFlow Playground: circle",
        "summary": "TensorFlow Playground's default set-up on its circle data.",
        "scenario": _tf_default("circle", "Circle (TF Playground default)"),
    },
    {
        "id": "tf-xor",
        "title": "TensorFlow Playground: exclusive or",
        "summary": "TensorFlow Playground's default set-up on its XOR quadrants.",
        "scenario": _tf_default("xor", "XOR quadrants (TF Playground default)"),
    },
    {
        "id": "tf-gauss",
        "title": "TensorFlow Playground: gaussian",
        "summary": "TensorFlow Playground's default set-up on two gaussian clusters.",
        "scenario": _tf_default("gauss", "Gaussian clusters (TF Playground default)"),
    },
    {
        "id": "tf-spiral",
        "title": "TensorFlow Playground: spiral",
        "summary": "TensorFlow Playground's default set-up on its two spirals (hard for 4-2).",
        "scenario": _tf_default("spiral", "Spiral (TF Playground default)"),
    },
    {
        "id": "tf-plane",
        "title": "TensorFlow Playground: regression plane",
        "summary": "TensorFlow Playground's default regression set-up on a plane.",
        "scenario": _tf_default("plane", "Plane regression (TF Playground default)", True),
    },
    {
        "id": "tf-multi-gauss",
        "title": "TensorFlow Playground: multi gaussian",
        "summary": "TensorFlow Playground's default regression set-up on six gaussians.",
        "scenario": _tf_default("multi_gauss", "Multi-gaussian regression (TF default)", True),
    },
    {
        "id": "lr-too-high",
        "title": "A learning rate far too high",
        "summary": "Learning rate 50 with ReLU units: the first updates overshoot and the "
        "weights explode until the loss is no longer a number. The run is reported as diverged.",
        "scenario": {
            "title": "Learning rate too high",
            "dataset": {"kind": "gauss", "n_samples": 200, "noise": 0.1, "seed": 2},
            "hidden_layers": [6, 6],
            "activation": "relu",
            "output_activation": "linear",
            "loss": "mse",
            "init": {"scheme": "he_normal", "seed": 2},
            "optimizer": {"kind": "sgd", "lr": 50.0},
            "batch_size": 10,
        },
    },
]

PRESETS: dict[str, Preset] = {p["id"]: Preset.model_validate(p) for p in _PRESETS}
