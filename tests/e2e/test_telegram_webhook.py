"""End to end on Telegram in webhook mode: PTB's webhook server, the secret token, and start-up checks."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path

import pytest

from bot.config import ConfigError
from tests.fakes.telegram.harness import GOOD, TOKEN, telegram_world

pytestmark = pytest.mark.e2e
SECRET = "webhook-secret-0123456789abcdef"


def _free_port() -> int:
    """A loopback port nothing listens on (just now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_registers_the_hook_and_checks_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """setWebhook gets the URL and the secret; updates with the secret are handled, others refused."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = {"mode": "webhook", "webhook_url": url, "webhook_listen": "127.0.0.1", "webhook_port": port}
    async with telegram_world(tmp_path, settings=settings) as w:
        assert w.fake.state.webhook == {
            "url": url,
            "secret_token": SECRET,
            "allowed_updates": ["message", "edited_message", "callback_query"],
        }
        assert w.adapter.connected
        forged = w.fake.say(w.group, w.alice, GOOD)
        assert await w.fake.post_webhook(forged, secret="wrong-secret-0123456789") == 403
        update = w.fake.say(w.group, w.alice, GOOD)
        mark = w.fake.mark()
        assert await w.fake.post_webhook(update) == 200
        prompt = await w.reply_to(update, after=mark)
        assert prompt.payloads
        assert not w.fake.calls_to("getUpdates")
        replies_to_forged = [
            m for m in w.fake.bot_messages_in(w.group.id) if m.reply_to == forged["message"]["message_id"]
        ]
        assert replies_to_forged == []
    assert SECRET not in caplog.text and TOKEN not in caplog.text


async def test_webhook_mode_without_a_secret_refuses_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook mode needs TELEGRAM_WEBHOOK_SECRET; the error names the variable."""
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    settings = {"mode": "webhook", "webhook_url": "https://bot.example.org/hook"}
    async with telegram_world(tmp_path, settings=settings, start=False) as w:
        with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
            await w.adapter.start()
        assert not w.fake.state.calls  # refused before any request


async def test_webhook_port_in_use_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy webhook port stops start-up with a message naming the address, and leaves nothing running."""
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        settings = {"mode": "webhook", "webhook_url": "https://bot.example.org/hook", "webhook_port": port}
        async with telegram_world(tmp_path, settings=settings, start=False) as w:
            with pytest.raises(ConfigError, match=re.escape(f"cannot listen on 127.0.0.1:{port}")):
                await w.adapter.start()
            assert not w.adapter.connected and not w.adapter.app.running


async def test_unreachable_api_is_a_clear_error(tmp_path: Path) -> None:
    """An API address where nothing listens stops start-up with a message naming it (no traceback)."""
    dead = f"http://127.0.0.1:{_free_port()}/bot"
    async with telegram_world(tmp_path, settings={"base_url": dead}, start=False) as w:
        with pytest.raises(ConfigError, match=re.escape(f"cannot start Telegram via {dead}")):
            await w.adapter.start()
