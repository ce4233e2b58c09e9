"""Moderator pages: the open-flag queue (with reporters and reasons) and the audit log with its chain check.

Access is per community, with the token named by the config's `web_token_env`. The token comes as
`Authorization: Bearer <token>`, or once as `?token=` which is swapped for an HttpOnly cookie and a redirect to
the same page without it (so the token does not stay in the address bar, history or referrers). The cookie
holds an HMAC of the token, not the token. Comparisons use `hmac.compare_digest`. No token configured: the
pages are off (403). No credentials: 401 with a small form. Wrong credentials: 403.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.web.context import Registry, registry_of
from bot.web.views import STATUS_LABELS, iso, release_summary_json
from storage import Community
from storage.audit import readable
from storage.registry import audit_page, moderation_queue

__all__ = ["COOKIE", "router", "session_value"]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
COOKIE = "normbot_mod"
AUDIT_PER_PAGE = 50
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def session_value(token: str, slug: str) -> str:
    """What the cookie holds: an HMAC of the token, bound to the community."""
    return hmac.new(token.encode(), f"normbot-web-mod:{slug}".encode(), hashlib.sha256).hexdigest()


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _refuse(
    registry: Registry, request: Request, community: Community, status: int, detail: str, *, show_form: bool = True
) -> Response:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="normbot moderators"'
    context = {"community": {"slug": community.slug, "name": community.name}, "status": status, "detail": detail}
    context["show_form"] = show_form
    return registry.templates.TemplateResponse(request, "mod_login.html", context, status_code=status, headers=headers)


async def _guard(request: Request, slug: str, token: str | None) -> tuple[Registry, Community, Response | None]:
    """(registry, community, None) when allowed; otherwise the refusal or the cookie-setting redirect."""
    registry = registry_of(request)
    async with registry.read() as tx:
        community = await registry.community(tx, slug)
    expected = registry.config_for(community).web_token
    if not expected:
        return (
            registry,
            community,
            _refuse(
                registry,
                request,
                community,
                403,
                "Moderator pages are switched off for this community.",
                show_form=False,
            ),
        )
    if token is not None:
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return registry, community, _refuse(registry, request, community, 403, "That token is not valid.")
        params = {k: v for k, v in request.query_params.items() if k != "token"}
        target = request.url.path + (f"?{urlencode(params)}" if params else "")
        redirect = RedirectResponse(target, status_code=303, headers=_NO_STORE)
        redirect.set_cookie(
            COOKIE,
            session_value(expected, community.slug),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=f"/c/{community.slug}/mod",
        )
        return registry, community, redirect
    bearer = _bearer(request)
    if bearer is not None:
        if hmac.compare_digest(bearer.encode(), expected.encode()):
            return registry, community, None
        return registry, community, _refuse(registry, request, community, 403, "That token is not valid.")
    cookie = request.cookies.get(COOKIE)
    if cookie is not None and hmac.compare_digest(cookie.encode(), session_value(expected, community.slug).encode()):
        return registry, community, None
    return registry, community, _refuse(registry, request, community, 401, "Moderators: enter this community's token.")


Token = Annotated[str | None, Query(max_length=500)]


@router.get("/c/{slug}/mod/queue")
async def queue(request: Request, slug: str, token: Token = None) -> Response:
    """Open flags with reasons and reporters, and the releases waiting for people."""
    registry, community, refusal = await _guard(request, slug, token)
    if refusal is not None:
        return refusal
    async with registry.read() as tx:
        q = await moderation_queue(tx, community.id)
    flags = [
        {
            "id": f.flag.id,
            "norm_id": f.flag.norm_id,
            "reason": f.flag.reason,
            "reporter": f.reporter,
            "filed_at": iso(f.flag.created_at),
            "release": release_summary_json(f.release),
        }
        for f in q.open_flags
    ]
    waiting = [{**release_summary_json(r), "review_due_at": iso(r.review_due_at)} for r in q.waiting]
    context = {"community": {"slug": community.slug, "name": community.name}, "flags": flags, "waiting": waiting}
    return registry.templates.TemplateResponse(request, "mod_queue.html", context, headers=_NO_STORE)


@router.get("/c/{slug}/mod/audit")
async def audit(
    request: Request, slug: str, token: Token = None, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> Response:
    """The audit log, newest first, 50 a page, with the verification of the whole chain."""
    registry, community, refusal = await _guard(request, slug, token)
    if refusal is not None:
        return refusal
    async with registry.read() as tx:
        log = await audit_page(tx, community.id, limit=AUDIT_PER_PAGE, offset=(page - 1) * AUDIT_PER_PAGE)
    pages = max(1, -(-log.total // AUDIT_PER_PAGE))
    base = f"/c/{community.slug}/mod/audit"
    context = {
        "community": {"slug": community.slug, "name": community.name},
        "events": [
            {
                "seq": e.seq,
                "at": iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "payload": readable(e.payload),
                "hash": e.hash,
            }
            for e in log.events
        ],
        "total": log.total,
        "problems": [{"seq": p.seq, "message": p.message} for p in log.problems],
        "page": page,
        "pages": pages,
        "prev_url": f"{base}?page={page - 1}" if page > 1 else None,
        "next_url": f"{base}?page={page + 1}" if page < pages else None,
        "status_labels": STATUS_LABELS,
    }
    return registry.templates.TemplateResponse(request, "mod_audit.html", context, headers=_NO_STORE)
