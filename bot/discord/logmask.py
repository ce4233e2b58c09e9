"""Keep the bot token out of every log line.

discord.py does not log the token on purpose, but exceptions and debug payloads (IDENTIFY, request
headers) can carry it, and so can our own messages by mistake. A handler filter would miss handlers added
by others (pytest's caplog, a library's own), so the mask sits in the log-record factory: every record
created while it is installed is masked (by `bot.logs.SecretMaskFilter`) before any handler sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from bot.logs import SecretMaskFilter

__all__ = ["TokenMask"]


class TokenMask:
    """`install()` to mask every record created from now on; `uninstall()` undoes it."""

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

    def install(self) -> None:
        """Chain a masking factory after the current one (idempotent)."""
        if self._active:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if self._active:
                self._filter.filter(record)
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
