"""The correction loop end to end: the real Discord and Telegram adapters against their protocol fakes, on
SQLite and PostgreSQL (the `store` fixture), and the console adapter. A missed announcement is marked by a
moderator (or its author) and gets its prompt; a stranger cannot mark; marking twice stores one example;
"not a release" withdraws the prompt, keeps the release and cancels its reminders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.console import ConsoleSession
from bot.discord.commands import MARK_MENU, NOT_MENU
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import community
from tests.fakes.discord.harness import GOOD, discord_world, release_id_of
from tests.fakes.discord.harness import World as DiscordWorld
from tests.fakes.discord.interactions import context_menu, response_to, slash
from tests.fakes.telegram.harness import World as TelegramWorld
from tests.fakes.telegram.harness import telegram_world

pytestmark = pytest.mark.e2e
EPHEMERAL = 1 << 6
MISSED = "finally finished Glass Skin v1, been cooking it for weeks, grab it on my page https://example.org/glassskin"
MISSED_TOO = "ok Velvet Haze v3 is done, the pastel one, my page has it now https://example.org/velvet"


async def _examples(store: Store, slug: str = "makers") -> list[Any]:
    async with store.transaction() as tx:
        row = await tx.communities.by_slug(slug)
        assert row is not None
        return await tx.corrections.of_community(row.id)


async def _release(store: Store, release_id: int) -> tuple[str, int, list[str]]:
    """(status, endorsements, pending job kinds) of a release."""
    async with store.transaction() as tx:
        release = await tx.releases.get_any(release_id)
        assert release is not None
        pending = [
            j.kind for j in await tx.jobs.all("pending") if j.subject == str(release_id) and j.kind != "weekly_digest"
        ]
        return release.status, await tx.endorsements.count(release_id), pending


# -- Discord ------------------------------------------------------------------------------------------------


@pytest.fixture
async def dw(tmp_path: Path, store: Store) -> AsyncIterator[DiscordWorld]:
    async with discord_world(tmp_path, store=store) as world:
        yield world


def _embed(call: Any) -> dict[str, Any]:
    embeds: list[dict[str, Any]] = call.body["data"]["embeds"]
    return embeds[0]


async def test_discord_mark_as_release_menu(dw: DiscordWorld, store: Store) -> None:
    """Mark as release: a stranger is refused, the moderator's mark posts the prompt under the message and
    stores one example, a second mark changes nothing, the author may mark their own message."""
    w = dw
    missed = await w.fake.say(w.releases, w.alice, MISSED)
    await w.idle()
    assert await _examples(store) == []

    refused = await response_to(w.fake, await context_menu(w.fake, w.releases, w.carol, MARK_MENU, missed))
    assert refused.body["data"]["flags"] & EPHEMERAL and _embed(refused)["title"] == "Not allowed"

    mark = w.fake.rec.mark()
    answer = await response_to(w.fake, await context_menu(w.fake, w.releases, w.mia, MARK_MENU, missed))
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert _embed(answer)["title"].startswith("Marked as a release: R")
    prompt = await w.prompt_for(missed, after=mark)
    rid = release_id_of(prompt)
    assert prompt["embeds"][0]["title"].startswith(f"Review R{rid}:")
    (example,) = await _examples(store)
    assert example.is_release and example.release_id == rid and example.message_id == str(missed["id"])

    again = await response_to(w.fake, await context_menu(w.fake, w.releases, w.mia, MARK_MENU, missed))
    assert "already a release" in _embed(again)["title"]
    assert len(await _examples(store)) == 1

    own = await w.fake.say(w.releases, w.bob, MISSED_TOO)
    mark = w.fake.rec.mark()
    await response_to(w.fake, await context_menu(w.fake, w.releases, w.bob, MARK_MENU, own))
    assert "by bob" in (await w.prompt_for(own, after=mark))["embeds"][0]["title"]
    assert len(await _examples(store)) == 2


async def test_discord_not_a_release_menu_and_slash(dw: DiscordWorld, store: Store) -> None:
    """Not a release (menu on the announcement, or /notrelease with an id): the prompt is edited into a note
    without buttons, the release row stays (withdrawn, endorsement kept), reminders are cancelled."""
    w = dw
    announcement, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    await response_to(w.fake, await slash(w.fake, w.releases, w.bob, "endorse", release=f"R{rid}"))
    assert "review_deadline" in (await _release(store, rid))[2]

    refused = await response_to(w.fake, await context_menu(w.fake, w.releases, w.carol, NOT_MENU, announcement))
    assert _embed(refused)["title"] == "Not allowed"

    mark = w.fake.rec.mark()
    answer = await response_to(w.fake, await context_menu(w.fake, w.releases, w.mia, NOT_MENU, announcement))
    assert "withdrawn" in _embed(answer)["title"] and answer.body["data"]["flags"] & EPHEMERAL
    edit = await w.fake.rec.wait_for("PATCH", rf"/channels/\d+/messages/{prompt['id']}", after=mark)
    assert "withdrawn" in edit.body["embeds"][0]["title"]
    # The way back is the message menu (a slash command cannot reply to the announcement on Discord).
    assert "Mark as release" in edit.body["embeds"][0]["footer"]["text"]
    assert not w.fake.messages[int(prompt["id"])].get("components")
    assert await _release(store, rid) == ("withdrawn", 1, [])
    (example,) = await _examples(store)
    assert not example.is_release and example.message_id == str(announcement["id"])

    _, prompt2 = await w.announce(w.alice, GOOD.replace("Neon Dreams", "Argon Mist"))
    rid2 = release_id_of(prompt2)
    answer = await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "notrelease", release=f"R{rid2}"))
    assert "withdrawn" in _embed(answer)["title"]
    assert (await _release(store, rid2))[0] == "withdrawn"
    assert len(await _examples(store)) == 2


# -- Telegram -----------------------------------------------------------------------------------------------


@pytest.fixture
async def tw(tmp_path: Path, store: Store) -> AsyncIterator[TelegramWorld]:
    async with telegram_world(tmp_path, store=store) as world:
        yield world


async def test_telegram_reply_with_markrelease_and_notrelease(tw: TelegramWorld, store: Store) -> None:
    """Reply to a missed message with /markrelease: a stranger is refused, the group admin's mark posts the
    prompt under it, a second mark stores nothing new, the author may mark; /notrelease on the prompt edits it
    into a note without a keyboard and keeps the release."""
    w = tw
    update = w.fake.say(w.group, w.alice, MISSED)
    missed_id = update["message"]["message_id"]
    await w.sync(w.group)
    assert await _examples(store) == []

    refused = await w.command(w.group, w.carol, "/markrelease", reply_to=missed_id)
    assert "Only moderators, or the person who posted it" in refused.text

    mark = w.fake.mark()
    done = await w.command(w.group, w.mia, "/markrelease", reply_to=missed_id)
    assert "Marked as a release: R" in done.text
    prompt = await w.reply_to(update, after=mark)
    rid = int(prompt.payloads[0].split(":")[2])
    assert f"Review R{rid}:" in prompt.text and "by alice_makes" in prompt.text
    await w.posted(f"prompt:{rid}")
    (example,) = await _examples(store)
    assert example.is_release and example.message_id == str(missed_id) and example.release_id == rid

    again = await w.command(w.group, w.mia, "/markrelease", reply_to=missed_id)
    assert "already a release" in again.text
    assert len(await _examples(store)) == 1

    own = w.fake.say(w.group, w.bob, MISSED_TOO)
    mark = w.fake.mark()
    await w.command(w.group, w.bob, "/markrelease", reply_to=own["message"]["message_id"])
    assert "by bob_reviews" in (await w.reply_to(own, after=mark)).text

    mark = w.fake.mark()
    gone = await w.command(w.group, w.mia, "/notrelease", reply_to=prompt.message_id)
    assert f"R{rid} withdrawn" in gone.text
    await w.fake.wait_for("editMessageText", lambda c: c.params.get("message_id") == prompt.message_id, after=mark)
    shown = w.fake.bot_message(w.group.id, prompt.message_id)
    assert "withdrawn" in shown.text and shown.buttons == []
    assert "Reply to the announcement with /markrelease" in shown.text
    status, _, pending = await _release(store, rid)
    assert status == "withdrawn" and pending == []
    assert [e.is_release for e in await _examples(store)] == [False, True]


async def test_telegram_menu_lists_the_correction_commands(tw: TelegramWorld) -> None:
    """Both commands are registered with setMyCommands, from the command registry."""
    calls = tw.fake.calls_to("setMyCommands")
    names = {c["command"] for call in calls for c in call.params["commands"]}
    assert {"markrelease", "notrelease"} <= names


# -- console ------------------------------------------------------------------------------------------------


async def test_console_reply_form(store: Store) -> None:
    """`@mia: [reply m1] /markrelease` and `/notrelease` in reply form, through the console adapter."""
    clock = ManualClock()
    config = community("forge", moderators=("mia",), chat="releases")
    core = await build_core(store, [config], clock=clock, rules_only=True, migrate=False)
    lines: list[str] = []
    session = ConsoleSession(core, clock, write=lines.append)
    script = [
        f"@ada: {MISSED}",
        "@bo: [reply m1] /markrelease",
        "@mia: [reply m1] /markrelease",
        "@mia: [reply m1] /markrelease",
        "@mia: [reply m9] /markrelease",
        "@mia: [reply m1] /notrelease",
    ]
    for line in script:
        await session.feed(line)
    out = "\n".join(lines)
    assert "mia (m3) ↩ m1: /markrelease" in out
    assert "Only moderators, or the person who posted it" in out
    assert "Marked as a release: R1" in out and "normbot (m4) ↩ m1:" in out and "Review R1:" in out
    assert "R1 is already a release" in out
    assert "there is no message m9 to reply to" in out
    assert "R1 withdrawn: not a release" in out
    assert "Traceback" not in out
    (example,) = await _examples(store, "forge")
    assert not example.is_release and example.text == MISSED
