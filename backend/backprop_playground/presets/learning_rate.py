"""Lessons on the learning rate: far too high, far too low."""

from __future__ import annotations

from typing import Any

from .common import variant

# A 2-4-1 ReLU regression of the plane (TF Playground's target (x1 + x2) / 10). Learning rates
# measured on it: 0.3 diverges (step 6), 0.01 fits (loss 15 -> 0.06 in 300 updates; stable for
# every init seed tried, where 0.03 already diverges for some), 0.00001 barely moves (15 -> 12).
_LR_BASE: dict[str, Any] = {
    "dataset": {"kind": "plane", "n_samples": 200, "seed": 1},
    "hidden_layers": [4],
    "activation": "relu",
    "output_activation": "linear",
    "loss": "mse",
    "init": {"scheme": "he_uniform", "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.01},
    "batch_size": 10,
}
_LR_HIGH = variant(_LR_BASE, "Learning rate too high", optimizer={"lr": 0.3})
_LR_GOOD = variant(_LR_BASE, "Learning rate 0.01")
_LR_LOW = variant(_LR_BASE, "Learning rate too low", optimizer={"lr": 0.00001})


PRESETS: list[dict[str, Any]] = [
    {
        "id": "lr-too-high",
        "title": "A learning rate far too high",
        "summary": "Learning rate 0.3 on a small ReLU regression: every update overshoots the "
        "minimum, so the weights swing to the other side, further each time (the output bias "
        "moves +0.7, -47, +500000, ...). Within six updates the numbers overflow and the run "
        "is reported as diverged; at 0.01 the same network fits the plane.",
        "lesson": True,
        "steps": 10,
        "watch": "the output weights flipping sign and growing with every step, then the "
        "diverged banner; the loss chart of the 0.01 run going down",
        "scenario": _LR_HIGH,
        "compare": _LR_GOOD,
        "compare_label": "learning rate 0.01",
    },
    {
        "id": "lr-too-low",
        "title": "A learning rate far too low",
        "summary": "The same network with learning rate 0.00001: every step goes the right way "
        "but is tiny, so after 300 updates the loss has only fallen from 15 to about 12, "
        "while at 0.01 it is below 0.1.",
        "lesson": True,
        "steps": 300,
        "watch": "the loss chart: a nearly flat line against a steep fall",
        "scenario": _LR_LOW,
        "compare": _LR_GOOD,
        "compare_label": "learning rate 0.01",
    },
]
