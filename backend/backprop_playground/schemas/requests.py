"""Request bodies: a scenario, a step and what to compute from them."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from .base import MAX_RESOLUTION, MAX_TRACE_SAMPLES, MAX_TRAIN_STEPS, Step, Strict
from .scenario import Scenario

SCENARIO_EXAMPLE = {
    "dataset": {"kind": "circle", "n_samples": 200, "noise": 0.0, "train_fraction": 0.5},
    "hidden_layers": [4, 2],
    "activation": "tanh",
    "optimizer": {"kind": "sgd", "lr": 0.03},
    "batch_size": 10,
}


class SnapshotRequest(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"scenario": SCENARIO_EXAMPLE, "step": 100}]},
    )
    scenario: Scenario
    step: Step = 0


class StepRequest(SnapshotRequest):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"scenario": SCENARIO_EXAMPLE, "step": 0}]},
    )
    trace_samples: int = Field(32, ge=1, le=MAX_TRACE_SAMPLES)


class TrainRequest(SnapshotRequest):
    model_config = ConfigDict(
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
        json_schema_extra={
            "examples": [{"scenario": SCENARIO_EXAMPLE, "step": 0, "resolution": 32}]
        },
    )
    resolution: int = Field(50, ge=2, le=MAX_RESOLUTION)


class GradcheckRequest(SnapshotRequest):
    pass
