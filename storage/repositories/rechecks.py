"""`Rechecks`: re-checks of a community's open releases after a norm change, one per adopted revision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import NormRecheck
from storage.repositories.base import Repository

__all__ = ["Rechecks"]


class Rechecks(Repository):
    """Re-check runs (the scheduled job `norm_recheck` advances them in bounded batches)."""

    async def start(
        self,
        community_id: int,
        revision_id: int,
        *,
        total: int,
        report: tuple[str, str, str | None],
        at: datetime,
    ) -> int | None:
        """Record a re-check of the releases for this revision; None when one exists already (one per
        revision, by constraint: a second press or a replica's replay starts nothing)."""
        platform, chat_id, thread_id = report
        return await self.insert_ignore_returning(
            NormRecheck.__table__,
            {
                "community_id": community_id,
                "revision_id": revision_id,
                "state": "queued",
                "total": total,
                "after_release_id": 0,
                "checked": 0,
                "changed": 0,
                "failing": 0,
                "report_platform": platform,
                "report_chat_id": chat_id,
                "report_thread_id": thread_id,
                "created_at": at,
            },
        )

    async def get(self, recheck_id: int) -> NormRecheck | None:
        """A re-check by id (the job's subject)."""
        return await self.s.get(NormRecheck, recheck_id)

    async def of_revision(self, revision_id: int) -> NormRecheck | None:
        """The re-check started for a revision, if any."""
        stmt = select(NormRecheck).where(NormRecheck.revision_id == revision_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()
