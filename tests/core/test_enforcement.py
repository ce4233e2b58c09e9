"""Optional enforcement (issue 23, item 7): a removed release's announcements are deleted and the creator told,
on both backends; off by default; a replayed decision deletes nothing twice; a refused deletion becomes one
card per chat for the moderators."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.wiring import build_core
from moderation.kernel import buttons
from moderation.kernel.actions import Action, Delete, DirectMessage, Send
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import ChatBinding, CommunityConfig
from moderation.kernel.events import Actor, ChatRef, CommandInvoked, DeleteReported
from storage import Store
from tests.core.harness import GOOD, Chat, community, reply_text

MODS = ChatRef("console", "releases-mods")
LOG = ChatRef("console", "modlog")


def deletes(actions: list[Action]) -> list[Delete]:
    return [a for a in actions if isinstance(a, Delete)]


def dms(actions: list[Action]) -> list[DirectMessage]:
    return [a for a in actions if isinstance(a, DirectMessage)]


def enforcing(c: CommunityConfig, *, on: bool = True) -> CommunityConfig:
    return replace(c, enforcement=on, chats=(*c.chats, ChatBinding("console", "modlog", "log")))


@pytest.fixture
async def chat(store: Store, clock: ManualClock) -> Chat:
    core = await build_core(store, [enforcing(community())], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    return chat


async def audit_actions(chat: Chat) -> list[str]:
    async with chat.core.store.transaction() as tx:
        cid = await chat.core.community_id(tx, "forge")
        return [e.action for e in await tx.audit_log.events(cid)]


async def test_removal_deletes_every_announcement_and_tells_the_creator(chat: Chat) -> None:
    other = Chat(chat.core, chat.clock, chat_id="releases")
    await other.say("ada", GOOD, message_id="ann2")  # a repost: a second announcement of R1
    actions = await chat.cmd("mia", "/status R1 removed stolen weights")
    assert {(d.chat.chat_id, d.message_id, d.release_id) for d in deletes(actions)} == {
        ("releases", "ann1", 1),
        ("releases", "ann2", 1),
    }
    told = [d for d in dms(actions) if "taken down" in d.card.title]
    assert len(told) == 1 and told[0].user_id == "ada"
    text = told[0].card.as_text()
    assert "stolen weights" in text and "/appeal R1" in text and "2 announcements were deleted" in text
    log = [a for a in actions if isinstance(a, Send) and a.chat == LOG]
    assert len(log) == 1 and "R1: enforcement deletes its 2 announcements" in log[0].card.as_text()
    assert "release.enforced" in await audit_actions(chat)


async def test_off_by_default_deletes_nothing(store: Store, clock: ManualClock) -> None:
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    actions = await chat.cmd("mia", "/status R1 removed no")
    assert "removed" in reply_text(actions)
    assert not deletes(actions)
    assert not [d for d in dms(actions) if "taken down" in d.card.title]


async def test_upheld_block_flag_deletes_through_command_and_alert_button(chat: Chat) -> None:
    await chat.cmd("bo", "/flag R1 harm-real-person-consent that is a real person")
    by_command = await chat.cmd("mia", "/resolve F1 upheld no consent")
    assert [d.message_id for d in deletes(by_command)] == ["ann1"]
    # The alert's Uphold button runs the same path (resolve_flag): a second flag, decided by the button.
    await chat.say("cy", GOOD.replace("Neon Dreams", "Calm Lake"), message_id="ann9")
    await chat.cmd("bo", "/flag R2 harm-real-person-consent a real person again")
    pressed = await chat.press("mia", buttons.encode("uphold", 2, 2))
    assert [d.message_id for d in deletes(pressed)] == ["ann9"], reply_text(pressed)


async def test_upheld_milder_flag_deletes_nothing(chat: Chat) -> None:
    await chat.cmd("bo", "/flag R1 credit-base-model vague")
    assert not deletes(await chat.cmd("mia", "/resolve F1 upheld vague base"))


async def test_replayed_removal_deletes_and_posts_nothing_twice(chat: Chat) -> None:
    first = await chat.cmd("mia", "/status R1 removed spam", event_id="dup")
    again = await chat.cmd("mia", "/status R1 removed spam", event_id="dup")
    assert len(deletes(first)) == 1 and again == []
    report = DeleteReported(ChatRef("console", "releases"), "ann1", "deleted", release_id=1)
    assert await chat.core.handle(report) == []
    assert await chat.core.handle(report) == []  # the adapter reported twice: audited once
    assert (await audit_actions(chat)).count("release.announcement_deleted") == 1


async def test_refused_deletion_is_one_card_per_chat_naming_the_permission(store: Store, clock: ManualClock) -> None:
    config = enforcing(community(platform="discord", chat="c1"))
    core = await build_core(store, [config], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock, platform="discord", chat_id="c1")
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.say("bo", GOOD.replace("Neon Dreams", "Calm Lake"), message_id="ann2")
    refused = [
        DeleteReported(ChatRef("discord", "c1"), mid, "refused", permission="Manage Messages", reason="403 Missing")
        for mid in ("ann1", "ann2")
    ]
    cards = await core.handle(refused[0])
    to_mods = [a for a in cards if isinstance(a, Send) and a.chat == ChatRef("discord", "c1-mods")]
    assert len(to_mods) == 1 and "Manage Messages" in to_mods[0].card.as_text()
    assert "Traceback" not in to_mods[0].card.as_text()
    assert await core.handle(refused[1]) == []  # once per chat
    assert await core.handle(refused[0]) == []


async def test_telegram_message_older_than_48h_is_named_not_a_permission(store: Store, clock: ManualClock) -> None:
    config = enforcing(community(platform="telegram", chat="-100"))
    core = await build_core(store, [config], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock, platform="telegram", chat_id="-100")
    await chat.say("ada", GOOD, message_id="7")
    clock.advance(timedelta(hours=49))
    refused = DeleteReported(
        ChatRef("telegram", "-100"), "7", "refused", permission="can_delete_messages", reason="can't be deleted"
    )
    cards = await core.handle(refused)
    text = "\n".join(a.card.as_text() for a in cards if isinstance(a, Send))
    assert "48 hours" in text and "can_delete_messages" not in text


async def test_setup_turns_enforcement_on(store: Store, clock: ManualClock) -> None:
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    c = Chat(core, clock)
    await c.say("ada", GOOD, message_id="a1")
    assert not core.communities["forge"].enforcement
    refused = await c.cmd("mia", "/setup enforcement maybe")
    assert "on or off" in reply_text(refused)
    await c.cmd("mia", "/setup enforcement on")
    assert core.communities["forge"].enforcement
    assert [d.message_id for d in deletes(await c.cmd("mia", "/status R1 removed spam"))] == ["a1"]


async def test_the_creator_and_the_moderators_read_the_community_language(store: Store, clock: ManualClock) -> None:
    config = replace(enforcing(community(platform="discord", chat="c1")), language="zh")
    core = await build_core(store, [config], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock, platform="discord", chat_id="c1")
    await chat.say("ada", GOOD, message_id="ann1")
    actions = await chat.cmd("mia", "/status R1 removed spam")
    told = [d for d in dms(actions) if "已被下架" in d.card.title]
    assert len(told) == 1 and "/appeal R1" in told[0].card.body and "公告已被删除" in told[0].card.body
    refused = DeleteReported(ChatRef("discord", "c1"), "ann1", "refused", permission="Manage Messages")
    cards = [a for a in await core.handle(refused) if isinstance(a, Send) and a.chat.chat_id == "c1-mods"]
    assert len(cards) == 1 and "我无法删除" in cards[0].card.title and "管理消息" in cards[0].card.body


async def test_two_replicas_delete_once(pg_store: Store) -> None:
    """One `/status removed` delivered to two replicas at once, and two moderators removing the same release
    on two replicas at once: one Delete and one message to the creator each time."""
    clock = ManualClock()
    config = replace(enforcing(community()), moderators=frozenset({"console:mia", "console:max"}))
    cores = [
        await build_core(pg_store, [config], clock=clock, rules_only=True, migrate=False, worker_id=f"r{i}")
        for i in range(2)
    ]
    chat = Chat(cores[0], clock)
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.say("bo", GOOD.replace("Neon Dreams", "Calm Lake"), message_id="ann2")

    def removal(event_id: str, who: str, ref: str) -> CommandInvoked:
        return CommandInvoked(
            event_id, ChatRef("console", "releases"), Actor("console", who, who), "status", f"{ref} removed spam"
        )

    same = removal("replayed", "mia", "R1")
    results = await asyncio.gather(*(c.handle(same) for c in cores))
    assert [d.message_id for r in results for d in deletes(r)] == ["ann1"]
    racing = await asyncio.gather(
        cores[0].handle(removal("a", "mia", "R2")), cores[1].handle(removal("b", "max", "R2"))
    )
    assert [d.message_id for r in racing for d in deletes(r)] == ["ann2"]
    assert len([d for r in racing for d in dms(r) if "taken down" in d.card.title]) == 1
