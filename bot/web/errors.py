"""What goes wrong in the registry, and how each failure is answered: a page for people, JSON for the API.

Why one place: every route may hit an unknown slug, a bad query parameter or an unreachable store, and the
answer must be the same friendly page (or JSON body) with the right status everywhere, never a traceback.

    RegistryError
    ├── NotFound      404  unknown community, release or page
    ├── BadQuery      422  a query parameter outside its allowed values
    └── Unavailable   503  something the page needs cannot be loaded (a broken norm file)
    (RequestValidationError from FastAPI is answered like BadQuery; StoreUnavailable gives 503.)
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from moderation.kernel.i18n import N_, translate, using
from storage import StoreUnavailable

__all__ = ["BadQuery", "NotFound", "RegistryError", "Unavailable", "install_error_handlers"]

log = logging.getLogger("normbot.web")


class RegistryError(Exception):
    """Root of the registry's own errors; `str()` is safe to show."""

    status = 500


class NotFound(RegistryError):
    """A community, release or page that does not exist."""

    status = 404


class BadQuery(RegistryError):
    """A query parameter with a value the registry does not accept."""

    status = 422

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param


class Unavailable(RegistryError):
    """Something the page needs cannot be loaded right now (a configured norm file that does not parse)."""

    status = 503


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


async def _language(request: Request, store_up: bool) -> str:
    """The error page's language: the community's under its own addresses (`/c/<slug>/…`, as its pages
    are), else the browser's (`bot.web.context.page_language`). A store that is down or a slug that does
    not exist costs only the community's language, never the error page."""
    from bot.web.context import page_language  # bot.web.context imports this module

    parts = request.url.path.split("/")
    if store_up and len(parts) > 2 and parts[1] == "c" and parts[2]:
        registry = request.app.state.registry
        try:
            async with registry.read() as tx:
                language: str = await registry.language(tx, await registry.community(tx, parts[2]))
                return language
        except (RegistryError, StoreUnavailable):
            pass
    return page_language(request)


async def _answer(
    request: Request,
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    *,
    store_up: bool = True,
) -> Response:
    """JSON (English, for programs) under the API; else the error page, its `title` (a message marked with
    `N_`) and fixed texts in the reader's language. `detail` is shown as given."""
    if _wants_json(request):
        return JSONResponse({"error": title, "detail": detail}, status_code=status, headers=headers)
    templates = request.app.state.registry.templates
    with using(await _language(request, store_up)):
        context = {"status": status, "title": translate(title), "detail": translate(detail)}
        return templates.TemplateResponse(  # type: ignore[no-any-return]
            request, "error.html", context, status_code=status, headers=headers
        )


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path")]
        parts.append(f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure with a page or JSON body of the right status."""

    async def registry_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RegistryError)
        title = {404: N_("Not found"), 422: N_("Bad request")}.get(exc.status, N_("Temporarily unavailable"))
        return await _answer(request, exc.status, title, str(exc))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return await _answer(request, 422, N_("Bad request"), _validation_detail(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: N_("Not found"), 405: N_("Method not allowed"), 401: N_("Token needed"), 403: N_("Not allowed")}
        detail = str(exc.detail) if exc.status_code != 404 else N_("There is no page at this address.")
        headers: dict[str, Any] | None = getattr(exc, "headers", None)
        return await _answer(request, exc.status_code, titles.get(exc.status_code, N_("Error")), detail, headers)

    async def store_down(request: Request, exc: Exception) -> Response:
        log.warning("registry: store unavailable: %s", exc)
        detail = N_("The registry cannot reach its database right now.")
        return await _answer(request, 503, N_("Temporarily unavailable"), detail, store_up=False)

    app.add_exception_handler(RegistryError, registry_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(StoreUnavailable, store_down)
