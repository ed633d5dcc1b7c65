"""Request bodies: a size limit, and one JSON parse that the routes' validation reads.

`BodyGuard` reads the whole body, refuses it with 413 over the limit and with 422 when it is not
JSON, and keeps the parsed value in the request's scope. Routes of `ParsedBodyRoute` hand that
value to FastAPI, which validates it against the route's body model exactly as it would its own
parse (so /openapi.json documents the same request models, and errors keep their shape).

orjson refuses too deeply nested or malformed JSON with a clear message (the standard library's
parser would raise RecursionError on deep nesting), and it reads every number as the standard
library does, except integers beyond 64 bits, which it makes floats: a body that may hold an
integer of 19 or more digits is left to FastAPI's own parse, so such an integer stays exact.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .responses import dumps

# Scope key of the parsed body.
PARSED_BODY = "backprop_playground.json"
# Digits map to b"0"; the bytes that may go on a number after its first digit (".", "e", "E",
# "+") to b"."; every other byte to b" ". An integer of 19 or more digits is then 19 zeros after
# a space or at the start (a fraction's or an exponent's digits follow a b".").
_NUMBER_BYTES = bytes(48 if 48 <= b <= 57 else 46 if b in b".eE+" else 32 for b in range(256))
_WIDE_INTEGER = b"0" * 19


def _may_hold_wide_integer(body: bytes) -> bool:
    shape = body.translate(_NUMBER_BYTES)
    return b" " + _WIDE_INTEGER in shape or shape.startswith(_WIDE_INTEGER)


class BodyGuard:
    """Pure ASGI middleware: 413 for bodies over the limit; under /api/, 422 for bodies that are
    not JSON, and the parsed value in `scope[PARSED_BODY]` for the others."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._reply(send, 413, self._too_large())
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reply(send, 413, self._too_large())
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and scope["path"].startswith("/api/"):
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError as err:
                item = {"loc": ["body"], "msg": f"invalid JSON: {err}", "type": "json_invalid"}
                await self._reply(send, 422, {"detail": [item]})
                return
            if not _may_hold_wide_integer(body):
                scope[PARSED_BODY] = parsed
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> dict[str, Any]:
        return {
            "detail": [
                {
                    "loc": ["body"],
                    "msg": f"request body is larger than the limit of {self.max_bytes} bytes",
                    "type": "too_large",
                }
            ]
        }

    @staticmethod
    async def _reply(send: Send, status: int, content: dict[str, Any]) -> None:
        body = dumps(content)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class ParsedBodyRequest(Request):
    """A request whose `json()` is the body `BodyGuard` parsed, when it parsed it."""

    async def json(self) -> Any:
        if PARSED_BODY in self.scope:
            return self.scope[PARSED_BODY]
        return await super().json()


class ParsedBodyRoute(APIRoute):
    """An APIRoute that validates the body `BodyGuard` parsed instead of parsing it again.

    FastAPI still decides, by the content type, whether the body is JSON, and validates it
    against the route's body model; only where the value comes from changes.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def parsed_body_handler(request: Request) -> Response:
            return await handler(ParsedBodyRequest(request.scope, request.receive))

        return parsed_body_handler
