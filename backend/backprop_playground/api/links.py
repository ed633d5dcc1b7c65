"""Short links: store a view (scenario, step, view state, title), open it at `/s/{id}`, QR code.

A link is immutable and names a scenario validated as every other request's, stored as the JSON
the API would echo, so that `(scenario, step)` read back from it reproduces every number.
"""

from __future__ import annotations

import html
import io
import logging
import math
import time
from collections import OrderedDict, deque
from typing import Annotated, Any

import orjson
import segno
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, field_validator

from ..schemas import ErrorBody, Scenario, Step, Strict
from ..static import page_html
from ..storage import ID_PATTERN, ID_RE, LinkRecord, StoreError
from .addresses import allowed_base
from .body import ParsedBodyRoute
from .responses import JSONResponse, error_response

MAX_TITLE = 120
MAX_VIEW_KEYS = 32
MAX_VIEW_BYTES = 4096
# Largest stored record (scenario + view as JSON): room for a few thousand explicit points.
MAX_LINK_BYTES = 512 * 1024
QR_DEFAULT_SCALE = 4
QR_MAX_SCALE = 40
RATE_WINDOW_S = 60.0
# Clients remembered by the rate limiter at most (the least recently seen are forgotten first).
RATE_MAX_CLIENTS = 10_000

LinkId = Annotated[
    str, Path(pattern=ID_PATTERN, description="12 URL-safe characters (72 random bits)")
]


class LinkCreate(Strict):
    scenario: Scenario
    step: Step = 0
    view: dict[str, Any] = Field(
        default_factory=dict,
        description="how the page showed it (phase, sample, color_mode, lecture, compare, ...):"
        f" free-form, at most {MAX_VIEW_KEYS} keys and {MAX_VIEW_BYTES} bytes of JSON",
    )
    title: str | None = Field(
        None,
        max_length=MAX_TITLE,
        description="plain text, shown as text; the scenario's title when not given",
    )

    @field_validator("view")
    @classmethod
    def _small_view(cls, view: dict[str, Any]) -> dict[str, Any]:
        if len(view) > MAX_VIEW_KEYS:
            raise ValueError(f"view: at most {MAX_VIEW_KEYS} keys")
        try:
            size = len(orjson.dumps(view))
        except orjson.JSONEncodeError as err:  # integers beyond 64 bits
            raise ValueError(f"view: not storable as JSON ({err})") from None
        if size > MAX_VIEW_BYTES:
            raise ValueError(f"view: at most {MAX_VIEW_BYTES} bytes of JSON")
        return view


class Link(BaseModel):
    id: str = Field(description="12 URL-safe characters")
    url: str = Field(description="the short link, absolute: PUBLIC_BASE_URL (or this host) /s/{id}")
    qr_svg_url: str = Field(description="path of the QR code (SVG) of `url`; ?scale=16 for large")
    format_version: int = Field(description="version of the link record's layout")
    created_at: str = Field(description="UTC, ISO 8601")
    scenario: Scenario
    step: int
    view: dict[str, Any]
    title: str | None


RATE_HEADERS = {
    "Retry-After": {
        "description": "seconds until a link can be created again",
        "schema": {"type": "integer"},
    }
}
INVALID = {"model": ErrorBody, "description": "invalid request: each offending field and its rule"}
UNAVAILABLE = {"model": ErrorBody, "description": "the link store cannot be reached now"}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no link with this id"},
    422: INVALID,
    503: UNAVAILABLE,
}

log = logging.getLogger("backprop_playground.links")
router = APIRouter(prefix="/api/v1", tags=["links"], route_class=ParsedBodyRoute)
page_router = APIRouter()


class RateLimiter:
    """At most `per_minute` events per client in any sliding 60-second window (per process)."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self.hits: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, client: str) -> float | None:
        """Seconds to wait if `client` is over the limit; else counts this event and None."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        hits = self.hits.pop(client, None) or deque()
        while hits and hits[0] <= now - RATE_WINDOW_S:
            hits.popleft()
        self.hits[client] = hits  # most recently seen last
        if len(hits) >= self.per_minute:
            return hits[0] + RATE_WINDOW_S - now
        hits.append(now)
        while len(self.hits) > RATE_MAX_CLIENTS:
            self.hits.popitem(last=False)
        return None


def _base_url(request: Request) -> str:
    public = request.app.state.settings.public_base_url.strip()
    return (public or str(request.base_url)).rstrip("/")


def _link_body(request: Request, link_id: str, record: LinkRecord) -> dict[str, Any]:
    return {
        "id": link_id,
        "url": f"{_base_url(request)}/s/{link_id}",
        "qr_svg_url": f"/api/v1/links/{link_id}/qr.svg",
        "format_version": record.format_version,
        "created_at": record.created_at,
        "scenario": record.scenario,
        "step": record.step,
        "view": record.view,
        "title": record.title,
    }


def not_found(link_id: str) -> JSONResponse:
    item = {"loc": ["path", "link_id"], "msg": f"no link {link_id!r}", "type": "not_found"}
    return error_response(404, [item])


def store_unavailable(err: StoreError) -> JSONResponse:
    log.warning("link store unavailable: %s", err)  # the details stay in the server's log
    msg = "the link store cannot be reached now; try again soon"
    item = {"loc": [], "msg": msg, "type": "store_unavailable"}
    return error_response(503, [item], headers={"Retry-After": "5"})


async def _load(request: Request, link_id: str) -> LinkRecord | None:
    return await run_in_threadpool(request.app.state.store.get, link_id)


async def _find(request: Request, link_id: str) -> tuple[LinkRecord | None, JSONResponse | None]:
    """The stored link, or the error answer (404, or 503 when the store cannot be reached)."""
    try:
        record = await _load(request, link_id)
    except StoreError as err:
        return None, store_unavailable(err)
    if record is None:
        return None, not_found(link_id)
    return record, None


@router.post(
    "/links",
    status_code=201,
    response_model=Link,
    responses={
        413: {"model": ErrorBody, "description": f"link larger than {MAX_LINK_BYTES} bytes"},
        429: {
            "model": ErrorBody,
            "description": "too many links from this client in the last minute",
            "headers": RATE_HEADERS,
        },
        422: INVALID,
        503: UNAVAILABLE,
    },
)
async def create_link(body: LinkCreate, request: Request) -> JSONResponse:
    """Store a view under a new random id; answer its short link and QR code address."""
    scenario = body.scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
    title = body.title if body.title is not None else body.scenario.title
    record = LinkRecord(scenario=scenario, step=body.step, view=body.view, title=title)
    size = len(record.data_json())
    if size > MAX_LINK_BYTES:
        item = {
            "loc": ["body"],
            "msg": f"a link holds at most {MAX_LINK_BYTES} bytes of JSON; this one has {size}",
            "type": "too_large",
        }
        return error_response(413, [item])
    client = request.client.host if request.client else "unknown"
    limiter: RateLimiter = request.app.state.link_limiter
    wait = limiter.retry_after(client)
    if wait is not None:
        per_minute = limiter.per_minute
        seconds = max(1, math.ceil(wait))
        item = {
            "loc": [],
            "msg": f"at most {per_minute} links a minute from one address; "
            f"try again in {seconds} s",
            "type": "rate_limited",
        }
        return error_response(429, [item], headers={"Retry-After": str(seconds)})
    try:
        link_id = await run_in_threadpool(request.app.state.store.create, record)
    except StoreError as err:
        return store_unavailable(err)
    return JSONResponse(_link_body(request, link_id, record), status_code=201)


@router.get("/links/{link_id}", response_model=Link, responses=ERRORS)
async def get_link(link_id: LinkId, request: Request) -> JSONResponse:
    """A stored link: its scenario, step, view and title, exactly as created."""
    record, error = await _find(request, link_id)
    if error is not None:
        return error
    return JSONResponse(_link_body(request, link_id, record))


@router.get(
    "/links/{link_id}/qr.svg",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"image/svg+xml": {}}, "description": "QR code"}},
)
async def link_qr(
    link_id: LinkId,
    request: Request,
    scale: Annotated[
        int,
        Query(ge=1, le=QR_MAX_SCALE, description="pixels per module; 16 or more for a slide"),
    ] = QR_DEFAULT_SCALE,
    base: Annotated[
        str | None,
        Query(
            max_length=200,
            description="the address students reach, one of GET /network-addresses' base_url "
            "(when PUBLIC_BASE_URL is not set and the page was opened on a loopback address)",
        ),
    ] = None,
) -> Response:
    """The QR code of the link's short URL (never of the scenario: that would not fit)."""
    _, error = await _find(request, link_id)
    if error is not None:
        return error
    root = _base_url(request)
    if base is not None:
        chosen = allowed_base(request, base)
        if chosen is None:
            return error_response(
                422,
                [
                    {
                        "loc": ["query", "base"],
                        "msg": "must be one of this server's network addresses "
                        "(GET /api/v1/network-addresses)",
                        "type": "value_error",
                    }
                ],
            )
        root = chosen
    url = f"{root}/s/{link_id}"
    # A full QR code (phones do not all read Micro QR), a white quiet zone for dark pages.
    qr = segno.make_qr(url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=scale, border=4, dark="#000", light="#fff", xmldecl=False)
    return Response(
        buf.getvalue(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )


NOT_FOUND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Link not found</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<h1>Link not found</h1>
<p>No shared view has the id <code>{id}</code>. Check the address, or
<a href="/">open the playground</a>.</p>
</body></html>
"""


@page_router.get("/s/{link_id}", include_in_schema=False)
async def link_page(link_id: str, request: Request) -> HTMLResponse:
    """The playground page; it reads the id from location.pathname and fetches the link."""
    record = None
    if ID_RE.fullmatch(link_id):
        try:
            record = await _load(request, link_id)
        except StoreError as err:
            log.warning("link store unavailable: %s", err)
            return HTMLResponse("<!doctype html><title>Try again</title>Try again soon.", 503)
    if record is None:
        return HTMLResponse(NOT_FOUND_PAGE.format(id=html.escape(link_id)), status_code=404)
    build = request.app.state.build_id  # None when there is no frontend/ to serve
    if build is None:
        return HTMLResponse(NOT_FOUND_PAGE.format(id=html.escape(link_id)), status_code=404)
    # the page exactly as / serves it: its assets load from the root, not from under /s/
    page = page_html(request.app.state.settings, build)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
