"""Shared by every model: the size limits, the choices, the number types and `Strict`.

The limits are named in 422 errors and documented in the README.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 32
MAX_SAMPLES = 5000
MAX_INPUT_COLUMNS = 64
MAX_CLASSES = 16
MAX_BATCH = 5000
MAX_STEP = 1_000_000
MAX_TRAIN_STEPS = 200_000
MAX_RESOLUTION = 200
MAX_TRACE_SAMPLES = 256
MAX_EVENTS = 1000
MAX_ADDED_POINTS = 1000
MAX_ABS_VALUE = 1e6
MAX_DROPOUT = 0.9

DatasetKind = Literal[
    "circle", "xor", "gauss", "spiral", "moons", "spiral3", "plane", "multi_gauss",
    "and", "or", "xor_gate", "points",
]  # fmt: skip
Feature = Literal["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
HiddenActivation = Literal["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
OutputActivation = Literal["sigmoid", "tanh", "linear", "softmax"]
LossKind = Literal["half_sse", "mse", "bce", "cross_entropy"]
InitScheme = Literal[
    "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "uniform", "normal", "zeros"
]
OptimizerKind = Literal["sgd", "rmsprop", "adam", "adamw"]
ScheduleKind = Literal["constant", "step", "exponential", "cosine", "warmup", "cyclic"]
RegularizationKind = Literal["none", "l1", "l2"]
ClipKind = Literal["none", "norm", "value"]

Value = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
Row = Annotated[list[Value], Field(min_length=1, max_length=MAX_INPUT_COLUMNS)]
Step = Annotated[int, Field(ge=0, le=MAX_STEP, description=f"update count, at most {MAX_STEP}")]


class Strict(BaseModel):
    """Unknown fields, non-finite numbers and values of the wrong JSON type (`true` or `"5"`
    for a number) are refused with 422."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


def check_rows(rows: list[list[float]], name: str) -> None:
    if rows and len({len(r) for r in rows}) != 1:
        raise ValueError(f"{name}: every row must have the same number of values")
