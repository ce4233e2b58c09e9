"""Proposed hot-path changes, applied to a running core *from the outside* so the benchmark can measure
their gain against the unchanged core in the same run. Nothing here is used by the bot; the lead applies
the real change in `moderation/` (see docs/performance.md, "Proposed changes").

1. `cache_bindings`: `on_message` asks the store which community a chat belongs to on every message
   (`Core.resolve_community` -> `Tx.chat_binding`), although bindings change only on `/watch`, `/unwatch`
   and chat migration. The proposal keeps resolved bindings in memory for a short time-to-live (so a binding
   changed by another replica is picked up within seconds) and drops an entry when this process changes it.
3. `defer_audit`: every state change appends to the community's hash chain, which locks the chain's head
   row (`SELECT … FOR UPDATE`) until COMMIT. `Tx.audit` is called in the middle of a handler, so the lock is
   held for the rest of it (quorum count, status change, prompt refresh) and a burst on one release queues
   on it. The proposal buffers the events and appends them at the end of the unit of work, just before
   COMMIT. (The experiment returns -1 instead of the sequence number, so it is only used for endorsements.)
2. `inline_prefilter`: `Detector.adetect_many` hops to a worker thread for every message, even though the
   pre-filter rejects most chat in microseconds. The proposal runs the pre-filter inline and only hands
   candidates to the thread.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from moderation.community import CommunityConfig
from moderation.core import Core
from moderation.detection import Detection, prefilter_passes
from moderation.events import ChatRef
from storage import Store, Tx

__all__ = ["InlinePrefilter", "apply", "cache_bindings", "defer_audit"]

Resolved = tuple[CommunityConfig, int, bool] | None


def cache_bindings(core: Core, ttl: float = 5.0) -> None:
    """Wrap `core.resolve_community` with a per-process cache of `ttl` seconds (positive and negative)."""
    original = core.resolve_community
    cache: dict[tuple[str, str, str | None], tuple[float, Resolved]] = {}

    async def resolve(tx: Tx, chat: ChatRef) -> Resolved:
        key = (chat.platform, chat.chat_id, chat.space_id)
        hit = cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await original(tx, chat)
        cache[key] = (now + ttl, value)
        return value

    core.resolve_community = resolve  # type: ignore[method-assign]


class InlinePrefilter:
    """A detector wrapper: the pre-filter runs on the event loop, only candidates go to the thread."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def adetect_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> Sequence[Any]:
        """Same results as the inner detector's; no thread hop when nothing passes the pre-filter."""
        if not any(prefilter_passes(text, tuple(atts)) for text, atts in items):
            return [Detection(False, 0.0, "prefilter", None) for _ in items]
        return list(await self.inner.adetect_many(items))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def apply(core: Core) -> None:
    """Both proposals at once."""
    cache_bindings(core)
    core.detector = InlinePrefilter(core.detector)


def defer_audit(store: Store) -> None:
    """Make `store.transaction()` buffer `tx.audit(...)` calls and append them right before COMMIT."""
    original = store.transaction

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Tx]:
        async with original() as tx:
            pending: list[tuple[int, dict[str, Any]]] = []
            append = tx.audit

            async def audit(community_id: int, **event: Any) -> int:
                pending.append((community_id, event))
                return -1

            tx.audit = audit  # type: ignore[method-assign]
            yield tx
            for community_id, event in pending:
                await append(community_id, **event)

    store.transaction = transaction  # type: ignore[method-assign]
