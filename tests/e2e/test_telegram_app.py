"""End to end through the composition root: `bot.app.App` (what `normbot run` starts) with Telegram only."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from tests.fakes.telegram.harness import GOOD, TOKEN
from tests.fakes.telegram.payloads import FakeChat, FakeUser
from tests.fakes.telegram.server import FakeTelegram

pytestmark = pytest.mark.e2e


async def test_normbot_run_serves_telegram_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """App builds the adapter from `[telegram]` settings and TELEGRAM_TOKEN; it connects, prompts, stops."""
    fake = FakeTelegram(TOKEN)
    await fake.start()
    try:
        alice = fake.add_user(FakeUser(1, "Alice", "alice"))
        group = fake.add_chat(FakeChat(-100_123, "supergroup", "Makers"), admins=(alice,))
        monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
        monkeypatch.delenv("DISCORD_TOKEN", raising=False)
        monkeypatch.setenv("NORMBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/app.db")
        settings = Settings.model_validate(
            {
                "telegram": {"base_url": fake.base_url, "base_file_url": fake.base_file_url},
                "communities": [{"slug": "m", "name": "M", "chats": [{"platform": "telegram", "chat_id": "-100123"}]}],
            }
        )
        from bot.app import App

        app = App(settings, rules_only=True)
        try:
            await app.start()
            assert app.platforms() == {"telegram": True}
            update = fake.say(group, alice, GOOD)
            prompt = await fake.wait_for(
                "sendMessage",
                lambda c: (
                    c.ok
                    and (c.params.get("reply_parameters") or {}).get("message_id") == update["message"]["message_id"]
                ),
            )
            assert prompt.result["text"].startswith("Review R1: Neon Dreams v2")
        finally:
            await app.stop()
        assert app.platforms() == {"telegram": False}
    finally:
        await fake.stop()
