"""A bounded, expiring map from random tokens to what waits behind them, in this process's memory.

Two things wait for a member on Telegram: an answer behind a deep link (`bot.telegram.private`) and a form in
progress behind its buttons (`bot.telegram.forms`). Both must stay bounded (a flood of button presses cannot
grow memory without end) and forget what nobody came back for; they share this one structure.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

__all__ = ["ExpiringTokens"]


class _Expires(Protocol):
    @property
    def expires(self) -> float: ...


T = TypeVar("T", bound=_Expires)


class ExpiringTokens(Generic[T]):
    """Token -> item, oldest dropped first beyond `limit`, each gone once `item.expires` (monotonic) passed.

    Items are added in time order with one lifetime, so the oldest is also the first to expire and expiring
    stops at the first live item."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, T] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, token: str, item: T) -> None:
        self.expire()
        self._items[token] = item
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def get(self, token: str) -> T | None:
        self.expire()
        return self._items.get(token)

    def pop(self, token: str) -> None:
        self._items.pop(token, None)

    def newest_first(self) -> Iterator[T]:
        self.expire()
        return reversed(list(self._items.values()))

    def expire(self) -> None:
        now = time.monotonic()
        while self._items:
            token, first = next(iter(self._items.items()))
            if first.expires > now:
                break
            del self._items[token]
