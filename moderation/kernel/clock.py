"""Time as a collaborator: the console's simulated clock and tests drive the same code as production."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["Clock", "ManualClock", "utcnow"]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real time, timezone-aware UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (`@clock: +25h` in console scripts)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward (never backward: scheduled work relies on monotonic time)."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.now += delta
        return self.now
