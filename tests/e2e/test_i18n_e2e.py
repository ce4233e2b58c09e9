"""The community's language on the platforms (issue 23, item 5): a Chinese community gets Chinese prompts,
buttons and threads, while a member whose app is in Japanese is answered in Japanese where only they see it
(a Discord ephemeral reply from the interaction's locale; a Telegram private answer from `language_code`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from moderation.kernel.i18n import _, using
from tests.fakes.discord.harness import discord_world, payloads_of, release_id_of
from tests.fakes.discord.interactions import press, response_to
from tests.fakes.telegram.harness import release_id_of as tg_release_id_of
from tests.fakes.telegram.harness import telegram_world

pytestmark = pytest.mark.e2e

EPHEMERAL = 1 << 6


def _in(language: str, message: str) -> str:
    with using(language):
        return _(message)


async def test_discord_chinese_prompt_and_a_japanese_members_ephemeral_answer(tmp_path: Path) -> None:
    """The prompt (title, fields, buttons, thread) is Chinese; bob's client is Japanese, so his Endorse is
    thanked in Japanese, ephemerally, while the prompt it edits stays Chinese. The model name is not
    translated."""
    async with discord_world(tmp_path, language="zh") as w:
        bob = replace(w.bob, locale="ja")  # the same account; its interactions say its client is in Japanese
        _announcement, prompt = await w.announce(w.alice)
        rid = release_id_of(prompt)
        embed = prompt["embeds"][0]
        assert embed["title"] == f"审核 R{rid}：Neon Dreams v2，作者 alice\\_makes"  # markdown-escaped
        labels = [c["label"] for row in prompt["components"] for c in row["components"]]
        assert labels == ["认可", "举报", "审核"]
        thread = await w.fake.rec.wait_for("POST", rf"/channels/{w.releases.id}/messages/{prompt['id']}/threads")
        assert thread.body["name"] == f"审核 R{rid}：Neon Dreams"
        mark = w.fake.rec.mark()
        interaction = await press(w.fake, w.releases, bob, prompt, payloads_of(prompt)[0])
        answer = await response_to(w.fake, interaction)
        assert answer.body["data"]["flags"] & EPHEMERAL
        reply = answer.body["data"]["embeds"][0]
        assert reply["title"] == _in("ja", "Endorsed") == "支持しました"
        assert reply["description"].startswith(f"ありがとうございます！R{rid} の支持数：1（必要数 2）")
        await w.fake.rec.wait_for("PATCH", rf"/channels/{w.releases.id}/messages/{prompt['id']}", after=mark)
        fields = {f["name"]: f["value"] for f in w.fake.messages[int(prompt["id"])]["embeds"][0]["fields"]}
        assert fields["认可"] == "1，需要 2"
        assert w.core.stats["audience_mismatches"] == 0


async def test_telegram_chinese_prompt_and_a_japanese_members_private_answer(tmp_path: Path) -> None:
    """On Telegram the prompt and its keyboard are Chinese; bob's app is Japanese, so his flag's answer,
    delivered in his private chat, is Japanese; the reason he wrote is kept as written."""
    async with telegram_world(tmp_path, language="zh") as w:
        bob = w.fake.add_user(replace(w.bob, language_code="ja"), started_bot=True)
        update, prompt = await w.announce(w.group, w.alice)
        rid = tg_release_id_of(prompt)
        assert f"审核 R{rid}：Neon Dreams v2，作者 alice_makes" in prompt.text
        assert [label for row in prompt.buttons for label, _cb in row] == ["认可", "举报", "审核"]
        _pointer, answer = await w.privately(
            w.group, bob, "/flag credit-base-model 基础模型链接失效", reply_to=update["message"]["message_id"]
        )
        assert _in("ja", "Flag recorded") in answer.text and "フラグを記録しました" in answer.text
        assert f"R{rid}" in answer.text
        assert await w.flags(rid) == [("credit-base-model", "基础模型链接失效")]
        assert w.core.stats["audience_mismatches"] == 0


async def test_discord_slash_command_descriptions_in_our_languages(tmp_path: Path) -> None:
    """The commands registered with Discord carry description_localizations from the catalogs (zh-CN, ja,
    ru, es-ES, ...): a member's client shows /endorse's description in their language; names stay English."""
    async with discord_world(tmp_path) as w:
        registered = [c for commands in w.fake.commands.values() for c in commands]
        endorse = next(c for c in registered if c["name"] == "endorse")
        localized = endorse.get("description_localizations") or {}
        assert localized.get("zh-CN") == _in("zh", "Endorse a release (+1) so it can reach its review quorum")
        assert localized.get("ja") == _in("ja", "Endorse a release (+1) so it can reach its review quorum")
        assert localized.get("ru") and localized.get("es-ES") and "en-US" not in localized
        assert not endorse.get("name_localizations")  # people type the English name
        note = next(o for o in endorse.get("options", []) if o["name"] == "note")
        assert (note.get("description_localizations") or {}).get("zh-CN") == _in(
            "zh", "An optional note for the creator"
        )


async def test_telegram_start_in_a_private_chat_in_the_members_language(tmp_path: Path) -> None:
    """/start in a private chat belongs to no community: the welcome, and the note that a deep link's answer
    is gone, are in the member's app language (`language_code`); English when Telegram says none."""
    from tests.fakes.telegram.payloads import FakeChat

    async with telegram_world(tmp_path, language="zh") as w:
        bob = w.fake.add_user(replace(w.bob, language_code="ja"), started_bot=True)
        private = FakeChat(bob.id, "private", "Bob")
        w.fake.add_chat(private)
        welcome = await w.command(private, bob, "/start")
        assert welcome.text.startswith("こんにちは！normbot です。") and "/help" in welcome.text
        assert "Hi! I'm normbot." not in welcome.text
        gone = await w.command(private, bob, "/start 0123456789abcdef")
        assert "その返答はもう待機していません" in gone.text and "no longer waiting" not in gone.text
        carol = w.fake.add_user(w.carol, started_bot=True)  # no language_code: English
        alone = FakeChat(carol.id, "private", "Carol")
        w.fake.add_chat(alone)
        assert (await w.command(alone, carol, "/start")).text.startswith("Hi! I'm normbot.")
