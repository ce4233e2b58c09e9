"""Edited announcements, corrected reposts and endorse-then-swap on Telegram: the real PTB Application against
the fake Bot API (which, like Telegram, delivers only the update kinds the bot asks for), on SQLite and
PostgreSQL (issue 20 item 1, issue 21 item 2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Store
from tests.fakes.telegram.harness import GOOD, World, release_id_of, telegram_world
from tests.fakes.telegram.state import Call

pytestmark = pytest.mark.e2e
NO_LICENSE = GOOD.replace("License: openrail++. ", "")
OTHER_SHA = "7" * 64


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with telegram_world(tmp_path, store=store) as world:
        yield world


def sent_to(chat_id: int, *words: str) -> object:
    """A predicate for a `sendMessage` call to `chat_id` whose text holds every one of `words`."""

    def match(call: Call) -> bool:
        text = call.result.get("text", "") if call.ok and isinstance(call.result, dict) else ""
        return call.params.get("chat_id") == chat_id and all(w in text for w in words)

    return match


async def failing(store: Store, release_id: int) -> list[str]:
    async with store.transaction() as tx:
        latest = await tx.norm_checks.latest(release_id)
    assert latest is not None
    return sorted(r.norm_id for r in latest[1] if r.outcome == "fail")


async def test_an_edited_announcement_is_read_again_and_the_prompt_is_edited_in_place(w: World, store: Store) -> None:
    """Alice forgot the license, edits her message to add it: the release is checked again, the prompt
    (edited in place) says what changed, Alice gets a DM with the diff; the same update again does nothing."""
    update, prompt = await w.announce(w.group, w.alice, NO_LICENSE)
    rid = release_id_of(prompt)
    assert "own-license-stated" in await failing(store, rid)
    mark = w.fake.mark()
    edited = w.fake.edit(update, GOOD)
    await w.fake.wait_for(
        "sendMessage", sent_to(w.alice.id, "updated from the edited announcement", "license"), after=mark
    )
    await w.fake.wait_for("editMessageText", lambda c: c.ok and c.params["message_id"] == prompt.message_id, after=mark)
    assert "Changed by the edited announcement: license" in prompt.text
    assert "own-license-stated" not in await failing(store, rid)
    again = w.fake.mark()
    w.fake.redeliver(edited)
    await w.sync(w.group)
    later = w.fake.state.calls[again:]
    assert not [c for c in later if c.method == "sendMessage" and c.params.get("chat_id") == w.alice.id]
    assert not [c for c in later if c.method == "editMessageText"]
    async with store.transaction() as tx:
        assert len(await tx.announcements.of_release(rid)) == 1
        assert [e.action for e in await tx.audit_log.events(1)].count("release.edited") == 1


async def test_a_corrected_repost_refreshes_the_release_instead_of_keeping_the_stale_check(
    w: World, store: Store
) -> None:
    """The nudge's other way, "post a corrected announcement": the repost's prompt is about the same
    release, which now has the license; a repost of another version is a new release."""
    _, prompt = await w.announce(w.group, w.alice, NO_LICENSE)
    rid = release_id_of(prompt)
    mark = w.fake.mark()
    _, repost_prompt = await w.announce(w.group, w.alice, GOOD)
    assert release_id_of(repost_prompt) == rid
    assert "Changed by a corrected announcement: license" in repost_prompt.text
    await w.fake.wait_for("sendMessage", sent_to(w.alice.id, "license: (none) → openrail++"), after=mark)
    assert "own-license-stated" not in await failing(store, rid)
    _, v3 = await w.announce(w.group, w.alice, GOOD.replace("v2", "v3"))
    assert release_id_of(v3) != rid


async def test_endorse_then_swap_through_release_edit_resets_and_alerts(w: World, store: Store) -> None:
    """Issue 21 item 2 through the real client: after quorum Alice swaps in Carol's earlier hash with
    /release edit. The endorsements are dropped, Bob and Mia are told (Bob never started the bot: in the
    group), the moderators get the re-upload alert, the release is back in review."""
    await w.announce(w.group, w.carol, GOOD.replace("Neon Dreams", "Ember Glow").replace(GOOD[-64:], OTHER_SHA))
    update, prompt = await w.announce(w.group, w.alice, GOOD)
    rid = release_id_of(prompt)
    for member in (w.bob, w.mia):
        mark = w.fake.mark()
        w.fake.press(prompt, member, prompt.payloads[0])
        await w.fake.wait_for("answerCallbackQuery", after=mark)
    async with store.transaction() as tx:
        release = await tx.releases.get_any(rid)
        assert release is not None and release.status == "endorsed"
    mark = w.fake.mark()
    reply = await w.command(
        w.group, w.alice, f"/release edit R{rid} hashes {OTHER_SHA}", reply_to=update["message"]["message_id"]
    )
    assert "2 endorsements given to the old content were reset" in reply.text
    await w.fake.wait_for("sendMessage", sent_to(w.mods.id, "Possible re-upload"), after=mark)
    await w.fake.wait_for("sendMessage", sent_to(w.group.id, "changed after your endorsement"), after=mark)
    async with store.transaction() as tx:
        release = await tx.releases.get_any(rid)
        assert release is not None and release.status == "in_review"
        assert await tx.endorsements.count(rid) == 0
        actions = [e.action for e in await tx.audit_log.events(1)]
    assert {"release.endorsements_reset", "provenance.reupload_suspected"} <= set(actions)
