"""How a command finds its release without an id, and how cards tell people so, per platform (issue 20, item 4).

The core is platform-free: an adapter declares how commands target a release on its platform
(`Core.set_targeting`), and a release's review thread is whatever thread the adapter reported a message in
under `thread:<id>`. These tests drive the real core on both stores the way an adapter would."""

from __future__ import annotations

from datetime import timedelta

from bot.wiring import build_core
from moderation.kernel.actions import Send
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import Actor, ChatRef, CommandInvoked, Posted
from storage import Store
from tests.core.harness import GOOD, Chat, community, reply_text


async def _chat(store: Store, platform: str) -> Chat:
    clock = ManualClock()
    core = await build_core(store, [community(platform=platform)], clock=clock, rules_only=True, migrate=False)
    return Chat(core, clock, platform=platform)


async def test_a_reminder_says_what_works_on_each_platform(store: Store) -> None:
    """The review reminder on a platform whose commands cannot be replies points at the review thread and
    the release option; where commands reply (and on the console), it says to reply, as before."""
    chat = await _chat(store, "discord")
    chat.core.set_targeting("discord", "thread")
    await chat.say("ada", GOOD)
    chat.clock.advance(timedelta(hours=25))
    (reminder,) = [a for a in await chat.core.run_due_jobs() if isinstance(a, Send) and "Reminder" in a.card.title]
    assert reminder.card.body.endswith(
        "Use /endorse or /review in its review thread, or choose R1 in the release option."
    )
    assert "Reply" not in reminder.card.body


async def test_a_reply_to_chatter_in_a_release_thread_still_targets_the_thread(store: Store) -> None:
    """A command that replies to an ordinary message inside a release's review topic is about the topic's
    release (the reply names no release); outside that topic the same reply is refused as before."""
    chat = await _chat(store, "telegram")
    await chat.say("ada", GOOD)
    await chat.say("cy", "nice one", message_id="chatter1")
    topic = ChatRef("telegram", "releases", "t7")
    await chat.core.handle(Posted("thread:1", topic, "intro1"))

    bo = Actor("telegram", "bo", "bo")
    done = await chat.core.handle(CommandInvoked("e1", topic, bo, "endorse", reply_to="chatter1"))
    assert "Endorsements on R1: 1 of" in reply_text(done), reply_text(done)
    refused = await chat.cmd("bo", "/endorse", reply_to="chatter1")
    assert "not a release announcement I know" in reply_text(refused)
