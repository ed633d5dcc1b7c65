"""The API of ../shared/API.md under /api/v1: thin routes over `service.Trainer`.

Identical requests get identical answers (`(scenario, step)` is the whole truth), so the
training routes share theirs: a body that is byte for byte one being answered now waits for
that answer (single flight), and an answer stays a few seconds (SHARED_ANSWER_SECONDS) with
its gzip bytes, for a group of students who all press Step on the same scenario at once.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

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
from .cached import single_flight
from .compression import ANSWER_LEVEL, GZIP_MIN_BYTES, accepts_gzip, pack
from .responses import JSONResponse, dumps, error_response

ERRORS = {
    413: {"model": ErrorBody, "description": "request body too large"},
    422: {"model": ErrorBody, "description": "invalid request: each offending field and its rule"},
    429: {"model": ErrorBody, "description": "too many requests"},
}

router = APIRouter(prefix="/api/v1", responses=ERRORS, route_class=ParsedBodyRoute)


def _trainer(request: Request):
    return request.app.state.trainer


class SharedAnswers:
    """Answers by (path, body digest) for `ttl_s` seconds, plain and gzip, bounded in bytes."""

    def __init__(self, max_bytes: int, ttl_s: float, clock=time.monotonic):
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self.clock = clock
        self.items: OrderedDict[tuple, tuple[float, bytes, bytes | None]] = OrderedDict()
        self.nbytes = 0
        self.lock = threading.Lock()
        self.flights: dict[tuple, Any] = {}

    def get(self, key: tuple) -> tuple[bytes, bytes | None] | None:
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            if item[0] < self.clock():
                self._drop(key)
                return None
            return item[1], item[2]

    def put(self, key: tuple, body: bytes, packed: bytes | None) -> None:
        with self.lock:
            if key in self.items:
                self._drop(key)
            now = self.clock()
            self.items[key] = (now + self.ttl_s, body, packed)
            self.nbytes += len(body) + len(packed or b"")
            # oldest first: expired ones, then whatever is over the bound
            while self.items:
                oldest, (expires, *_) = next(iter(self.items.items()))
                if expires >= now and self.nbytes <= self.max_bytes:
                    break
                self._drop(oldest)

    def _drop(self, key: tuple) -> None:
        _, body, packed = self.items.pop(key)
        self.nbytes -= len(body) + len(packed or b"")


async def _shared(request: Request, answer: Callable[[], Awaitable[Any]]) -> Response:
    """The answer to this exact body: shared with identical requests in flight or just made."""
    shared: SharedAnswers = request.app.state.shared_answers
    if shared.ttl_s <= 0:
        return JSONResponse(await answer())
    key = (request.url.path, hashlib.blake2b(await request.body(), digest_size=20).digest())
    hit = shared.get(key)
    if hit is None:

        async def compute() -> tuple[bytes, bytes | None]:
            found = shared.get(key)
            if found is not None:
                return found
            body = dumps(await answer())
            packed = pack(body, ANSWER_LEVEL) if len(body) >= GZIP_MIN_BYTES else None
            shared.put(key, body, packed)
            return body, packed

        hit = await single_flight(shared.flights, key, compute)
    body, packed = hit
    if packed is not None and accepts_gzip(request.headers.get("accept-encoding", "")):
        headers = {"content-encoding": "gzip", "vary": "Accept-Encoding"}
        return Response(packed, media_type="application/json", headers=headers)
    return Response(body, media_type="application/json")


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
    return await _shared(
        request, lambda: run_in_threadpool(_trainer(request).snapshot, body.scenario, body.step)
    )


@router.post("/step", response_model=StepResponse, tags=["training"])
async def step(body: StepRequest, request: Request) -> JSONResponse:
    """The state after `step + 1` updates and the trace of that update: every number of it."""
    return await _shared(
        request,
        lambda: run_in_threadpool(
            _trainer(request).step, body.scenario, body.step, body.trace_samples
        ),
    )


@router.post("/train", response_model=TrainResponse, tags=["training"])
async def train(body: TrainRequest, request: Request) -> JSONResponse:
    """`steps` updates from `step`, with a per-update history (thinned to 2,000 entries)."""
    return await _shared(
        request,
        lambda: run_in_threadpool(
            _trainer(request).train,
            body.scenario,
            body.step,
            body.steps,
            body.eval_every,
            body.max_history,
            body.heatmaps_resolution,
        ),
    )


@router.post("/dataset", response_model=DatasetRows, tags=["training"])
async def dataset(body: DatasetRequest, request: Request) -> JSONResponse:
    """Every data row (inputs, features a_0, encoded targets) and the train/test split at `step`
    (points added by events up to `step` included)."""
    return await _shared(
        request, lambda: run_in_threadpool(_trainer(request).dataset, body.scenario, body.step)
    )


@router.post("/schedule", response_model=ScheduleRates, tags=["training"])
async def schedule(body: ScheduleRequest, request: Request) -> JSONResponse:
    """The learning rate of updates `step` .. `step + steps - 1` (a preview of the schedule)."""
    return await _shared(
        request,
        lambda: run_in_threadpool(_trainer(request).schedule, body.scenario, body.step, body.steps),
    )


@router.post("/heatmaps", response_model=Heatmaps, tags=["training"])
async def heatmaps(body: HeatmapsRequest, request: Request) -> JSONResponse:
    """Every unit's output over a grid of the input plane (2-D data only)."""
    return await _shared(
        request,
        lambda: run_in_threadpool(
            _trainer(request).heatmaps, body.scenario, body.step, body.resolution
        ),
    )


@router.post("/gradcheck", response_model=Gradcheck, tags=["training"])
async def gradcheck(body: GradcheckRequest, request: Request) -> JSONResponse:
    """Analytic gradient on the next batch against central differences (h = 1e-6)."""
    return await _shared(
        request, lambda: run_in_threadpool(_trainer(request).gradcheck, body.scenario, body.step)
    )
