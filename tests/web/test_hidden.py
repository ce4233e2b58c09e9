"""What the public must never see: reporters, flag reasons, open flags, the audit log; and escaping."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from sqlalchemy import select

from storage import Account, AuditEvent, Flag
from tests.web.conftest import SECRET_REASON, SECRET_REPORTER, Demo, utc

SLUG = "pixel-forge"
PUBLIC_PAGES = (
    "/",
    f"/c/{SLUG}",
    f"/c/{SLUG}?status=changes_requested",
    f"/c/{SLUG}?need=ownership",
    f"/c/{SLUG}/norms",
    "/r/1",
    "/r/2",
    "/r/3",
)
PUBLIC_API = (
    "/api/v1/communities",
    f"/api/v1/communities/{SLUG}/releases",
    f"/api/v1/communities/{SLUG}/releases?need=harms",
    f"/api/v1/communities/{SLUG}/norms",
    "/api/v1/releases/1",
    "/api/v1/releases/2",
    "/api/v1/releases/3",
    "/openapi.json",
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None else []


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


async def _bodies(client: httpx.AsyncClient) -> dict[str, str]:
    out = {}
    for url in (*PUBLIC_PAGES, *PUBLIC_API):
        response = await client.get(url)
        assert response.status_code == 200, url
        out[url] = response.text
    return out


async def test_open_flag_and_its_reporter_appear_nowhere_public(client: httpx.AsyncClient, demo: Demo) -> None:
    """The open flag's reporter and reason are in the store but on no public page or API response."""
    async with demo.store.transaction() as tx:
        open_flags = await tx.flags.open(1)
    assert [f.reason for f in open_flags] == [SECRET_REASON]
    for url, body in (await _bodies(client)).items():
        assert SECRET_REPORTER not in body, url
        assert SECRET_REASON not in body, url
        assert "/mod/" not in body, url
    r1 = (await client.get("/api/v1/releases/1")).json()
    assert r1["resolved_flags"] == []  # R1's only flag is open


async def test_flag_reasons_and_reporters_of_resolved_flags_hidden(client: httpx.AsyncClient, demo: Demo) -> None:
    """R3 shows its resolved flags, but no flag reason anywhere and none of its reporters' names."""
    async with demo.store.transaction() as tx:
        rows = (
            await tx.s.execute(select(Flag, Account.display_name).join(Account, Account.id == Flag.account_id))
        ).all()
    reasons = [f.reason for f, _ in rows]
    reporters = {name for f, name in rows if f.release_id == 3}
    assert reporters == {"bo", "cy", "dee"}
    for url, body in (await _bodies(client)).items():
        for reason in reasons:
            assert reason not in body, (url, reason)
    page_words = set(re.findall(r"[\w.-]+", _text((await client.get("/r/3")).text)))
    api_words = {
        w for s in _strings((await client.get("/api/v1/releases/3")).json()) for w in re.findall(r"[\w.-]+", s)
    }
    assert not reporters & page_words
    assert not reporters & api_words
    assert "Pony is named in the announcement" in (await client.get("/r/3")).text  # the moderator's note is public


async def test_audit_log_not_public(client: httpx.AsyncClient, demo: Demo) -> None:
    """No audit event's hash, actor id or payload shows up on a public page or in the API."""
    async with demo.store.transaction() as tx:
        events = list((await tx.s.execute(select(AuditEvent))).scalars())
    assert len(events) > 10
    assert any(":" in e.actor for e in events)
    bodies = await _bodies(client)
    for event in events:
        for url, body in bodies.items():
            assert event.hash not in body, url
            if ":" in event.actor:  # a platform account id (the bot itself acts as plain "normbot")
                assert event.actor not in body, (url, event.actor)


async def test_everything_is_escaped(client: httpx.AsyncClient, demo: Demo) -> None:
    """Markup in model names, announcement text and links is shown as text; `javascript:` links are not links."""
    async with demo.store.transaction() as tx:
        creator = await tx.accounts.upsert("console", "mallory", "<b>mallory</b>", utc(2026, 1, 1))
        release = await tx.releases.add(
            community_id=1,
            creator_id=creator.id,
            release_key="evil@v1",
            model_name='<script>alert("x")</script>',
            version="v1",
            fields_json={
                "model_name": '<script>alert("x")</script>',
                "links": [{"url": "javascript:alert(1)", "kind": "other"}],
                "trigger_words": ["<img src=x onerror=alert(1)>"],
            },
            text="evil",
            created_at=utc(2026, 1, 1),
            updated_at=utc(2026, 1, 1),
        )
    for url in (f"/r/{release.id}", f"/c/{SLUG}", "/"):
        html = (await client.get(url)).text
        assert "<script" not in html and "<img" not in html and "<b>mallory" not in html, url
        assert 'href="javascript:' not in html, url
    html = (await client.get(f"/r/{release.id}")).text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "javascript:alert(1)" in html  # shown as text, not as a link
    body = (await client.get(f"/api/v1/releases/{release.id}")).json()
    assert body["model_name"] == '<script>alert("x")</script>'  # JSON carries the data as is


async def test_no_external_resources(client: httpx.AsyncClient) -> None:
    """Pages load nothing from elsewhere: no scripts, only same-origin stylesheets, and a CSP that says so."""
    for url in PUBLIC_PAGES:
        response = await client.get(url)
        html = response.text
        assert "<script" not in html, url
        assert not re.search(r"""\ssrc=["']?(https?:)?//""", html), url
        for href in re.findall(r"<link[^>]+href=\"([^\"]+)\"", html):
            assert href.startswith("/"), (url, href)
        assert "default-src 'none'" in response.headers["content-security-policy"]
    json.loads((await client.get("/openapi.json")).text)


async def test_forgotten_member_disappears_from_the_registry(client: httpx.AsyncClient, demo: Demo) -> None:
    """After `forget-me` redaction, R2's endorser and reviewer shows as "[redacted]" and their review notes go."""
    from storage import REDACTED

    async with demo.store.transaction() as tx:
        dee = await tx.accounts.by_name("console", "dee")
        assert dee is not None
        await tx.privacy.redact_member([dee.id])
    body = (await client.get("/api/v1/releases/2")).json()
    assert body["endorsements"] == [REDACTED]
    assert [r["reviewer"] for r in body["reviews"]] == [REDACTED]
    assert all(a["note"] == "" for r in body["reviews"] for a in r["answers"])
    words = {w for s in _strings(body) for w in re.findall(r"[\w.-]+", s)}
    assert "dee" not in words
    assert "checked the merge recipe" not in (await client.get("/r/2")).text
