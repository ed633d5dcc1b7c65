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
one level of imports per round trip, and preloads the two API answers main.js asks for first.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import threading
from pathlib import Path

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
    """index.html with a modulepreload for each module main.js imports, and its relative
    references pointing at the versioned assets."""
    return _page_html(settings.frontend_dir, settings.node_modules_dir, build)


@functools.lru_cache(maxsize=8)
def _page_html(frontend: Path, vendor: Path, build: str) -> str:
    # the build id names the files' contents, so the page is made once per build
    html = (frontend / "index.html").read_text(encoding="utf-8")
    preload = "".join(
        f'<link rel="preload" href="{url}" as="fetch" crossorigin>\n  ' for url in STARTUP_FETCHES
    ) + "".join(
        f'<link rel="modulepreload" href="{path}">\n  ' for path in module_graph(frontend, vendor)
    )
    html = html.replace(MODULE_SCRIPT, preload + MODULE_SCRIPT, 1)
    return RELATIVE_REF.sub(rf"\1/assets/{build}/", html)


def mount_frontend(app: FastAPI, settings: Settings) -> str | None:
    """Serve frontend/ (and node_modules/ as /vendor); the build id, or None without frontend/."""
    frontend = settings.frontend_dir
    vendor = settings.node_modules_dir
    if not frontend.is_dir():
        return None
    build = build_id(frontend, vendor.parent / "package-lock.json")
    # The page is the same until the next start (the build id is fixed then too).
    page = page_html(settings, build).encode()
    page_packed = pack(page, STATIC_LEVEL)
    etags = (f'"{build}"', f'"{build}-gzip"')

    @app.get("/", include_in_schema=False)
    @app.get("/index.html", include_in_schema=False)
    def index(request: Request) -> Response:
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
