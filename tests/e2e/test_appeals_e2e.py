"""Appeals end to end: the real discord.py and PTB clients against the protocol fakes. The creator appeals a
removal, the moderators get Grant / Deny (the Discord moderators' channel; the Telegram mod log), a moderator's
press decides, and the creator hears it by DM."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.discord.harness import discord_world, payloads_of
from tests.fakes.discord.harness import release_id_of as discord_release_id
from tests.fakes.discord.interactions import press, response_to, slash
from tests.fakes.telegram.harness import telegram_world
from tests.fakes.telegram.server import Call

pytestmark = pytest.mark.e2e


async def test_discord_appeal_is_granted_with_the_button(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        _, prompt = await w.announce(w.alice)
        rid = discord_release_id(prompt)
        await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "status", release=f"R{rid}", state="removed"))
        mark = w.fake.rec.mark()
        filed = await response_to(
            w.fake, await slash(w.fake, w.chat, w.alice, "appeal", release=f"R{rid}", text="it is my own model")
        )
        assert filed.body["data"]["embeds"][0]["title"] == "Appeal A1 recorded"
        call = await w.fake.rec.wait_for("POST", rf"/channels/{w.mods_channel.id}/messages", after=mark)
        notice = w.fake.messages[int(call.result["id"])]
        assert notice["embeds"][0]["title"].startswith(f"📨 Appeal A1 on R{rid}")
        assert payloads_of(notice) == [f"nb1:grant:{rid}:1", f"nb1:deny:{rid}:1"]
        refused = await response_to(w.fake, await press(w.fake, w.mods_channel, w.carol, notice, f"nb1:grant:{rid}:1"))
        assert refused.body["data"]["embeds"][0]["title"] == "Not allowed"
        mark = w.fake.rec.mark()
        granted = await response_to(w.fake, await press(w.fake, w.mods_channel, w.mia, notice, f"nb1:grant:{rid}:1"))
        assert granted.body["data"]["embeds"][0]["title"] == "A1 granted"
        dm = w.fake.dm_channel(w.alice)
        sent = await w.fake.rec.wait_for("POST", rf"/channels/{dm.id}/messages", after=mark)
        assert sent.body["embeds"][0]["title"].startswith(f"Your appeal A1 on R{rid}")
        async with w.store.transaction() as tx:
            release = await tx.releases.get(1, rid)
            assert release is not None and release.status == "in_review"


async def test_telegram_appeal_in_the_mod_log_is_denied_with_the_button(tmp_path: Path) -> None:
    async with telegram_world(tmp_path, log=True) as w:
        assert w.log is not None
        log_id = w.log.id

        def to_log(call: Call) -> bool:
            return call.ok and call.params.get("chat_id") == log_id

        _, prompt = await w.announce(w.group, w.alice)
        rid = int(prompt.payloads[0].split(":")[2])
        await w.command(w.group, w.mia, f"/status R{rid} removed spam")
        mark = w.fake.mark()
        w.fake.say(w.group, w.alice, f"/appeal R{rid} it is not spam")
        entry = await w.fake.wait_for("sendMessage", lambda c: to_log(c) and "appeals" in c.params["text"], after=mark)
        assert f"appeals the removal on R{rid}" in entry.params["text"] and "it is not spam" in entry.params["text"]
        message = w.fake.bot_message(log_id, entry.result["message_id"])
        assert message.payloads == [f"nb1:grant:{rid}:1", f"nb1:deny:{rid}:1"]
        mark = w.fake.mark()
        w.fake.press(message, w.mia, f"nb1:deny:{rid}:1")
        told = await w.fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == w.alice.id, after=mark)
        assert f"Your appeal A1 on R{rid}" in told.result["text"] and "was denied" in told.result["text"]
