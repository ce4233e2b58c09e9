"""`Jobs`: scheduled jobs (review deadlines, digests), each claimed by exactly one replica."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, select, update

from storage.models import (
    ScheduledJob,
)
from storage.repositories.base import Repository

__all__ = ["Jobs"]


class Jobs(Repository):
    """Scheduled jobs (review deadlines, digests): claimed by exactly one replica."""

    async def schedule_many(
        self, jobs: Sequence[tuple[str, str, datetime]], at: datetime, community_id: int | None
    ) -> int:
        """Add several pending jobs ((kind, subject, due time) each) in one statement; duplicates are skipped.
        Returns how many were new."""
        if not jobs:
            return 0
        rows = [
            {
                "community_id": community_id,
                "kind": k,
                "subject": subj,
                "due_at": due,
                "state": "pending",
                "created_at": at,
            }
            for k, subj, due in jobs
        ]
        return len(await self.insert_many_ignore(ScheduledJob.__table__, rows))

    async def schedule(
        self, kind: str, subject: str, due_at: datetime, at: datetime, community_id: int | None = None
    ) -> bool:
        """Add a pending job; the same (kind, subject, due time) twice is one job."""
        return await self.insert_ignore(
            ScheduledJob.__table__,
            {
                "community_id": community_id,
                "kind": kind,
                "subject": subject,
                "due_at": due_at,
                "state": "pending",
                "created_at": at,
            },
        )

    async def cancel(self, kind: str, subject: str) -> int:
        """Cancel pending jobs of a kind for a subject (a release got endorsed before its deadline)."""
        result = await self.s.execute(
            update(ScheduledJob)
            .where(ScheduledJob.kind == kind, ScheduledJob.subject == subject, ScheduledJob.state == "pending")
            .values(state="cancelled")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def due(self, now: datetime, limit: int = 100) -> list[ScheduledJob]:
        """Pending jobs whose time has come, oldest first."""
        stmt = (
            select(ScheduledJob)
            .where(ScheduledJob.state == "pending", ScheduledJob.due_at <= now)
            .order_by(ScheduledJob.due_at, ScheduledJob.id)
            .limit(limit)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def claim(self, job_id: int, worker: str, at: datetime) -> bool:
        """Atomically move a job from pending to running; exactly one caller across replicas gets True."""
        result = await self.s.execute(
            update(ScheduledJob)
            .where(and_(ScheduledJob.id == job_id, ScheduledJob.state == "pending"))
            .values(state="running", claimed_by=worker, fired_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def finish(self, job_id: int) -> None:
        """Mark a claimed job done."""
        await self.s.execute(update(ScheduledJob).where(ScheduledJob.id == job_id).values(state="done"))

    async def release_stale(self, before: datetime) -> int:
        """Return jobs claimed by a replica that died before finishing them to the pending state."""
        result = await self.s.execute(
            update(ScheduledJob)
            .where(ScheduledJob.state == "running", ScheduledJob.fired_at < before)
            .values(state="pending", claimed_by=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def all(self, state: str | None = None) -> list[ScheduledJob]:
        """Jobs, optionally by state (tests and the status page)."""
        stmt = select(ScheduledJob).order_by(ScheduledJob.due_at, ScheduledJob.id)
        if state is not None:
            stmt = stmt.where(ScheduledJob.state == state)
        return list((await self.s.execute(stmt)).scalars())

    async def requeue(self, job_id: int) -> None:
        """Put a claimed job back to pending (a long job that used its share of a tick continues at the next
        one, on whichever replica claims it then)."""
        await self.s.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id == job_id, ScheduledJob.state == "running")
            .values(state="pending", claimed_by=None)
        )
