"""Lessons on regularization: L1 sparsity against L2 shrinkage; overfitting and dropout."""

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

# 30 noisy training points of xor (70 held out) and two hidden layers of 32 tanh units: enough
# capacity to learn every training point's noise.
_OVERFIT = {
    "title": "Overfitting: a large network, few noisy points",
    "dataset": {"kind": "xor", "n_samples": 100, "noise": 0.35, "train_fraction": 0.3, "seed": 1},
    "hidden_layers": [32, 32],
    "activation": "tanh",
    "init": {"scheme": "xavier_uniform", "seed": 1},
    "optimizer": {"kind": "adam", "lr": 0.005},
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
    {
        "id": "overfitting-dropout",
        "title": "Overfitting, and dropout against it",
        "summary": "Two layers of 32 units and only 30 noisy training points: the train loss "
        "falls towards 0 while the test loss, lowest near update 300, climbs past 3 by update "
        "1,500, because the network learns the noise of each training point. Dropout (half "
        "the hidden units switched off at random in every update, none when measuring) keeps "
        "the test loss near 0.45; an L2 penalty (regularization l2) is the other usual cure.",
        "lesson": True,
        "steps": 1500,
        "watch": "the gap between the train and test loss curves: wide and growing without "
        "dropout, narrow with it; and the output heatmap's islands around single points",
        "scenario": _OVERFIT,
        "compare": variant(_OVERFIT, "The same network with dropout 0.5", dropout={"rate": 0.5}),
        "compare_label": "dropout 0.5",
    },
]
