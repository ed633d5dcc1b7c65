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
    gamma: list[Num] | None = Field(None, description="batch normalization's scale (normalized)")
    beta: list[Num] | None = Field(None, description="and shift")
    running_mean: list[Num] | None = Field(None, description="running statistics (eval mode)")
    running_var: list[Num] | None = None


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


class BatchNormTrace(BaseModel):
    """A normalized hidden layer's numbers in one update: y = gamma x_hat + beta,
    x_hat = (z - mean) / sqrt(var + eps); per sample, B times the batch loss's derivatives."""

    mean: list[Num] = Field(description="per unit: the batch mean of z")
    var: list[Num] = Field(description="the batch's biased variance of z")
    inv_std: list[Num] = Field(description="1 / sqrt(var + eps)")
    gamma: list[Num]
    beta: list[Num]
    grad_gamma: list[Num] = Field(description="mean(delta_y x_hat), as the optimizer used it")
    grad_beta: list[Num] = Field(description="mean(delta_y), as the optimizer used it")
    gamma_after: list[Num]
    beta_after: list[Num]
    running_mean: list[Num] = Field(description="after the update")
    running_var: list[Num] = Field(description="after the update (unbiased batch variances)")
    mean_delta_y: list[Num]
    mean_delta_y_xhat: list[Num]
    x_hat: Matrix = Field(description="per sample (rows as z)")
    y: Matrix = Field(description="per sample: gamma x_hat + beta, the activation's input")
    delta_y: Matrix = Field(description="per sample: B dL/dy")


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
    fprime: Matrix | None = Field(
        None, description="f'(z) per sample (f'(y) with normalization; null for softmax)"
    )
    bn: BatchNormTrace | None = Field(None, description="a hidden layer with normalization")
    dropout_mask: Matrix | None = Field(
        None, description="a hidden layer with dropout: m / (1 - p) per sample (a is after it)"
    )


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
    grad_gamma: list[Num] | None = Field(None, description="normalized layers")
    numeric_gamma: list[Num] | None = None
    grad_beta: list[Num] | None = None
    numeric_beta: list[Num] | None = None


class Gradcheck(BaseModel):
    step: int
    h: float
    batch_indices: list[int]
    n_params: int
    layers: list[GradcheckLayer]
    max_abs_error: Num
    max_rel_error: Num = Field(
        description="over every trainable parameter but a bias right before a normalization "
        "(its gradient is exactly 0, so it counts in max_abs_error only)"
    )


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    detail: list[ErrorItem] | str
