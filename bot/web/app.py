"""The registry's app factory: FastAPI with server-rendered pages, a JSON API and moderator pages.

Why these settings: `/docs` and `/redoc` load JavaScript and CSS from a CDN, so they are off and only the
OpenAPI schema (`/openapi.json`) is served; nothing on any page loads from elsewhere, which the
Content-Security-Policy also enforces in the browser. Unexpected errors are logged with an incident id and
answered with a plain page, never a traceback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web import acting, api, mod, pages
from bot.web.context import Registry
from bot.web.errors import install_error_handlers
from moderation.kernel.clock import Clock, utcnow
from moderation.kernel.community import CommunityConfig
from storage import Store

__all__ = ["STATIC_DIR", "HeadAsGet", "create_app"]

log = logging.getLogger("normbot.web")
STATIC_DIR = Path(__file__).parent / "static"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class HeadAsGet:
    """`HEAD` on any address is answered exactly like `GET` (status and headers, `Content-Length` included)
    without the body, as HTTP asks (RFC 9110, 9.3.2). FastAPI routes declared with `@router.get` answer only
    GET (HEAD gave 405); one ASGI wrapper covers every route, present and future, instead of a `HEAD` on each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(
    store: Store,
    communities: Sequence[CommunityConfig] = (),
    *,
    base_dir: Path | None = None,
    clock: Clock = utcnow,
) -> FastAPI:
    """The registry over `store`; `communities` supply norm packs and moderator tokens (others use defaults).

    `clock` is the time moderator sessions and login lockouts are measured by (tests move it by hand).
    """
    app = FastAPI(
        title="normbot release registry",
        version="1",
        summary="Public, read-only registry of model releases and the norm checks of their communities.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.registry = Registry(store, communities, base_dir, clock)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(mod.router)
    app.include_router(acting.router)
    app.include_router(api.router)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            response = await call_next(request)
        except Exception:
            incident = uuid.uuid4().hex[:8]
            log.exception("registry: unexpected error (incident %s) on %s", incident, request.url.path)
            detail = f"Something went wrong on our side (incident {incident})."
            if request.url.path.startswith("/api/"):
                response = JSONResponse({"error": "Internal error", "detail": detail}, status_code=500)
            else:
                context = {"status": 500, "title": "Internal error", "detail": detail}
                templates = app.state.registry.templates
                response = templates.TemplateResponse(request, "error.html", context, status_code=500)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    app.add_middleware(HeadAsGet)  # outermost: everything inside sees a GET
    return app
