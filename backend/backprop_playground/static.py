"""The page's static files: versioned asset URLs that can be cached forever.

The page has no build step, so versioning happens here: the build id is a hash of every file
under frontend/ and of package-lock.json. The page itself (`/`, `/index.html`) is served with
`no-cache` and its relative references rewritten to `/assets/{build}/...`; everything under that
prefix (and so every module a module imports relatively) is `immutable`. The plain paths
(`/js/...`, `/vendor/...`) keep working, revalidated.

Text files (JS, CSS, SVG, JSON, the page) are gzipped once per process, at their first request,
and kept in memory; a client that accepts gzip gets those bytes (`Content-Encoding: gzip`),
others the file, both with `Vary: Accept-Encoding`. The page names every module of main.js's
static import graph as a `modulepreload`, so the browser fetches them all at once instead of
one level of imports per round trip (a link's page, `/s/{id}`, also preloads the two API
answers main.js asks for first).

On a lecture hall's Wi-Fi every request costs a round trip (HTTP/1.1, six connections), so the
page asks for few: its stylesheets are served as one file (`/assets/{build}/_page.css`, the
files in the page's order, joined once), and `/` carries the answers its default open needs
(the OpenAPI document, the presets, the default scenario's snapshot, first trace and data) in a
`<script type="application/json" id="boot">` data block, as the API answers them (asked
in-process once); api.js serves each to the one request it names, method, path and body, so a
fragment or a link asks the API as before. `/` is made at its first request and kept; its ETag
is a hash of its bytes (the same in every process, as the answers are).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import posixpath
import re
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from .api.compression import STATIC_LEVEL, accepts_gzip, pack
from .settings import Settings

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# href="css/x.css", src="js/main.js", href="vendor/...": relative references of index.html
RELATIVE_REF = re.compile(r'((?:href|src)=")(?![a-z]+:|/|#)')
COMPRESSIBLE = {".js", ".mjs", ".css", ".html", ".svg", ".json", ".map", ".txt", ".ttf"}
# The static imports and re-exports of an ES module: `import x from '…'`, `import '…'`,
# `export { y } from '…'` (also over several lines); dynamic `import('…')` is not one.
STATIC_IMPORT = re.compile(
    r"""^[ \t]*(?:import|export)\s+(?:[\w*{}\s,$]+?\s*from\s*)?['"]([^'"]+)['"]""", re.M
)
MODULE_SCRIPT = '<script type="module"'
ENTRY = "js/main.js"
# What main.js fetches before anything else (api.js's getOpenApi and getPresets): preloaded, they
# load beside the modules instead of after them. `crossorigin` gives fetch()'s credentials mode,
# so the page's fetch takes the preloaded answer.
STARTUP_FETCHES = ("/openapi.json", "/api/v1/presets")
# <link rel="stylesheet" href="…"> with nothing else (no media, no title): joined into one file.
STYLESHEET = re.compile(r'[ \t]*<link rel="stylesheet" href="([^":#?]+\.css)">\n?')
PAGE_CSS = "_page.css"
BOOT_ID = "boot"
API = "/api/v1"

log = logging.getLogger(__name__)


class PackedFiles:
    """The gzip bytes of files, made once per file version (path, mtime, size)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[int, int, bytes]] = {}
        self.lock = threading.Lock()

    def peek(self, path: str, mtime_ns: int, size: int) -> bytes | None:
        hit = self.items.get(path)
        return hit[2] if hit is not None and hit[:2] == (mtime_ns, size) else None

    def get(self, path: str, mtime_ns: int, size: int) -> bytes:
        hit = self.peek(path, mtime_ns, size)
        if hit is not None:
            return hit
        with open(path, "rb") as f:
            packed = pack(f.read(), STATIC_LEVEL)
        with self.lock:
            self.items[path] = (mtime_ns, size, packed)
        return packed


def negotiated(scope: Scope, response: Response, packed: bytes | None) -> Response:
    """`response`, or its gzip form when the request accepts it; both vary on Accept-Encoding."""
    response.headers["vary"] = "Accept-Encoding"
    if packed is None or not accepts_gzip(Headers(scope=scope).get("accept-encoding", "")):
        return response
    headers = {
        k: v for k, v in response.headers.items() if k not in ("content-length", "accept-ranges")
    }
    headers["content-encoding"] = "gzip"
    return Response(packed, status_code=response.status_code, headers=headers)


class CachedStatic(StaticFiles):
    """StaticFiles with a fixed Cache-Control header, gzipping text files once."""

    def __init__(self, *args, cache_control: str, packed: PackedFiles, **kwargs):
        super().__init__(*args, **kwargs)
        self.cache_control = cache_control
        self.packed = packed

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = self.cache_control
        return response

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response  # 304, 404, a directory's redirect
        if Path(response.path).suffix not in COMPRESSIBLE:
            return response
        packed = None
        # HEAD and byte ranges get the file as it is (Content-Length of the file, ranges of it).
        if scope["method"] == "GET" and "range" not in Headers(scope=scope):
            st = response.stat_result
            assert st is not None  # StaticFiles passes the stat it made
            key = (str(response.path), st.st_mtime_ns, st.st_size)
            # compressing (once) reads the file and takes a while: not on the event loop
            packed = self.packed.peek(*key) or await run_in_threadpool(self.packed.get, *key)
        return negotiated(scope, response, packed)


def build_id(frontend: Path, lockfile: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in frontend.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(frontend)).encode())
        digest.update(path.read_bytes())
    if lockfile.is_file():
        digest.update(lockfile.read_bytes())
    return digest.hexdigest()[:12]


def site_file(frontend: Path, vendor: Path, path: str) -> Path:
    """The file a site path names: `vendor/...` in node_modules, the rest in frontend/."""
    if path.startswith("vendor/"):
        return vendor / path.removeprefix("vendor/")
    return frontend / path


def module_graph(frontend: Path, vendor: Path, entry: str = ENTRY) -> list[str]:
    """The site paths (`js/api.js`, `vendor/uplot/dist/uPlot.esm.js`) of every module `entry`
    imports statically, directly or not, largest first: the browser fetches them over a few
    connections, so the longest transfer starts first rather than ending last. Vendor modules
    are listed but not read (their imports, if any, are found by the browser)."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        path = todo.pop(0)
        if path.startswith("vendor/"):
            continue
        file = frontend / path
        if not file.is_file():
            continue
        for spec in STATIC_IMPORT.findall(file.read_text(encoding="utf-8")):
            if not spec.startswith("."):
                continue  # bare names and absolute URLs are not ours to resolve
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
            known = target in seen or target == entry
            if not known and site_file(frontend, vendor, target).is_file():
                seen.append(target)
                todo.append(target)
    return sorted(seen, key=lambda path: -site_file(frontend, vendor, path).stat().st_size)


def page_html(settings: Settings, build: str) -> str:
    """index.html with a modulepreload for each module main.js imports, its stylesheets as one,
    and its relative references pointing at the versioned assets."""
    return _page_html(settings.frontend_dir, settings.node_modules_dir, build)


def stylesheets(frontend: Path, vendor: Path) -> list[str]:
    """The site paths of the page's plain stylesheets that exist, in the page's order."""
    html = (frontend / "index.html").read_text(encoding="utf-8")
    return [p for p in STYLESHEET.findall(html) if site_file(frontend, vendor, p).is_file()]


def page_css(frontend: Path, vendor: Path) -> bytes:
    """The page's stylesheets joined in the page's order: the same cascade (none has @import,
    @charset or a relative url(), which joining would change; a test checks)."""
    return b"".join(
        b"/* %s */\n%s\n" % (path.encode(), site_file(frontend, vendor, path).read_bytes())
        for path in stylesheets(frontend, vendor)
    )


@functools.lru_cache(maxsize=8)
def _page_html(frontend: Path, vendor: Path, build: str, boot: bool = False) -> str:
    # the build id names the files' contents, so the page is made once per build; `boot`: the
    # page that carries its first answers (`/`), without preloads of them
    html = (frontend / "index.html").read_text(encoding="utf-8")
    joined = set(stylesheets(frontend, vendor))
    first = [True]

    def one_sheet(m: re.Match) -> str:
        if m.group(1) not in joined:
            return m.group(0)
        if first[0]:
            first[0] = False
            return m.group(0).replace(m.group(1), PAGE_CSS)
        return ""

    html = STYLESHEET.sub(one_sheet, html)
    fetches = () if boot else STARTUP_FETCHES
    preload = "".join(
        f'<link rel="preload" href="{url}" as="fetch" crossorigin>\n  ' for url in fetches
    ) + "".join(
        f'<link rel="modulepreload" href="{path}">\n  ' for path in module_graph(frontend, vendor)
    )
    html = html.replace(MODULE_SCRIPT, preload + MODULE_SCRIPT, 1)
    return RELATIVE_REF.sub(rf"\1/assets/{build}/", html)


_MISSING = object()


def _deref(doc: dict, schema: Any) -> dict:
    seen: set[str] = set()
    s = schema if isinstance(schema, dict) else {}
    while isinstance(s.get("$ref"), str):
        ref = s["$ref"]
        if ref in seen:
            raise ValueError(f"cyclic $ref {ref}")
        seen.add(ref)
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        s = {**target, **{k: v for k, v in s.items() if k != "$ref"}}
    return s


def _describe(doc: dict, schema: Any) -> dict:
    """What schema.js's describe() finds of a field that its defaultsFor() reads: default,
    nullable, type ('enum' with its values, 'object' with properties and required)."""
    s = _deref(doc, schema)
    default = s.get("default", _MISSING)
    if len(s.get("allOf") or []) == 1:
        s = {**_deref(doc, s["allOf"][0]), **{k: v for k, v in s.items() if k != "allOf"}}
    alts = s.get("anyOf") or s.get("oneOf")
    if isinstance(alts, list):
        members = [_deref(doc, a) for a in alts]
        non_null = [m for m in members if not _is_null(m)]
        nullable = len(non_null) < len(members)
        if len(non_null) == 1:
            inner = _describe(doc, non_null[0])
            return {**inner, "default": s.get("default", inner["default"]), "nullable": True}
        if all(isinstance(m.get("enum"), list) or "const" in m for m in non_null):
            values = [v for m in non_null for v in ([m["const"]] if "const" in m else m["enum"])]
            return {"default": default, "nullable": nullable, "type": "enum", "enum": values}
        return {"default": default, "nullable": nullable, "type": "union"}
    nullable = False
    kind = s.get("type")
    if isinstance(kind, list):
        nullable = "null" in kind
        kind = next((t for t in kind if t != "null"), None)
    if isinstance(s.get("enum"), list) or "const" in s:
        values = [s["const"]] if "const" in s else s["enum"]
        nullable = nullable or None in (s.get("enum") or [])
        enum = [v for v in values if v is not None]
        return {"default": default, "nullable": nullable, "type": "enum", "enum": enum}
    kind = kind or ("object" if "properties" in s else "any")
    out = {"default": default, "nullable": nullable, "type": kind}
    if kind == "object" and "properties" in s:
        out["properties"] = {k: _describe(doc, v) for k, v in s["properties"].items()}
        out["required"] = s.get("required", [])
    return out


def _is_null(s: dict) -> bool:
    return s.get("type") == "null" or s.get("enum") == [None]


def _defaults(d: dict, required: bool = True) -> Any:
    """schema.js's defaultsFor(): the value a form of the field starts with (None: none)."""
    if d["default"] is not _MISSING:
        return d["default"]
    if d["nullable"]:
        return None
    if d["type"] == "object" and "properties" in d:
        out = {}
        for name, p in d["properties"].items():
            v = _defaults(p, name in d["required"])
            if v is not None:
                out[name] = v
        return out
    if d["type"] == "enum" and required and d["enum"]:
        return d["enum"][0]
    return None


def request_schema(doc: dict, endpoint: str) -> dict:
    """The described body of POST …/{endpoint} (schema.js's requestField reads the same)."""
    for path, item in doc.get("paths", {}).items():
        body = item.get("post", {}).get("requestBody", {})
        schema = body.get("content", {}).get("application/json", {}).get("schema")
        if path.endswith(f"/{endpoint}") and schema:
            return _describe(doc, schema)
    raise KeyError(endpoint)


def boot_requests(doc: dict) -> list[tuple[str, str, dict | None]]:
    """The requests the page makes when it opens `/` with no fragment, as main.js's start() and
    session.js's loadScenario make them: the default scenario is schema.js's defaultsFor() of
    the API's scenario schema, the traced samples the default of /step's trace_samples."""
    scenario = _defaults(request_schema(doc, "snapshot")["properties"]["scenario"])
    trace_field = request_schema(doc, "step")["properties"].get("trace_samples")
    trace = trace_field and _defaults(trace_field) or 32
    return [
        ("GET", "/openapi.json", None),
        ("GET", f"{API}/presets", None),
        ("POST", f"{API}/snapshot", {"scenario": scenario, "step": 0}),
        ("POST", f"{API}/step", {"scenario": scenario, "step": 0, "trace_samples": trace}),
        ("POST", f"{API}/dataset", {"scenario": scenario, "step": 0}),
    ]


async def ask(app: FastAPI, method: str, path: str, body: dict | None) -> bytes | None:
    """The body the app answers to one request, made in-process (middleware included, not
    compressed); None unless it answers 200."""
    raw = b"" if body is None else json.dumps(body).encode()
    headers = [(b"host", b"boot"), (b"accept-encoding", b"identity")]
    if body is not None:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(raw))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("boot", 80),
        "client": ("127.0.0.1", 0),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
    }
    done = asyncio.Event()
    received = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    done.set()
    return b"".join(chunks) if status == 200 else None


async def boot_block(app: FastAPI) -> str | None:
    """The `<script type="application/json" id="boot">` block of the answers of boot_requests,
    as the app answers them (bytes unchanged); None when one of them is not a 200."""
    openapi = await ask(app, "GET", "/openapi.json", None)
    if openapi is None:
        return None
    entries = []
    for method, path, body in boot_requests(json.loads(openapi)):
        answer = openapi if path == "/openapi.json" else await ask(app, method, path, body)
        if answer is None:
            return None
        head = json.dumps({"method": method, "path": path, "body": body})
        entries.append(f'{head[:-1]}, "answer": {answer.decode()}}}')
    # `<` only occurs inside JSON strings, where \u003c is the same character: no `</script`
    data = "[" + ",\n".join(entries).replace("<", "\\u003c") + "]"
    return f'<script type="application/json" id="{BOOT_ID}">{data}</script>\n'


def mount_frontend(app: FastAPI, settings: Settings) -> str | None:
    """Serve frontend/ (and node_modules/ as /vendor); the build id, or None without frontend/."""
    frontend = settings.frontend_dir
    vendor = settings.node_modules_dir
    if not frontend.is_dir():
        return None
    build = build_id(frontend, vendor.parent / "package-lock.json")
    css = page_css(frontend, vendor)
    css_packed = pack(css, STATIC_LEVEL)
    css_etag = f'"{hashlib.sha256(css).hexdigest()[:16]}"'

    @app.get(f"/assets/{build}/{PAGE_CSS}", include_in_schema=False)
    def joined_css(request: Request) -> Response:
        headers = {"cache-control": IMMUTABLE, "etag": css_etag}
        if css_etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={**headers, "vary": "Accept-Encoding"})
        response = Response(css, media_type="text/css; charset=utf-8", headers=headers)
        return negotiated(request.scope, response, css_packed)

    # `/` is the same until the next start: made at its first request (its boot block asks the
    # app), then kept with its gzip form; if the app does not answer, the page without it.
    made: list[tuple[bytes, bytes, tuple[str, str]]] = []
    making: list[asyncio.Future] = []

    async def make_page() -> tuple[bytes, bytes, tuple[str, str]]:
        try:
            boot = await boot_block(app)
        except Exception:  # the page works without its first answers, only slower
            log.exception("the page's first answers could not be made")
            boot = None
        html = _page_html(frontend, vendor, build, boot is not None)
        if boot is not None:
            html = html.replace("</body>", boot + "</body>", 1)
        page = html.encode()
        tag = hashlib.sha256(page).hexdigest()[:16]
        packed = await run_in_threadpool(pack, page, STATIC_LEVEL)
        return page, packed, (f'"{tag}"', f'"{tag}-gzip"')

    async def the_page() -> tuple[bytes, bytes, tuple[str, str]]:
        if not made:
            if not making:  # the first request makes it; those that come meanwhile wait for it
                making.append(asyncio.ensure_future(make_page()))
            task = making[0]
            try:
                result = await asyncio.shield(task)
            except BaseException:
                if task.done():
                    making.clear()  # it failed: the next request tries again
                raise
            if not made:
                made.append(result)
        return made[0]

    @app.get("/", include_in_schema=False)
    @app.get("/index.html", include_in_schema=False)
    async def index(request: Request) -> Response:
        page, page_packed, etags = await the_page()
        gzipped = accepts_gzip(request.headers.get("accept-encoding", ""))
        headers = {"cache-control": REVALIDATE, "etag": etags[gzipped]}
        if any(tag in request.headers.get("if-none-match", "") for tag in etags):
            return Response(status_code=304, headers={**headers, "vary": "Accept-Encoding"})
        response = Response(page, media_type="text/html; charset=utf-8", headers=headers)
        return negotiated(request.scope, response, page_packed)

    packed = PackedFiles()
    if vendor.is_dir():
        app.mount(
            f"/assets/{build}/vendor",
            CachedStatic(directory=vendor, cache_control=IMMUTABLE, packed=packed),
            name="vendor-versioned",
        )
        app.mount(
            "/vendor",
            CachedStatic(directory=vendor, cache_control=REVALIDATE, packed=packed),
            name="vendor",
        )
    app.mount(
        f"/assets/{build}",
        CachedStatic(directory=frontend, cache_control=IMMUTABLE, packed=packed),
        name="frontend-versioned",
    )
    app.mount(
        "/",
        CachedStatic(directory=frontend, cache_control=REVALIDATE, packed=packed),
        name="frontend",
    )
    return build
