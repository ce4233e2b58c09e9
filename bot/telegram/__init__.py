"""The Telegram adapter (python-telegram-bot 22): construct `TelegramAdapter(core, router, settings, token)`,
`await start()`, `await stop()`. See `docs/telegram.md` for the bot's set-up in BotFather and in groups."""

from __future__ import annotations

from bot.telegram.app import ALLOWED_UPDATES, TelegramAdapter

__all__ = ["ALLOWED_UPDATES", "TelegramAdapter"]
