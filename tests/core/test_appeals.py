"""Appeals through the real core, on SQLite and PostgreSQL: who may appeal what, one open appeal per decision
(by store constraint), the rate limit, Grant reversing each kind of decision, Deny, the buttons, /queue, the
mod log, the audit chain and two replicas deciding at once."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.wiring import build_core
from moderation.kernel import buttons
from moderation.kernel.actions import Action, DirectMessage, Send
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import Actor, ChatRef, CommandInvoked
from storage import Store
from tests.core.harness import GOOD, Chat, community, reply_text
from tests.core.test_modlog import LOG, logged, text_of, with_log


async def status_of(store: Store, release_id: int = 1) -> str:
    async with store.transaction() as tx:
        release = await tx.releases.get(1, release_id)
        assert release is not None
        return release.status


def dms_to(actions: list[Action], user: str) -> list[DirectMessage]:
    return [a for a in actions if isinstance(a, DirectMessage) and a.user_id == user]


def _appeal_id(actions: list[Action]) -> int:
    m = re.search(r"Appeal A([0-9]+) recorded", reply_text(actions))
    assert m is not None, reply_text(actions)
    return int(m.group(1))


@pytest.fixture
async def upheld(chat: Chat, store: Store) -> Chat:
    """R1 by ada, held in changes_requested by F1, upheld under a block norm."""
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", "/flag R1 own-no-reupload copied from civitai")
    await chat.cmd("mia", "/resolve F1 upheld it is a re-upload")
    assert await status_of(store) == "changes_requested"
    return chat


async def test_the_creator_appeals_an_upheld_flag_and_a_grant_reverses_it(upheld: Chat, store: Store) -> None:
    refused = reply_text(await upheld.cmd("bo", "/appeal R1 please"))
    assert "Only the creator of R1 can appeal" in refused
    filed = await upheld.cmd("ada", "/appeal R1 I made it; the civitai upload is mine too")
    assert "Appeal A1 recorded" in reply_text(filed)
    # Without a log chat, the moderators' chat gets the appeal with Grant / Deny.
    notice = [a for a in filed if isinstance(a, Send) and a.chat.chat_id == "releases-mods"]
    assert len(notice) == 1 and "Appeal A1 on R1" in notice[0].card.title
    assert [b.payload for b in notice[0].buttons] == ["nb1:grant:1:1", "nb1:deny:1:1"]
    queue = reply_text(await upheld.cmd("mia", "/queue"))
    assert "A1 R1 (the upheld flag F1)" in queue and "/grant A1" in queue
    assert "Only moderators" in reply_text(await upheld.cmd("ada", "/grant A1 mine"))
    granted = await upheld.cmd("mia", "/grant A1 the uploads are the same person's")
    assert "A1 granted" in reply_text(granted) and "F1 is dismissed" in reply_text(granted)
    told = dms_to(granted, "ada")
    assert len(told) == 1 and "was granted" in told[0].card.title
    assert "the uploads are the same person's" in told[0].card.body
    assert await status_of(store) == "in_review"
    async with store.transaction() as tx:
        assert [f.status for f in await tx.flags.of_release(1)] == ["dismissed"]
        actions = [e.action for e in await tx.audit_log.events(1)]
        assert await tx.audit_log.verify() == []
    assert actions[-4:] == ["appeal.filed", "appeal.granted", "flag.reversed", "release.status"]
    assert "already granted" in reply_text(await upheld.cmd("mia", "/deny A1 changed my mind"))
    assert "A1" not in reply_text(await upheld.cmd("mia", "/queue"))


async def test_one_open_appeal_per_decision_and_the_rate_limit(upheld: Chat, store: Store) -> None:
    assert "Appeal A1 recorded" in reply_text(await upheld.cmd("ada", "/appeal R1 first"))
    assert "A1 of the upheld flag F1 on R1 is waiting already" in reply_text(
        await upheld.cmd("ada", "/appeal R1 again")
    )
    # The store refuses a second open appeal of the same decision, whoever writes it.
    async with store.transaction() as tx:
        assert await tx.appeals.add(1, 1, 1, "F1", "direct", upheld.clock()) is None
    # Denied: the flag stands and is not offered again; the state it left (changes requested) may be appealed,
    # again after a denial too, within the rate limit.
    denied = await upheld.cmd("mia", "/deny A1 it is the same file")
    assert "A1 denied" in reply_text(denied) and "The decision stands" in reply_text(denied)
    assert "was denied" in dms_to(denied, "ada")[0].card.title
    # (ids from the replies: on PostgreSQL the refused INSERT above used up a sequence value)
    second = _appeal_id(await upheld.cmd("ada", "/appeal R1 the request for changes"))
    await upheld.cmd("mia", f"/deny A{second} no")
    third = _appeal_id(await upheld.cmd("ada", "/appeal R1 once more"))
    await upheld.cmd("mia", f"/deny A{third} no")
    limited = reply_text(await upheld.cmd("ada", "/appeal R1 and again"))
    assert "3 appeals in the last day" in limited
    upheld.clock.advance(timedelta(hours=25))
    assert _appeal_id(await upheld.cmd("ada", "/appeal R1 a day later")) > third


async def test_a_removal_is_appealed_and_granted_back_to_review(chat: Chat, store: Store) -> None:
    await chat.say("ada", GOOD, message_id="ann1")
    assert "Nothing to appeal: R1 had not been removed" in reply_text(await chat.cmd("ada", "/appeal R1 why"))
    removed = await chat.cmd("mia", "/status R1 removed spam")
    assert "/appeal R1" in dms_to(removed, "ada")[0].card.body  # the decision card names the appeal
    await chat.cmd("ada", "/appeal R1 it is not spam")
    press = await chat.press("mia", buttons.encode("grant", 1, 1))
    assert "A1 granted" in reply_text(press)
    assert await status_of(store) == "in_review"
    assert reply_text(await chat.press("mia", buttons.encode("deny", 1, 1))).endswith("A1 was already granted.")


async def test_a_moderator_does_not_decide_an_appeal_on_their_own_release(chat: Chat, store: Store) -> None:
    await chat.say("mia", GOOD, message_id="ann1")
    await chat.cmd("max", "/status R1 removed spam", admin=True)
    await chat.cmd("mia", "/appeal R1 mine")
    assert "your own release" in reply_text(await chat.cmd("mia", "/grant A1 fine"))
    assert await status_of(store) == "removed"


async def test_help_lists_appeal_for_members(chat: Chat) -> None:
    assert "/appeal" in reply_text(await chat.cmd("bo", "/help"))
    member = reply_text(await chat.cmd("bo", "/help"))
    assert "/grant" not in member and "/grant" in reply_text(await chat.cmd("mia", "/help"))


async def test_the_mod_log_shows_appeals_with_their_buttons(store: Store, clock: ManualClock) -> None:
    core = await build_core(store, [with_log(community())], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("mia", "/status R1 removed spam")
    filed = await chat.cmd("ada", "/appeal R1 it is not spam")
    entry = logged(filed)
    assert len(entry) == 1 and entry[0].chat == LOG
    assert "A1: ada appeals the removal on R1 — “it is not spam”" in entry[0].card.title
    assert [b.payload for b in entry[0].buttons] == ["nb1:grant:1:1", "nb1:deny:1:1"]
    assert not [a for a in filed if isinstance(a, Send) and a.chat.chat_id == "releases-mods"]  # the log has it
    decided = text_of(logged(await chat.press("mia", buttons.encode("deny", 1, 1))))
    assert "A1 (the removal) denied by mia" in decided


async def test_two_replicas_decide_one_appeal_once(pg_store: Store) -> None:
    clock = ManualClock()
    config = replace(with_log(community()), moderators=frozenset({"console:mia", "console:max"}))
    cores = [
        await build_core(pg_store, [config], clock=clock, rules_only=True, migrate=False, worker_id=f"r{i}")
        for i in range(2)
    ]
    chat = Chat(cores[0], clock)
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("mia", "/status R1 removed spam")
    await chat.cmd("ada", "/appeal R1 not spam")

    def command(event_id: str, who: str, line: str) -> CommandInvoked:
        head, _, args = line.lstrip("/").partition(" ")
        return CommandInvoked(event_id, ChatRef("console", "releases"), Actor("console", who, who), head, args)

    results = await asyncio.gather(
        cores[0].handle(command("g", "mia", "/grant A1 fine")),
        cores[1].handle(command("d", "max", "/deny A1 no")),
    )
    decided = [r for r in results if "A1 granted" in reply_text(r) or "A1 denied" in reply_text(r)]
    assert len(decided) == 1
    assert sum(len(logged(r)) for r in results) == 1
    async with pg_store.transaction() as tx:
        appeal = await tx.appeals.get(1, 1)
        assert appeal is not None and appeal.status in ("granted", "denied")
        assert [e.action for e in await tx.audit_log.events(1)].count(f"appeal.{appeal.status}") == 1


async def test_a_bad_appeal_id_is_answered_with_the_parameter_and_an_example(upheld: Chat, store: Store) -> None:
    """/grant and /deny take a typed appeal id: a word that is not one is refused in chat, naming the
    parameter, and decides nothing; `#1` and `1` read as A1, as people copy them from /queue."""
    await upheld.cmd("ada", "/appeal R1 I made it")
    refused = reply_text(await upheld.cmd("mia", "/grant banana because"))
    assert '"appeal" should be an id like A3' in refused and "'banana'" in refused
    assert await status_of(store) == "changes_requested"
    granted = reply_text(await upheld.cmd("mia", "/grant #1 checked the upload dates"))
    assert "A1" in granted
    assert await status_of(store) != "changes_requested"
