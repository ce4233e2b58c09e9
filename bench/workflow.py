"""The workflow benchmark (issue 4): endorsements per second with 50 members endorsing at once, through the
real core (`/endorse` commands into `Core.handle`), beside a raw-driver insert baseline in the same database.
Messages per second through the watcher come from the load generator's closed-loop runs (`bench.load`)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bench.baseline import raw_inserts
from bench.stream import endorse_event
from moderation.core import Core
from moderation.kernel.actions import Reply

__all__ = ["endorsements_per_second"]


async def endorsements_per_second(
    core: Core, url: str, releases: Sequence[tuple[str, int]], *, members: int = 50, per_member: int = 40
) -> dict[str, Any]:
    """`members` concurrent members each endorse `per_member` releases (other people's, across communities)."""
    targets = list(releases)[:per_member]
    outcomes: Counter[str] = Counter()

    async def member(j: int) -> None:
        for k, (slug, rid) in enumerate(targets):
            actions = await core.handle(endorse_event(slug, f"wf{j}", rid, f"wf-{j}-{k}"))
            titles = [a.card.title for a in actions if isinstance(a, Reply)]
            outcomes[titles[0] if titles else "(none)"] += 1

    start = time.perf_counter()
    await asyncio.gather(*(member(j) for j in range(members)))
    elapsed = time.perf_counter() - start
    total = members * len(targets)
    async with core.store.transaction() as tx:
        recorded = 0
        for _, rid in targets:
            recorded += len([1 for _, acc in await tx.endorsements.of_release(rid) if acc.user_id.startswith("wf")])
    raw = await raw_inserts(url, max(500, total), concurrency=members)
    rate = total / elapsed
    return {
        "members": members,
        "endorsements": total,
        "recorded": recorded,
        "per_s": round(rate, 1),
        "outcomes": dict(outcomes),
        "raw_baseline": raw,
        "ratio_to_raw": round(rate / raw["rows_per_s"], 3),
    }
