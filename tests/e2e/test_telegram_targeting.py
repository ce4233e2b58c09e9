"""End to end on Telegram (issue 20, item 4): the prompt footer and "Which release?" say what works on
Telegram (reply with the command), and a forum topic the store knows as a release's review topic targets that
release, as a Discord review thread does. The real PTB Application against the fake Bot API, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from moderation.kernel.events import ChatRef, Posted
from storage import Store
from tests.fakes.telegram.harness import World, release_id_of, telegram_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with telegram_world(tmp_path, store=store) as world:
        yield world


async def test_the_prompt_footer_says_reply_with_the_command(w: World) -> None:
    """Telegram commands can be replies: the footer says to reply to the announcement or the prompt, and
    names no review thread or release option (those are Discord's)."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    assert (
        "or reply to the announcement or this prompt with /endorse, /flag <norm> <reason> or /review. "
        f"Details: /release show R{rid}"
    ) in prompt.text
    assert "thread" not in prompt.text and "release option" not in prompt.text


async def test_which_release_asks_for_a_reply_on_telegram(w: World) -> None:
    """`/endorse` alone in the group asks which release, in Telegram's terms (reply to the announcement or
    the prompt), never pointing at Discord's review thread."""
    await w.announce(w.group, w.alice)
    reply = await w.command(w.group, w.bob, "/endorse")
    assert "Which release? Reply to its announcement or review prompt with the command" in reply.text
    assert "thread" not in reply.text


async def test_a_release_topic_is_the_default_target_in_it(w: World) -> None:
    """When the topic a command is typed in is recorded as a release's review topic (`thread:<id>`, as an
    adapter that opens one topic per release reports it), `/endorse` there needs no id and no reply; another
    topic still asks which release."""
    _, first = await w.announce(w.group, w.alice)
    _, second = await w.announce(w.group, w.carol, "Releasing Ember Glow v1, a LoRA for SDXL 1.0. License: MIT.")
    r1, r2 = release_id_of(first), release_id_of(second)
    topic = w.fake.open_topic(w.forum, "Review R2")
    other = w.fake.open_topic(w.forum, "Chatter")
    await w.core.handle(Posted(f"thread:{r2}", ChatRef("telegram", str(w.forum.id), str(topic)), "9001"))

    reply = await w.command(w.forum, w.bob, "/endorse", thread_id=topic)
    assert reply.thread_id == topic
    assert "Which release?" not in reply.text
    assert (await w.endorsements(r2), await w.endorsements(r1)) == (1, 0)
    elsewhere = await w.command(w.forum, w.mia, "/endorse", thread_id=other)
    assert "Which release?" in elsewhere.text
    assert (await w.endorsements(r2), await w.endorsements(r1)) == (1, 0)
