"""Events: changes to a run at a given step (`set`, `set_weight`, `prune`, `add_points`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from .base import (
    MAX_ADDED_POINTS,
    MAX_BATCH,
    MAX_CLASSES,
    MAX_DROPOUT,
    MAX_HIDDEN_LAYERS,
    MAX_INPUT_COLUMNS,
    MAX_STEP,
    MAX_UNITS,
    ClipKind,
    OptimizerKind,
    RegularizationKind,
    Row,
    ScheduleKind,
    Step,
    Strict,
    Value,
    check_rows,
)


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


class DropoutPatch(Strict):
    rate: float | None = Field(None, ge=0.0, le=MAX_DROPOUT)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


class Changes(Strict):
    """A partial scenario: the fields a `set` event may change (not `normalization`, which
    makes the network what it is: its parameters and running statistics exist or do not)."""

    optimizer: OptimizerPatch | None = None
    schedule: SchedulePatch | None = None
    regularization: RegularizationPatch | None = None
    clip: ClipPatch | None = None
    batch_size: int | None = Field(None, ge=1, le=MAX_BATCH)
    dropout: DropoutPatch | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalization_is_fixed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "normalization" in data:
            raise ValueError(
                "normalization cannot be changed by an event: it is part of the network "
                "(gamma, beta and running statistics); set it in the scenario and restart"
            )
        return data


class SetEvent(Strict):
    step: Step
    kind: Literal["set"]
    changes: Changes


class SetWeightEvent(Strict):
    model_config = ConfigDict(populate_by_name=True)
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
        check_rows(self.inputs, "inputs")
        if (self.labels is None) == (self.targets is None):
            raise ValueError("give exactly one of labels or targets")
        n = len(self.labels if self.labels is not None else self.targets or [])
        if n != len(self.inputs):
            raise ValueError(f"need one label or target row per input row ({len(self.inputs)})")
        return self


Event = Annotated[
    SetEvent | SetWeightEvent | PruneEvent | AddPointsEvent, Field(discriminator="kind")
]
