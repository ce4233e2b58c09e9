"""After a norm change, end to end: the real discord.py client and the real PTB Application against the protocol
fakes. `/norms set` with the file answers with the "Re-check N open releases" button; a moderator's press
queues the job; the scheduler's tick (run here as `App.tick` does: run the due jobs, dispatch through the
router) edits the prompts in place, messages the creator whose result changed and posts the summary;
`/norms simulate` with a draft answers with what would change and adopts nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.test_norm_recheck import NO_TRIGGER, TRIGGER_PACK
from tests.fakes.discord.harness import discord_world, payloads_of
from tests.fakes.discord.interactions import press, response_to, slash
from tests.fakes.telegram.harness import telegram_world

pytestmark = pytest.mark.e2e


async def test_discord_recheck_button_job_and_simulate(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        _, kept = await w.announce(w.alice)
        _, failing = await w.announce(w.carol, NO_TRIGGER.replace("Neon Dreams", "Quiet Fields"))

        draft = w.fake.add_attachment("draft.yaml", TRIGGER_PACK.encode())
        answer = await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "norms simulate", file=draft))
        embed = answer.body["data"]["embeds"][0]
        assert "would change 1 of 2 open release(s)" in embed["title"]
        assert "forge-trigger: — → fail on 1" in embed["description"]

        pack = w.fake.add_attachment("forge.yaml", TRIGGER_PACK.encode())
        interaction = await slash(w.fake, w.chat, w.mia, "norms set", file=pack)
        await response_to(w.fake, interaction)
        offer = next(m for m in w.fake.messages.values() if m.get("_interaction_token") == interaction["token"])
        assert payloads_of(offer) == ["nb1:recheck:1"]
        assert offer["components"][0]["components"][0]["label"] == "Re-check 2 open releases"

        refused = await response_to(w.fake, await press(w.fake, w.chat, w.carol, offer, "nb1:recheck:1"))
        assert "Only moderators" in str(refused.body["data"])
        queued = await response_to(w.fake, await press(w.fake, w.chat, w.mia, offer, "nb1:recheck:1"))
        assert "Re-checking 2 open release(s)" in str(queued.body["data"])

        mark = w.fake.rec.mark()
        assert w.adapter.router is not None
        await w.adapter.router.dispatch(await w.core.run_due_jobs())
        for prompt in (kept, failing):
            await w.fake.rec.wait_for("PATCH", rf"/channels/{w.releases.id}/messages/{prompt['id']}", after=mark)
        assert "forge 2.0.0" in str(w.fake.messages[int(failing["id"])]["embeds"][0])
        dm = w.fake.dm_channel(w.carol)
        told = await w.fake.rec.wait_for("POST", rf"/channels/{dm.id}/messages", after=mark)
        assert "Now not met: Name the trigger words" in str(told.body)
        alice_dm = rf"/channels/{w.fake.dm_channel(w.alice).id}/messages"
        assert [c for c in w.fake.rec.find("POST", alice_dm) if c.index >= mark] == []  # her result is unchanged
        for channel in (w.chat, w.mods_channel):
            summary = await w.fake.rec.wait_for("POST", rf"/channels/{channel.id}/messages", after=mark)
            assert "2 checked, 1 changed, 1 now failing" in str(summary.body)


async def test_telegram_recheck_button_job_and_simulate(tmp_path: Path) -> None:
    async with telegram_world(tmp_path) as w:
        await w.announce(w.group, w.carol)
        _, failing = await w.announce(w.group, w.alice, NO_TRIGGER.replace("Neon Dreams", "Quiet Fields"))

        broken = w.fake.add_file("draft.yaml", b"schema_version: 1\nnorms: [")
        reply = await w.command(w.group, w.mia, None, caption="/norms simulate", document=broken)  # type: ignore[arg-type]
        assert "draft.yaml:2:" in reply.text and "nothing was changed" in reply.text

        doc = w.fake.add_file("forge.yaml", TRIGGER_PACK.encode())
        offer = await w.command(w.group, w.mia, None, caption="/norms set", document=doc)  # type: ignore[arg-type]
        assert offer.payloads == ["nb1:recheck:1"]
        assert [label for row in offer.buttons for label, _ in row] == ["Re-check 2 open releases"]

        mark = w.fake.mark()
        w.fake.press(offer, w.mia, offer.payloads[0])
        await w.fake.wait_for(
            "sendMessage", lambda c: c.ok and "Re-checking 2 open release(s)" in c.result["text"], after=mark
        )
        again = w.fake.mark()
        w.fake.press(offer, w.mia, offer.payloads[0])  # a second press: told, not run twice
        toast = await w.fake.wait_for("answerCallbackQuery", lambda c: "text" in c.params, after=again)
        assert "asked for already" in toast.params["text"]  # a toast for the presser alone

        mark = w.fake.mark()
        await w.adapter.router.dispatch(await w.core.run_due_jobs())
        await w.fake.wait_for(
            "editMessageText", lambda c: c.ok and c.params["message_id"] == failing.message_id, after=mark
        )
        assert "forge 2.0.0" in failing.text
        dm = await w.fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == w.alice.id, after=mark)
        assert "Now not met: Name the trigger words" in dm.result["text"]
        for chat in (w.group, w.mods):
            summary = await w.fake.wait_for(
                "sendMessage", lambda c, chat=chat: c.ok and c.params["chat_id"] == chat.id, after=mark
            )
            assert "2 checked, 1 changed, 1 now failing" in summary.result["text"]
        assert await w.core.run_due_jobs() == []
