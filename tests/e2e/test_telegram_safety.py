"""End to end on Telegram: hostile input stays harmless, secrets stay out of logs, DMs fall back, files
are read within limits, the command menus come from the command definitions."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from moderation.kernel.commands import COMMANDS
from tests.fakes.telegram.harness import TOKEN, World, release_id_of, telegram_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    """A running Telegram world (fake Bot API, store, core, adapter)."""
    async with telegram_world(tmp_path) as world:
        yield world


async def test_html_in_a_model_name_is_shown_not_rendered(w: World) -> None:
    """Markup and mentions in a model name reach the chat as literal text (the fake parses HTML strictly)."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    evil = '<script>alert(1)</script> <b>Neon</b> & <a href="tg://user?id=1">@everyone</a>'
    mark = w.fake.mark()
    await w.command(w.group, w.alice, f"/release edit R{rid} model_name {evil}")
    await w.fake.wait_for("editMessageText", lambda c: c.ok and c.params["message_id"] == prompt.message_id, after=mark)
    shown = evil.replace("@", "@\u2060")  # an invisible joiner keeps @everyone from being a mention
    assert shown in prompt.text  # what people see: the literal characters
    assert "<script>" not in prompt.html and "<b>Neon</b>" not in prompt.html and "<a " not in prompt.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in prompt.html


async def test_bidi_override_and_nul_in_a_model_name_show_as_codes(w: World) -> None:
    """A right-to-left override and a NUL in a model name reach the chat as visible codes, not as controls
    that would reorder the prompt (`Neon<RLO>gpj.exe` read as `Neonexe.jpg`) or hide characters."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    mark = w.fake.mark()
    await w.command(w.group, w.alice, f"/release edit R{rid} model_name Neon\u202egpj.exe \u2066x\u2069 \x00end")
    await w.fake.wait_for("editMessageText", lambda c: c.ok and c.params["message_id"] == prompt.message_id, after=mark)
    assert "Neon[U+202E]gpj.exe [U+2066]x[U+2069] [U+0000]end" in prompt.text
    for raw in ("\u202e", "\u2066", "\u2069", "\x00"):
        assert raw not in prompt.html and raw not in prompt.text


async def test_markup_in_a_display_name_is_escaped(w: World) -> None:
    """A person without a username whose name is markup is named literally in the prompt."""
    from tests.fakes.telegram.payloads import FakeUser

    eve = w.fake.add_user(FakeUser(1099, "<i>Eve</i> & </b>"))
    _, prompt = await w.announce(w.group, eve)
    assert "by <i>Eve</i> & </b>" in prompt.text


async def test_a_forged_callback_is_refused(w: World) -> None:
    """Callback data the bot never sent is refused in the toast and changes nothing."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    for forged in ("nb1:uphold:999", f"nb1:endorse:{rid}:1:2", "x" * 64, f"nb1:endorse:{rid + 1000}"):
        mark = w.fake.mark()
        press = w.fake.press(prompt, w.bob, forged)
        answer = await w.fake.wait_for("answerCallbackQuery", after=mark)
        assert answer.params["callback_query_id"] == press["callback_query"]["id"]
        assert any(word in answer.params["text"] for word in ("not valid", "Only moderators", "no release"))
    assert await w.endorsements(rid) == 0
    assert not w.fake.calls_to("editMessageText")


async def test_the_token_never_appears_in_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every log record (PTB's URLs, httpx request lines) has the token masked."""
    caplog.set_level(logging.DEBUG)
    async with telegram_world(tmp_path) as w:
        await w.announce(w.group, w.alice)
    assert caplog.records, "nothing was logged, so the test proves nothing"
    assert any("/bot**********/getMe" in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


async def test_a_rejected_token_fails_start_with_a_clear_message(tmp_path: Path) -> None:
    """A wrong token stops start-up with a message naming TELEGRAM_TOKEN, and without the token."""
    from bot.config import ConfigError

    async with telegram_world(tmp_path, start=False) as w:
        w.fake.state.token = "1:other"
        with pytest.raises(ConfigError, match="TELEGRAM_TOKEN") as info:
            await w.adapter.start()
        assert TOKEN not in str(info.value)


async def test_nudge_is_a_dm_or_falls_back_to_the_group(w: World) -> None:
    """The creator nudge goes privately to people who started the bot, else to the group."""
    missing = "New LoRA: Quiet Fox v1. Download: https://example.com/fox.safetensors"
    mark = w.fake.mark()
    await w.announce(w.group, w.alice, missing)  # alice started the bot
    dm = await w.fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == w.alice.id, after=mark)
    assert dm.ok and "misses some community norms" in dm.result["text"]
    mark = w.fake.mark()
    await w.announce(w.group, w.bob, missing.replace("Quiet Fox", "Loud Owl"))  # bob never did
    refused = await w.fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == w.bob.id, after=mark)
    assert not refused.ok
    fallback = await w.fake.wait_for(
        "sendMessage", lambda c: c.ok and "misses some community norms" in c.result["text"], after=mark
    )
    assert fallback.params["chat_id"] == w.group.id


async def test_norms_set_reads_the_attached_yaml(w: World) -> None:
    """An admin's `/norms set` with a YAML document adopts it; a file over 256 KB is not downloaded."""
    pack = (
        "schema_version: 1\nid: makers\nversion: 1.0.0\nextends: [baseline]\n"
        "norms:\n  - id: name-the-trigger\n    need: credit\n    title: Name the trigger word\n"
        "    severity: nudge\n    require: [trigger_words]\n"
    )
    doc = w.fake.add_file("makers.yaml", pack.encode())
    reply = await w.command(w.group, w.mia, None, caption="/norms set", document=doc)  # type: ignore[arg-type]
    assert "Norms updated to makers 1.0.0" in reply.text
    async with w.store.transaction() as tx:
        (community,) = await tx.communities.all()
        (revision,) = await tx.pack_revisions.all(community.id)
    assert revision.source == pack
    assert [c.params["file_id"] for c in w.fake.calls_to("getFile")] == [doc["file_id"]]
    big = w.fake.add_file("huge.yaml", b"#" * (256 * 1024 + 1))
    reply = await w.command(w.group, w.mia, None, caption="/norms set", document=big)  # type: ignore[arg-type]
    assert "larger than 256 KB" in reply.text
    assert len(w.fake.calls_to("getFile")) == 1
    other = w.fake.add_file("notes.yaml", b"x: 1")
    await w.command(w.group, w.bob, None, caption="/help", document=other)  # type: ignore[arg-type]
    assert len(w.fake.calls_to("getFile")) == 1  # only commands that take a file download one


async def test_command_menus_come_from_the_command_definitions(w: World) -> None:
    """Members' and admins' menus are registered per scope, from COMMANDS, with group words."""
    scopes = {json.loads(k)["type"]: v for k, v in w.fake.state.commands.items()}
    members = {c["command"] for c in scopes["all_group_chats"]}
    admins = {c["command"] for c in scopes["all_chat_administrators"]}
    expected_all = {(s.group or s.name).replace("-", "_") for s in COMMANDS.values()}
    assert admins == expected_all
    assert {"endorse", "flag", "release", "norms"} <= members
    assert "resolve" not in members and "resolve" in admins
