"""`create_app(settings)`: the FastAPI app, its error handling, and the static page."""

from __future__ import annotations

import gc
from collections import OrderedDict
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .api.addresses import router as addresses_router
from .api.body import BodyGuard
from .api.cached import CachedAnswers, ResponseCache, SharedAnswers, SharedPostAnswers
from .api.cached import router as cached_router
from .api.classes import install as install_classes
from .api.classes import page_router as class_page_router
from .api.classes import router as classes_router
from .api.compression import AnswerCompression
from .api.links import RateLimiter
from .api.links import page_router as link_page_router
from .api.links import router as links_router
from .api.responses import error_response
from .api.routes import router
from .api.thumbnails import router as thumbnails_router
from .engine import ScenarioError
from .presets import PRESETS
from .service import RequestError, Trainer
from .settings import Settings
from .static import mount_frontend
from .storage import open_store

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI starts itself with one inline script; only /docs allows it.
DOCS_CSP = PAGE_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Pure ASGI middleware: a Content-Security-Policy without inline scripts and the usual
    hardening headers on every response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] == "/docs" else PAGE_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", csp.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _validation_items(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's validation errors without echoed input (which may be huge or non-finite)."""
    items = []
    for e in errors:
        item = {
            "loc": list(e.get("loc", [])),
            "msg": str(e.get("msg", "")),
            "type": e.get("type", ""),
        }
        ctx = e.get("ctx")
        if ctx:
            item["ctx"] = {
                k: v if isinstance(v, int | float | str) else str(v) for k, v in ctx.items()
            }
        items.append(item)
    return items


def warm_up(trainer: Trainer) -> None:
    """Load (or compile, the first time) every kernel before the first request."""
    sc = PRESETS["xor"].scenario
    trainer.step(sc, 0, 4)
    trainer.train(sc, 0, 3, None)
    trainer.heatmaps(sc, 1, 4)
    trainer.gradcheck(sc, 1)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    trainer = Trainer(int(settings.cache_mb * 1e6), settings.work_budget_seconds)
    store = open_store(settings.database_url, class_ttl_s=settings.class_ttl_hours * 3600)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        warm_up(trainer)
        # What start-up made (modules, compiled kernels, presets) lives as long as the server:
        # out of the collector's sight, a full collection under load takes milliseconds, not
        # hundreds of them.
        gc.collect()
        gc.freeze()
        app.state.class_hub.start()
        yield
        app.state.class_hub.stop()
        store.close()

    app = FastAPI(
        title="Backprop Playground API",
        version=__version__,
        summary="Every number of backpropagation, step by step: (scenario, step) is the truth.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI from npm (node_modules), so /docs works without a CDN
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Backprop Playground API",
            swagger_js_url="/vendor/swagger-ui-dist/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui-dist/swagger-ui.css",
            swagger_favicon_url="/favicon.svg",
        )

    # Everything a request reads from app.state, made here once.
    app.state.settings = settings
    app.state.trainer = trainer
    app.state.store = store
    app.state.response_cache = ResponseCache(int(settings.response_cache_mb * 1e6))
    app.state.link_limiter = RateLimiter(settings.link_rate_per_minute)
    app.state.shared_answers = SharedAnswers(
        int(settings.shared_answer_mb * 1e6), settings.shared_answer_seconds
    )
    app.state.link_scenarios = OrderedDict()
    install_classes(app, settings)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return error_response(422, _validation_items(list(exc.errors())))

    @app.exception_handler(ScenarioError)
    async def _scenario(request: Request, exc: ScenarioError):
        loc = ["body", "scenario", *exc.loc]
        return error_response(422, [{"loc": loc, "msg": exc.msg, "type": "scenario_invalid"}])

    @app.exception_handler(RequestError)
    async def _request(request: Request, exc: RequestError):
        return error_response(422, [{"loc": list(exc.loc), "msg": exc.msg, "type": exc.kind}])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return error_response(
            exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None)
        )

    app.include_router(router)
    app.include_router(links_router)
    app.include_router(addresses_router)
    app.include_router(link_page_router)
    app.include_router(thumbnails_router)
    app.include_router(classes_router)
    app.include_router(class_page_router)
    app.add_middleware(CachedAnswers, cache=app.state.response_cache)
    app.add_middleware(SharedPostAnswers, shared=app.state.shared_answers)
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes)
    app.add_middleware(AnswerCompression)
    app.add_middleware(SecurityHeaders)

    app.include_router(cached_router)
    app.state.build_id = mount_frontend(app, settings)
    return app
