"""Concurrent deciders move a release once: the status change is compare-and-set in the store."""

from __future__ import annotations

import asyncio

from bot.wiring import build_core
from moderation.clock import ManualClock
from storage import Store
from tests.core.harness import GOOD, Chat, community


async def test_concurrent_endorsements_endorse_and_audit_once(pg_store: Store, clock: ManualClock) -> None:
    """40 members endorse at once on PostgreSQL: 40 rows, one `release.endorsed` event, status endorsed."""
    core = await build_core(pg_store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD)
    await asyncio.gather(*(chat.cmd(f"member{i}", "/endorse R1") for i in range(40)))
    async with pg_store.transaction() as tx:
        assert await tx.count_endorsements(1) == 40
        release = await tx.release_any(1)
        assert release is not None and release.status == "endorsed"
        (c,) = [c for c in await tx.communities() if c.slug == "forge"]
        moves = [e for e in await tx.audit_events(c.id) if e.action == "release.endorsed"]
        assert len(moves) == 1
        assert await tx.verify_audit() == []


async def test_status_command_refuses_a_stale_move(store: Store, clock: ManualClock) -> None:
    """A moderator's /status that lost a race is refused, not applied over the newer state."""
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD)
    async with store.transaction() as tx:
        release = await tx.release_any(1)
        assert release is not None
        assert await tx.move_release(release, "in_review", "flagged", clock())
        assert not await tx.move_release(release, "in_review", "removed", clock())
        assert release.status == "flagged"
