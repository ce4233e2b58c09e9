"""Moderators act from the registry (httpx against the app, SQLite and PostgreSQL): uphold or dismiss a flag and
grant or deny an appeal with forms, CSRF-protected, audited as the token's holder, through the chat commands; what
the decision sends to chats waits in the outbox and a bot process delivers it once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from bot.web import create_app
from bot.wiring import build_core
from moderation.core import Core
from moderation.kernel.actions import DirectMessage, Edit, Send
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import CommunityConfig
from storage import Store
from tests.core.harness import GOOD, Chat, community
from tests.core.test_modlog import LOG, with_log

TOKEN = "registry-token-for-the-forge-moderators"


def config() -> CommunityConfig:
    return replace(with_log(community()), web_token=TOKEN)


@pytest.fixture
async def bot(store: Store) -> Core:
    """The bot process: R1 by ada with an open flag F1 by bo, and R... removed and appealed (A1)."""
    clock = ManualClock()
    core = await build_core(store, [config()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", "/flag R1 own-no-reupload copied from civitai")
    await chat.say("cy", GOOD.replace("Neon Dreams", "Calm Lake").replace("ada/neon", "cy/calm"), message_id="ann2")
    await chat.cmd("mia", "/status R2 removed spam")
    await chat.cmd("cy", "/appeal R2 it is not spam")
    return core


@pytest.fixture
async def client(bot: Core, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(store, [config()]))
    async with httpx.AsyncClient(transport=transport, base_url="https://registry.test") as c:
        yield c


async def login(client: httpx.AsyncClient) -> str:
    """The queue page after logging in with the token (the cookie is kept by the client)."""
    response = await client.get(f"/c/forge/mod/queue?token={TOKEN}", follow_redirects=True)
    assert response.status_code == 200
    return response.text


def form_of(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action`."""
    start = page.index(f'action="{action}"')
    chunk = page[start : page.index("</form>", start)]
    return dict(re.findall(r'name="(csrf|nonce)" value="([^"]*)"', chunk))


async def flag_status(store: Store, flag_id: int = 1) -> str:
    async with store.transaction() as tx:
        flag = await tx.flags.get(1, flag_id)
        assert flag is not None
        return flag.status


async def test_uphold_from_the_registry_goes_through_the_chat_path(
    client: httpx.AsyncClient, store: Store, bot: Core
) -> None:
    page = await login(client)
    assert 'action="/c/forge/mod/flags/1"' in page and "Uphold F1" in page and "<script" not in page
    fields = form_of(page, "/c/forge/mod/flags/1")
    data = {**fields, "outcome": "upheld", "note": "the same file as on civitai"}
    response = await client.post("/c/forge/mod/flags/1", data=data)
    assert response.status_code == 200 and "F1 upheld" in response.text
    assert await flag_status(store) == "upheld"
    async with store.transaction() as tx:
        events = await tx.audit_log.events(1)
    upheld = [e for e in events if e.action == "flag.upheld"]
    assert len(upheld) == 1 and upheld[0].actor.startswith("web:token-")
    assert TOKEN not in str([(e.actor, e.payload) for e in events])  # the token is never written down
    # The same form again (a double click): a replay, nothing changes.
    again = await client.post("/c/forge/mod/flags/1", data=data)
    assert again.status_code == 200 and "Already recorded" in again.text
    # The creator's message, the mod-log line and the alert edit wait for a bot process; delivered once.
    delivered = await bot.deliver_outbox()
    assert [a.user_id for a in delivered if isinstance(a, DirectMessage)] == ["ada"]
    log = [a for a in delivered if isinstance(a, Send) and a.chat == LOG]
    assert len(log) == 1 and "F1 on R1 upheld by registry moderator" in log[0].card.title
    assert not [a for a in delivered if isinstance(a, Edit) and a.chat == LOG]
    assert await bot.deliver_outbox() == []


async def test_forms_refuse_without_csrf_or_session(client: httpx.AsyncClient, store: Store) -> None:
    anonymous = await client.post("/c/forge/mod/flags/1", data={"outcome": "upheld", "nonce": "0" * 32})
    assert anonymous.status_code == 401
    page = await login(client)
    fields = form_of(page, "/c/forge/mod/flags/1")
    forged = await client.post(
        "/c/forge/mod/flags/1", data={"nonce": fields["nonce"], "csrf": "0" * 64, "outcome": "upheld"}
    )
    assert forged.status_code == 403 and "Form expired" in forged.text
    missing = await client.post("/c/forge/mod/flags/1", data={"nonce": fields["nonce"], "outcome": "upheld"})
    assert missing.status_code == 403
    assert await flag_status(store) == "open"
    bad = await client.post("/c/forge/mod/flags/1", data={**fields, "outcome": "maybe"})
    assert bad.status_code == 400
    unknown = await client.post("/c/forge/mod/flags/99", data={**fields, "outcome": "upheld"})
    assert unknown.status_code == 409 and "no flag F99" in unknown.text


async def test_a_bearer_client_needs_no_csrf(client: httpx.AsyncClient, store: Store) -> None:
    response = await client.post(
        "/c/forge/mod/flags/1",
        data={"nonce": "a" * 32, "outcome": "dismissed", "note": "fine"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200 and "F1 dismissed" in response.text
    assert await flag_status(store) == "dismissed"


async def test_grant_an_appeal_from_the_registry(client: httpx.AsyncClient, store: Store, bot: Core) -> None:
    page = await login(client)
    assert "A1" in page and "the removal" in page and "it is not spam" in page
    fields = form_of(page, "/c/forge/mod/appeals/1")
    response = await client.post("/c/forge/mod/appeals/1", data={**fields, "outcome": "grant", "note": "not spam"})
    assert response.status_code == 200 and "A1 granted" in response.text
    async with store.transaction() as tx:
        release = await tx.releases.get(1, 2)
        assert release is not None and release.status == "in_review"
    told = [a for a in await bot.run_due_jobs() if isinstance(a, DirectMessage)]  # the scheduler tick delivers
    assert len(told) == 1 and told[0].user_id == "cy" and "was granted" in told[0].card.title
    assert "No open appeals" in await login(client)
