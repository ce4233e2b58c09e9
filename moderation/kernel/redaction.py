"""Members' text stays out of the logs, tracebacks included.

An internal error is logged with its traceback, and exception texts carry whatever the failing code held: a
database error echoed the statement's parameters (a member's private review note, a flag reason, the whole
announcement) and PostgreSQL adds the row's values in its DETAIL ("Failing row contains (...)"). The store
hides statement parameters (`hide_parameters`, storage/engine.py); this module covers the rest:

- while the core handles an event, the member's text of that event (message, command arguments, form answers,
  attachment texts, the replied-to message) is kept in a context variable (`handling`);
- `PrivateTextFilter` replaces that text, its lines and the tails of its lines (where a command's free text
  sits: "/review R1 q=no <note>" stores "<note>") in every record it sees, message and traceback alike, and
  drops the values of PostgreSQL's DETAIL lines whatever the context.

The core's own loggers carry the filter (`redacting_logger`), so a core embedded anywhere never logs a member's
text; `bot.logs.configure_logging` puts it on the process's log handler too, for library loggers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from moderation.kernel.events import CommandInvoked, CoreEvent, MessagePosted

__all__ = ["REDACTED", "PrivateTextFilter", "handling", "private_fragments", "redact", "redacting_logger"]

REDACTED = "[member text]"
# Fragments shorter than this are left alone: masking "no" or "R1" would shred every log line, and so short a
# piece of text says little about anyone.
MIN_FRAGMENT = 8
MAX_FRAGMENTS = 400
# A line longer than this contributes itself, not its tails (an announcement's line is stored whole).
_TAILS_UP_TO = 2_000


class _Private:
    """The member text of the event being handled; its fragments are worked out only when a record needs
    them (most events log nothing, and every chat message passes through `handling`)."""

    __slots__ = ("_fragments", "_texts")

    def __init__(self, texts: list[str]) -> None:
        self._texts = texts
        self._fragments: tuple[str, ...] | None = None

    def __bool__(self) -> bool:
        return any(self._texts)

    @property
    def fragments(self) -> tuple[str, ...]:
        if self._fragments is None:
            self._fragments = private_fragments(self._texts)
        return self._fragments


_current: ContextVar[_Private | None] = ContextVar("normbot_private_text", default=None)

# PostgreSQL echoes values in DETAIL: a failing row's columns, a conflicting key's values, etc.
_PG_ROW = re.compile(r"(Failing row contains )\(.*?\)(?=\.?\s*$)", re.MULTILINE)
_PG_KEY = re.compile(r"(Key \([^)]*\))=\(.*?\)(?= (?:already exists|is (?:not present|still referenced)|conflicts))")


def private_fragments(texts: Iterable[str]) -> tuple[str, ...]:
    """The pieces of members' texts to mask, longest first (so a whole text goes before its parts)."""
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        found.add(text.strip())
        for line in text.splitlines():
            line = line.strip()
            found.add(line)
            if len(line) <= _TAILS_UP_TO:
                found.update(line[i:] for i in range(1, len(line)) if line[i - 1].isspace() and not line[i].isspace())
    kept = sorted((f for f in found if len(f) >= MIN_FRAGMENT), key=len, reverse=True)
    return tuple(kept[:MAX_FRAGMENTS])


def _event_texts(event: CoreEvent) -> list[str]:
    if isinstance(event, MessagePosted):
        return [event.text]
    if isinstance(event, CommandInvoked):
        texts = [event.args, *(event.options or {}).values(), *event.attachment_texts.values()]
        if event.replied is not None:
            texts.append(event.replied.text)
        return texts
    return []  # a button's payload is ours (an action and ids), a `Posted` is the bot's own message


@contextmanager
def handling(event: CoreEvent) -> Iterator[None]:
    """Mask this event's member text in log records made while it is handled (in this task and its children)."""
    token = _current.set(_Private(_event_texts(event)))
    try:
        yield
    finally:
        _current.reset(token)


def redact(text: str) -> str:
    """`text` without the current event's member text and without the values PostgreSQL's DETAIL echoes."""
    private = _current.get()
    for fragment in private.fragments if private else ():
        if fragment in text:
            text = text.replace(fragment, REDACTED)
    if "DETAIL" in text or "Key (" in text:
        text = _PG_ROW.sub(r"\1(…)", text)
        text = _PG_KEY.sub(r"\1=(…)", text)
    return text


class PrivateTextFilter(logging.Filter):
    """Redact members' text from a record: its message, arguments, traceback and stack (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        has_exception = bool(record.exc_info and record.exc_info[1] is not None) or bool(record.exc_text)
        if not _current.get() and not has_exception:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a format string that does not fit its arguments: keep both, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = PrivateTextFilter()


def redacting_logger(name: str) -> logging.Logger:
    """`logging.getLogger(name)` with `PrivateTextFilter` on it (once), for the core's modules."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, PrivateTextFilter) for f in logger.filters):
        logger.addFilter(_FILTER)
    return logger
