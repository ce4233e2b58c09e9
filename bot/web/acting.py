"""Moderators act from the registry: uphold or dismiss a flag, grant or deny an appeal, with plain HTML forms.

Why through the chat commands: a form submission becomes the command a moderator would type (`/resolve F7
upheld <note>`, `/grant A3 <note>`) and goes through `Core.handle_remote`, so the permission check, the
lifecycle moves, the audit events, the creator's message and the mod-log line are the chat path's, not a
second copy. The actor is the holder of the community's token (`web:token-<digest>`, a moderator as a
platform admin is: the token *is* the credential), so the audit log says the decision came from the registry.

CSRF: the session cookie is SameSite=Strict already, and each form also carries a token, an HMAC under the
community's moderator token of the session cookie, checked with `hmac.compare_digest`; a request with a
Bearer header (not sent by browsers on their own) needs none. Each form carries a random nonce that becomes
the event id, so submitting the same form twice (a double click, a reload) is a replay the core ignores.
No JavaScript: the answer is a page with a link back to the queue.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.web.context import Registry
from bot.web.mod import _NO_STORE, COOKIE, _bearer, _guard
from moderation.core import WEB
from moderation.kernel.actions import Reply
from moderation.kernel.events import Actor, ChatRef, CommandInvoked
from moderation.kernel.i18n import N_, _, translate, using
from storage import Community

__all__ = ["csrf_token", "new_nonce", "router"]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
_NONCE = re.compile(r"[0-9a-f]{32}")
MAX_NOTE = 500
# The titles of the core's refusals and errors (`moderation.core.Core._handle`): answered with 409, not 200.
# Compared in the language the core answered in (the community's), hence translated where compared.
_REFUSALS = (
    N_("Not allowed"),
    N_("Can't do that"),
    N_("Unknown command"),
    N_("Not recorded yet"),
    N_("Something went wrong"),
)


def csrf_token(token: str, slug: str, cookie: str) -> str:
    """The CSRF token of a moderator session: bound to the community, the token and this session's cookie."""
    return hmac.new(token.encode(), f"normbot-web-csrf:{slug}:{cookie}".encode(), hashlib.sha256).hexdigest()


def new_nonce() -> str:
    """A fresh form nonce (the event id of that form's submission)."""
    return secrets.token_hex(16)


def _actor(token: str) -> Actor:
    """The token's holder as an actor: a moderator of the community, named by a digest of the token."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:10]
    return Actor(WEB, f"token-{digest}", "registry moderator", is_admin=True)


def _page(registry: Registry, request: Request, community: Community, status: int, title: str, detail: str) -> Response:
    """The answer page; rendered in the current language (`_act` runs in the community's)."""
    context = {"community": {"slug": community.slug, "name": community.name}, "title": title, "detail": detail}
    return registry.templates.TemplateResponse(
        request, "mod_done.html", context, status_code=status, headers=dict(_NO_STORE)
    )


async def _act(request: Request, slug: str, command: str, args: str) -> Response:
    registry, community, language, refusal = await _guard(request, slug, None)
    if refusal is not None:
        return refusal
    with using(language):  # the answer pages in the community's language, as the queue they came from
        return await _decide(request, registry, community, command, args)


async def _decide(request: Request, registry: Registry, community: Community, command: str, args: str) -> Response:
    """Check the form and run it as the chat command (see the module's docstring)."""
    token = registry.config_for(community).web_token
    assert token  # _guard refused otherwise
    form = await request.form()
    if _bearer(request) is None:
        cookie = request.cookies.get(COOKIE, "")
        offered = str(form.get("csrf", ""))
        if not hmac.compare_digest(offered.encode(), csrf_token(token, community.slug, cookie).encode()):
            return _page(
                registry,
                request,
                community,
                403,
                _("Form expired"),
                _("This form is not valid any more (it came from an older session). Open the queue again."),
            )
    nonce = str(form.get("nonce", ""))
    if not _NONCE.fullmatch(nonce):
        return _page(
            registry, request, community, 400, _("Form incomplete"), _("Open the queue again and resend the form.")
        )
    outcome = str(form.get("outcome", ""))
    note = " ".join(str(form.get("note", "")).split())[:MAX_NOTE]
    if command == "resolve":
        if outcome not in ("upheld", "dismissed"):
            return _page(registry, request, community, 400, _("Choose an outcome"), _("Uphold or Dismiss."))
        line = f"{args} {outcome} {note or 'decided on the registry'}"
    else:
        if outcome not in ("grant", "deny"):
            return _page(registry, request, community, 400, _("Choose an outcome"), _("Grant or Deny."))
        command, line = outcome, f"{args} {note}".strip()
    event = CommandInvoked(
        f"web:{nonce}", ChatRef(WEB, community.slug, space_id=community.slug), _actor(token), command, line
    )
    actions = await registry.core().handle_remote(event)
    replies = [a for a in actions if isinstance(a, Reply)]
    if not replies:
        return _page(
            registry, request, community, 200, _("Already recorded"), _("This form was sent before; nothing changed.")
        )
    card = replies[0].card
    failed = card.title in _REFUSALS or card.title in {translate(t) for t in _REFUSALS}
    return _page(registry, request, community, 409 if failed else 200, card.title, card.body)


@router.post("/c/{slug}/mod/flags/{flag_id}")
async def decide_flag(request: Request, slug: str, flag_id: int) -> Response:
    """Uphold or dismiss an open flag (`/resolve F<id> upheld|dismissed <note>`)."""
    return await _act(request, slug, "resolve", f"F{flag_id}")


@router.post("/c/{slug}/mod/appeals/{appeal_id}")
async def decide_appeal(request: Request, slug: str, appeal_id: int) -> Response:
    """Grant or deny an open appeal (`/grant A<id> <note>`, `/deny A<id> <note>`)."""
    return await _act(request, slug, "appeal", f"A{appeal_id}")
