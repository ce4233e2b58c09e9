"""PostgreSQL: a capped number of units of work in flight per process, and the audit chain's head locked only
at the end of a unit of work (storage/store.py, storage/tx.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _community(store: Store, slug: str = "c") -> int:
    async with store.transaction() as tx:
        return (await tx.communities.ensure(slug, slug.upper(), NOW)).id


async def test_no_more_units_in_flight_than_the_cap_and_every_one_commits(pg_store: Store, pg_database: str) -> None:
    """Twenty tasks at once through a store capped at three: never more than three inside, all twenty land."""
    store = Store.from_url(pg_database, max_units=3)  # on the database `pg_store` emptied
    try:
        inside = 0
        most = 0

        async def write(i: int) -> None:
            nonlocal inside, most
            async with store.transaction() as tx:
                inside += 1
                most = max(most, inside)
                await tx.processed_events.mark("console", f"cap-{i}", NOW)
                await asyncio.sleep(0.01)  # every other task gets its chance to barge in meanwhile
                inside -= 1

        await asyncio.gather(*(write(i) for i in range(20)))
        assert most == 3
        async with store.transaction() as tx:
            replays = [await tx.processed_events.mark("console", f"cap-{i}", NOW) for i in range(20)]
        assert replays == [False] * 20  # every one was recorded before
    finally:
        await store.close()


async def test_a_unit_inside_another_raises_on_a_capped_store(pg_store: Store) -> None:
    """With every place taken by outer units waiting for inner ones, the process would hang: it raises."""
    async with pg_store.transaction():
        with pytest.raises(RuntimeError, match="inside another"):
            async with pg_store.transaction():
                pass
    async with pg_store.transaction() as tx:  # the place was given back
        assert await tx.processed_events.mark("console", "after", NOW)


async def test_the_chain_head_is_not_locked_before_the_unit_of_work_ends(pg_store: Store) -> None:
    """A unit that has appended an event but not finished must not hold up another unit of the same community:
    the head is locked only while the events are stored, just before COMMIT. Both events land, chained in the
    order the units committed."""
    cid = await _community(pg_store)
    appended = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        async with pg_store.transaction() as tx:
            await tx.audit_log.append(cid, actor="a", action="slow", subject="s", payload={}, at=NOW)
            appended.set()
            await release.wait()  # still inside its unit of work

    slow_task = asyncio.create_task(slow())
    await appended.wait()

    async def fast() -> None:
        async with pg_store.transaction() as tx:
            await tx.audit_log.append(cid, actor="b", action="fast", subject="f", payload={}, at=NOW)

    try:
        await asyncio.wait_for(fast(), 10)  # would wait for `slow` forever if it held the head
    finally:
        release.set()
    await asyncio.wait_for(slow_task, 10)
    async with pg_store.transaction() as tx:
        events = await tx.audit_log.events(cid)
        assert [(e.seq, e.action) for e in events] == [(1, "fast"), (2, "slow")]
        assert await tx.audit_log.verify() == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_audit_now_gives_the_place_and_hash_the_chain_keeps(store: Store) -> None:
    """A receipt cites (seq, hash) before the unit of work ends; they are what is stored, in call order with
    the events queued before and after it."""
    cid = await _community(store)
    async with store.transaction() as tx:
        await tx.audit_log.append(cid, actor="x", action="first", subject="1", payload={"n": 1}, at=NOW)
        seq, digest = await tx.audit_log.append_now(
            cid, actor="x", action="cited", subject="2", payload={"n": 2}, at=NOW
        )
        await tx.audit_log.append(cid, actor="x", action="third", subject="3", payload={"n": 3}, at=NOW)
    assert seq == 2
    async with store.transaction() as tx:
        events = await tx.audit_log.events(cid)
        assert [e.action for e in events] == ["first", "cited", "third"]
        assert events[1].hash == digest
        assert await tx.audit_log.verify() == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_events_of_a_discarded_unit_are_never_stored(store: Store) -> None:
    """A dry run that appended events and then discarded its work leaves the chain as it was."""
    cid = await _community(store)
    async with store.transaction() as tx:
        await tx.audit_log.append(cid, actor="x", action="dry", subject="1", payload={}, at=NOW)
        await tx.discard()
    async with store.transaction() as tx:
        assert await tx.audit_log.events(cid) == []
