"""Optional enforcement when a moderator upholds a block flag from the registry: the deletion waits in the
outbox with the creator's message, and a bot process deletes the announcement once (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import httpx

from bot.web import create_app
from bot.wiring import build_core
from moderation.kernel.actions import Delete, DirectMessage
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import ChatRef
from moderation.kernel.serial import decode_action, encode_action
from storage import Store
from tests.core.harness import GOOD, Chat
from tests.web.test_mod_actions import config, form_of, login


async def test_a_block_flag_upheld_from_the_registry_deletes_through_the_outbox(store: Store) -> None:
    enforcing = replace(config(), enforcement=True)
    clock = ManualClock()
    bot = await build_core(store, [enforcing], clock=clock, rules_only=True, migrate=False)
    chat = Chat(bot, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", "/flag R1 harm-real-person-consent a real person")
    transport = httpx.ASGITransport(app=create_app(store, [enforcing]))
    async with httpx.AsyncClient(transport=transport, base_url="https://registry.test") as client:
        page = await login(client)
        data = {**form_of(page, "/c/forge/mod/flags/1"), "outcome": "upheld", "note": "no consent"}
        response = await client.post("/c/forge/mod/flags/1", data=data)
        assert response.status_code == 200 and "F1 upheld" in response.text
    delivered = await bot.deliver_outbox()
    assert [(d.chat.chat_id, d.message_id, d.release_id) for d in delivered if isinstance(d, Delete)] == [
        ("releases", "ann1", 1)
    ]
    assert any(isinstance(a, DirectMessage) and "/appeal R1" in a.card.body for a in delivered)
    assert await bot.deliver_outbox() == []


def test_a_delete_survives_the_outbox_encoding() -> None:
    action = Delete(ChatRef("telegram", "-100", "7"), "42", release_id=12)
    assert decode_action(encode_action(action)) == action
