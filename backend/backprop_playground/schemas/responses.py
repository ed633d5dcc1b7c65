"""Response bodies: every number a route answers, and the error body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .scenario import Scenario

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
    dead: Num = Field(0.0, description="fraction of the layer's units dead on this batch")
    saturated: Num = Field(0.0, description="fraction of its units saturated on this batch")
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


class HealthWarning(BaseModel):
    kind: str = Field(
        description="diverged, loss_rising, dead_layer, saturated_layer, vanishing_gradients, "
        "exploding_gradients"
    )
    layer: int | None = Field(None, description="the layer it concerns (1 = first hidden)")
    message: str = Field(description="what is going wrong, in plain words")
    cause: str = Field(description="the likely cause")
    suggestion: str = Field(description="one thing to try")


class TrainingHealth(BaseModel):
    """Whether the run is going wrong, judged from the numbers of this answer."""

    status: str = Field(description="ok, warning or diverged")
    warnings: list[HealthWarning]


class StepResponse(Snapshot):
    trace: Trace | None = Field(None, description="null when the run had diverged before")
    health: TrainingHealth | None = None


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
    health: TrainingHealth | None = None


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
