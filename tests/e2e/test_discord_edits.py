"""Edited announcements and endorse-then-swap on Discord: the real discord.py client against the fake gateway
(MESSAGE_UPDATE dispatch) and REST API, on SQLite and PostgreSQL (issue 20 item 1, issue 21 item 2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage import Store
from tests.fakes.discord.harness import GOOD, World, discord_world, payloads_of, release_id_of
from tests.fakes.discord.interactions import press, response_to, slash

pytestmark = pytest.mark.e2e
NO_LICENSE = GOOD.replace("License: openrail++. ", "")
OTHER_SHA = "5" * 64


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with discord_world(tmp_path, store=store) as world:
        yield world


def text_of(call: Any) -> str:
    """Everything a message call shows: content and every embed's title, description and fields."""
    body = call.body.get("data", call.body) if isinstance(call.body, dict) else {}
    parts = [str(body.get("content") or "")]
    for embed in body.get("embeds") or []:
        parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def wait_dm(w: World, user_id: int, words: str, after: int) -> str:
    """Wait for a DM to `user_id` (a message in the DM channel the bot opened with them) containing `words`."""

    def to_user(call: Any) -> bool:
        opened = w.fake.rec.find("POST", r"/users/@me/channels", lambda c: str(c.body["recipient_id"]) == str(user_id))
        channels = {str(c.result["id"]) for c in opened if c.ok}
        return call.ok and call.path.split("/")[2] in channels and words in text_of(call)

    return text_of(await w.fake.rec.wait_for("POST", r"/channels/\d+/messages", to_user, after=after))


async def test_an_edited_announcement_is_read_again_and_the_prompt_is_edited_in_place(w: World, store: Store) -> None:
    """MESSAGE_UPDATE with Alice's edit: the license is read, the check passes, the prompt is PATCHed with
    what changed and Alice gets a DM; the same update replayed changes nothing."""
    announcement, prompt = await w.announce(w.alice, NO_LICENSE)
    rid = release_id_of(prompt)
    mark = w.fake.rec.mark()
    await w.fake.edit_by_author(announcement, GOOD)
    edit = await w.fake.rec.wait_for("PATCH", rf"/channels/{w.releases.id}/messages/{prompt['id']}", after=mark)
    assert "Changed by the edited announcement: license" in text_of(edit)
    assert "updated from the edited announcement" in await wait_dm(w, w.alice.id, "license: (none) → openrail++", mark)
    async with store.transaction() as tx:
        latest = await tx.norm_checks.latest(rid)
        assert latest is not None and "own-license-stated" not in [r.norm_id for r in latest[1] if r.outcome == "fail"]
    again, seen = w.fake.rec.mark(), w.core.stats["messages_edited"]
    await w.fake.redeliver_update(announcement)
    await w.until(lambda: w.core.stats["messages_edited"] > seen)  # it reached the core, which did nothing
    await w.idle()
    assert w.fake.rec.find("PATCH", r"/channels/\d+/messages/\d+", after=again) == []
    assert w.fake.rec.find("POST", r"/channels/\d+/messages", after=again) == []


async def test_the_bots_own_prompt_edits_are_not_read_as_edits(w: World, store: Store) -> None:
    """The bot edits its prompts on every endorsement; those MESSAGE_UPDATEs must not loop into the core,
    while a member's edit right after does reach it."""
    _, prompt = await w.announce(w.alice)
    seen = w.core.stats["messages_edited"]
    mark = w.fake.rec.mark()
    await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[0])
    await w.fake.rec.wait_for("PATCH", rf"/channels/\d+/messages/{prompt['id']}", after=mark)
    chatter = await w.fake.say(w.chat, w.carol, "nice")
    await w.fake.edit_by_author(chatter, "nice one")
    await w.until(lambda: w.core.stats["messages_edited"] > seen)
    await w.idle()
    assert w.core.stats["messages_edited"] == seen + 1


async def test_endorse_then_swap_through_release_edit_resets_and_alerts(w: World, store: Store) -> None:
    """Issue 21 item 2 with the slash command: after quorum Alice swaps in Carol's earlier hash. The
    endorsers are DMed, the moderators' channel gets the re-upload alert, the endorsements are gone."""
    await w.announce(w.carol, GOOD.replace("Neon Dreams", "Ember Glow").replace(GOOD[-64:], OTHER_SHA))
    _, prompt = await w.announce(w.alice, GOOD)
    rid = release_id_of(prompt)
    for member in (w.bob, w.mia):
        await response_to(w.fake, await press(w.fake, w.releases, member, prompt, payloads_of(prompt)[0]))
    assert await w.endorsements(rid) == 2
    mark = w.fake.rec.mark()
    answer = await response_to(
        w.fake,
        await slash(w.fake, w.releases, w.alice, "release edit", release=f"R{rid}", field="hashes", value=OTHER_SHA),
    )
    assert "2 endorsements given to the old content were reset" in text_of(answer)
    await w.fake.rec.wait_for(
        "POST", rf"/channels/{w.mods_channel.id}/messages", lambda c: "Possible re-upload" in text_of(c), after=mark
    )
    for member in (w.bob, w.mia):
        assert f"R{rid}" in await wait_dm(w, member.id, "changed after your endorsement", mark)
    assert await w.endorsements(rid) == 0
    async with store.transaction() as tx:
        release = await tx.releases.get_any(rid)
        assert release is not None and release.status == "in_review"
