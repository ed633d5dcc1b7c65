"""Live classes: a lecturer's view published to the students' screens (API.md, "Live classes").

The class lives in the link store (storage/classes.py); its scenario is an immutable link, so
students fetch every state through the link's cacheable GETs (api/cached.py), computed once for
the whole class. Changes reach this process's event streams through its watcher
(storage/live.py), whichever process or replica wrote them.
"""

from __future__ import annotations

import html
import io
import math
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sse_starlette import EventSourceResponse

from ..schemas import ErrorBody
from ..schemas.classes import (
    ClassCreate,
    ClassCreated,
    ClassState,
    PollClose,
    PollCreate,
    PollOpened,
    PollResult,
    ViewChange,
    ViewChanged,
    VoteCast,
)
from ..static import page_html
from ..storage import LinkRecord, StoreError
from ..storage.classes import (
    ClassRow,
    Refused,
    Vote,
    display_code,
    hash_key,
    key_matches,
    new_key,
    normalize_code,
)
from ..storage.live import ClassHub, VoteWriter, resync_events, view_data
from .addresses import allowed_base
from .body import ParsedBodyRoute
from .links import MAX_LINK_BYTES, QR_DEFAULT_SCALE, QR_MAX_SCALE, RateLimiter, store_unavailable
from .responses import JSONResponse, error_response

CodeParam = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="the class code, in any case, with or without separators",
    ),
]
BaseQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="the address students reach, one of GET /network-addresses' base_url "
        "(when PUBLIC_BASE_URL is not set and the page was opened on a loopback address)",
    ),
]


def _error(status: int, description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


NOT_FOUND = {404: _error(404, "no class with this code (or it has ended or expired)")}
LECTURER = {
    401: _error(401, "no lecturer key (Authorization: Bearer {lecturer_key})"),
    403: _error(403, "not this class's lecturer key"),
}
COMMON = {
    422: _error(422, "invalid request: each offending field and its rule"),
    429: _error(429, "over a limit; Retry-After says when to try again"),
    503: _error(503, "the store cannot be reached now"),
}

router = APIRouter(prefix="/api/v1", tags=["classes"], route_class=ParsedBodyRoute)
page_router = APIRouter()


# -- helpers --------------------------------------------------------------------------------


def _hub(request: Request) -> ClassHub:
    return request.app.state.class_hub


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _not_found(code: str) -> JSONResponse:
    item = {"loc": ["path", "code"], "msg": f"no class {code!r}", "type": "not_found"}
    return error_response(404, [item])


def _refusal(status: int, msg: str, kind: str, loc: list | None = None, headers=None):
    return error_response(status, [{"loc": loc or [], "msg": msg, "type": kind}], headers=headers)


def _too_many(msg: str, wait: float) -> JSONResponse:
    seconds = max(1, math.ceil(wait))
    headers = {"Retry-After": str(seconds)}
    return _refusal(429, f"{msg}; try again in {seconds} s", "rate_limited", headers=headers)


def _limited(limiter: RateLimiter, key: str, msg: str) -> JSONResponse | None:
    wait = limiter.retry_after(key)
    return None if wait is None else _too_many(msg, wait)


def _root(request: Request, base: str | None) -> str | JSONResponse:
    """Where students reach this server: PUBLIC_BASE_URL, else `base` (one of this server's
    network addresses), else the address the request came to."""
    public = request.app.state.settings.public_base_url.strip()
    if public:
        return public.rstrip("/")
    if base is not None:
        chosen = allowed_base(request, base)
        if chosen is None:
            return _refusal(
                422,
                "must be one of this server's network addresses (GET /api/v1/network-addresses)",
                "value_error",
                ["query", "base"],
            )
        return chosen
    return str(request.base_url).rstrip("/")


def _miss(request: Request, raw: str) -> JSONResponse:
    """404, or 429 for an address that has asked for too many unknown codes (no guessing)."""
    state = request.app.state
    limited = _limited(
        state.class_miss_limiter,
        _address(request),
        f"at most {state.settings.class_misses_per_minute} unknown class codes a minute "
        "from one address",
    )
    return limited if limited is not None else _not_found(raw)


async def _row(request: Request, raw: str) -> tuple[ClassRow | None, JSONResponse | None]:
    code = normalize_code(raw)
    if code is None:
        return None, _miss(request, raw)
    try:
        row = await run_in_threadpool(request.app.state.store.classes.get, code)
    except StoreError as err:
        return None, store_unavailable(err)
    return (row, None) if row is not None else (None, _miss(request, raw))


async def _lecturer_row(request: Request, raw: str) -> tuple[ClassRow | None, JSONResponse | None]:
    """The class, when the request carries its lecturer's key: else 401, 403 (or 404)."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None, _refusal(
            401,
            "the lecturer's key is needed: Authorization: Bearer {lecturer_key}",
            "unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )
    row, error = await _row(request, raw)
    if error is not None:
        return None, error
    if not key_matches(key.strip(), row.key_hash):
        return None, _refusal(403, "this is not the class's lecturer key", "forbidden")
    return row, None


def _too_large(size: int) -> JSONResponse:
    msg = f"a scenario holds at most {MAX_LINK_BYTES} bytes of JSON; this one has {size}"
    return _refusal(413, msg, "too_large", ["body", "scenario"])


async def _store_link(request: Request, record: LinkRecord, scenario) -> str:
    link_id = await run_in_threadpool(request.app.state.store.create, record)
    request.app.state.link_scenarios[link_id] = scenario  # cached.py reads it without the store
    return link_id


def _poll_view(poll: dict[str, Any] | None, counts=None, voters=None) -> dict[str, Any] | None:
    if poll is None:
        return None
    n = len(poll["choices"])
    return {
        "poll_id": poll["poll_id"],
        "question": poll["question"],
        "choices": poll["choices"],
        "open": poll["open"],
        "counts": counts if counts is not None else poll.get("counts") or [0] * n,
        "voters": voters if voters is not None else poll.get("voters", 0),
        "answer": poll.get("answer"),
    }


# -- routes ---------------------------------------------------------------------------------


@router.post(
    "/classes",
    status_code=201,
    response_model=ClassCreated,
    responses={413: _error(413, "scenario too large"), **COMMON},
)
async def create_class(body: ClassCreate, request: Request, base: BaseQuery = None):
    """Start a class on a scenario: its code (to type or scan) and the lecturer's key."""
    root = _root(request, base)
    if isinstance(root, JSONResponse):
        return root
    settings = request.app.state.settings
    scenario = body.scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
    view = body.view.model_dump(exclude_unset=True)
    title = body.title if body.title is not None else body.scenario.title
    record = LinkRecord(scenario=scenario, step=body.step, view=view, title=title)
    size = len(record.data_json())
    if size > MAX_LINK_BYTES:
        return _too_large(size)
    limited = _limited(
        request.app.state.link_limiter,
        _address(request),
        f"at most {settings.link_rate_per_minute} links or classes a minute from one address",
    )
    if limited is not None:
        return limited
    key = new_key()
    try:
        link_id = await _store_link(request, record, body.scenario)
        state = {"title": title, "link_id": link_id, "step": body.step, "view": view, "poll": None}
        tables = request.app.state.store.classes
        code = await run_in_threadpool(tables.create, hash_key(key), state)
    except StoreError as err:
        return store_unavailable(err)
    shown = display_code(code)
    return JSONResponse(
        {
            "code": shown,
            "lecturer_key": key,
            "join_url": f"{root}/c/{shown}",
            "version": 1,
            "link_id": link_id,
        },
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/classes/{code}", response_model=ClassState, responses={**NOT_FOUND, **COMMON})
async def get_class(code: CodeParam, request: Request):
    """The class's current state, its open poll with the running tally, and its followers."""
    row, error = await _row(request, code)
    if error is not None:
        return error
    state = row.state
    poll = state.get("poll")

    def read() -> tuple[Any, Any, int]:
        counts = voters = None
        if poll is not None and poll["open"]:
            counts, voters = row_tables.tally(row.code, poll["poll_id"], len(poll["choices"]))
        return counts, voters, _hub(request).followers(row.code)

    row_tables = request.app.state.store.classes
    try:
        counts, voters, followers = await run_in_threadpool(read)
    except StoreError as err:
        return store_unavailable(err)
    return JSONResponse(
        {
            "code": display_code(row.code),
            "title": state["title"],
            "version": row.version,
            "link_id": state["link_id"],
            "step": state["step"],
            "view": state["view"],
            "poll": _poll_view(poll, counts, voters),
            "followers": followers,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/classes/{code}/qr.svg",
    response_class=Response,
    responses={
        **NOT_FOUND,
        **COMMON,
        200: {"content": {"image/svg+xml": {}}, "description": "QR code of the join URL"},
    },
)
async def class_qr(
    code: CodeParam,
    request: Request,
    scale: Annotated[
        int, Query(ge=1, le=QR_MAX_SCALE, description="pixels per module; 16 or more for a slide")
    ] = QR_DEFAULT_SCALE,
    base: BaseQuery = None,
) -> Response:
    """The QR code of the class's join URL (/c/{code})."""
    row, error = await _row(request, code)
    if error is not None:
        return error
    root = _root(request, base)
    if isinstance(root, JSONResponse):
        return root
    qr = segno.make_qr(f"{root}/c/{display_code(row.code)}", error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=scale, border=4, dark="#000", light="#fff", xmldecl=False)
    return Response(
        buf.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-cache"}
    )


@router.put(
    "/classes/{code}/view",
    response_model=ViewChanged,
    responses={**LECTURER, **NOT_FOUND, 413: _error(413, "scenario too large"), **COMMON},
)
async def change_view(code: CodeParam, body: ViewChange, request: Request):
    """Publish the lecturer's view (a new scenario only when it changed)."""
    row, error = await _lecturer_row(request, code)
    if error is not None:
        return error
    state = request.app.state
    limited = _limited(
        state.class_view_limiter,
        row.code,
        f"at most {state.settings.class_views_per_minute} view changes a minute",
    )
    if limited is not None:
        return limited
    view = body.view.model_dump(exclude_unset=True)
    link_id = row.state["link_id"]
    try:
        if body.scenario is not None:
            scenario = body.scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
            current = await run_in_threadpool(state.store.get, link_id)
            if current is None or current.scenario != scenario:
                record = LinkRecord(
                    scenario=scenario, step=body.step, view=view, title=row.state["title"]
                )
                size = len(record.data_json())
                if size > MAX_LINK_BYTES:
                    return _too_large(size)
                limited = _limited(
                    state.class_scenario_limiter,
                    row.code,
                    f"at most {state.settings.class_scenarios_per_minute} new scenarios a minute",
                )
                if limited is not None:
                    return limited
                link_id = await _store_link(request, record, body.scenario)

        def mutate(s: dict[str, Any], version: int) -> tuple[str, dict[str, Any]]:
            changed = s["link_id"] != link_id
            s.update(link_id=link_id, step=body.step, view=view)
            return "view", view_data(version, s, changed)

        change = await run_in_threadpool(state.store.classes.change, row.code, mutate)
    except StoreError as err:
        return store_unavailable(err)
    if change is None:
        return _not_found(code)
    _hub(request).poke()
    return JSONResponse({"version": change.version, "link_id": link_id})


@router.delete(
    "/classes/{code}",
    status_code=204,
    response_class=Response,
    responses={**LECTURER, **NOT_FOUND, **COMMON},
)
async def end_class(code: CodeParam, request: Request) -> Response:
    """End the class: its streams get `event: end` and close; the code is then unknown."""
    row, error = await _lecturer_row(request, code)
    if error is not None:
        return error
    try:
        await run_in_threadpool(request.app.state.store.classes.delete, row.code)
    except StoreError as err:
        return store_unavailable(err)
    _hub(request).poke()
    return Response(status_code=204)


@router.get(
    "/classes/{code}/events",
    response_class=Response,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "events view, poll, tally and end; a comment line every few seconds",
        },
        **NOT_FOUND,
        **COMMON,
    },
)
async def class_events(
    code: CodeParam,
    request: Request,
    last_event_id: Annotated[
        str | None,
        Query(max_length=20, description="as the Last-Event-ID header, for a page's reconnect"),
    ] = None,
):
    """The class's changes as Server-Sent Events (`EventSource`), from its current view on."""
    row, error = await _row(request, code)
    if error is not None:
        return error
    hub, settings = _hub(request), request.app.state.settings
    address = _address(request)
    if hub.streams_from(address) >= settings.class_streams_per_address:
        msg = f"at most {settings.class_streams_per_address} event streams from one address"
        return _too_many(msg, 10)
    try:
        # the others' counts may be a second old: a class fills up by the thousand, not by one
        followers = await run_in_threadpool(hub.followers, row.code, 1.0)
    except StoreError as err:
        return store_unavailable(err)
    if followers >= settings.class_max_followers:
        return _too_many(f"this class is full ({settings.class_max_followers} followers)", 30)
    wanted = request.headers.get("last-event-id") or last_event_id
    last = int(wanted) if wanted and wanted.isdigit() and len(wanted) < 19 else None
    stream = hub.open(row.code, address, row.version, row.tally)
    tables = request.app.state.store.classes
    try:  # the state read after registering: no change can fall between the two
        row = await run_in_threadpool(tables.get, row.code)
        since = []
        if last is not None and row is not None and last < row.version:
            since = await run_in_threadpool(tables.changes_since, row.code, last)
    except StoreError as err:
        hub.close(stream)
        return store_unavailable(err)
    if row is None:
        hub.close(stream)
        return _not_found(code)
    first: list[tuple[int | None, bytes]] = []
    if last != row.version:
        known = bool(since) and since[0].version == (last or 0) + 1
        same_scenario = known and not any(
            c.kind == "view" and c.data.get("scenario_changed") for c in since
        )
        first = resync_events(row, since_known=same_scenario)
    return EventSourceResponse(
        _events(hub, stream, row.version, first),
        ping=settings.class_ping_seconds,
        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-store"},
    )


async def _events(
    hub: ClassHub, stream, version: int, first: list[tuple[int | None, bytes]]
) -> AsyncIterator[bytes]:
    sent = version
    try:
        yield b"retry: 2000\n\n"
        for _, data in first:
            yield data
        while not stream.dropped:
            if not stream.items:
                stream.ready.clear()
                await stream.ready.wait()
                continue
            items = list(stream.items)
            stream.items.clear()
            floor, chunk, ended = sent, [], False
            for item_version, data in items:
                if item_version is not None and item_version <= floor:
                    continue  # already in the state this stream started from
                chunk.append(data)
                if item_version is not None:
                    sent = max(sent, item_version)
                if data.startswith(b"event: end"):
                    ended = True
                    break
            if chunk:  # what queued up while this stream waited goes out in one write
                yield b"".join(chunk)
            if ended:
                return
    finally:
        hub.close(stream)


@router.post(
    "/classes/{code}/polls",
    status_code=201,
    response_model=PollOpened,
    responses={**LECTURER, **NOT_FOUND, **COMMON},
)
async def open_poll(code: CodeParam, body: PollCreate, request: Request):
    """Ask the class: a new poll (it closes the one before)."""
    row, error = await _lecturer_row(request, code)
    if error is not None:
        return error
    poll_id = secrets.token_urlsafe(6)

    def mutate(s: dict[str, Any], version: int) -> tuple[str, dict[str, Any]]:
        s["poll"] = {
            "poll_id": poll_id,
            "question": body.question,
            "choices": body.choices,
            "open": True,
            "answer": None,
            "counts": [0] * len(body.choices),
            "voters": 0,
        }
        return "poll", {"version": version, "poll": s["poll"]}

    try:
        change = await run_in_threadpool(request.app.state.store.classes.change, row.code, mutate)
    except StoreError as err:
        return store_unavailable(err)
    if change is None:
        return _not_found(code)
    _hub(request).poke()
    return JSONResponse({"poll_id": poll_id}, status_code=201)


def _poll_of(row: ClassRow, poll_id: str) -> dict[str, Any] | None:
    poll = row.state.get("poll")
    return poll if poll is not None and poll["poll_id"] == poll_id else None


def _no_poll(poll_id: str) -> JSONResponse:
    return _refusal(404, f"no poll {poll_id!r} in this class", "not_found", ["path", "poll_id"])


def _closed(poll_id: str) -> JSONResponse:
    return _refusal(409, f"the poll {poll_id!r} is closed", "poll_closed", ["path", "poll_id"])


PollId = Annotated[str, Path(min_length=1, max_length=16)]


@router.post(
    "/classes/{code}/polls/{poll_id}/votes",
    status_code=204,
    response_class=Response,
    responses={**NOT_FOUND, 409: _error(409, "the poll is closed"), **COMMON},
)
async def vote(code: CodeParam, poll_id: PollId, body: VoteCast, request: Request):
    """A student's vote (a voter's new vote replaces their earlier one)."""
    state = request.app.state
    limited = _limited(
        state.class_vote_limiter,
        _address(request),
        f"at most {state.settings.class_votes_per_minute} votes a minute from one address",
    )
    if limited is not None:
        return limited
    stored = normalize_code(code)
    if stored is None:
        return _miss(request, code)
    try:  # checked in the transaction that stores it: no read before
        outcome = await state.vote_writer.add(Vote(stored, poll_id, body.voter, body.choice))
    except StoreError as err:
        return store_unavailable(err)
    if outcome == "counted":
        return Response(status_code=204)
    if outcome == "no_class":
        return _miss(request, code)
    if outcome == "no_poll":
        return _no_poll(poll_id)
    if outcome == "closed":
        return _closed(poll_id)
    msg = "must be an index into the poll's choices"
    return _refusal(422, msg, "less_than", ["body", "choice"])


@router.post(
    "/classes/{code}/polls/{poll_id}/close",
    response_model=PollResult,
    responses={**LECTURER, **NOT_FOUND, 409: _error(409, "the poll is closed"), **COMMON},
)
async def close_poll(
    code: CodeParam, poll_id: PollId, request: Request, body: PollClose | None = None
):
    """Close the poll: its final tally, and the right answer for the class to see."""
    row, error = await _lecturer_row(request, code)
    if error is not None:
        return error
    poll = _poll_of(row, poll_id)
    if poll is None:
        return _no_poll(poll_id)
    answer = body.answer if body is not None else None
    if answer is not None and answer >= len(poll["choices"]):
        msg = f"must be less than {len(poll['choices'])} (the poll's choices)"
        return _refusal(422, msg, "less_than", ["body", "answer"])

    def mutate(s: dict[str, Any], version: int) -> tuple[str, dict[str, Any]]:
        current = s.get("poll")
        if current is None or current["poll_id"] != poll_id or not current["open"]:
            raise Refused("closed")
        current.update(open=False, answer=answer)
        return "poll", {"version": version, "poll": current}

    try:
        change = await run_in_threadpool(request.app.state.store.classes.change, row.code, mutate)
    except Refused:
        return _closed(poll_id)
    except StoreError as err:
        return store_unavailable(err)
    if change is None:
        return _not_found(code)
    _hub(request).poke()
    result = change.data["poll"]
    return JSONResponse(
        {"counts": result["counts"], "voters": result["voters"], "answer": result["answer"]}
    )


# -- the students' page ---------------------------------------------------------------------

NOT_FOUND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class not found</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<h1>Class not found</h1>
<p>No class has the code <code>{code}</code> now. Check the code with your lecturer, or
<a href="/">open the playground</a>.</p>
</body></html>
"""


@page_router.get("/c/{code}", include_in_schema=False)
async def class_page(code: str, request: Request) -> HTMLResponse:
    """The playground page; it reads the code from location.pathname and follows the class."""
    row, error = await _row(request, code) if len(code) <= 40 else (None, None)
    build = request.app.state.build_id
    if row is None or build is None:
        status = error.status_code if error is not None and error.status_code != 404 else 404
        page = NOT_FOUND_PAGE.format(code=html.escape(code[:40]))
        return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
    page = page_html(request.app.state.settings, build)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


def install(app, settings) -> None:
    """What the routes read from app.state: the hub, the vote writer and the limits."""
    store = app.state.store
    app.state.class_hub = ClassHub(store, settings.class_watch_seconds)
    app.state.vote_writer = VoteWriter(store.classes, app.state.class_hub.poke)
    app.state.class_view_limiter = RateLimiter(settings.class_views_per_minute)
    app.state.class_scenario_limiter = RateLimiter(settings.class_scenarios_per_minute)
    app.state.class_vote_limiter = RateLimiter(settings.class_votes_per_minute)
    app.state.class_miss_limiter = RateLimiter(settings.class_misses_per_minute)
