"""Logging set-up: text or JSON lines, and filters that mask secrets and members' text wherever they appear.

Libraries log request URLs (PTB's contain the bot token) and exceptions may carry them; the filter replaces
every known secret value in the message, its arguments and the formatted traceback before any handler sees it.
Exceptions may also carry what a member wrote (a failed statement's row, a message the code held): the
core's `PrivateTextFilter` (moderation/kernel/redaction.py) masks the text of the event being handled and the values
PostgreSQL echoes in DETAIL lines, on the process's handler too, so library loggers are covered.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from moderation.kernel.redaction import PrivateTextFilter

__all__ = ["JsonFormatter", "SecretMaskFilter", "TokenMask", "configure_logging"]

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
        elif record.exc_text:  # formatted already (by another filter)
            record.exc_text = self._mask(record.exc_text)
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
    handler.addFilter(PrivateTextFilter())
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "_normbot", False)]
    handler._normbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "discord.gateway", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler


class TokenMask:
    """Mask secrets in every log record created while installed, whichever handler later sees it.

    Libraries log their API URLs (PTB's carry the bot token; httpx logs every request URL) and exceptions or
    debug payloads (discord.py's IDENTIFY) may carry a token too. A handler filter would miss handlers added by
    others (pytest's caplog, a library's own), so the mask sits in the log-record factory. Both platform
    adapters install one for their token.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = [s for s in secrets if s]
        self._filter = SecretMaskFilter(self.secrets)
        self._previous: Any = None
        self._factory: Any = None
        self._active = False

    @property
    def active(self) -> bool:
        """Whether records are being masked."""
        return self._active

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def install(self) -> None:
        """Mask every record created from now on (idempotent)."""
        if self._active:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if self._active:
                try:
                    self._filter.filter(record)
                except Exception:  # a format string that does not fit its arguments: keep both, masked
                    record.msg = self._mask(f"{record.msg} {record.args!r}")
                    record.args = None
            return record

        self._previous, self._factory, self._active = previous, factory, True
        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        """Stop masking; restores the previous factory when nobody chained after us."""
        if not self._active:
            return
        self._active = False
        if logging.getLogRecordFactory() is self._factory:
            logging.setLogRecordFactory(self._previous)
