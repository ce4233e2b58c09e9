"""Optional enforcement end to end: the real discord.py and PTB clients against the protocol fakes delete a
removed release's announcement (DELETE /channels/{id}/messages/{id}, deleteMessage), the creator is told with
the appeal command, a missing permission becomes one card in the moderators' chat, and a redelivered removal
deletes and posts nothing again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.harness import release_id_of as discord_release_id
from tests.fakes.discord.interactions import response_to, slash
from tests.fakes.discord.payloads import MANAGE_MESSAGES

pytestmark = pytest.mark.e2e


async def test_discord_removal_deletes_the_announcement_and_dms_the_creator(tmp_path: Path) -> None:
    async with discord_world(tmp_path, enforcement=True) as w:
        w.fake.grant_bot(w.guild, MANAGE_MESSAGES)
        announcement, prompt = await w.announce(w.alice)
        rid = discord_release_id(prompt)
        mark = w.fake.rec.mark()
        await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "status", release=f"R{rid}", state="removed"))
        path = rf"/channels/{w.releases.id}/messages/{announcement['id']}"
        deleted = await w.fake.rec.wait_for("DELETE", path, after=mark)
        assert deleted.status == 204 and int(announcement["id"]) in w.fake.deleted
        told = await w.fake.rec.wait_for(
            "POST", r"/channels/\d+/messages", lambda c: c.ok and f"/appeal R{rid}" in str(c.body), after=mark
        )
        channel = w.fake.channel(int(told.path.split("/")[2]))
        assert channel is not None and channel[0].type == 1  # a DM
        assert "taken down" in told.body["embeds"][0]["title"]
        await w.idle()
        async with w.store.transaction() as tx:
            release = await tx.release_any(rid)
            assert release is not None
            events = [e.action for e in await tx.audit_events(release.community_id)]
        assert events.count("release.announcement_deleted") == 1


async def test_discord_missing_manage_messages_is_one_card_for_the_moderators(tmp_path: Path) -> None:
    async with discord_world(tmp_path, enforcement=True) as w:  # the bot has no Manage Messages
        first, p1 = await w.announce(w.alice)
        second, p2 = await w.announce(
            w.carol,
            "Releasing Calm Lake v1, a LoRA for SDXL 1.0. License: openrail++. "
            "NSFW: no. https://huggingface.co/carol/calm-lake",
        )
        mark = w.fake.rec.mark()
        for prompt in (p1, p2):
            rid = discord_release_id(prompt)
            await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "status", release=f"R{rid}", state="removed"))
        await w.fake.rec.wait_for("DELETE", rf"/channels/{w.releases.id}/messages/{second['id']}", after=mark)
        await w.fake.rec.wait_for(
            "POST", rf"/channels/{w.mods_channel.id}/messages", lambda c: "can't delete" in str(c.body), after=mark
        )
        await w.idle()
        refused = w.fake.rec.find("DELETE", r"/channels/\d+/messages/\d+", after=mark)
        assert [c.status for c in refused] == [403, 403]
        cards = [
            c
            for c in w.fake.rec.find("POST", rf"/channels/{w.mods_channel.id}/messages", after=mark)
            if "can't delete" in str((c.body or {}).get("embeds"))
        ]
        assert len(cards) == 1
        assert "Manage Messages" in str(cards[0].body["embeds"]) and "Traceback" not in str(cards[0].body)
        assert int(first["id"]) in w.fake.messages  # nothing was deleted
