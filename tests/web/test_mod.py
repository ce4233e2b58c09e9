"""Moderator pages: the token is required, compared safely, swapped for an HttpOnly cookie; the chain is checked."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.web import create_app
from bot.web.mod import COOKIE
from storage import AuditEvent
from tests.web.conftest import SECRET_REASON, SECRET_REPORTER, TOKEN, Demo, demo_community

SLUG = "pixel-forge"
QUEUE = f"/c/{SLUG}/mod/queue"
AUDIT = f"/c/{SLUG}/mod/audit"


async def test_no_token_is_401_with_a_form(client: httpx.AsyncClient) -> None:
    """Without credentials: 401, a Bearer challenge, a token form, and nothing of the queue."""
    for url in (QUEUE, AUDIT):
        response = await client.get(url)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert '<input type="password" name="token"' in response.text
        assert SECRET_REASON not in response.text and SECRET_REPORTER not in response.text


async def test_wrong_token_is_403(client: httpx.AsyncClient) -> None:
    """A wrong bearer token, query token or cookie is refused."""
    wrong = TOKEN[:-1] + "X"
    assert (await client.get(QUEUE, headers={"Authorization": f"Bearer {wrong}"})).status_code == 403
    assert (await client.get(QUEUE, params={"token": wrong})).status_code == 403
    assert (await client.get(QUEUE, headers={"Authorization": "Basic Zm9vOmJhcg=="})).status_code == 401
    client.cookies.set(COOKIE, "0" * 64, path=f"/c/{SLUG}/mod")
    response = await client.get(QUEUE)
    assert response.status_code == 401 and SECRET_REASON not in response.text


async def test_bearer_token_shows_open_flags_with_reasons(client: httpx.AsyncClient) -> None:
    """With the bearer token the queue shows the open flag, its reporter and reason, and waiting releases."""
    response = await client.get(QUEUE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert SECRET_REASON in response.text and SECRET_REPORTER in response.text
    assert 'id="waiting"' in response.text and '<a href="/r/2">' in response.text  # R2 is still in review
    assert response.headers["cache-control"] == "no-store"


async def test_query_token_becomes_an_httponly_cookie(client: httpx.AsyncClient) -> None:
    """`?token=` redirects to the page without it and sets an HttpOnly, SameSite cookie that opens both pages."""
    response = await client.get(QUEUE, params={"token": TOKEN})
    assert response.status_code == 303
    assert response.headers["location"] == QUEUE
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and f"Path=/c/{SLUG}/mod" in cookie
    assert TOKEN not in cookie  # the cookie holds an HMAC, not the token
    followed = await client.get(QUEUE)
    assert followed.status_code == 200 and SECRET_REASON in followed.text
    assert (await client.get(AUDIT)).status_code == 200


async def test_token_of_no_use_where_none_is_configured(demo: Demo) -> None:
    """A community without a configured token has its moderator pages switched off (403), whatever is sent."""
    app = create_app(demo.store, [demo_community(token=None)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get(QUEUE, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 403 and "switched off" in response.text
        assert (await c.get(QUEUE, params={"token": ""})).status_code == 403


async def test_audit_log_paginated_with_chain_status(client: httpx.AsyncClient, demo: Demo) -> None:
    """The audit page lists events newest first with the chain intact; an edited row is reported by number."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with demo.store.transaction() as tx:
        events = await tx.audit_log.events(1)
    html = (await client.get(AUDIT, headers=auth)).text
    assert f"Chain intact: all {len(events)} events verify." in html
    assert f'<td data-label="#">{events[-1].seq}</td>' in html
    assert html.index(f'<td data-label="#">{events[-1].seq}</td>') < html.index('<td data-label="#">1</td>')
    async with demo.store.transaction() as tx:
        row = (await tx.s.execute(select(AuditEvent).where(AuditEvent.seq == 2))).scalar_one()
        row.payload = {**row.payload, "tampered": True}
    html = (await client.get(AUDIT, headers=auth)).text
    assert "Chain broken" in html and "event 2: content does not match its hash (edited)" in html
    response = await client.get(AUDIT, headers=auth, params={"page": 0})
    assert response.status_code == 422


async def test_audit_pages_of_fifty(client: httpx.AsyncClient, demo: Demo) -> None:
    """More than 50 events make a second page; pages hold disjoint events."""
    from tests.web.conftest import utc

    async with demo.store.transaction() as tx:
        for i in range(60):
            await tx.audit_log.append(
                1, actor="normbot", action="test.event", subject=f"n{i}", payload={}, at=utc(2026, 3, 1)
            )
        total = len(await tx.audit_log.events(1))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = (await client.get(AUDIT, headers=auth)).text
    second = (await client.get(AUDIT, headers=auth, params={"page": 2})).text
    assert first.count('<td data-label="#">') == 50
    assert second.count('<td data-label="#">') == min(50, total - 50)
    assert f"page 2 of {-(-total // 50)}" in second
    assert f"Chain intact: all {total} events verify." in second
