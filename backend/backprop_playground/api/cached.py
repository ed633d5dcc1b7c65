"""Cacheable answers about a link: its snapshot, step trace and heatmaps at a step, by GET.

A link is immutable and (scenario, step) determines every number, so these answers never
change for a given engine: they are served with `Cache-Control: public, immutable` and an ETag
naming the engine's version and the scenario's format version. The engine's version is part of
the URL (`v=`): a request for another version is redirected to the current one, so a fixed
engine gives new URLs rather than stale caches. The server keeps the bytes it sent (and their
gzip form) in a bounded LRU, so a class stepping through the same link costs one computation,
and that holds even when the whole class asks at once: the first request for an answer that is
not in the cache computes it and the others wait for it (single flight, per process).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import time
from collections import OrderedDict
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..engine import ENGINE_VERSION
from ..schemas import (
    MAX_RESOLUTION,
    MAX_STEP,
    MAX_TRACE_SAMPLES,
    ErrorBody,
    Heatmaps,
    Scenario,
    Snapshot,
    StepResponse,
)
from ..storage import ID_RE, StoreError
from .compression import ANSWER_LEVEL, CACHED_LEVEL, GZIP_MIN_BYTES, accepts_gzip, pack
from .links import LinkId, not_found, store_unavailable
from .responses import dumps

IMMUTABLE = "public, max-age=31536000, immutable"
# Validated scenarios of links remembered at most (the least recently added are forgotten first).
MAX_KNOWN_SCENARIOS = 4096

router = APIRouter(
    prefix="/api/v1/links",
    tags=["links"],
    responses={
        304: {"description": "not modified (If-None-Match matched the ETag)"},
        307: {"description": "redirect to the URL of the current engine version"},
        404: {"model": ErrorBody, "description": "no such link"},
        422: {"model": ErrorBody, "description": "invalid step or parameter"},
        429: {"model": ErrorBody, "description": "too many requests"},
    },
)


class ResponseCache:
    """LRU of (key -> (etag, body, gzipped body)), bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.items: OrderedDict[tuple, tuple[str, bytes, bytes | None]] = OrderedDict()
        self.nbytes = 0
        self.lock = threading.Lock()
        # answers being computed now: key -> future of the answer (single_flight)
        self.flights: dict[tuple, asyncio.Future] = {}

    def get(self, key: tuple) -> tuple[str, bytes, bytes | None] | None:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key: tuple, value: tuple[str, bytes, bytes | None]) -> None:
        size = len(value[1]) + len(value[2] or b"")
        with self.lock:
            if key in self.items:
                return
            self.items[key] = value
            self.nbytes += size
            while self.nbytes > self.max_bytes and self.items:
                _, old = self.items.popitem(last=False)
                self.nbytes -= len(old[1]) + len(old[2] or b"")


class SharedAnswers:
    """Answers of POST bodies by (path, body digest) for `ttl_s` seconds, plain and gzip,
    bounded in bytes (the oldest go first), and the answers being computed now."""

    def __init__(self, max_bytes: int, ttl_s: float, clock=time.monotonic):
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self.clock = clock
        self.items: OrderedDict[tuple, tuple[float, bytes, bytes | None]] = OrderedDict()
        self.nbytes = 0
        self.lock = threading.Lock()
        self.flights: dict[tuple, asyncio.Future] = {}

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
            while self.items:  # oldest first: the expired ones, then what is over the bound
                oldest, (expires, *_) = next(iter(self.items.items()))
                if expires >= now and self.nbytes <= self.max_bytes:
                    break
                self._drop(oldest)

    def _drop(self, key: tuple) -> None:
        _, body, packed = self.items.pop(key)
        self.nbytes -= len(body) + len(packed or b"")


# The training routes: (scenario, step, ...) is the whole truth, so equal bodies, equal answers.
SHARED_PATHS = frozenset(
    f"/api/v1/{name}"
    for name in ("snapshot", "step", "train", "heatmaps", "dataset", "schedule", "gradcheck")
)


class SharedPostAnswers:
    """Pure ASGI middleware: a POST to a training route whose body is byte for byte one just
    answered gets that answer (kept SHARED_ANSWER_SECONDS, gzip bytes included), and one that
    is being answered now waits for it (single flight), before any validation or computation:
    a group of students pressing Step together on one scenario costs one request's work.
    Anything else (errors included) is answered by the routes, for each request."""

    def __init__(self, app: ASGIApp, shared: SharedAnswers):
        self.app = app
        self.shared = shared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in SHARED_PATHS
            or self.shared.ttl_s <= 0
        ):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        key = (scope["path"], hashlib.blake2b(body, digest_size=20).digest())
        hit = self.shared.get(key)
        if hit is None:
            loop = asyncio.get_running_loop()
            flight = self.shared.flights.get(key)
            if flight is not None and flight.get_loop() is loop:
                await asyncio.shield(flight)
                hit = self.shared.get(key)
        if hit is not None:
            await self._send(scope, send, hit)
            return
        await self._answer(scope, receive, body, key, send)

    async def _answer(
        self, scope: Scope, receive: Receive, body: bytes, key: tuple, send: Send
    ) -> None:
        """Through the routes, keeping a JSON 200 answer for the requests that follow."""
        loop = asyncio.get_running_loop()
        flight = loop.create_future()
        self.shared.flights.setdefault(key, flight)
        status, plain, parts = 0, False, []
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the client's disconnect

        async def keep(message: Message) -> None:
            nonlocal status, plain
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = dict(message.get("headers", []))
                plain = b"content-encoding" not in headers and headers.get(
                    b"content-type", b""
                ).startswith(b"application/json")
            elif message["type"] == "http.response.body" and status == 200 and plain:
                parts.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, keep)
            if status == 200 and plain:
                answer = b"".join(parts)
                packed = pack(answer, ANSWER_LEVEL) if len(answer) >= GZIP_MIN_BYTES else None
                self.shared.put(key, answer, packed)
        finally:
            if self.shared.flights.get(key) is flight:
                del self.shared.flights[key]
            flight.set_result(None)

    @staticmethod
    async def _send(scope: Scope, send: Send, hit: tuple[bytes, bytes | None]) -> None:
        body, packed = hit
        headers = dict(scope["headers"])
        out = [(b"content-type", b"application/json")]
        if packed is not None:
            out.append((b"vary", b"Accept-Encoding"))
            if accepts_gzip(headers.get(b"accept-encoding", b"").decode("latin-1")):
                body = packed
                out.append((b"content-encoding", b"gzip"))
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": body})


PATH_RE = re.compile(r"^/api/v1/links/([A-Za-z0-9_-]{12})/(snapshot|step|heatmaps)$")
DEFAULTS = {"snapshot": {"step": 0}, "step": {"step": 0, "trace_samples": 32},
            "heatmaps": {"step": 0, "resolution": 50}}  # fmt: skip


class CachedAnswers:
    """Pure ASGI middleware: answers a GET whose bytes are already in the response cache
    without routing it through FastAPI (a class asking for the same step costs ~0.1 ms).
    Anything it is not sure of goes on to the routes, which validate and compute."""

    def __init__(self, app: ASGIApp, cache: ResponseCache):
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            hit = self._lookup(scope)
            if hit is not None:
                await self._send(scope, send, hit)
                return
        await self.app(scope, receive, send)

    def _lookup(self, scope: Scope) -> tuple[str, bytes, bytes | None] | None:
        m = PATH_RE.match(scope["path"])
        if m is None:
            return None
        link_id, kind = m.groups()
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.pop("v", [None]) != [ENGINE_VERSION]:
            return None
        params = dict(DEFAULTS[kind])
        for name, values in query.items():
            if name not in params or len(values) != 1 or not values[0].isdigit():
                return None
            params[name] = int(values[0])
        return self.cache.get((link_id, kind, *sorted(params.items())))

    @staticmethod
    async def _send(scope: Scope, send: Send, hit: tuple[str, bytes, bytes | None]) -> None:
        etag, body, packed = hit
        headers = dict(scope["headers"])
        out = [
            (b"etag", etag.encode()),
            (b"cache-control", IMMUTABLE.encode()),
            (b"vary", b"accept-encoding"),
        ]
        status = 200
        if etag.encode() in headers.get(b"if-none-match", b""):
            status, body = 304, b""
        else:
            out.append((b"content-type", b"application/json"))
            if packed is not None and accepts_gzip(
                headers.get(b"accept-encoding", b"").decode("latin-1")
            ):
                body = packed
                out.append((b"content-encoding", b"gzip"))
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})


async def _scenario(request: Request, link_id: str) -> Scenario | None:
    """The link's validated scenario (links are immutable, so it is remembered)."""
    known: OrderedDict[str, Scenario] = request.app.state.link_scenarios
    sc = known.get(link_id)
    if sc is not None:
        return sc
    record = await run_in_threadpool(request.app.state.store.get, link_id)
    if record is None:
        return None
    sc = Scenario.model_validate(record.scenario)
    known[link_id] = sc
    while len(known) > MAX_KNOWN_SCENARIOS:
        known.popitem(last=False)
    return sc


def _current_url(request: Request) -> str:
    params = dict(request.query_params)
    params["v"] = ENGINE_VERSION
    return f"{request.url.path}?{urlencode(sorted(params.items()))}"


Hit = tuple[str, bytes, bytes | None]


async def _compute(
    request: Request, link_id: str, kind: str, params: dict[str, Any]
) -> Hit | Response:
    """The answer's (etag, body, gzipped body), or the error to answer instead."""
    try:
        sc = await _scenario(request, link_id)
    except StoreError as err:
        return store_unavailable(err)
    if sc is None:
        return not_found(link_id)
    trainer = request.app.state.trainer
    if kind == "snapshot":
        result = await run_in_threadpool(trainer.snapshot, sc, params["step"])
    elif kind == "step":
        result = await run_in_threadpool(trainer.step, sc, params["step"], params["trace_samples"])
    else:
        result = await run_in_threadpool(trainer.heatmaps, sc, params["step"], params["resolution"])
    body = dumps(result)
    packed = pack(body, CACHED_LEVEL) if len(body) >= GZIP_MIN_BYTES else None
    tag = ",".join(f"{k}={val}" for k, val in sorted(params.items()))
    etag = f'"e{ENGINE_VERSION}-f{sc.format_version}-{link_id}-{kind}-{tag}"'
    return etag, body, packed


async def single_flight(flights: dict, key: tuple, compute) -> Any:
    """`await compute()` once for every caller that asks for `key` while it runs: the first
    caller computes, the others wait for its result (an error is each caller's own: they then
    compute for themselves). Callers on another event loop (tests) do not share."""
    loop = asyncio.get_running_loop()
    flight = flights.get(key)
    if flight is not None and flight.get_loop() is loop:
        try:
            return await asyncio.shield(flight)
        except Exception:  # noqa: BLE001 (the first caller's failure: try for ourselves)
            return await compute()
    flight = loop.create_future()
    flights[key] = flight
    try:
        result = await compute()
    except BaseException as err:
        flight.set_exception(err if isinstance(err, Exception) else RuntimeError("cancelled"))
        flight.exception()  # retrieved: no "never retrieved" warning when nobody waited
        raise
    else:
        flight.set_result(result)
        return result
    finally:
        if flights.get(key) is flight:
            del flights[key]


async def _serve(request: Request, link_id: str, kind: str, params: dict[str, Any], v: str | None):
    if not ID_RE.match(link_id):
        return not_found(link_id)
    if v != ENGINE_VERSION:
        return RedirectResponse(_current_url(request), 307, headers={"cache-control": "no-store"})
    key = (link_id, kind, *sorted(params.items()))
    cache: ResponseCache = request.app.state.response_cache
    hit = cache.get(key)
    if hit is None:

        async def compute() -> Hit | Response:
            found = cache.get(key)  # computed while this request waited for its turn
            if found is not None:
                return found
            answer = await _compute(request, link_id, kind, params)
            if isinstance(answer, tuple):
                cache.put(key, answer)
            return answer

        answer = await single_flight(cache.flights, key, compute)
        if not isinstance(answer, tuple):
            return answer
        hit = answer
    etag, body, packed = hit
    headers = {"etag": etag, "cache-control": IMMUTABLE, "vary": "accept-encoding"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if packed is not None and accepts_gzip(request.headers.get("accept-encoding", "")):
        headers["content-encoding"] = "gzip"
        return Response(packed, media_type="application/json", headers=headers)
    return Response(body, media_type="application/json", headers=headers)


Version = Annotated[str | None, Query(description="engine version; others are redirected")]
StepQ = Annotated[int, Query(ge=0, le=MAX_STEP)]


@router.get("/{link_id}/snapshot", response_model=Snapshot)
async def link_snapshot(link_id: LinkId, request: Request, step: StepQ = 0, v: Version = None):
    """The link's scenario after `step` updates (as POST /snapshot), cacheable forever."""
    return await _serve(request, link_id, "snapshot", {"step": step}, v)


@router.get("/{link_id}/step", response_model=StepResponse)
async def link_step(
    link_id: LinkId,
    request: Request,
    step: StepQ = 0,
    trace_samples: Annotated[int, Query(ge=1, le=MAX_TRACE_SAMPLES)] = 32,
    v: Version = None,
):
    """The update from `step` to `step + 1` of the link's scenario (as POST /step)."""
    params = {"step": step, "trace_samples": trace_samples}
    return await _serve(request, link_id, "step", params, v)


@router.get("/{link_id}/heatmaps", response_model=Heatmaps)
async def link_heatmaps(
    link_id: LinkId,
    request: Request,
    step: StepQ = 0,
    resolution: Annotated[int, Query(ge=2, le=MAX_RESOLUTION)] = 50,
    v: Version = None,
):
    """Every unit's output over the input plane at `step` (as POST /heatmaps)."""
    params = {"step": step, "resolution": resolution}
    return await _serve(request, link_id, "heatmaps", params, v)
