"""A fake Telegram Bot API on 127.0.0.1 for end-to-end tests of the real PTB adapter (see README.md)."""

from __future__ import annotations

from tests.fakes.telegram.payloads import FakeChat, FakeUser
from tests.fakes.telegram.server import FakeTelegram
from tests.fakes.telegram.state import ApiError, BotMessage, Call

__all__ = ["ApiError", "BotMessage", "Call", "FakeChat", "FakeTelegram", "FakeUser"]
