"""Moderator pages: the open-flag queue (with reporters and reasons) and the audit log with its chain check.

Access is per community, with the token named by the config's `web_token_env`. The token comes as
`Authorization: Bearer <token>`, or once as `?token=` which is swapped for a session cookie and a redirect to
the same page without it (so the token does not stay in the address bar, history or referrers). The cookie
is `<issued-at>.<HMAC of the token over the community and the issue time>`: it holds no token, it dies with a
token change, and it expires after `SESSION_TTL` both in the browser (`Max-Age`) and on the server (the
signed issue time is checked, so a copied cookie is no good after 8 hours either). It is HttpOnly,
SameSite=Strict, scoped to the community's moderator pages, and Secure when the request came over https.
Comparisons use `hmac.compare_digest`. No token configured: the pages are off (403). No credentials: 401
with a small form. Wrong token: 403, counted; too many from one client: 429 for a while (`bot.web.lockout`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.web.context import Registry, registry_of
from bot.web.lockout import client_key
from bot.web.views import STATUS_LABELS, iso, release_summary_json
from moderation.appeals.deciding import decision_words as appeal_words
from moderation.kernel.i18n import _, ngettext, using
from storage import Community
from storage.audit import readable

__all__ = ["COOKIE", "SESSION_TTL", "router", "session_value"]

log = logging.getLogger("normbot.web")
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
COOKIE = "normbot_mod"
SESSION_TTL = timedelta(hours=8)
_CLOCK_SKEW = 60  # seconds a cookie's issue time may lie in the future (a clock step between replicas)
AUDIT_PER_PAGE = 50
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def session_value(token: str, slug: str, issued: int) -> str:
    """What the cookie holds: the issue time (Unix seconds) and an HMAC of it under the token, bound to the
    community."""
    mac = hmac.new(token.encode(), f"normbot-web-mod:{slug}:{issued}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac}"


def _session_ok(cookie: str, token: str, slug: str, now: int) -> bool:
    """The cookie was issued for this token and community, by us, less than `SESSION_TTL` ago."""
    issued_text, _, _ = cookie.partition(".")
    if not (issued_text.isascii() and issued_text.isdigit() and len(issued_text) <= 12):
        return False
    issued = int(issued_text)
    if not -_CLOCK_SKEW <= now - issued < SESSION_TTL.total_seconds():
        return False
    return hmac.compare_digest(cookie.encode(), session_value(token, slug, issued).encode())


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _refuse(
    registry: Registry,
    request: Request,
    community: Community,
    status: int,
    detail: str,
    *,
    show_form: bool = True,
    retry_after: int | None = None,
) -> Response:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="normbot moderators"'
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    context = {"community": {"slug": community.slug, "name": community.name}, "status": status, "detail": detail}
    context["show_form"] = show_form
    return registry.templates.TemplateResponse(request, "mod_login.html", context, status_code=status, headers=headers)


def _locked(registry: Registry, request: Request, community: Community, seconds: int) -> Response:
    minutes = max(1, -(-seconds // 60))
    detail = ngettext(
        "Too many wrong tokens from your address. Try again in {n} minute.",
        "Too many wrong tokens from your address. Try again in {n} minutes.",
        minutes,
    ).format(n=minutes)
    return _refuse(registry, request, community, 429, detail, show_form=False, retry_after=seconds)


async def _guard(request: Request, slug: str, token: str | None) -> tuple[Registry, Community, str, Response | None]:
    """(registry, community, language, None) when allowed; otherwise the refusal or the cookie-setting redirect.

    The language is the community's (as its public pages and its chats): the moderators' pages, their
    refusals and the answers to their forms are rendered in it."""
    registry = registry_of(request)
    async with registry.read() as tx:
        community = await registry.community(tx, slug)
        language = await registry.language(tx, community)
    with using(language):
        return registry, community, language, _guarded(request, registry, community, token)


def _guarded(request: Request, registry: Registry, community: Community, token: str | None) -> Response | None:
    """The check itself, in the community's language (see `_guard`)."""
    expected = registry.config_for(community).web_token
    if not expected:
        detail = _("Moderator pages are switched off for this community.")
        return _refuse(registry, request, community, 403, detail, show_form=False)
    now = int(registry.clock().timestamp())
    cookie = request.cookies.get(COOKIE)
    bearer = _bearer(request)
    offered = token if token is not None else bearer
    if offered is None and cookie is not None and _session_ok(cookie, expected, community.slug, now):
        return None  # a live session passes even while its address is locked out
    client = client_key(request.client.host if request.client else None)
    locked = registry.lockout.retry_after(client)
    if locked is not None:
        return _locked(registry, request, community, locked)
    if offered is not None:
        if not hmac.compare_digest(offered.encode(), expected.encode()):
            lock = registry.lockout.failed(client)
            if lock is not None:
                log.warning("registry: moderator login locked for %s after repeated wrong tokens", client)
                return _locked(registry, request, community, lock)
            return _refuse(registry, request, community, 403, _("That token is not valid."))
        registry.lockout.succeeded(client)
        if token is None:
            return None  # bearer: every request carries it, no cookie needed
        params = {k: v for k, v in request.query_params.items() if k != "token"}
        target = request.url.path + (f"?{urlencode(params)}" if params else "")
        redirect = RedirectResponse(target, status_code=303, headers=_NO_STORE)
        redirect.set_cookie(
            COOKIE,
            session_value(expected, community.slug, now),
            max_age=int(SESSION_TTL.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=f"/c/{community.slug}/mod",
        )
        return redirect
    if cookie is not None:
        refusal = _refuse(
            registry, request, community, 401, _("Your moderator session has ended. Enter the token again.")
        )
        refusal.delete_cookie(COOKIE, path=f"/c/{community.slug}/mod")
        return refusal
    return _refuse(registry, request, community, 401, _("Moderators: enter this community's token."))


Token = Annotated[str | None, Query(max_length=500)]


@router.get("/c/{slug}/mod/queue")
async def queue(request: Request, slug: str, token: Token = None) -> Response:
    """Open flags with reasons and reporters, and the releases waiting for people."""
    registry, community, language, refusal = await _guard(request, slug, token)
    if refusal is not None:
        return refusal
    async with registry.read() as tx:
        q = await tx.registry.moderation_queue(community.id)
        appeals = [(a, await tx.releases.get(community.id, a.release_id)) for a in await tx.appeals.open(community.id)]
    from bot.web.acting import csrf_token, new_nonce  # the forms post to bot/web/acting.py

    token = registry.config_for(community).web_token or ""
    csrf = csrf_token(token, community.slug, request.cookies.get(COOKIE, ""))
    flags = [
        {
            "nonce": new_nonce(),
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
    with using(language):  # what an appeal is about, in words of the page's language
        decisions = {a.id: appeal_words(a.decision) for a, _r in appeals}
    appeal_rows = [
        {
            "nonce": new_nonce(),
            "id": a.id,
            "decision": decisions[a.id],
            "text": a.text,
            "filed_at": iso(a.created_at),
            "release": release_summary_json(r) if r is not None else None,
        }
        for a, r in appeals
    ]
    context = {
        "community": {"slug": community.slug, "name": community.name},
        "flags": flags,
        "waiting": waiting,
        "appeals": appeal_rows,
        "csrf": csrf,
    }
    with using(language):
        return registry.templates.TemplateResponse(request, "mod_queue.html", context, headers=_NO_STORE)


@router.get("/c/{slug}/mod/audit")
async def audit(
    request: Request, slug: str, token: Token = None, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> Response:
    """The audit log, newest first, 50 a page, with the verification of the whole chain."""
    registry, community, language, refusal = await _guard(request, slug, token)
    if refusal is not None:
        return refusal
    async with registry.read() as tx:
        log = await tx.registry.audit_page(community.id, limit=AUDIT_PER_PAGE, offset=(page - 1) * AUDIT_PER_PAGE)
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
    with using(language):
        return registry.templates.TemplateResponse(request, "mod_audit.html", context, headers=_NO_STORE)
