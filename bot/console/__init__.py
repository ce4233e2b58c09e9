"""The console adapter: try normbot with no tokens (`normbot console`, `normbot demo`)."""

from bot.console.session import ConsoleSession, parse_duration

__all__ = ["ConsoleSession", "parse_duration"]
