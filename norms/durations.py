"""Durations in norm files: `90m`, `24h`, `7d`, `2w` (one number, one unit; no mixing).

Why a tiny format of our own: review windows are coarse, and `1h30m` or ISO 8601 `PT1H30M` invite
mistakes that a moderator cannot see in a chat-sized config.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["DURATION_PATTERN", "MAX_DURATION", "format_duration", "parse_duration"]

DURATION_PATTERN = r"^[1-9][0-9]{0,5}[mhdw]$"
MAX_DURATION = timedelta(days=366)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_duration(text: str) -> timedelta:
    """`'24h'` -> `timedelta(hours=24)`; ValueError with a readable reason otherwise."""
    if not isinstance(text, str) or re.fullmatch(DURATION_PATTERN, text) is None:
        raise ValueError(f"{text!r} is not a duration like 90m, 24h, 7d or 2w")
    value = int(text[:-1]) * _UNITS[text[-1]]
    if value > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than {MAX_DURATION.days} days")
    return value


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling (`timedelta(hours=48)` -> `2d`), used in the canonical digest."""
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"
