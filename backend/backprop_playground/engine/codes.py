"""Integer codes that the compiled kernels use for the scenario's choices.

The kernels take the scenario's choices as integers in `tuples.Hyper` (numba compiles one
version for all scenarios); these tables translate the scenario's names into them.
"""

from __future__ import annotations

# Activations. `softmax` is only valid on the output layer.
LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTMAX = 0, 1, 2, 3, 4, 5
ACTIVATIONS = {
    "linear": LINEAR,
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "softmax": SOFTMAX,
}
LEAKY_SLOPE = 0.01

HALF_SSE, MSE, BCE, CROSS_ENTROPY = 0, 1, 2, 3
LOSSES = {"half_sse": HALF_SSE, "mse": MSE, "bce": BCE, "cross_entropy": CROSS_ENTROPY}

SGD, RMSPROP, ADAM, ADAMW = 0, 1, 2, 3
OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSPROP, "adam": ADAM, "adamw": ADAMW}

CONSTANT, STEP, EXPONENTIAL, COSINE, WARMUP, CYCLIC = 0, 1, 2, 3, 4, 5
SCHEDULES = {
    "constant": CONSTANT,
    "step": STEP,
    "exponential": EXPONENTIAL,
    "cosine": COSINE,
    "warmup": WARMUP,
    "cyclic": CYCLIC,
}

REG_NONE, REG_L1, REG_L2 = 0, 1, 2
REGULARIZATIONS = {"none": REG_NONE, "l1": REG_L1, "l2": REG_L2}

CLIP_NONE, CLIP_NORM, CLIP_VALUE = 0, 1, 2
CLIPS = {"none": CLIP_NONE, "norm": CLIP_NORM, "value": CLIP_VALUE}
