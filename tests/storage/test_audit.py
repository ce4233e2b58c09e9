"""The audit chain detects edited, deleted and truncated events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update

from storage import AuditEvent, Store

T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def _fill(store: Store, n: int = 5) -> int:
    async with store.transaction() as tx:
        c = await tx.ensure_community("c", "C", T0)
        for i in range(n):
            await tx.audit(
                c.id,
                actor="discord:1",
                action="endorse",
                subject=f"release:{i}",
                payload={"i": i},
                at=T0 + timedelta(seconds=i),
            )
        return c.id


async def test_intact_chain_verifies(store: Store) -> None:
    """A chain nobody touched has no problems."""
    await _fill(store)
    async with store.transaction() as tx:
        assert await tx.verify_audit() == []


async def test_edited_row_is_detected(store: Store) -> None:
    """Changing one payload breaks that event's hash."""
    cid = await _fill(store)
    async with store.transaction() as tx:
        await tx.s.execute(
            update(AuditEvent).where(AuditEvent.community_id == cid, AuditEvent.seq == 3).values(payload={"i": 99})
        )
    async with store.transaction() as tx:
        problems = await tx.verify_audit()
    assert [p.seq for p in problems] == [3]


async def test_deleted_row_is_detected(store: Store) -> None:
    """Deleting a middle event leaves a gap and a broken link."""
    cid = await _fill(store)
    async with store.transaction() as tx:
        await tx.s.execute(delete(AuditEvent).where(AuditEvent.community_id == cid, AuditEvent.seq == 2))
    async with store.transaction() as tx:
        problems = await tx.verify_audit()
    assert problems and problems[0].seq == 2


async def test_deleted_tail_is_detected(store: Store) -> None:
    """Deleting the newest event is caught by the head row."""
    cid = await _fill(store)
    async with store.transaction() as tx:
        await tx.s.execute(delete(AuditEvent).where(AuditEvent.community_id == cid, AuditEvent.seq == 5))
    async with store.transaction() as tx:
        assert await tx.verify_audit() != []
