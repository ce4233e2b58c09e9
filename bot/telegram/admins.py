"""Group administrators count as moderators: `getChatAdministrators`, cached per chat with an expiry.

Telegram has no "is this user an admin" flag on updates, so the adapter asks once per chat and caches the
answer for `admin_cache_seconds` (a promotion or demotion shows after at most that long). Only commands and
button presses look it up; plain chat messages never cost an API call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram.error import TelegramError

__all__ = ["AdminCache"]

log = logging.getLogger("normbot.telegram")
Fetch = Callable[[int | str], Awaitable[Sequence[Any]]]


class AdminCache:
    """chat id -> admin user ids, refreshed after `ttl` seconds; concurrent look-ups share one request."""

    def __init__(self, fetch: Fetch, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[int]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def admins(self, chat_id: int | str) -> frozenset[int]:
        """The admin user ids of a group; empty (and not cached) when Telegram can't tell us."""
        key = str(chat_id)
        hit = self._cache.get(key)
        if hit is not None and self._clock() < hit[0]:
            return hit[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._cache.get(key)
            if hit is not None and self._clock() < hit[0]:
                return hit[1]
            try:
                members = await self._fetch(chat_id)
            except TelegramError as exc:
                log.warning("getChatAdministrators failed for chat %s: %s", key, exc)
                return frozenset()
            ids = frozenset(m.user.id for m in members)
            self._cache[key] = (self._clock() + self._ttl, ids)
            return ids

    async def is_admin(self, chat_id: int | str, user_id: int) -> bool:
        """Whether `user_id` administers `chat_id`."""
        return user_id in await self.admins(chat_id)

    def forget(self, chat_id: int | str) -> None:
        """Drop a chat's entry (after a migration the old id is dead)."""
        self._cache.pop(str(chat_id), None)
