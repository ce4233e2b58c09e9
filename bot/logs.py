"""Logging set-up: text or JSON lines, and a filter that masks secrets wherever they appear.

Libraries log request URLs (PTB's contain the bot token) and exceptions may carry them; the filter replaces
every known secret value in the message, its arguments and the formatted traceback before any handler sees it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

__all__ = ["JsonFormatter", "SecretMaskFilter", "configure_logging"]

MASK = "**********"


class SecretMaskFilter(logging.Filter):
    """Replace secret values in log records; attach it to handlers so every logger is covered."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self._mask(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._mask(formatted)
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line with time, level, logger, message and any `community`/`release` extras."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("community", "release", "platform", "event"):
            value = getattr(record, key, None)
            if value is not None:
                data[key] = value
        if record.exc_text:
            data["exception"] = record.exc_text
        elif record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> logging.Handler:
    """Install one stderr handler on the root logger with the mask filter; returns it (tests remove it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(SecretMaskFilter(secrets))
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "_normbot", False)]
    handler._normbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "discord.gateway", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler
