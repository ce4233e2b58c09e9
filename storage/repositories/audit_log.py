"""`AuditLog`: appending to and reading the per-community hash chains (hashing itself: `storage.audit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.audit import GENESIS, ChainProblem, event_hash, verify_chain
from storage.models import (
    AuditEvent,
    AuditHead,
)
from storage.repositories.base import Repository, UnitMemory

__all__ = ["AuditLog"]

# Up to this many audit events of one chain go in with its head's UPDATE (one statement shape per count, each
# compiled once); a unit of work that appends more (a batch of jobs) stores them with one executemany first.
_CTE_EVENTS = 8
_LOCKED_HEAD = select(AuditHead).where(AuditHead.community_id == bindparam("community_id")).with_for_update()


class AuditLog(Repository):
    """The communities' tamper-evident audit chains: events are queued in the unit of work, chained and stored
    just before COMMIT (`write`), so a chain head stays locked for as short a time as possible."""

    __slots__ = ("_chained", "_heads", "_pending", "appended")

    def __init__(self, session: AsyncSession, memory: UnitMemory) -> None:
        super().__init__(session, memory)
        # Chain heads already locked, events appended but not chained (no head locked for them yet), events
        # chained (seq and hash known) but not stored yet: an announcement appends several events, and each
        # would otherwise be another round trip.
        self._heads: dict[int, AuditHead] = {}
        self._pending: list[dict[str, Any]] = []
        self._chained: list[dict[str, Any]] = []
        # Every event this unit appended, in call order (the mod log is derived from them before COMMIT: only
        # the unit of work that really made a decision appends its events, so a replay posts nothing twice).
        self.appended: list[dict[str, Any]] = []

    def forget_heads(self) -> None:
        """Forget the locked heads (their community was deleted in this unit of work)."""
        self._heads.clear()

    def forget(self) -> None:
        """Forget everything queued and locked (the unit of work was rolled back)."""
        self._heads.clear()
        self._pending.clear()
        self._chained.clear()
        self.appended.clear()

    async def append(
        self,
        community_id: int,
        *,
        actor: str,
        action: str,
        subject: str,
        payload: dict[str, Any],
        at: datetime,
    ) -> None:
        """Append an event to the community's chain when this unit of work commits.

        The event is only queued here: `write` locks the chain head (FOR UPDATE on PostgreSQL; SQLite
        serialises writers anyway), chains the queued events in call order and stores them, just before
        COMMIT. Taking the head at the end keeps it locked for two round trips (events and head in one
        statement on PostgreSQL, then COMMIT) instead of the rest of the unit of work: every endorsement of
        a community goes through that one row, so with the lock taken at the first append, a burst on one
        release queued behind every other statement of each transaction (docs/performance.md, "Endorsement
        burst"). It also means a unit of work holding a head waits for no other row (heads are locked in
        community order), except after `append_now`, whose callers touch only their own new rows.
        """
        event = {
            "community_id": community_id,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
        }
        self._pending.append(event)
        self.appended.append(event)

    async def append_now(
        self,
        community_id: int,
        *,
        actor: str,
        action: str,
        subject: str,
        payload: dict[str, Any],
        at: datetime,
    ) -> tuple[int, str]:
        """`append`, chained at once: (sequence number, hash), for a receipt that must cite its place in the
        chain before the unit of work ends. The head stays locked from here to COMMIT, so the caller should
        only touch rows of its own unit of work afterwards (claims sign their receipts, then update them)."""
        await self.append(community_id, actor=actor, action=action, subject=subject, payload=payload, at=at)
        await self._chain_pending()
        last = self._chained[-1]
        return int(last["seq"]), str(last["hash"])

    async def write(self) -> None:
        """Chain and store the events appended so far: the events and the chain's head in one statement on
        PostgreSQL, instead of three statements per event. `Store` calls this before every commit, and every
        query that reads audit events calls it first, so nobody can observe the chain half-written."""
        await self._chain_pending()
        if not self._chained:
            return
        chained, self._chained = self._chained, []
        postgres = self.s.get_bind().dialect.name == "postgresql"
        for cid in sorted({e["community_id"] for e in chained}):
            head = self._heads[cid]
            events = [e for e in chained if e["community_id"] == cid]
            move = update(AuditHead).where(AuditHead.community_id == cid).values(seq=head.seq, hash=head.hash)
            if postgres and len(events) <= _CTE_EVENTS:
                # One round trip while the head is locked instead of two: each event goes in as a
                # data-modifying CTE of the head's UPDATE (PostgreSQL runs such a CTE even if unreferenced).
                # One single-row CTE per event, never one multi-row VALUES: SQLAlchemy cannot cache a
                # multi-row VALUES statement, and compiling it anew costs a large share of an
                # announcement's CPU.
                for i, event in enumerate(events):
                    move = move.add_cte(insert(AuditEvent).values(event).cte(f"appended_{i}"))
            else:
                await self.s.execute(insert(AuditEvent), events)  # executemany: one cached statement
            await self.s.execute(move)

    async def events(self, community_id: int, limit: int | None = None) -> list[AuditEvent]:
        """A community's audit events in order (newest last)."""
        await self.write()
        stmt = select(AuditEvent).where(AuditEvent.community_id == community_id).order_by(AuditEvent.seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        return list((await self.s.execute(stmt)).scalars())

    async def verify(self) -> list[ChainProblem]:
        """Verify every community's chain against its head."""
        await self.write()
        problems: list[ChainProblem] = []
        heads = {h.community_id: h.seq for h in (await self.s.execute(select(AuditHead))).scalars()}
        ids = set(heads) | set((await self.s.execute(select(AuditEvent.community_id).distinct())).scalars())
        for cid in sorted(ids):
            rows = await self.events(cid)
            problems.extend(verify_chain(cid, rows, heads.get(cid, 0)))
        return problems

    async def _chain_pending(self) -> None:
        """Lock the heads of the queued events' chains (in community order) and chain the events."""
        if not self._pending:
            return
        for cid in sorted({e["community_id"] for e in self._pending} - self._heads.keys()):
            head = await self._locked_audit_head(cid)
            if head is None:
                await self.insert_ignore(
                    AuditHead.__table__,
                    {"community_id": cid, "seq": 0, "hash": GENESIS},
                )
                head = await self._locked_audit_head(cid)
                assert head is not None
            self._heads[cid] = head  # locked until commit: later appends here need not ask again
        pending, self._pending = self._pending, []
        for event in pending:
            cid = event["community_id"]
            head = self._heads[cid]
            seq = head.seq + 1
            digest = event_hash(head.hash, seq=seq, **event)
            self._chained.append({**event, "seq": seq, "prev_hash": head.hash, "hash": digest})
            # The head moves in memory only; `write` stores events and heads together.
            set_committed_value(head, "seq", seq)
            set_committed_value(head, "hash", digest)

    async def _locked_audit_head(self, community_id: int) -> AuditHead | None:
        """The community's chain head, locked until commit (FOR UPDATE; SQLite serialises writers anyway)."""
        return (await self.s.execute(_LOCKED_HEAD, {"community_id": community_id})).scalar_one_or_none()
