"""The scenario: everything that determines a training run, and its parts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .base import (
    MAX_BATCH,
    MAX_CLASSES,
    MAX_DROPOUT,
    MAX_EVENTS,
    MAX_HIDDEN_LAYERS,
    MAX_SAMPLES,
    MAX_STEP,
    MAX_UNITS,
    ClipKind,
    DatasetKind,
    Feature,
    HiddenActivation,
    InitScheme,
    LossKind,
    OptimizerKind,
    OutputActivation,
    RegularizationKind,
    Row,
    ScheduleKind,
    Strict,
    Value,
    check_rows,
)
from .events import Event


class Points(Strict):
    """Explicit data: inputs with either class labels or target vectors."""

    inputs: list[Row] = Field(min_length=1, max_length=MAX_SAMPLES)
    labels: list[Annotated[int, Field(ge=0, lt=MAX_CLASSES)]] | None = Field(
        None, max_length=MAX_SAMPLES
    )
    targets: list[Row] | None = Field(None, max_length=MAX_SAMPLES)

    @model_validator(mode="after")
    def _shapes(self) -> Points:
        check_rows(self.inputs, "inputs")
        if (self.labels is None) == (self.targets is None):
            raise ValueError("give exactly one of labels (classes) or targets (vectors)")
        if self.labels is not None and len(self.labels) != len(self.inputs):
            raise ValueError(f"labels: need one per input row ({len(self.inputs)})")
        if self.targets is not None:
            check_rows(self.targets, "targets")
            if len(self.targets) != len(self.inputs):
                raise ValueError(f"targets: need one row per input row ({len(self.inputs)})")
        return self


# The data sets that `n_samples` and `noise` apply to (the form hides them for the others).
GENERATED_SETS = "circle, xor, gauss, spiral, moons, spiral3, plane, multi_gauss"


class Dataset(Strict):
    kind: DatasetKind = Field(description="generated set, logic gate, or explicit `points`")
    n_samples: int = Field(
        500,
        ge=4,
        le=MAX_SAMPLES,
        description=GENERATED_SETS + ": how many samples are generated",
    )
    noise: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description=GENERATED_SETS + ": TF Playground's noise / 100",
    )
    train_fraction: float = Field(0.5, gt=0.0, le=1.0, description="1 means no test set")
    seed: int = Field(1, ge=0, le=2**31 - 1)
    points: Points | None = None

    @model_validator(mode="after")
    def _points_given(self) -> Dataset:
        if self.kind == "points" and self.points is None:
            raise ValueError("kind 'points' needs `points`")
        return self


class LayerParams(Strict):
    W: list[Row] = Field(max_length=MAX_UNITS)
    b: list[Value] = Field(max_length=MAX_UNITS)
    gamma: list[Value] | None = Field(
        None,
        max_length=MAX_UNITS,
        description="a normalized hidden layer's starting gamma (default 1 for every unit)",
    )
    beta: list[Value] | None = Field(
        None,
        max_length=MAX_UNITS,
        description="a normalized hidden layer's starting beta (default 0)",
    )


class InitSpec(Strict):
    scheme: InitScheme = "xavier_uniform"
    scale: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="xavier_uniform, xavier_normal, he_uniform, he_normal: a multiplier of the "
        "scheme's bound or deviation; uniform, normal: the bound or deviation itself",
    )
    bias: float = Field(0.0, ge=-100.0, le=100.0)
    seed: int = Field(1, ge=0, le=2**31 - 1)
    params: list[LayerParams] | None = Field(None, max_length=MAX_HIDDEN_LAYERS + 1)


class OptimizerSpec(Strict):
    kind: OptimizerKind = "sgd"
    lr: float = Field(0.03, ge=0.0, le=1000.0)
    momentum: float = Field(0.0, ge=0.0, lt=1.0, description="sgd")
    nesterov: bool = Field(False, description="sgd, needs momentum > 0")
    alpha: float = Field(0.99, ge=0.0, lt=1.0, description="rmsprop")
    beta1: float = Field(0.9, ge=0.0, lt=1.0, description="adam, adamw")
    beta2: float = Field(0.999, ge=0.0, lt=1.0, description="adam, adamw")
    eps: float = Field(
        1e-8, gt=0.0, le=1.0, description="rmsprop, adam, adamw: added to the denominator"
    )
    weight_decay: float = Field(
        0.0, ge=0.0, le=10.0, description="adamw: decoupled decay of the weights"
    )


class ScheduleSpec(Strict):
    kind: ScheduleKind = "constant"
    step_size: int = Field(100, ge=1, le=MAX_STEP, description="step, cyclic")
    gamma: float = Field(0.5, gt=0.0, le=10.0, description="step, exponential")
    total_steps: int = Field(1000, ge=1, le=MAX_STEP, description="cosine")
    min_lr: float = Field(0.0, ge=0.0, le=1000.0, description="cosine")
    warmup_steps: int = Field(100, ge=1, le=MAX_STEP, description="warmup")
    max_lr: float = Field(0.3, ge=0.0, le=1000.0, description="cyclic")


class RegularizationSpec(Strict):
    kind: RegularizationKind = "none"
    rate: float = Field(0.0, ge=0.0, le=10.0, description="l1, l2: the penalty's rate")


class ClipSpec(Strict):
    kind: ClipKind = "none"
    threshold: float = Field(
        1.0, gt=0.0, le=1e6, description="norm, value: the largest norm or entry kept"
    )


class NormalizationSpec(Strict):
    """Batch normalization of every hidden layer: y = gamma x_hat + beta between z and f."""

    kind: Literal["none", "batch"] = Field(
        "none", description="batch: torch's BatchNorm1d after each hidden Linear, before f"
    )
    momentum: float = Field(
        0.1, ge=0.0, le=1.0, description="batch: weight of the batch in the running statistics"
    )
    eps: float = Field(1e-5, gt=0.0, le=1.0, description="batch: added to the batch variance")


class DropoutSpec(Strict):
    """Dropout after every hidden layer's activation: a <- a m / (1 - rate), m a 0/1 mask."""

    rate: float = Field(
        0.0, ge=0.0, le=MAX_DROPOUT, description="probability that a hidden unit is dropped"
    )
    seed: int = Field(1, ge=0, le=2**31 - 1, description="the masks' seed")


class Scenario(Strict):
    """Everything that determines a training run. `(scenario, step)` is the whole truth."""

    format_version: Literal[1] = 1
    title: str | None = Field(None, max_length=120, description="plain text, shown as text")
    dataset: Dataset
    features: list[Feature] = Field(default=["x1", "x2"], min_length=1, max_length=7)
    hidden_layers: list[Annotated[int, Field(ge=1, le=MAX_UNITS)]] = Field(
        default=[4, 2], max_length=MAX_HIDDEN_LAYERS
    )
    activation: HiddenActivation = "tanh"
    output_activation: OutputActivation | None = Field(
        None, description="default by the data: sigmoid (2 classes), softmax, linear"
    )
    loss: LossKind | None = Field(
        None, description="default by the output: bce, cross_entropy, mse"
    )
    init: InitSpec = Field(default_factory=InitSpec)
    train_biases: bool = Field(
        True,
        description="false keeps every bias b fixed; a normalized layer's gamma and beta are "
        "trained either way",
    )
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    regularization: RegularizationSpec = Field(default_factory=RegularizationSpec)
    clip: ClipSpec = Field(default_factory=ClipSpec)
    batch_size: int = Field(10, ge=1, le=MAX_BATCH)
    normalization: NormalizationSpec = Field(
        default_factory=NormalizationSpec,
        description="fixed for the run (an event cannot change it); needs batches of 2 or more",
    )
    dropout: DropoutSpec = Field(
        default_factory=DropoutSpec, description="training only; a `set` event may change it"
    )
    events: list[Event] = Field(default_factory=list, max_length=MAX_EVENTS)

    @model_validator(mode="after")
    def _unique_features(self) -> Scenario:
        if len(set(self.features)) != len(self.features):
            raise ValueError("features: each feature at most once")
        return self

    def engine_dict(self) -> dict[str, Any]:
        """The plain dict the engine takes (aliases as in JSON: an event's `from`)."""
        return self.model_dump(mode="json", by_alias=True, exclude={"title"})
