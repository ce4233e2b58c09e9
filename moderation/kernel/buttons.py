"""Button payloads: `nb1:<action>:<release_id>`, at most 64 bytes (Telegram's callback-data limit).

The payload carries all the state a press needs, so buttons keep working after a restart and on any
replica; the store, not the message, holds everything else. Anything that does not parse is a forged or
stale payload and is refused with a short message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.kernel.errors import BadArgument
from moderation.kernel.i18n import _

__all__ = ["ACTIONS", "ButtonPayload", "encode", "parse"]

VERSION = "nb1"
ACTIONS = ("endorse", "flag", "review", "show", "uphold", "dismiss", "penalise", "recheck", "grant", "deny")
_PATTERN = re.compile(r"nb1:([a-z]{1,12}):([0-9]{1,18})(?::([0-9]{1,18}))?")


@dataclass(frozen=True, slots=True)
class ButtonPayload:
    """A parsed payload: the action, the release, and for flag decisions the flag id (for appeal decisions,
    `grant` and `deny`, the appeal id).

    `recheck` (under `/norms set`'s answer) is about a norm pack revision, not a release: its number rides in
    `release_id`, the payload's one subject id, so the format stays the one every adapter already parses."""

    action: str
    release_id: int
    flag_id: int | None = None


def encode(action: str, release_id: int, flag_id: int | None = None) -> str:
    """Build a payload; raises ValueError on an unknown action (a programming error)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown button action {action!r}")
    payload = f"{VERSION}:{action}:{release_id}" + (f":{flag_id}" if flag_id is not None else "")
    assert len(payload.encode()) <= 64
    return payload


def parse(payload: str) -> ButtonPayload:
    """Parse a payload; raises BadArgument for anything forged, stale or malformed."""
    m = _PATTERN.fullmatch(payload or "")
    if m is None or m.group(1) not in ACTIONS:
        raise BadArgument(_("This button is not valid any more."))
    flag = int(m.group(3)) if m.group(3) else None
    return ButtonPayload(m.group(1), int(m.group(2)), flag)
