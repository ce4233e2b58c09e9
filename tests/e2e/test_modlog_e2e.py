"""The mod log end to end: the real discord.py and PTB clients against the protocol fakes post each decision
once to the community's log channel (and a redelivered update posts nothing again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.harness import release_id_of as discord_release_id
from tests.fakes.discord.interactions import response_to, slash
from tests.fakes.telegram.harness import telegram_world
from tests.fakes.telegram.server import Call

pytestmark = pytest.mark.e2e


async def test_discord_decisions_reach_the_log_channel_once(tmp_path: Path) -> None:
    async with discord_world(tmp_path, log=True) as w:
        log = w.extra["log"]
        _, prompt = await w.announce(w.alice)
        rid = discord_release_id(prompt)
        await response_to(
            w.fake,
            await slash(w.fake, w.chat, w.bob, "flag", release=f"R{rid}", norm="credit-base-model", reason="vague"),
        )
        mark = w.fake.rec.mark()
        await response_to(
            w.fake, await slash(w.fake, w.chat, w.mia, "resolve", flag="F1", outcome="upheld", note="no base named")
        )
        call = await w.fake.rec.wait_for("POST", rf"/channels/{log.id}/messages", after=mark)
        embed = w.fake.messages[int(call.result["id"])]["embeds"][0]
        assert embed["title"].startswith(f"⚖️ F1 on R{rid} upheld by mia\\_mod")
        assert "no base named" in embed["title"]
        await w.idle()
        assert len(w.fake.rec.find("POST", rf"/channels/{log.id}/messages", after=mark)) == 1


async def test_telegram_decisions_reach_the_log_chat_once(tmp_path: Path) -> None:
    async with telegram_world(tmp_path, log=True) as w:
        assert w.log is not None
        log_id = w.log.id

        def to_log(call: Call) -> bool:
            return call.ok and call.params.get("chat_id") == log_id

        _, prompt = await w.announce(w.group, w.alice)
        rid = int(prompt.payloads[0].split(":")[2])
        mark = w.fake.mark()
        command = w.fake.say(w.group, w.mia, f"/status R{rid} removed copied from elsewhere")
        sent = await w.fake.wait_for("sendMessage", to_log, after=mark)
        assert f"R{rid}: in review → removed by mia_mod" in sent.params["text"]
        assert "copied from elsewhere" in sent.params["text"]
        # The same update delivered again (Telegram retries after a timeout): nothing is logged twice.
        w.fake.redeliver(command)
        await w.sync(w.group)
        assert [c for c in w.fake.calls_to("sendMessage") if to_log(c)] == [sent]
