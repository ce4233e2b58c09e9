"""`normbot run`'s composition root with the Discord adapter: settings from a config file pointing at the
fake Discord, the token from the environment, and the platform's health."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.config import load_settings
from tests.fakes.discord.harness import GOOD, TOKEN
from tests.fakes.discord.payloads import FakeChannel, FakeGuild, FakeUser
from tests.fakes.discord.server import FakeDiscord

pytestmark = pytest.mark.e2e


async def test_normbot_run_serves_discord_from_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The App builds the adapter from `[discord]`, reports it connected, and announcements get prompts."""
    fake = FakeDiscord(TOKEN)
    releases = FakeChannel(fake.ids.next(), "releases")
    guild = fake.add_guild(FakeGuild(fake.ids.next(), "Makers", fake.owner.id, [], [releases]))
    alice = fake.add_user(FakeUser(fake.ids.next(), "alice_makes"), guild=guild)
    await fake.start()
    config = tmp_path / "normbot.toml"
    config.write_text(
        f"""
[store]
url = "sqlite+aiosqlite:///{tmp_path}/app.db"

[discord]
api_base = "{fake.api_base}"
gateway_url = "{fake.gateway_url}"

[[communities]]
slug = "makers"
name = "Makers"
spaces = ["discord:{guild.id}"]

[[communities.chats]]
platform = "discord"
chat_id = "{releases.id}"
role = "releases"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("NORMBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("NORMBOT_HEALTH_LISTEN", raising=False)
    settings = load_settings(config, required=True)
    assert settings.core_communities()[0].spaces == frozenset({("discord", str(guild.id))})
    app = App(settings, rules_only=True)
    try:
        await app.start()
        assert app.platforms() == {"discord": True}
        mark = fake.rec.mark()
        announcement = await fake.say(releases, alice, GOOD)
        call = await fake.rec.wait_for(
            "POST",
            rf"/channels/{releases.id}/messages",
            lambda c: str((c.body or {}).get("message_reference", {}).get("message_id")) == announcement["id"],
            after=mark,
        )
        assert call.ok and call.body["components"]
        assert fake.rec.find("PUT", rf"/applications/\d+/guilds/{guild.id}/commands")
    finally:
        await app.stop()
        await fake.stop()
    assert app.platforms() == {"discord": False}
