"""The mod log: every decision and automatic consequence posted once to the log chat, on both backends.

"Once" is the point: the entries are derived from the audit events of the one unit of work that decided, so a
replayed platform event, or the same event handled by two replicas, posts nothing a second time.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.wiring import build_core
from moderation.kernel.actions import Action, Send
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import ChatBinding, CommunityConfig
from moderation.kernel.events import Actor, ChatRef, CommandInvoked
from storage import Store
from tests.core.harness import GOOD, Chat, community, reply_text

LOG = ChatRef("console", "modlog")


def with_log(c: CommunityConfig, *, url: str | None = None) -> CommunityConfig:
    return replace(c, chats=(*c.chats, ChatBinding("console", "modlog", "log")), registry_url=url)


def logged(actions: list[Action]) -> list[Send]:
    return [a for a in actions if isinstance(a, Send) and a.chat == LOG]


def text_of(sent: list[Send]) -> str:
    return "\n".join(s.card.as_text() for s in sent)


@pytest.fixture
async def logchat(store: Store, clock: ManualClock) -> Chat:
    core = await build_core(
        store, [with_log(community(), url="https://reg.example/")], clock=clock, rules_only=True, migrate=False
    )
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    return chat


async def test_flag_threshold_and_decision_are_logged_with_the_registry_link(logchat: Chat) -> None:
    for who in ("bo", "cy"):
        assert not logged(await logchat.cmd(who, "/flag R1 own-no-reupload copied"))
    third = logged(await logchat.cmd("dee", "/flag R1 own-no-reupload copied"))
    assert len(third) == 1 and "R1 flagged: 3 people reported it" in third[0].card.title
    assert "https://reg.example/r/1" in third[0].card.body
    decided = logged(await logchat.cmd("mia", "/resolve F1 upheld it is a re-upload"))
    assert len(decided) == 1
    text = text_of(decided)
    assert "F1 on R1 upheld by mia" in text and "it is a re-upload" in text
    assert "bo" not in text and "cy" not in text  # reporters are never named


async def test_replayed_command_posts_nothing_twice(logchat: Chat) -> None:
    await logchat.cmd("bo", "/flag R1 credit-base-model vague")
    first = logged(await logchat.cmd("mia", "/resolve F1 dismissed base is named", event_id="dup"))
    again = await logchat.cmd("mia", "/resolve F1 dismissed base is named", event_id="dup")
    assert len(first) == 1 and "F1 on R1 dismissed by mia" in first[0].card.title
    assert again == []


async def test_status_norms_and_detector_corrections_are_logged(logchat: Chat) -> None:
    removed = text_of(logged(await logchat.cmd("mia", "/status R1 removed breaks the rules")))
    assert "R1: in review → removed by mia" in removed and "breaks the rules" in removed
    good = "schema_version: 1\nid: forge\nversion: 2.0.0\nextends: [baseline]\n"
    adopted = text_of(logged(await logchat.cmd("mia", "/norms set", attachment_texts={"n.yaml": good})))
    assert "mia adopted norm pack forge 2.0.0 (pack:1)" in adopted
    await logchat.cmd("mia", "/status R1 in_review")
    withdrawn = text_of(logged(await logchat.cmd("mia", "/notrelease", reply_to="ann1")))
    assert "R1 marked not a release by mia (/notrelease)" in withdrawn
    restored = text_of(logged(await logchat.cmd("mia", "/markrelease", reply_to="ann1")))
    assert "R1 marked a release again by mia" in restored


async def test_quorum_and_changes_requested_are_automatic_consequences(logchat: Chat) -> None:
    await logchat.cmd("bo", "/endorse R1")
    endorsed = text_of(logged(await logchat.cmd("cy", "/endorse R1")))
    assert "R1 endorsed: quorum reached (2 endorsements)" in endorsed
    strict = "schema_version: 1\nid: strict\nversion: 1.0.0\nextends: [baseline]\n"
    strict += "overrides:\n  credit-base-model:\n    severity: block\n"
    assert "revision 1" in reply_text(await logchat.cmd("mia", "/norms set", attachment_texts={"n.yaml": strict}))
    unnamed = GOOD.replace(" for SDXL 1.0", "").replace("Neon Dreams", "Night Shade")
    announced = await logchat.say("ada", unnamed, message_id="ann2")
    assert "R2: changes requested by the norm check" in text_of(logged(announced))
    routine = await logchat.say("ada", GOOD.replace("Neon Dreams", "Calm Lake"), message_id="ann3")
    assert "Calm Lake" in text_of([a for a in routine if isinstance(a, Send)])
    assert not logged(routine)  # an announcement that passes its check is not a decision


async def test_no_log_chat_means_no_entries(store: Store, clock: ManualClock) -> None:
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    actions = await chat.cmd("mia", "/status R1 removed no")
    assert "removed" in reply_text(actions)
    assert not [a for a in actions if isinstance(a, Send)]


async def test_two_replicas_post_one_entry(pg_store: Store) -> None:
    """The same platform event delivered to two replicas at once, and two moderators deciding the same flag
    on two replicas at once: one log entry each time."""
    clock = ManualClock()
    config = with_log(community())
    cores = [
        await build_core(pg_store, [config], clock=clock, rules_only=True, migrate=False, worker_id=f"r{i}")
        for i in range(2)
    ]
    chat = Chat(cores[0], clock)
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", "/flag R1 credit-base-model vague")
    await chat.cmd("cy", "/flag R1 own-no-reupload copied")

    def resolve(event_id: str, who: str, line: str) -> CommandInvoked:
        head, _, args = line.lstrip("/").partition(" ")
        return CommandInvoked(event_id, ChatRef("console", "releases"), Actor("console", who, who), head, args)

    same = resolve("replayed", "mia", "/resolve F1 upheld vague")
    results = await asyncio.gather(*(c.handle(same) for c in cores))
    assert sum(len(logged(r)) for r in results) == 1
    moderators = replace(config, moderators=frozenset({"console:mia", "console:max"}))
    for c in cores:
        c.communities[config.slug] = moderators
    racing = await asyncio.gather(
        cores[0].handle(resolve("a", "mia", "/resolve F2 upheld copied")),
        cores[1].handle(resolve("b", "max", "/resolve F2 dismissed fine")),
    )
    entries = [s for r in racing for s in logged(r)]
    assert len(entries) == 1 and "F2 on R1" in entries[0].card.title


async def test_the_log_chat_set_with_setup_receives_the_log(store: Store, clock: ManualClock) -> None:
    """`/setup log-chat here` (stored, overriding the file) is where the next decision is logged."""
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    log = Chat(core, clock, chat_id="releases-mods")
    changed = await log.cmd("mia", "/setup log-chat here")
    assert not [a for a in changed if isinstance(a, Send)]  # the log chat is set by this very change
    entries = [a for a in await chat.cmd("mia", "/status R1 removed spam") if isinstance(a, Send)]
    assert [s.chat for s in entries] == [ChatRef("console", "releases-mods")]
    assert "R1: in review → removed by mia" in entries[0].card.title
    again = [a for a in await log.cmd("mia", "/setup quorum 3") if isinstance(a, Send)]
    assert "mia changed quorum: the file's value → 3 (/setup)" in text_of(again)
