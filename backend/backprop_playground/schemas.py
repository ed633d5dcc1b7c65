"""Pydantic models: the one definition of a scenario, of every request and every response.

Bounds live here (and so in /openapi.json and in every 422 message); the page reads its choices,
defaults and limits from these models through /openapi.json.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Size limits (named in 422 errors and documented in the README).
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


def _check_rows(rows: list[list[float]], name: str) -> None:
    if rows and len({len(r) for r in rows}) != 1:
        raise ValueError(f"{name}: every row must have the same number of values")


class Points(Strict):
    """Explicit data: inputs with either class labels or target vectors."""

    inputs: list[Row] = Field(min_length=1, max_length=MAX_SAMPLES)
    labels: list[Annotated[int, Field(ge=0, lt=MAX_CLASSES)]] | None = Field(
        None, max_length=MAX_SAMPLES
    )
    targets: list[Row] | None = Field(None, max_length=MAX_SAMPLES)

    @model_validator(mode="after")
    def _shapes(self) -> Points:
        _check_rows(self.inputs, "inputs")
        if (self.labels is None) == (self.targets is None):
            raise ValueError("give exactly one of labels (classes) or targets (vectors)")
        if self.labels is not None and len(self.labels) != len(self.inputs):
            raise ValueError(f"labels: need one per input row ({len(self.inputs)})")
        if self.targets is not None:
            _check_rows(self.targets, "targets")
            if len(self.targets) != len(self.inputs):
                raise ValueError(f"targets: need one row per input row ({len(self.inputs)})")
        return self


class Dataset(Strict):
    kind: DatasetKind = Field(description="generated set, logic gate, or explicit `points`")
    n_samples: int = Field(500, ge=4, le=MAX_SAMPLES, description="generated sets only")
    noise: float = Field(0.0, ge=0.0, le=1.0, description="TF Playground's noise / 100")
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


class InitSpec(Strict):
    scheme: InitScheme = "xavier_uniform"
    scale: float = Field(1.0, ge=0.0, le=100.0)
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
    eps: float = Field(1e-8, gt=0.0, le=1.0)
    weight_decay: float = Field(0.0, ge=0.0, le=10.0)


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
    rate: float = Field(0.0, ge=0.0, le=10.0)


class ClipSpec(Strict):
    kind: ClipKind = "none"
    threshold: float = Field(1.0, gt=0.0, le=1e6)


# ---------------------------------------------------------------- events


class OptimizerPatch(Strict):
    kind: OptimizerKind | None = None
    lr: float | None = Field(None, ge=0.0, le=1000.0)
    momentum: float | None = Field(None, ge=0.0, lt=1.0)
    nesterov: bool | None = None
    alpha: float | None = Field(None, ge=0.0, lt=1.0)
    beta1: float | None = Field(None, ge=0.0, lt=1.0)
    beta2: float | None = Field(None, ge=0.0, lt=1.0)
    eps: float | None = Field(None, gt=0.0, le=1.0)
    weight_decay: float | None = Field(None, ge=0.0, le=10.0)


class SchedulePatch(Strict):
    kind: ScheduleKind | None = None
    step_size: int | None = Field(None, ge=1, le=MAX_STEP)
    gamma: float | None = Field(None, gt=0.0, le=10.0)
    total_steps: int | None = Field(None, ge=1, le=MAX_STEP)
    min_lr: float | None = Field(None, ge=0.0, le=1000.0)
    warmup_steps: int | None = Field(None, ge=1, le=MAX_STEP)
    max_lr: float | None = Field(None, ge=0.0, le=1000.0)


class RegularizationPatch(Strict):
    kind: RegularizationKind | None = None
    rate: float | None = Field(None, ge=0.0, le=10.0)


class ClipPatch(Strict):
    kind: ClipKind | None = None
    threshold: float | None = Field(None, gt=0.0, le=1e6)


class Changes(Strict):
    """A partial scenario: the fields a `set` event may change."""

    optimizer: OptimizerPatch | None = None
    schedule: SchedulePatch | None = None
    regularization: RegularizationPatch | None = None
    clip: ClipPatch | None = None
    batch_size: int | None = Field(None, ge=1, le=MAX_BATCH)


class SetEvent(Strict):
    step: Step
    kind: Literal["set"]
    changes: Changes


class SetWeightEvent(Strict):
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, strict=True, populate_by_name=True
    )
    step: Step
    kind: Literal["set_weight"]
    layer: int = Field(ge=1, le=MAX_HIDDEN_LAYERS + 1)
    to: int = Field(ge=0, lt=MAX_UNITS)
    from_: int | None = Field(None, alias="from", ge=0, lt=MAX_INPUT_COLUMNS)
    bias: bool = False
    value: Value


class PruneEvent(Strict):
    step: Step
    kind: Literal["prune"]
    fraction: float = Field(ge=0.0, le=1.0)


class AddPointsEvent(Strict):
    step: Step
    kind: Literal["add_points"]
    inputs: list[Row] = Field(min_length=1, max_length=MAX_ADDED_POINTS)
    labels: list[Annotated[int, Field(ge=0, lt=MAX_CLASSES)]] | None = None
    targets: list[Row] | None = None

    @model_validator(mode="after")
    def _shapes(self) -> AddPointsEvent:
        _check_rows(self.inputs, "inputs")
        if (self.labels is None) == (self.targets is None):
            raise ValueError("give exactly one of labels or targets")
        n = len(self.labels if self.labels is not None else self.targets or [])
        if n != len(self.inputs):
            raise ValueError(f"need one label or target row per input row ({len(self.inputs)})")
        return self


Event = Annotated[
    SetEvent | SetWeightEvent | PruneEvent | AddPointsEvent, Field(discriminator="kind")
]


# ---------------------------------------------------------------- scenario


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
    train_biases: bool = True
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    regularization: RegularizationSpec = Field(default_factory=RegularizationSpec)
    clip: ClipSpec = Field(default_factory=ClipSpec)
    batch_size: int = Field(10, ge=1, le=MAX_BATCH)
    events: list[Event] = Field(default_factory=list, max_length=MAX_EVENTS)

    @model_validator(mode="after")
    def _unique_features(self) -> Scenario:
        if len(set(self.features)) != len(self.features):
            raise ValueError("features: each feature at most once")
        return self

    def engine_dict(self) -> dict[str, Any]:
        """The plain dict the engine takes (aliases as in JSON: an event's `from`)."""
        return self.model_dump(mode="json", by_alias=True, exclude={"title"})


# ---------------------------------------------------------------- requests

SCENARIO_EXAMPLE = {
    "dataset": {"kind": "circle", "n_samples": 200, "noise": 0.0, "train_fraction": 0.5},
    "hidden_layers": [4, 2],
    "activation": "tanh",
    "optimizer": {"kind": "sgd", "lr": 0.03},
    "batch_size": 10,
}


class SnapshotRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        strict=True,
        json_schema_extra={"examples": [{"scenario": SCENARIO_EXAMPLE, "step": 100}]},
    )
    scenario: Scenario
    step: Step = 0


class StepRequest(SnapshotRequest):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        strict=True,
        json_schema_extra={"examples": [{"scenario": SCENARIO_EXAMPLE, "step": 0}]},
    )
    trace_samples: int = Field(32, ge=1, le=MAX_TRACE_SAMPLES)


class TrainRequest(SnapshotRequest):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        strict=True,
        json_schema_extra={"examples": [{"scenario": SCENARIO_EXAMPLE, "step": 0, "steps": 500}]},
    )
    steps: int = Field(ge=0, le=MAX_TRAIN_STEPS)
    eval_every: int | None = Field(
        None,
        ge=1,
        le=MAX_TRAIN_STEPS,
        description="whole-set metrics every this many steps (and at the end); default 1000",
    )
    max_history: int = Field(2000, ge=1, le=2000, description="thin `history` to this many entries")
    heatmaps_resolution: int | None = Field(
        None,
        ge=2,
        le=MAX_RESOLUTION,
        description="also answer `heatmaps`: /heatmaps of the final step at this resolution "
        "(2-D data), so a page that plays needs one request per refresh, not two",
    )


class DatasetRequest(SnapshotRequest):
    pass


class ScheduleRequest(SnapshotRequest):
    steps: int = Field(1000, ge=1, le=100_000)


class HeatmapsRequest(SnapshotRequest):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        strict=True,
        json_schema_extra={
            "examples": [{"scenario": SCENARIO_EXAMPLE, "step": 0, "resolution": 32}]
        },
    )
    resolution: int = Field(50, ge=2, le=MAX_RESOLUTION)


class GradcheckRequest(SnapshotRequest):
    pass


# ---------------------------------------------------------------- responses

Num = float | None  # a non-finite number is written as null
Matrix = list[list[Num]]


class Health(BaseModel):
    status: str
    version: str
    engine_version: str = Field(description="part of cacheable URLs (`v=`) and ETags")


class Preset(BaseModel):
    id: str
    title: str
    summary: str
    scenario: Scenario
    watch: str = Field("", description="what to watch while it trains")
    lesson: bool = Field(False, description="shown in the lesson gallery")
    steps: int = Field(0, description="suggested number of updates to run")
    compare: Scenario | None = Field(
        None, description="a second scenario differing in one setting, shown side by side"
    )
    compare_label: str = Field("", description="what differs in `compare`")


class LayerValues(BaseModel):
    W: Matrix
    b: list[Num]


class Metrics(BaseModel):
    train_loss: Num
    test_loss: Num
    train_accuracy: Num
    test_accuracy: Num


class Snapshot(BaseModel):
    step: int
    epoch: float
    params: list[LayerValues]
    metrics: Metrics
    diverged: bool
    diverged_at_step: int | None
    lr: Num = Field(None, description="learning rate of the next update")
    n_train: int = 0
    n_test: int = 0
    feature_names: list[str] = []
    layer_sizes: list[int] = []
    output_activation: str = ""
    loss: str = ""
    pruned: list[list[list[bool]]] | None = Field(None, description="per layer, W's pruned entries")


class Batch(BaseModel):
    indices: list[int]
    inputs: Matrix
    features: Matrix
    targets: Matrix


class LossValues(BaseModel):
    total: Num
    data: Num
    reg: Num
    per_sample: list[Num]


class GradNorm(BaseModel):
    before_clip: Num
    after_clip: Num
    clip_scale: Num


class LayerTrace(BaseModel):
    W: Matrix
    b: list[Num]
    z: Matrix
    a: Matrix
    dL_da: Matrix
    delta: Matrix
    grad_W_data: Matrix
    grad_W_reg: Matrix
    grad_W: Matrix
    grad_b_data: list[Num]
    grad_b: list[Num]
    W_after: Matrix
    b_after: list[Num]
    update_W: Matrix
    update_b: list[Num]
    trainable_W: list[list[bool]]
    trainable_b: list[bool]
    grad_norm: Num
    optimizer_state: dict[str, Any]
    fprime: Matrix | None = Field(None, description="f'(z) per sample (null for softmax)")


class Trace(BaseModel):
    lr: Num
    optimizer: str
    optimizer_step: int
    batch: Batch
    loss: LossValues
    grad_norm: GradNorm
    layers: list[LayerTrace]


class StepResponse(Snapshot):
    trace: Trace | None = Field(None, description="null when the run had diverged before")


class HistoryEntry(BaseModel):
    step: int
    loss: Num
    lr: Num
    grad_norm: list[Num]
    dead: list[Num]
    saturated: list[Num]


class Evaluation(Metrics):
    step: int


class DatasetRows(BaseModel):
    step: int
    inputs: Matrix
    features: Matrix
    targets: Matrix
    labels: list[int] | None
    train: list[int]
    test: list[int]
    extent: list[float]
    feature_names: list[str]


class ScheduleRates(BaseModel):
    step: int
    lr: list[Num]


class HeatmapLayer(BaseModel):
    units: list[str] = Field(description="base64 little-endian float32, row-major, y increasing")


class Heatmaps(BaseModel):
    step: int
    extent: list[float]
    resolution: int
    layers: list[HeatmapLayer]


class TrainResponse(Snapshot):
    history: list[HistoryEntry]
    evaluations: list[Evaluation]
    heatmaps: Heatmaps | None = Field(
        None, description="only when `heatmaps_resolution` was given: /heatmaps of `step`"
    )


class GradcheckLayer(BaseModel):
    grad_W: Matrix
    numeric_W: Matrix
    grad_b: list[Num]
    numeric_b: list[Num]


class Gradcheck(BaseModel):
    step: int
    h: float
    batch_indices: list[int]
    n_params: int
    layers: list[GradcheckLayer]
    max_abs_error: Num
    max_rel_error: Num


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    detail: list[ErrorItem] | str
