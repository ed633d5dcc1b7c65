"""Lessons on deep networks: vanishing and exploding gradients, initialization, dying ReLUs,
batch normalization."""

from __future__ import annotations

from typing import Any

from .common import variant

# A 2-8-8-1 ReLU regression of the plane: at a constant learning rate of 0.2 the first large
# updates push every unit of the second hidden layer below zero for all inputs.
DYING_RELU_BASE: dict[str, Any] = {
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

# Six sigmoid layers with N(0, 1) weights: a poor initialization for sigmoid (far larger than
# Xavier's), under which the plain network does not learn at all in 900 updates.
_POOR_INIT = {
    "title": "Deep sigmoid network, poor initialization",
    "dataset": {"kind": "circle", "n_samples": 200, "seed": 1},
    "hidden_layers": [8, 8, 8, 8, 8, 8],
    "activation": "sigmoid",
    "init": {"scheme": "normal", "scale": 1.0, "seed": 1},
    "optimizer": {"kind": "sgd", "lr": 0.1},
    "batch_size": 10,
}


PRESETS: list[dict[str, Any]] = [
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
        "compare": variant(
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
        "compare": variant(
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
        "compare": variant(_ZERO, "Xavier initialization", init={"scheme": "xavier_uniform"}),
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
        "compare": variant(_XAVIER_RELU, "He init, 8 ReLU layers", init={"scheme": "he_uniform"}),
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
        "scenario": variant(DYING_RELU_BASE, "Dying ReLUs"),
        "compare": variant(DYING_RELU_BASE, "ReLUs at learning rate 0.01", optimizer={"lr": 0.01}),
        "compare_label": "learning rate 0.01",
    },
    {
        "id": "batchnorm-init",
        "title": "Batch normalization makes initialization matter less",
        "summary": "Six sigmoid layers started from N(0, 1) weights barely train: the first "
        "layer's gradient is about 1/70 of the output layer's, and after 900 updates the loss "
        "still sits at 0.69 with half the points wrong. Batch normalization re-centres and "
        "rescales every hidden unit's z over each batch before the sigmoid, so the same "
        "initialization passes the gradient back at full size and the network fits the "
        "circle (loss about 0.1, every point right).",
        "lesson": True,
        "steps": 900,
        "watch": "the per-layer gradient-norm chart (fanned out without normalization, "
        "together with it), the loss chart, and in the trace each layer's x̂ = (z − μ) / σ and "
        "y = γ x̂ + β before the sigmoid",
        "scenario": _POOR_INIT,
        "compare": variant(
            _POOR_INIT,
            "The same network with batch normalization",
            normalization={"kind": "batch", "momentum": 0.1, "eps": 1e-5},
        ),
        "compare_label": "batch normalization",
    },
]
