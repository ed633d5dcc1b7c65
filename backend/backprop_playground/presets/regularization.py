"""Lessons on regularization: L1 sparsity against L2 shrinkage."""

from __future__ import annotations

from typing import Any

from .common import variant

_ALL_FEATURES = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
_L1 = {
    "title": "L1 regularization",
    "dataset": {"kind": "circle", "n_samples": 200, "seed": 1},
    "features": _ALL_FEATURES,
    "hidden_layers": [4],
    "activation": "tanh",
    "init": {"scheme": "xavier_uniform", "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.03},
    "regularization": {"kind": "l1", "rate": 0.01},
    "batch_size": 10,
}


PRESETS: list[dict[str, Any]] = [
    {
        "id": "l1-vs-l2",
        "title": "L1 sparsity against L2 shrinkage",
        "summary": "The circle with all seven input features. L1 pulls every weight towards 0 "
        "by the same amount, so the weights the fit does not need reach 0 and stay there, "
        "leaving mostly the x1² and x2² inputs. L2 pulls in proportion to the weight: it "
        "shrinks all of them, but none to 0.",
        "lesson": True,
        "steps": 1500,
        "watch": "the edges: under L1 most of them fade to nothing, under L2 all get thinner",
        "scenario": _L1,
        "compare": variant(_L1, "L2 regularization", regularization={"kind": "l2", "rate": 0.01}),
        "compare_label": "L2 (same rate)",
    },
]
