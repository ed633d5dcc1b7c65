"""Presets: ready-made scenarios, each with a title and what to watch.

Most presets are lessons (`lesson: True`): a short explanation, what to watch, a suggested number
of updates and, for lessons that contrast two settings, a `compare` scenario that differs from
`scenario` in that one setting. Every lesson's effect is checked through the API by
tests/api/test_lessons.py; the numbers quoted in the summaries come from those runs.
"""

from __future__ import annotations

import copy
from typing import Any

from .schemas import Preset

WORKED_EXAMPLE_SUMMARY = (
    "The classic step-by-step backpropagation example (Matt Mazur): 2 inputs, 2 sigmoid hidden "
    "units, 2 sigmoid outputs, half squared error, learning rate 0.5, biases 0.35 and 0.60 held "
    "fixed. Step once and read the published numbers: out_o1 = 0.75136507, E_total = "
    "0.298371109, dE/dw5 = 0.082167041, w5 becomes 0.35891648, w1 becomes 0.149780716. "
    "The error the post quotes after the update (0.291027924) comes from a bug in its first "
    "script (hidden deltas computed with the already-updated output weights); the correct "
    "value, shown here, is 0.291027774."
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


def _variant(scenario: dict[str, Any], title: str, **changes: Any) -> dict[str, Any]:
    """A copy of `scenario` with a new title and `changes` merged in (dicts merge one level)."""
    out = copy.deepcopy(scenario)
    out["title"] = title
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------- shared lesson set-ups

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
_LR_HIGH = _variant(_LR_BASE, "Learning rate too high", optimizer={"lr": 0.3})
_LR_GOOD = _variant(_LR_BASE, "Learning rate 0.01")
_LR_LOW = _variant(_LR_BASE, "Learning rate too low", optimizer={"lr": 0.00001})

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
_SGD = _variant(_OPT_BASE, "Plain SGD, learning rate 0.01")

# A 2-8-8-1 ReLU regression of the plane: at a constant learning rate of 0.2 the first large
# updates push every unit of the second hidden layer below zero for all inputs.
_DEAD_BASE: dict[str, Any] = {
    "dataset": {"kind": "plane", "n_samples": 200, "seed": 1},
    "hidden_layers": [8, 8],
    "activation": "relu",
    "output_activation": "linear",
    "loss": "mse",
    "init": {"scheme": "he_uniform", "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.2},
    "batch_size": 10,
}

_VANISH = {
    "title": "Deep sigmoid network",
    "dataset": {"kind": "circle", "n_samples": 200, "seed": 1},
    "hidden_layers": [8, 8, 8, 8, 8, 8],
    "activation": "sigmoid",
    "init": {"scheme": "xavier_uniform", "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.03},
    "batch_size": 10,
}

_EXPLODE = {
    "title": "Exploding gradients",
    "dataset": {"kind": "plane", "n_samples": 200, "seed": 1},
    "hidden_layers": [8, 8, 8, 8],
    "activation": "relu",
    "output_activation": "linear",
    "loss": "mse",
    "init": {"scheme": "he_uniform", "scale": 1.5, "seed": 3},
    "optimizer": {"kind": "sgd", "lr": 0.1},
    "batch_size": 10,
}

_ZERO = {
    "title": "Zero initialization",
    "dataset": {"kind": "circle", "n_samples": 200, "seed": 1},
    "hidden_layers": [4],
    "activation": "sigmoid",
    "init": {"scheme": "zeros", "bias": 0.0, "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.5},
    "batch_size": 10,
}

_XAVIER_RELU = {
    "title": "Xavier init, 8 ReLU layers",
    "dataset": {"kind": "circle", "n_samples": 300, "seed": 1},
    "hidden_layers": [12] * 8,
    "activation": "relu",
    "init": {"scheme": "xavier_uniform", "seed": 3},
    "optimizer": {"kind": "sgd", "lr": 0.01},
    "batch_size": 10,
}

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


_PRESETS: list[dict[str, Any]] = [
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
        "compare": _variant(_XOR, "XOR without a hidden layer", hidden_layers=[]),
        "compare_label": "no hidden layer",
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
    {
        "id": "vanishing-gradients",
        "title": "Vanishing gradients in a deep sigmoid network",
        "summary": "Six sigmoid layers: each layer's backward pass multiplies the gradient by "
        "σ′ ≤ 0.25 and small weights, so the first layer's gradient is hundreds of times "
        "smaller than the last one's and the early layers hardly learn. ReLU with He "
        "initialization passes the gradient back at the same size and learns the circle.",
        "lesson": True,
        "steps": 300,
        "watch": "the per-layer gradient-norm chart: sigmoid lines fanned out over three "
        "decades, ReLU lines together",
        "scenario": _VANISH,
        "compare": _variant(
            _VANISH, "Deep ReLU network, He init", activation="relu", init={"scheme": "he_uniform"}
        ),
        "compare_label": "ReLU + He init",
    },
    {
        "id": "exploding-gradients",
        "title": "Exploding gradients and clipping",
        "summary": "Four ReLU layers initialized 1.5 times too large amplify the signal and "
        "then the gradient: the first gradient norm is over 1,000, the update throws the "
        "weights far away and within four steps the run diverges. Clipping the gradient norm "
        "to 1 keeps every step short, and the same network fits the plane.",
        "lesson": True,
        "steps": 500,
        "watch": "the per-layer gradient-norm chart and the trace's gradient norm before and "
        "after clipping",
        "scenario": _EXPLODE,
        "compare": _variant(
            _EXPLODE, "Exploding gradients, clipped", clip={"kind": "norm", "threshold": 1.0}
        ),
        "compare_label": "gradient norm clipped to 1",
    },
    {
        "id": "zero-init",
        "title": "Zero initialization never breaks the symmetry",
        "summary": "All weights start at 0, so every hidden unit computes the same value, "
        "gets the same delta and makes the same update: the four units stay one unit copied "
        "four times, and one sigmoid unit cannot draw a circle. Small random weights break "
        "the tie.",
        "lesson": True,
        "steps": 1000,
        "watch": "the hidden heatmaps: four identical pictures; and the equal weights on the edges",
        "scenario": _ZERO,
        "compare": _variant(_ZERO, "Xavier initialization", init={"scheme": "xavier_uniform"}),
        "compare_label": "Xavier (random) init",
    },
    {
        "id": "xavier-vs-he",
        "title": "Xavier against He initialization for ReLU",
        "summary": "Xavier's variance suits tanh, but a ReLU zeroes about half of its "
        "inputs, so with Xavier the signal's variance halves at every layer and after eight "
        "layers the activations are more than ten times smaller than after the first. He "
        "initialization doubles the variance to keep the signal the same size at every "
        "depth, and the network learns several times faster.",
        "lesson": True,
        "steps": 500,
        "watch": "the hidden heatmaps fading layer by layer under Xavier, and the loss chart",
        "scenario": _XAVIER_RELU,
        "compare": _variant(_XAVIER_RELU, "He init, 8 ReLU layers", init={"scheme": "he_uniform"}),
        "compare_label": "He init",
    },
    {
        "id": "dying-relu",
        "title": "Dying ReLUs",
        "summary": "At learning rate 0.2 the first big updates push the second layer's units "
        "below zero for every input. A dead ReLU outputs 0 and passes back no gradient, so it "
        "never recovers: the network ends up predicting one constant. At 0.01 almost every "
        "unit stays alive.",
        "lesson": True,
        "steps": 300,
        "watch": "the second layer's hidden heatmaps turning blank, the hidden layers' lines "
        "leaving the gradient-norm chart (their gradient is exactly 0), and the loss chart "
        "stuck",
        "scenario": _variant(_DEAD_BASE, "Dying ReLUs"),
        "compare": _variant(_DEAD_BASE, "ReLUs at learning rate 0.01", optimizer={"lr": 0.01}),
        "compare_label": "learning rate 0.01",
    },
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
        "compare": _variant(_L1, "L2 regularization", regularization={"kind": "l2", "rate": 0.01}),
        "compare_label": "L2 (same rate)",
    },
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
        "compare": _variant(_OPT_BASE, "Adam, learning rate 0.01", optimizer={"kind": "adam"}),
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
        "compare": _variant(_OPT_BASE, "SGD with momentum 0.9", optimizer={"momentum": 0.9}),
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
        "scenario": _variant(
            _DEAD_BASE, "Warmup to 0.2", schedule={"kind": "warmup", "warmup_steps": 100}
        ),
        "compare": _variant(_DEAD_BASE, "Constant learning rate 0.2"),
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
        "scenario": _variant(
            _OPT_BASE,
            "Cyclical learning rate 0.01-0.3",
            schedule={"kind": "cyclic", "step_size": 100, "max_lr": 0.3},
        ),
        "compare": _variant(_SGD, "Constant learning rate 0.01"),
        "compare_label": "constant 0.01",
    },
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

PRESETS: dict[str, Preset] = {p["id"]: Preset.model_validate(p) for p in _PRESETS}
