"""The API of ../shared/API.md under /api/v1: thin routes over `service.Trainer`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from .. import __version__
from ..engine import ENGINE_VERSION
from ..presets import PRESETS
from ..schemas import (
    DatasetRequest,
    DatasetRows,
    ErrorBody,
    Gradcheck,
    GradcheckRequest,
    Health,
    Heatmaps,
    HeatmapsRequest,
    Preset,
    ScheduleRates,
    ScheduleRequest,
    Snapshot,
    SnapshotRequest,
    StepRequest,
    StepResponse,
    TrainRequest,
    TrainResponse,
)
from .body import ParsedBodyRoute
from .responses import JSONResponse, error_response

ERRORS = {
    413: {"model": ErrorBody, "description": "request body too large"},
    422: {"model": ErrorBody, "description": "invalid request: each offending field and its rule"},
    429: {"model": ErrorBody, "description": "too many requests"},
}

router = APIRouter(prefix="/api/v1", responses=ERRORS, route_class=ParsedBodyRoute)


def _trainer(request: Request):
    return request.app.state.trainer


@router.get("/health", response_model=Health, tags=["meta"])
def health() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__, "engine_version": ENGINE_VERSION})


@router.get("/presets", response_model=list[Preset], tags=["presets"])
def list_presets() -> JSONResponse:
    return JSONResponse([p.model_dump(mode="json", exclude_none=True) for p in PRESETS.values()])


@router.get(
    "/presets/{preset_id}",
    response_model=Preset,
    tags=["presets"],
    responses={404: {"model": ErrorBody, "description": "no such preset"}},
)
def get_preset(preset_id: str) -> JSONResponse:
    preset = PRESETS.get(preset_id)
    if preset is None:
        return error_response(
            404,
            [
                {
                    "loc": ["path", "preset_id"],
                    "msg": f"no preset {preset_id!r}",
                    "type": "not_found",
                }
            ],
        )
    return JSONResponse(preset.model_dump(mode="json", exclude_none=True))


@router.post("/snapshot", response_model=Snapshot, tags=["training"])
async def snapshot(body: SnapshotRequest, request: Request) -> JSONResponse:
    """The state after `step` updates."""
    result = await run_in_threadpool(_trainer(request).snapshot, body.scenario, body.step)
    return JSONResponse(result)


@router.post("/step", response_model=StepResponse, tags=["training"])
async def step(body: StepRequest, request: Request) -> JSONResponse:
    """The state after `step + 1` updates and the trace of that update: every number of it."""
    result = await run_in_threadpool(
        _trainer(request).step, body.scenario, body.step, body.trace_samples
    )
    return JSONResponse(result)


@router.post("/train", response_model=TrainResponse, tags=["training"])
async def train(body: TrainRequest, request: Request) -> JSONResponse:
    """`steps` updates from `step`, with a per-update history (thinned to 2,000 entries)."""
    result = await run_in_threadpool(
        _trainer(request).train,
        body.scenario,
        body.step,
        body.steps,
        body.eval_every,
        body.max_history,
        body.heatmaps_resolution,
    )
    return JSONResponse(result)


@router.post("/dataset", response_model=DatasetRows, tags=["training"])
async def dataset(body: DatasetRequest, request: Request) -> JSONResponse:
    """Every data row (inputs, features a_0, encoded targets) and the train/test split at `step`
    (points added by events up to `step` included)."""
    result = await run_in_threadpool(_trainer(request).dataset, body.scenario, body.step)
    return JSONResponse(result)


@router.post("/schedule", response_model=ScheduleRates, tags=["training"])
async def schedule(body: ScheduleRequest, request: Request) -> JSONResponse:
    """The learning rate of updates `step` .. `step + steps - 1` (a preview of the schedule)."""
    result = await run_in_threadpool(
        _trainer(request).schedule, body.scenario, body.step, body.steps
    )
    return JSONResponse(result)


@router.post("/heatmaps", response_model=Heatmaps, tags=["training"])
async def heatmaps(body: HeatmapsRequest, request: Request) -> JSONResponse:
    """Every unit's output over a grid of the input plane (2-D data only)."""
    result = await run_in_threadpool(
        _trainer(request).heatmaps, body.scenario, body.step, body.resolution
    )
    return JSONResponse(result)


@router.post("/gradcheck", response_model=Gradcheck, tags=["training"])
async def gradcheck(body: GradcheckRequest, request: Request) -> JSONResponse:
    """Analytic gradient on the next batch against central differences (h = 1e-6)."""
    result = await run_in_threadpool(_trainer(request).gradcheck, body.scenario, body.step)
    return JSONResponse(result)
