"""Integer codes that the compiled kernels use for the scenario's choices.

The kernels take plain integers and floats (numba compiles one version for all scenarios);
these tables translate the scenario's names into them.
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
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "tanh", "linear", "softmax")
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

# Layout of the integer hyperparameter vector `ip` passed to the kernels.
IP_HIDDEN_ACT, IP_OUT_ACT, IP_LOSS, IP_OPT, IP_SCHED, IP_REG, IP_CLIP, IP_NESTEROV = range(8)
IP_SIZE = 8

# Layout of the float hyperparameter vector `hp`.
(
    HP_LR,
    HP_MOMENTUM,
    HP_ALPHA,
    HP_BETA1,
    HP_BETA2,
    HP_EPS,
    HP_WEIGHT_DECAY,
    HP_REG_RATE,
    HP_CLIP_THRESHOLD,
    HP_STEP_SIZE,
    HP_GAMMA,
    HP_TOTAL_STEPS,
    HP_MIN_LR,
    HP_WARMUP_STEPS,
    HP_MAX_LR,
) = range(15)
HP_SIZE = 15

# Layout of the per-step scalar outputs `out`.
OUT_LOSS_TOTAL, OUT_LOSS_DATA, OUT_LOSS_REG, OUT_NORM_BEFORE, OUT_NORM_AFTER, OUT_LR = range(6)
OUT_CLIP_SCALE, OUT_DIVERGED = 6, 7
OUT_SIZE = 8
