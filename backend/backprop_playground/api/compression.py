"""Gzip for what the app serves: JSON answers as they are made, static files once.

A class of 500 opens the page on one Wi-Fi, so bytes count; the server's CPU counts too. JSON
answers are compressed as they go out at a low level (level 1 makes a /heatmaps answer of 60 KB
into 29 KB in about 1 ms; level 9 saves under 2% more); cached link answers keep the gzip bytes
made once (`cached.py`) and are passed through as they are, like anything that already carries a
Content-Encoding. Static files are compressed once at the highest level (`static.py`).
Answers under GZIP_MIN_BYTES stay as they are: the gzip header and a round of deflate cost more
than they save.
"""

from __future__ import annotations

import gzip

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_MIN_BYTES = 1024
# Level of answers compressed per request (the classroom load pays it on every answer).
ANSWER_LEVEL = 1
# Level of bytes compressed once and kept (cached link answers).
CACHED_LEVEL = 5
# Level of static files, compressed once per process.
STATIC_LEVEL = 9


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value allows gzip (as Starlette's GZipMiddleware reads it)."""
    return "gzip" in accept_encoding


def pack(body: bytes, level: int) -> bytes:
    """Gzip bytes that depend on the body alone (no timestamp), so each copy is the same."""
    return gzip.compress(body, level, mtime=0)


class AnswerCompression(GZipMiddleware):
    """Starlette's GZipMiddleware at ANSWER_LEVEL: it leaves alone responses that already have a
    Content-Encoding (cached link answers, precompressed static files), partial responses and
    already compressed types (PNG, WOFF2), compresses streaming responses chunk by chunk, and
    adds `Vary: Accept-Encoding` (once: static files already name it)."""

    def __init__(self, app: ASGIApp):
        super().__init__(app, minimum_size=GZIP_MIN_BYTES, compresslevel=ANSWER_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_vary_once(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                if "vary" in headers:
                    names = (name.strip() for name in headers["vary"].split(","))
                    headers["vary"] = ", ".join({name.lower(): name for name in names}.values())
                    message["headers"] = headers.raw
            await send(message)

        await super().__call__(scope, receive, send_vary_once)
