"""`Flags`: flags members file against releases, and their resolution by moderators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from storage.models import (
    Flag,
    Release,
)
from storage.repositories.base import Repository

__all__ = ["Flags"]


class Flags(Repository):
    """Flags members file against releases, and their resolution."""

    async def add(self, release_id: int, account_id: int, norm_id: str, reason: str, at: datetime) -> Flag | None:
        """File a flag; None when this account already flagged this release under this norm."""
        self.memory.fresh_releases.discard(release_id)
        written = await self.insert_ignore(
            Flag.__table__,
            {
                "release_id": release_id,
                "account_id": account_id,
                "norm_id": norm_id,
                "reason": reason,
                "status": "open",
                "created_at": at,
            },
        )
        if not written:
            return None
        stmt = select(Flag).where(Flag.release_id == release_id, Flag.account_id == account_id, Flag.norm_id == norm_id)
        return (await self.s.execute(stmt)).scalar_one()

    async def count_since(self, account_ids: Sequence[int], since: datetime) -> int:
        """Flags these accounts (one person's) filed since a time: the rate limit is per person."""
        stmt = select(func.count()).select_from(Flag).where(Flag.account_id.in_(account_ids), Flag.created_at >= since)
        return int((await self.s.execute(stmt)).scalar_one())

    async def get(self, community_id: int, flag_id: int) -> Flag | None:
        """A flag of this community's releases (other communities' flag ids are not found)."""
        stmt = (
            select(Flag)
            .join(Release, Release.id == Flag.release_id)
            .where(Flag.id == flag_id, Release.community_id == community_id)
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def flagged_by_any(self, release_id: int, account_ids: Sequence[int], norm_id: str) -> bool:
        """Whether any of these accounts (one person's) flagged the release under this norm."""
        stmt = select(Flag.id).where(
            Flag.release_id == release_id, Flag.account_id.in_(account_ids), Flag.norm_id == norm_id
        )
        return (await self.s.execute(stmt.limit(1))).first() is not None

    async def of_release(self, release_id: int, status: str | None = None) -> list[Flag]:
        """Flags of a release, oldest first."""
        if release_id in self.memory.fresh_releases:
            return []
        stmt = select(Flag).where(Flag.release_id == release_id)
        if status:
            stmt = stmt.where(Flag.status == status)
        return list((await self.s.execute(stmt.order_by(Flag.id))).scalars())

    async def open(self, community_id: int, limit: int = 50) -> list[Flag]:
        """Open flags in a community, oldest first (the moderators' queue)."""
        stmt = (
            select(Flag)
            .join(Release, Release.id == Flag.release_id)
            .where(Release.community_id == community_id, Flag.status == "open")
            .order_by(Flag.id)
            .limit(limit)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def resolved_since(
        self, community_id: int, since: datetime, status: str, limit: int = 50
    ) -> list[tuple[Flag, Release]]:
        """Flags of a community resolved as `status` at or after `since`, oldest first, with their release
        (the weekly digest shows upheld outcomes)."""
        stmt = (
            select(Flag, Release)
            .join(Release, Release.id == Flag.release_id)
            .where(Release.community_id == community_id, Flag.status == status, Flag.resolved_at >= since)
            .order_by(Flag.id)
            .limit(limit)
        )
        return [(f, r) for f, r in (await self.s.execute(stmt)).all()]

    async def resolve(self, flag_id: int, *, status: str, by: int, note: str, penalise: bool, at: datetime) -> bool:
        """Resolve an open flag; False when it was already resolved (a replayed or racing resolution)."""
        result = await self.s.execute(
            update(Flag)
            .where(Flag.id == flag_id, Flag.status == "open")
            .values(status=status, resolved_by=by, resolution_note=note, penalised=penalise, resolved_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def against_creator(self, creator_ids: Sequence[int]) -> list[Flag]:
        """Every flag on the releases of these accounts (`whyflagged`, reputation)."""
        stmt = (
            select(Flag)
            .join(Release, Release.id == Flag.release_id)
            .where(Release.creator_id.in_(creator_ids))
            .order_by(Flag.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def count_upheld(self, account_ids: Sequence[int], *, against: bool) -> int:
        """Upheld flags against these accounts' releases (`against`), or filed by them and upheld (accuracy)."""
        stmt = select(func.count()).select_from(Flag).where(Flag.status == "upheld")
        if against:
            stmt = stmt.join(Release, Release.id == Flag.release_id).where(Release.creator_id.in_(account_ids))
        else:
            stmt = stmt.where(Flag.account_id.in_(account_ids))
        return int((await self.s.execute(stmt)).scalar_one())
