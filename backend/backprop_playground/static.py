"""The page's static files: versioned asset URLs that can be cached forever.

The page has no build step, so versioning happens here: the build id is a hash of every file
under frontend/ and of package-lock.json. The page itself (`/`, `/index.html`) is served with
`no-cache` and its relative references rewritten to `/assets/{build}/...`; everything under that
prefix (and so every module a module imports relatively) is `immutable`. The plain paths
(`/js/...`, `/vendor/...`) keep working, revalidated.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from .settings import Settings

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# href="css/x.css", src="js/main.js", href="vendor/...": relative references of index.html
RELATIVE_REF = re.compile(r'((?:href|src)=")(?![a-z]+:|/|#)')


class CachedStatic(StaticFiles):
    """StaticFiles with a fixed Cache-Control header."""

    def __init__(self, *args, cache_control: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.cache_control = cache_control

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = self.cache_control
        return response


def build_id(frontend: Path, lockfile: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in frontend.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(frontend)).encode())
        digest.update(path.read_bytes())
    if lockfile.is_file():
        digest.update(lockfile.read_bytes())
    return digest.hexdigest()[:12]


def page_html(settings: Settings, build: str) -> str:
    """index.html with its relative references pointing at the versioned assets."""
    html = (settings.frontend_dir / "index.html").read_text(encoding="utf-8")
    return RELATIVE_REF.sub(rf"\1/assets/{build}/", html)


def mount_frontend(app: FastAPI, settings: Settings) -> str | None:
    """Serve frontend/ (and node_modules/ as /vendor); the build id, or None without frontend/."""
    frontend = settings.frontend_dir
    vendor = settings.node_modules_dir
    if not frontend.is_dir():
        return None
    build = build_id(frontend, vendor.parent / "package-lock.json")

    @app.get("/", include_in_schema=False)
    @app.get("/index.html", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(page_html(settings, build), headers={"cache-control": REVALIDATE})

    if vendor.is_dir():
        app.mount(
            f"/assets/{build}/vendor",
            CachedStatic(directory=vendor, cache_control=IMMUTABLE),
            name="vendor-versioned",
        )
        app.mount(
            "/vendor", CachedStatic(directory=vendor, cache_control=REVALIDATE), name="vendor"
        )
    app.mount(
        f"/assets/{build}",
        CachedStatic(directory=frontend, cache_control=IMMUTABLE),
        name="frontend-versioned",
    )
    app.mount("/", CachedStatic(directory=frontend, cache_control=REVALIDATE), name="frontend")
    return build
