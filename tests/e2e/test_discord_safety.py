"""End to end on Discord, the hostile paths: replays after RESUME, mention and markdown injection, the
token in logs, refused intents and tokens, other bots' messages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ConfigError, DiscordSettings, Secret
from bot.discord import DiscordAdapter
from bot.router import Router
from tests.fakes.discord.harness import GOOD, TOKEN, LoopbackOnly, World, discord_world, release_id_of
from tests.fakes.discord.interactions import response_to, slash
from tests.fakes.discord.payloads import FakeUser

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path) as world:
        yield world


async def _release_count(w: World) -> int:
    async with w.store.transaction() as tx:
        return len(await tx.releases.page(await w.core.community_id(tx, "makers"), limit=100))


def _mentions_nobody(allowed: object) -> bool:
    """Discord's `allowed_mentions` that pings no one: nothing parsed, no ids listed, no reply ping."""
    return (
        isinstance(allowed, dict)
        and allowed.get("parse") == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and allowed.get("replied_user") is not True
    )


async def test_replayed_message_after_resume_changes_nothing(w: World) -> None:
    """Discord re-delivers the announcement after a RESUME: no second release, prompt or message."""
    announcement, _ = await w.announce(w.alice)
    (session,) = w.fake.gateway.live()
    seq = next(s for s, event, data in session.log if event == "MESSAGE_CREATE" and data["id"] == announcement["id"])
    seen = w.core.stats["messages_seen"]
    mark = w.fake.rec.mark()
    await w.fake.gateway.reconnect(replay_from=seq - 1)
    await w.fake.gateway.wait(lambda: len(w.fake.gateway.resumes) == 1 and bool(w.fake.gateway.live()))
    await w.until(lambda: w.core.stats["messages_seen"] > seen)  # the replayed announcement reached the core
    await w.idle()
    assert w.fake.gateway.resumes[0]["session_id"] == session.session_id
    assert len(w.fake.gateway.identifies) == 1  # resumed, not re-identified
    assert w.fake.rec.find("POST", r"/channels/\d+/messages.*", after=mark) == []
    assert w.fake.rec.find("PATCH", r"/channels/\d+/messages/\d+", after=mark) == []
    assert await _release_count(w) == 1
    assert w.adapter.connected


async def test_mentions_and_markdown_in_a_model_name_are_shown_not_executed(w: World) -> None:
    """A model renamed to `@everyone **x** <@&role>` is escaped in the embed and sent with no mentions."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    evil = f"@everyone **Neon** <@&{w.guild.roles[0].id}> @here"
    mark = w.fake.rec.mark()
    interaction = await slash(
        w.fake, w.releases, w.alice, "release edit", release=f"R{rid}", field="model_name", value=evil
    )
    await response_to(w.fake, interaction)
    edit = await w.fake.rec.wait_for("PATCH", rf"/channels/\d+/messages/{prompt['id']}", after=mark)
    title = edit.body["embeds"][0]["title"]
    assert "@\u200beveryone \\*\\*Neon\\*\\* <@\u200b&" in title and "@\u200bhere" in title
    assert "@everyone" not in title and "**Neon**" not in title
    assert _mentions_nobody(edit.body["allowed_mentions"])
    for call in w.fake.rec.find("POST", r"/channels/\d+/messages") + w.fake.rec.find("POST", r"/interactions/.*"):
        body = call.body.get("data", call.body) if call.body else {}
        if body.get("embeds") or body.get("content"):
            assert _mentions_nobody(body.get("allowed_mentions")), call.path


async def test_the_token_never_reaches_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every record made while the adapter runs is masked, even one that carries the token by mistake."""
    caplog.set_level(logging.DEBUG)
    async with discord_world(tmp_path) as w:
        await w.announce(w.alice)
        logging.getLogger("normbot.test").warning("oops, the token is %s", TOKEN)
        logging.getLogger("discord.http").debug("header Authorization: Bot %s", TOKEN)
    assert "discord: logged in as normbot" in caplog.text  # the adapter's own lines were captured
    assert "oops, the token is **********" in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_missing_message_content_intent_is_a_clear_error(tmp_path: Path) -> None:
    """Gateway close 4014 becomes an error naming the Developer Portal setting, not a traceback."""
    async with discord_world(tmp_path, start=False) as w:
        w.fake.gateway.refuse_message_content = True
        with pytest.raises(ConfigError, match="Privileged Gateway Intents -> MESSAGE CONTENT INTENT"):
            await w.adapter.start()
        assert not w.adapter.connected


async def test_a_wrong_token_is_a_clear_error(tmp_path: Path) -> None:
    """A token Discord rejects (401 on login) is reported as such."""
    async with discord_world(tmp_path, start=False) as w:
        settings = DiscordSettings(api_base=w.fake.api_base, gateway_url=w.fake.gateway_url)
        wrong = DiscordAdapter(w.core, Router(), settings, Secret("MTE.wrong.token-value"))
        with pytest.raises(ConfigError, match="rejected DISCORD_TOKEN"):
            await wrong.start()
        await wrong.stop()


async def test_messages_from_bots_are_ignored(w: World) -> None:
    """Another bot's announcement is not a release; a person's afterwards is."""
    other = w.fake.add_user(FakeUser(w.fake.ids.next(), "relay-bot", bot=True), guild=w.guild)
    mark = w.fake.rec.mark()
    await w.fake.say(w.releases, other, GOOD)
    await w.announce(w.carol, GOOD.replace("Neon Dreams", "Ember Glow"))
    prompts = w.fake.rec.find("POST", rf"/channels/{w.releases.id}/messages", after=mark)
    assert len(prompts) == 1  # the person's prompt (its review thread's intro is posted in the thread)
    assert await _release_count(w) == 1


async def test_a_rate_limited_prompt_is_retried(w: World) -> None:
    """A 429 on the prompt's POST is waited out by discord.py and the prompt still lands once."""
    w.fake.rate_limit("POST", rf"/channels/{w.releases.id}/messages", retry_after=0.05)
    mark = w.fake.rec.mark()
    _, prompt = await w.announce(w.alice)
    statuses = [c.status for c in w.fake.rec.find("POST", rf"/channels/{w.releases.id}/messages", after=mark)]
    assert statuses[:2] == [429, 200]
    assert len(w.fake.bot_messages(w.releases)) == 1
    assert release_id_of(prompt) == 1


async def test_an_unreachable_api_is_a_clear_error(tmp_path: Path) -> None:
    """A configured API base nobody listens on is named in the error; discord.py's URLs are restored."""
    from discord.http import Route

    before = Route.BASE
    async with discord_world(tmp_path, start=False) as w:
        port = w.fake.base_url.rsplit(":", 1)[1]
        await w.fake.stop()  # nothing listens on the fake's port any more
        dead = DiscordSettings(api_base=f"http://127.0.0.1:{port}/api/v10", gateway_url=w.fake.gateway_url)
        adapter = DiscordAdapter(w.core, Router(), dead, Secret(TOKEN))
        with pytest.raises(ConfigError, match=rf"cannot reach the Discord API at http://127.0.0.1:{port}/api/v10"):
            await adapter.start()
    assert before == Route.BASE


async def test_without_settings_the_adapter_would_go_to_discord_com(tmp_path: Path) -> None:
    """Only `DiscordSettings` points discord.py at the fake: without it the client asks for discord.com,
    which the test's network guard refuses (so no test can reach the real Discord by accident)."""
    async with discord_world(tmp_path, start=False) as w:
        adapter = DiscordAdapter(w.core, Router(), DiscordSettings(), Secret(TOKEN))
        with LoopbackOnly() as network, pytest.raises(ConfigError, match=r"https://discord\.com/api/v10"):
            await adapter.start()
        assert network.attempts and set(network.attempts) == {"discord.com"}
