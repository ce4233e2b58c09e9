"""Keep the bot token out of every log line.

PTB logs its API URLs (`Set Bot API URL: https://api.telegram.org/bot<token>`), httpx logs every request URL,
and both carry the token. A handler filter would miss handlers added by others (pytest's caplog, a
library's own), so the mask sits in the log-record factory: every record created while it is installed is
masked before any handler sees it. `bot.logs.SecretMaskFilter` does the masking.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from bot.logs import MASK, SecretMaskFilter

__all__ = ["TokenMask"]


class TokenMask:
    """Install with `install()`, remove with `uninstall()`; safe if other code chained factories since."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = [s for s in secrets if s]
        self._filter = SecretMaskFilter(self.secrets)
        self._previous: Any = None
        self._factory: Any = None
        self._active = False

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def install(self) -> None:
        """Mask every record created from now on."""
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
