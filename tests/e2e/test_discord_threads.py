"""End to end on Discord (issue 20, item 4): slash commands cannot be replies, so a command typed in a release's
review thread is about that release; the release option autocompletes the thread's and the channel's open
releases first; the prompt footer says what works on Discord. Real discord.py against the fake Discord, the
real core, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage import Store
from tests.fakes.discord.harness import GOOD, World, discord_world, release_id_of
from tests.fakes.discord.interactions import autocomplete, context_menu, response_to, slash
from tests.fakes.discord.payloads import JSON, FakeChannel

pytestmark = pytest.mark.e2e
EPHEMERAL = 1 << 6
EMBER = GOOD.replace("Neon Dreams", "Ember Glow")
MOSS = GOOD.replace("Neon Dreams", "Moss Garden")


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with discord_world(tmp_path, store=store) as world:
        yield world


def _thread(w: World, prompt: JSON) -> FakeChannel:
    """The review thread the bot opened on a prompt (Discord gives it the prompt's id)."""
    found = w.fake.channel(int(prompt["id"]))
    assert found is not None and found[0].type == 11, "the prompt has no review thread"
    return found[0]


def _embed(call: Any) -> JSON:
    embeds: list[JSON] = call.body["data"]["embeds"]
    return embeds[0]


async def _choices(w: World, channel: FakeChannel, typed: str = "") -> list[str]:
    answer = await response_to(w.fake, await autocomplete(w.fake, channel, w.bob, "flag", "release", release=typed))
    assert answer.body["type"] == 8
    return [c["value"] for c in answer.body["data"]["choices"]]


async def test_endorse_without_an_id_in_the_review_thread_endorses_that_release(w: World) -> None:
    """Two releases, each with its thread: `/endorse` with no option in the second thread endorses the second
    release and no other, and `/flag` there flags it; an explicit release option still wins; the thread
    opens with a note saying so."""
    _, first = await w.announce(w.alice)
    _, second = await w.announce(w.carol, EMBER)
    r1, r2 = release_id_of(first), release_id_of(second)
    thread = _thread(w, second)

    answer = await response_to(w.fake, await slash(w.fake, thread, w.bob, "endorse"))
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert _embed(answer)["title"] == "Endorsed", _embed(answer)
    assert (await w.endorsements(r2), await w.endorsements(r1)) == (1, 0)

    flagged = await response_to(
        w.fake, await slash(w.fake, thread, w.mia, "flag", norm="credit-base-model", reason="base model unnamed")
    )
    assert "Which release?" not in _embed(flagged).get("description", "")
    assert await w.flags(r2) == [("credit-base-model", "base model unnamed")]
    assert await w.flags(r1) == []

    await response_to(w.fake, await slash(w.fake, thread, w.mia, "endorse", release=f"R{r1}"))
    assert (await w.endorsements(r1), await w.endorsements(r2)) == (1, 1)  # the thread is only the default

    (intro,) = [m for m in w.fake.bot_messages(thread) if not m.get("flags", 0) & EPHEMERAL]  # answers are ephemeral
    assert f"Commands typed in this thread act on R{r2}" in intro["embeds"][0]["description"]


async def test_outside_a_review_thread_the_answer_names_what_works_on_discord(w: World) -> None:
    """In the channel, or in a thread members opened themselves, `/endorse` with no id asks which release
    and points at the release option and the review thread, never at replying (slash commands cannot)."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    chatter = await w.fake.add_thread(w.guild, w.releases, "general chatter")
    for where in (w.releases, chatter):
        answer = await response_to(w.fake, await slash(w.fake, where, w.bob, "endorse"))
        text = f"{_embed(answer)['description']} {_embed(answer).get('footer', {}).get('text', '')}"
        assert "Which release?" in text and "review thread" in text and "release option" in text, text
        assert "Reply" not in text and "reply" not in text, text
        assert "/endorse release:R12" in text
    assert await w.endorsements(rid) == 0


async def test_the_prompt_footer_says_what_works_on_discord(w: World) -> None:
    """The prompt in a channel points at its review thread and the release option; a prompt inside a member's
    thread (no review thread of its own) points at the release option; neither says "reply". The footer
    stays so when the prompt is edited after an endorsement."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    footer = prompt["embeds"][0]["footer"]["text"]
    assert "in this prompt's review thread" in footer and f"choose R{rid} in the release option" in footer
    assert "reply" not in footer.lower()

    showcase = await w.fake.add_thread(w.guild, w.releases, "showcase")
    _, inside = await w.announce(w.carol, EMBER, channel=showcase)
    inner = inside["embeds"][0]["footer"]["text"]
    assert f"/endorse release:R{release_id_of(inside)}" in inner and "review thread" not in inner
    assert "reply" not in inner.lower()

    mark = w.fake.rec.mark()
    await response_to(w.fake, await slash(w.fake, _thread(w, prompt), w.bob, "endorse"))
    await w.fake.rec.wait_for("PATCH", rf"/channels/{w.releases.id}/messages/{prompt['id']}", after=mark)
    edited = w.fake.messages[int(prompt["id"])]["embeds"][0]
    assert "in this prompt's review thread" in edited["footer"]["text"]
    assert any(f["value"].startswith("1 of ") for f in edited["fields"] if f["name"] == "Endorsements")


async def test_release_autocomplete_lists_this_channels_open_releases_first(w: World) -> None:
    """R1 is announced in a second watched channel, R2 and R3 in the release channel, and R3 is then
    withdrawn. The release channel offers its open R2 first, R1 and R3 after; the other channel its own R1
    first, although it is the oldest; R3's thread offers R3 (its own) first."""
    watched = await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "watch"))
    assert _embed(watched)["title"] == "Watching this chat"
    _, p1 = await w.announce(w.alice, channel=w.chat)
    _, p2 = await w.announce(w.carol, EMBER)
    _, p3 = await w.announce(w.alice, MOSS)
    r1, r2, r3 = (release_id_of(p) for p in (p1, p2, p3))
    assert await _choices(w, w.releases) == [f"R{r3}", f"R{r2}", f"R{r1}"]  # all open: newest first
    menu = await context_menu(w.fake, w.releases, w.mia, "Not a release", p3)
    assert _embed(await response_to(w.fake, menu))["title"] == f"R{r3} withdrawn: not a release"
    await w.idle()

    assert await _choices(w, w.releases) == [f"R{r2}", f"R{r3}", f"R{r1}"]
    assert await _choices(w, w.chat) == [f"R{r1}", f"R{r3}", f"R{r2}"]
    assert (await _choices(w, _thread(w, p3)))[0] == f"R{r3}"
    assert (await _choices(w, _thread(w, p1)))[:2] == [f"R{r1}", f"R{r3}"]
    assert await _choices(w, w.releases, "ember") == [f"R{r2}"]  # what is typed still filters
