"""What a creator hears from moderators' decisions, through the real platform clients (issue 20, items 3 and 9).

The real python-telegram-bot client against the fake Bot API and the real discord.py client against the fake
Discord: a moderator's `/normcheck` (or Discord's "Check against norms" menu) on someone else's release sends
the creator the nudge and the moderator a private summary, never "Your release …" to the moderator; a
moderator's `/status` reaches the creator with the reason and what to do next.
"""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.discord.commands import CHECK_MENU
from tests.fakes.discord.harness import discord_world, payloads_of
from tests.fakes.discord.harness import release_id_of as discord_release_id
from tests.fakes.discord.interactions import context_menu, press, response_to, slash
from tests.fakes.telegram.harness import release_id_of, telegram_world

pytestmark = pytest.mark.e2e

SPARSE = "New LoRA: Quiet Fox v1. Download: https://example.com/fox.safetensors"
EPHEMERAL = 1 << 6


async def test_telegram_moderator_normcheck_nudges_the_creator_not_the_moderator(tmp_path: Path) -> None:
    """mia's `/normcheck R1` in the group: alice gets "Your release R1 …" privately; mia's answer is a
    summary that says the creator was told."""
    async with telegram_world(tmp_path) as w:
        _, prompt = await w.announce(w.group, w.alice, SPARSE)
        rid = release_id_of(prompt)
        mark = w.fake.mark()
        answer = await w.command(w.group, w.mia, f"/normcheck R{rid}")
        assert "Your release" not in answer.text
        assert f"Norm check of R{rid}" in answer.text and "The creator has been sent what to fix." in answer.text
        dm = await w.fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == w.alice.id, after=mark)
        assert f"Your release R{rid} (Quiet Fox v1) misses some community norms" in dm.result["text"]
        group_texts = [
            c.result["text"]
            for c in w.fake.state.calls[mark:]
            if c.method == "sendMessage" and c.ok and c.params["chat_id"] == w.group.id
        ]
        assert not any("Your release" in t for t in group_texts)


async def test_telegram_status_change_reaches_the_creator(tmp_path: Path) -> None:
    """`/status R1 removed <reason>`: alice is told privately, with the reason and what she can do."""
    async with telegram_world(tmp_path) as w:
        _, prompt = await w.announce(w.group, w.alice)
        rid = release_id_of(prompt)
        mark = w.fake.mark()
        answer = await w.command(w.group, w.mia, f"/status R{rid} removed the download link is someone else's")
        assert "The creator has been told." in answer.text
        dm = await w.fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == w.alice.id, after=mark)
        text = dm.result["text"]
        assert f"Your release R{rid}" in text and "is now removed" in text
        assert "Moderator's reason: the download link is someone else's" in text
        assert "What you can do:" in text and f"/release edit R{rid}" in text


async def test_discord_check_menu_nudges_the_creator_and_answers_the_moderator_privately(tmp_path: Path) -> None:
    """ "Check against norms" by a moderator on alice's sparse announcement: an ephemeral summary for the
    moderator, the nudge in alice's DMs."""
    async with discord_world(tmp_path) as w:
        announcement, prompt = await w.announce(w.alice, SPARSE)
        rid = discord_release_id(prompt)
        mark = w.fake.rec.mark()
        answer = await response_to(w.fake, await context_menu(w.fake, w.releases, w.mia, CHECK_MENU, announcement))
        assert answer.body["data"]["flags"] & EPHEMERAL
        embed = answer.body["data"]["embeds"][0]
        assert embed["title"] == f"Norm check of R{rid} (Quiet Fox v1)"
        assert "Your release" not in str(embed)
        # alice's DM channel (discord.py opens it once: the nudge on announcing may have opened it already)
        dm = w.fake.dm_channel(w.alice)
        sent = await w.fake.rec.wait_for("POST", rf"/channels/{dm.id}/messages", after=mark)
        assert sent.body["embeds"][0]["title"].startswith(f"Your release R{rid} (Quiet Fox v1)")


async def test_discord_endorsed_prompt_with_an_upheld_flag_is_not_green(tmp_path: Path) -> None:
    """Endorsed (green), then a flag under a `warn` norm upheld: the prompt embed turns orange, says
    "endorsed · 1 upheld flag" and lists the flag; alice is told by DM."""
    async with discord_world(tmp_path) as w:
        _, prompt = await w.announce(w.alice)
        rid = discord_release_id(prompt)
        for member in (w.bob, w.carol):
            await response_to(w.fake, await press(w.fake, w.releases, member, prompt, payloads_of(prompt)[0]))
        await w.until(lambda: "endorsed" in str(w.fake.messages[int(prompt["id"])]["embeds"][0]))
        assert w.fake.messages[int(prompt["id"])]["embeds"][0]["color"] == discord.Colour.green().value
        flagged = await slash(
            w.fake, w.chat, w.bob, "flag", release=f"R{rid}", norm="credit-base-model", reason="vague"
        )
        await response_to(w.fake, flagged)
        mark = w.fake.rec.mark()
        decided = await slash(w.fake, w.chat, w.mia, "resolve", flag="F1", outcome="upheld", note="name the base")
        await response_to(w.fake, decided)
        await w.fake.rec.wait_for("POST", r"/users/@me/channels", after=mark)
        await w.until(lambda: "upheld" in str(w.fake.messages[int(prompt["id"])]["embeds"][0]))
        embed = w.fake.messages[int(prompt["id"])]["embeds"][0]
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Status"] == "endorsed · 1 upheld flag"
        assert fields["Upheld flags"] == "F1 credit-base-model (warn)"
        assert embed["color"] == discord.Colour.orange().value
