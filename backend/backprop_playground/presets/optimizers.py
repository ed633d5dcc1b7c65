"""Lessons on optimizers and learning-rate schedules: SGD, momentum, Adam, warmup, cycles."""

from __future__ import annotations

from typing import Any

from .common import variant
from .deep_networks import DYING_RELU_BASE

# The same circle data and 2-6-1 tanh network for every optimizer lesson: plain SGD at 0.01
# has barely started after 500 updates (loss 0.63), momentum and Adam are nearly done.
_OPT_BASE: dict[str, Any] = {
    "dataset": {"kind": "circle", "n_samples": 300, "seed": 1},
    "hidden_layers": [6],
    "activation": "tanh",
    "init": {"scheme": "xavier_uniform", "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.01},
    "batch_size": 10,
}
_SGD = variant(_OPT_BASE, "Plain SGD, learning rate 0.01")


PRESETS: list[dict[str, Any]] = [
    {
        "id": "sgd-vs-adam",
        "title": "SGD against Adam",
        "summary": "The same circle and network, the same learning rate 0.01. Plain SGD "
        "takes steps proportional to small gradients and has barely started after 500 "
        "updates; Adam scales each parameter's step by its gradient history and is nearly "
        "done.",
        "lesson": True,
        "steps": 500,
        "watch": "the loss chart, and the size of the updates in the trace",
        "scenario": _SGD,
        "compare": variant(_OPT_BASE, "Adam, learning rate 0.01", optimizer={"kind": "adam"}),
        "compare_label": "Adam",
    },
    {
        "id": "momentum",
        "title": "SGD with momentum",
        "summary": "The same circle, network and learning rate as SGD against Adam. Momentum "
        "0.9 adds up past gradients, so steps along a consistent direction grow about ten "
        "times larger and the loss falls far sooner than with plain SGD.",
        "lesson": True,
        "steps": 500,
        "watch": "the loss chart, and the momentum buffer in the trace's optimizer state",
        "scenario": _SGD,
        "compare": variant(_OPT_BASE, "SGD with momentum 0.9", optimizer={"momentum": 0.9}),
        "compare_label": "momentum 0.9",
    },
    {
        "id": "warmup",
        "title": "Learning-rate warmup",
        "summary": "The dying-ReLU network at learning rate 0.2, but the rate starts at "
        "0.2/100 and rises linearly over the first 100 updates. The small early steps settle "
        "the weights before the big ones come, no unit dies and the plane is fitted; at a "
        "constant 0.2 the network collapses.",
        "lesson": True,
        "steps": 500,
        "watch": "the learning-rate chart ramping up, and the loss chart",
        "scenario": variant(
            DYING_RELU_BASE, "Warmup to 0.2", schedule={"kind": "warmup", "warmup_steps": 100}
        ),
        "compare": variant(DYING_RELU_BASE, "Constant learning rate 0.2"),
        "compare_label": "no warmup (constant 0.2)",
    },
    {
        "id": "cyclic-lr",
        "title": "A cyclical learning rate",
        "summary": "A triangular schedule: the rate climbs from 0.01 to 0.3 over 100 updates "
        "and back down over the next 100, again and again. The high phases move fast, the "
        "low phases settle; the loss ends far below the constant 0.01's.",
        "lesson": True,
        "steps": 500,
        "watch": "the learning-rate chart's triangles, and the loss chart stepping down with them",
        "scenario": variant(
            _OPT_BASE,
            "Cyclical learning rate 0.01-0.3",
            schedule={"kind": "cyclic", "step_size": 100, "max_lr": 0.3},
        ),
        "compare": variant(_SGD, "Constant learning rate 0.01"),
        "compare_label": "constant 0.01",
    },
]
