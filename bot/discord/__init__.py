"""The Discord adapter (discord.py 2.7): construct `DiscordAdapter(core, router, settings, token)`,
`await start()`, `await stop()`. See `docs/discord.md` for the application, intents and invite link."""

from __future__ import annotations

from bot.discord.client import DiscordAdapter

__all__ = ["DiscordAdapter"]
