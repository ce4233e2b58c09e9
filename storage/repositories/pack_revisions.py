"""`PackRevisions`: the norm packs a community adopted, numbered per community."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select

from storage.models import (
    Community,
    NormPackRevision,
)
from storage.repositories.base import Repository

__all__ = ["PackRevisions"]

_CURRENT_REVISION = (
    select(NormPackRevision)
    .where(NormPackRevision.community_id == bindparam("community_id"))
    .order_by(NormPackRevision.number.desc())
    .limit(1)
)


class PackRevisions(Repository):
    """The norm packs a community adopted, numbered per community."""

    async def add(
        self,
        community_id: int,
        *,
        digest: str,
        pack_id: str,
        version: str,
        source: str,
        author: str,
        at: datetime,
    ) -> NormPackRevision:
        """Store an adopted pack as the community's next revision.

        The number is the last one + 1, read under a lock on the community's row (FOR NO KEY UPDATE on
        PostgreSQL; SQLite has one writer): two moderators adopting packs on two replicas at once would
        otherwise both read the same last number and the second INSERT would fail on
        `uq_norm_pack_revisions_community_id`."""
        await self.s.execute(select(Community.id).where(Community.id == community_id).with_for_update(key_share=True))
        last = (
            await self.s.execute(
                select(func.max(NormPackRevision.number)).where(NormPackRevision.community_id == community_id)
            )
        ).scalar_one_or_none()
        row = NormPackRevision(
            community_id=community_id,
            number=(last or 0) + 1,
            digest=digest,
            pack_id=pack_id,
            pack_version=version,
            source=source,
            author=author,
            created_at=at,
        )
        self.s.add(row)
        await self.s.flush()
        return row

    async def all(self, community_id: int) -> list[NormPackRevision]:
        """Every revision, newest first."""
        stmt = (
            select(NormPackRevision)
            .where(NormPackRevision.community_id == community_id)
            .order_by(NormPackRevision.number.desc())
        )
        return list((await self.s.execute(stmt)).scalars())

    async def current(self, community_id: int) -> NormPackRevision | None:
        """The latest adopted revision (None: the configured pack applies). Asked on every event, so it reads
        one row (the unique (community, number) index), not the whole history."""
        return (await self.s.execute(_CURRENT_REVISION, {"community_id": community_id})).scalar_one_or_none()

    async def get(self, community_id: int, number: int) -> NormPackRevision | None:
        """One revision by its number in the community (a button names the revision it was offered for)."""
        stmt = select(NormPackRevision).where(
            NormPackRevision.community_id == community_id, NormPackRevision.number == number
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()
