"""What the fake Discord remembers: every REST call (for assertions), the messages in each channel, and
snowflake ids. Tests wait on recorded calls with `wait_for` instead of sleeping."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord.payloads import JSON

__all__ = ["Call", "Recorder", "Snowflakes"]


class Snowflakes:
    """Increasing 64-bit ids shaped like Discord's (timestamp in the high bits)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        """A fresh id."""
        return (1_700_000_000_000 - 1_420_070_400_000) << 22 | next(self._counter)


@dataclass
class Call:
    """One REST request the client made and what the fake answered."""

    index: int
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    result: Any = None
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the fake answered with a 2xx status."""
        return 200 <= self.status < 300

    def matches(self, method: str, pattern: str) -> bool:
        """`pattern` is a regular expression over the path after `/api/v10` (`/channels/\\d+/messages`)."""
        return self.method == method and re.fullmatch(pattern, self.path) is not None


class Recorder:
    """The log of REST calls, with a condition so tests can wait for the one they expect."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._changed = asyncio.Condition()

    def mark(self) -> int:
        """A position in the log: `wait_for(..., after=mark)` ignores what came before."""
        return len(self.calls)

    async def add(self, call: Call) -> None:
        """Record a call and wake the waiters."""
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def find(
        self, method: str, pattern: str, predicate: Callable[[Call], bool] | None = None, *, after: int = 0
    ) -> list[Call]:
        """Calls so far that match."""
        return [c for c in self.calls[after:] if c.matches(method, pattern) and (predicate is None or predicate(c))]

    async def wait_for(
        self,
        method: str,
        pattern: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Call:
        """The first matching call at or after `after`; raises AssertionError naming what never came."""

        def first() -> Call | None:
            found = self.find(method, pattern, predicate, after=after)
            return found[0] if found else None

        async def wait() -> Call:
            async with self._changed:
                await self._changed.wait_for(lambda: first() is not None)
            call = first()
            assert call is not None
            return call

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            seen = [f"{c.method} {c.path} -> {c.status}" for c in self.calls[after:]]
            raise AssertionError(f"no {method} {pattern} within {timeout}s; saw {seen}") from None


def json_of(body: Any) -> JSON:
    """A request body as a dict (empty for none)."""
    return body if isinstance(body, dict) else {}
