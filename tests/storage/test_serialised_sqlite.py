"""SQLite's units of work run inline on the loop, one at a time (storage/inline_sqlite.py, storage/store.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_unit_of_work_inside_another_raises_instead_of_deadlocking(store: Store) -> None:
    """Waiting for the lock it holds would hang the task forever; it must fail loudly instead."""
    async with store.transaction():
        with pytest.raises(RuntimeError, match="inside another"):
            async with store.transaction():
                pass


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_concurrent_units_of_work_run_one_at_a_time_and_all_commit(store: Store) -> None:
    """Twenty tasks write at once; none overlaps another's unit of work and every write lands."""
    inside = 0
    most = 0

    async def write(i: int) -> None:
        nonlocal inside, most
        async with store.transaction() as tx:
            inside += 1
            most = max(most, inside)
            assert store.busy
            await tx.processed_events.mark("console", f"ev-{i}", NOW)
            await asyncio.sleep(0)  # give the others every chance to barge in
            inside -= 1

    await asyncio.gather(*(write(i) for i in range(20)))
    assert most == 1
    assert not store.busy
    async with store.transaction() as tx:
        assert not await tx.processed_events.mark("console", "ev-7", NOW)  # recorded before: a replay


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_failed_unit_of_work_releases_the_lock_and_writes_nothing(store: Store) -> None:
    """The lock is released on error and the rollback leaves nothing behind."""
    with pytest.raises(ValueError, match="handler failed"):
        async with store.transaction() as tx:
            await tx.processed_events.mark("console", "boom", NOW)
            raise ValueError("handler failed")
    async with store.transaction() as tx:
        assert await tx.processed_events.mark("console", "boom", NOW)  # rolled back, so new again


async def test_on_commit_runs_after_commit_and_never_after_a_rollback(store: Store) -> None:
    """Caches keyed by new row ids learn only what the store kept."""
    seen: list[str] = []
    async with store.transaction() as tx:
        tx.on_commit(lambda: seen.append("kept"))
        assert seen == []  # not before COMMIT
    assert seen == ["kept"]
    with pytest.raises(ValueError, match="late failure"):
        async with store.transaction() as tx:
            tx.on_commit(lambda: seen.append("rolled back"))
            raise ValueError("late failure")
    assert seen == ["kept"]
