"""TensorFlow Playground's start-up settings on each of its datasets (not lessons)."""

from __future__ import annotations

from typing import Any


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


PRESETS: list[dict[str, Any]] = [
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
]
