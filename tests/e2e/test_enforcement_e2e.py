"""Optional enforcement end to end: the real discord.py and PTB clients against the protocol fakes delete a
removed release's announcement (DELETE /channels/{id}/messages/{id}, deleteMessage), the creator is told with
the appeal command, a missing permission becomes one card in the moderators' chat, and a redelivered removal
deletes and posts nothing again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.harness import release_id_of as discord_release_id
from tests.fakes.discord.interactions import press, response_to, select, slash
from tests.fakes.discord.payloads import MANAGE_MESSAGES
from tests.fakes.telegram.harness import telegram_world
from tests.fakes.telegram.server import Call

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
            "POST",
            r"/channels/\d+/messages",
            lambda c: c.ok and "taken down" in str(c.body) and f"/appeal R{rid}" in str(c.body),
            after=mark,
        )
        channel = w.fake.channel(int(told.path.split("/")[2]))
        assert channel is not None and channel[0].type == 1  # a DM
        assert "taken down" in told.body["embeds"][0]["title"]
        await w.idle()
        async with w.store.transaction() as tx:
            release = await tx.releases.get_any(rid)
            assert release is not None
            events = [e.action for e in await tx.audit_log.events(release.community_id)]
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


async def test_telegram_removal_deletes_the_announcement_once_even_when_redelivered(tmp_path: Path) -> None:
    async with telegram_world(tmp_path, enforcement=True) as w:
        w.fake.promote_bot(w.group, "can_delete_messages")
        update, prompt = await w.announce(w.group, w.alice)
        rid = int(prompt.payloads[0].split(":")[2])
        announced = update["message"]["message_id"]
        mark = w.fake.mark()
        command = w.fake.say(w.group, w.mia, f"/status R{rid} removed copied from elsewhere")
        deleted = await w.fake.wait_for("deleteMessage", lambda c: c.ok, after=mark)
        assert deleted.params["message_id"] == announced and (w.group.id, announced) in w.fake.state.deleted

        def told(call: Call) -> bool:
            text = call.params["text"]
            return (
                call.ok
                and call.params.get("chat_id") == w.alice.id
                and "taken down" in text
                and f"/appeal R{rid}" in text
            )

        await w.fake.wait_for("sendMessage", told, after=mark)
        # The same update delivered again (Telegram retries after a timeout): nothing deleted or told twice.
        w.fake.redeliver(command)
        await w.sync(w.group)
        await w.core.drain(10.0)
        assert len(w.fake.calls_to("deleteMessage")) == 1
        assert len([c for c in w.fake.calls_to("sendMessage") if told(c)]) == 1


async def test_telegram_without_the_right_tells_the_moderators_once(tmp_path: Path) -> None:
    async with telegram_world(tmp_path, enforcement=True) as w:  # the bot is no administrator
        update, prompt = await w.announce(w.group, w.alice)
        rid = int(prompt.payloads[0].split(":")[2])
        mark = w.fake.mark()
        w.fake.say(w.group, w.mia, f"/status R{rid} removed spam")

        def card(call: Call) -> bool:
            return call.ok and call.params.get("chat_id") == w.mods.id and "can't delete" in call.params["text"]

        sent = await w.fake.wait_for("sendMessage", card, after=mark)
        assert "can_delete_messages" in sent.params["text"] and "Delete messages" in sent.params["text"]
        refused = w.fake.calls_to("deleteMessage")
        assert len(refused) == 1 and not refused[0].ok and "can't be deleted" in (refused[0].error or "")
        assert (w.group.id, update["message"]["message_id"]) in w.fake.state.messages


async def test_telegram_message_older_than_48_hours_is_named_as_such(tmp_path: Path) -> None:
    """An administrator bot still may not delete a message older than 48 hours: the moderators hear that,
    not that a right is missing."""
    async with telegram_world(tmp_path, enforcement=True) as w:
        w.fake.promote_bot(w.group, "can_delete_messages")
        update, prompt = await w.announce(w.group, w.alice)
        rid = int(prompt.payloads[0].split(":")[2])
        w.fake.age(w.group, update["message"]["message_id"], 49 * 3600)
        mark = w.fake.mark()
        w.fake.say(w.group, w.mia, f"/status R{rid} removed spam")

        def card(call: Call) -> bool:
            return call.ok and call.params.get("chat_id") == w.mods.id and "can't delete" in call.params["text"]

        sent = await w.fake.wait_for("sendMessage", card, after=mark)
        assert "48 hours" in sent.params["text"] and "can_delete_messages" not in sent.params["text"]


async def test_discord_setup_turns_enforcement_on_and_warns_without_manage_messages(tmp_path: Path) -> None:
    """The settings message's second page has an Enforcement select; choosing On saves it and, since the bot's
    member lacks Manage Messages (read from the gateway cache), the redrawn message says so."""
    async with discord_world(tmp_path, start=False) as w:
        w.guild.members[w.fake.bot.id] = ()  # the bot is a member without any role
        await w.adapter.start()
        first = await response_to(w.fake, await slash(w.fake, w.releases, w.mia, "setup"))
        message = w.fake.messages[int(first.result["resource"]["message"]["id"])]
        page2 = await response_to(w.fake, await press(w.fake, w.releases, w.mia, message, "nbs1:p:1"))
        message = w.fake.messages[int(page2.result["resource"]["message"]["id"])]
        ids = [c["custom_id"] for row in message["components"] for c in row["components"]]
        assert "nbs1:s:enforcement" in ids
        chosen = await response_to(
            w.fake, await select(w.fake, w.releases, w.mia, message, "nbs1:s:enforcement", ["on"])
        )
        message = w.fake.messages[int(chosen.result["resource"]["message"]["id"])]
        assert "lacks Manage Messages" in (message["embeds"][0].get("description") or "")
        assert w.core.communities["makers"].enforcement
