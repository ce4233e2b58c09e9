"""End to end on Telegram: a group that becomes a supergroup keeps its community's data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from moderation.kernel.actions import Card, Send
from moderation.kernel.events import ChatRef
from tests.fakes.telegram.harness import World, release_id_of, telegram_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    """A running Telegram world (fake Bot API, store, core, adapter)."""
    async with telegram_world(tmp_path) as world:
        yield world


async def test_release_announced_before_migration_can_be_endorsed_in_the_supergroup(w: World) -> None:
    """After group -> supergroup, a reply to an old announcement finds its release; the prompt is edited."""
    update, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    supergroup = w.fake.migrate(w.group, -100_777_000_1)
    await w.sync(supergroup)  # both service messages were handled before this
    async with w.store.transaction() as tx:
        binding = await tx.chats.binding("telegram", str(supergroup.id))
        assert binding is not None and binding.watched
        assert await tx.chats.binding("telegram", str(w.group.id)) is None
    mark = w.fake.mark()
    reply = await w.command(supergroup, w.bob, "/endorse", reply_to=update["message"]["message_id"])
    assert f"Endorsements on R{rid}: 1 of" in reply.text
    assert await w.endorsements(rid) == 1
    edit = await w.fake.wait_for("editMessageText", lambda c: c.ok, after=mark)
    assert edit.params["chat_id"] == supergroup.id and edit.params["message_id"] == prompt.message_id
    migrated_prompt = w.fake.bot_message(supergroup.id, prompt.message_id)
    assert "Endorsements: 1 of" in migrated_prompt.text


async def test_new_announcements_in_the_supergroup_are_watched(w: World) -> None:
    """The watched-chat binding follows the migration: announcements in the supergroup get prompts."""
    supergroup = w.fake.migrate(w.group, -100_777_000_2)
    await w.sync(supergroup)
    _, prompt = await w.announce(supergroup, w.alice)
    assert prompt.chat_id == supergroup.id


async def test_chat_migrated_error_moves_the_data_and_resends(w: World) -> None:
    """A send answered with `migrate_to_chat_id` (service messages missed) moves the data and resends."""
    update, prompt = await w.announce(w.group, w.alice)
    supergroup = w.fake.migrate(w.group, -100_777_000_3, service_messages=False)
    mark = w.fake.mark()
    await w.adapter.deliver(Send(ChatRef("telegram", str(w.group.id)), Card("Reminder", "Please review R1")))
    refused = await w.fake.wait_for("sendMessage", after=mark)
    assert not refused.ok and refused.params["chat_id"] == w.group.id
    resent = await w.fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    assert resent.params["chat_id"] == supergroup.id
    reply = await w.command(supergroup, w.bob, "/endorse", reply_to=update["message"]["message_id"])
    assert f"Endorsements on R{release_id_of(prompt)}: 1 of" in reply.text
