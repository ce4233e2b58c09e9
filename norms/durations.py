"""Durations in norm files: `90m`, `24h`, `7d`, `2w`, or combined like `1d12h`.

Why strings and not seconds: moderators write and read these; `72h` is clearer than `259200`.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["DURATION_PATTERN", "MAX_DURATION", "format_duration", "parse_duration"]

DURATION_PATTERN = r"^(?:[0-9]{1,6}[smhdw])+$"
MAX_DURATION = timedelta(days=366)
_PART = re.compile(r"([0-9]+)([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str) -> timedelta:
    """Parse `90m`/`24h`/`7d`/`1d12h`; ValueError (with a message fit for a Problem) on anything else."""
    if not isinstance(value, str) or not re.fullmatch(DURATION_PATTERN, value):
        raise ValueError(f"{value!r} is not a duration; write a number and a unit, like 90m, 24h or 7d")
    seconds = sum(int(n) * _UNIT[u] for n, u in _PART.findall(value))
    if seconds <= 0:
        raise ValueError(f"duration {value!r} must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"duration {value!r} is longer than {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest canonical string for a duration (`259200s` -> `3d`); used by the digest and `show`."""
    seconds = int(value.total_seconds())
    out = ""
    for unit in ("w", "d", "h", "m", "s"):
        n, seconds = divmod(seconds, _UNIT[unit])
        if n:
            out += f"{n}{unit}"
    return out or "0s"
