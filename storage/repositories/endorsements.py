"""`Endorsements`: endorsements of releases, and the quorum facts counted from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, case, delete, distinct, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Account,
    Endorsement,
    NormResult,
    Release,
)
from storage.repositories.base import Repository, UnitMemory
from storage.repositories.norm_checks import _BLOCKING_NORMS, NormChecks

__all__ = ["Endorsements"]

# Quorum counts people, not accounts: endorsements from accounts `/link`ed to one person count once, and an
# endorsement from an account linked to the creator's person (possibly after it was given) does not count at
# all. An unlinked account is a person of its own; its key is its negated id, so it can't meet a person id.
_Endorser = aliased(Account, name="endorser")
_Creator = aliased(Account, name="creator")
PERSON_KEY = case((_Endorser.person_id.is_(None), -_Endorser.id), else_=_Endorser.person_id)
_COUNT_ENDORSEMENTS = (
    select(func.count(distinct(PERSON_KEY)))
    .select_from(Endorsement)
    .join(_Endorser, _Endorser.id == Endorsement.account_id)
    .join(Release, Release.id == Endorsement.release_id)
    .join(_Creator, _Creator.id == Release.creator_id)
    .where(
        Endorsement.release_id == bindparam("release_id"),
        Endorsement.account_id != Release.creator_id,
        or_(
            _Endorser.person_id.is_(None),
            _Creator.person_id.is_(None),
            _Endorser.person_id != _Creator.person_id,
        ),
    )
)
_COUNT_REVIEWER_ENDORSEMENTS = _COUNT_ENDORSEMENTS.where(Endorsement.by_reviewer.is_(True))


# What the quorum test needs, in one round trip instead of two: the endorsement count (all, or the reviewers')
# and whether the newest check failed a `block` norm.
_BLOCKED = exists(_BLOCKING_NORMS.with_only_columns(NormResult.id).order_by(None))
_QUORUM_FACTS = select(_COUNT_ENDORSEMENTS.scalar_subquery(), _BLOCKED)
_QUORUM_FACTS_REVIEWERS = select(_COUNT_REVIEWER_ENDORSEMENTS.scalar_subquery(), _BLOCKED)


class Endorsements(Repository):
    """Endorsements of releases and the quorum facts counted from them (people, not accounts)."""

    __slots__ = ("_norm_checks",)

    def __init__(self, session: AsyncSession, memory: UnitMemory, norm_checks: NormChecks) -> None:
        super().__init__(session, memory)
        self._norm_checks = norm_checks  # the quorum test asks whether the newest check blocks

    async def add(
        self, release_id: int, account_id: int, note: str, at: datetime, *, by_reviewer: bool = False
    ) -> bool:
        """Endorse; False when this account had already endorsed (the unique constraint decides)."""
        self.memory.fresh_releases.discard(release_id)
        return await self.insert_ignore(
            Endorsement.__table__,
            {
                "release_id": release_id,
                "account_id": account_id,
                "note": note,
                "by_reviewer": by_reviewer,
                "created_at": at,
            },
        )

    async def remove(self, release_id: int, account_ids: Sequence[int]) -> bool:
        """Withdraw the endorsement of any of these accounts (one person's); False when there was none."""
        result = await self.s.execute(
            delete(Endorsement).where(Endorsement.release_id == release_id, Endorsement.account_id.in_(account_ids))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def endorsed_by_any(self, release_id: int, account_ids: Sequence[int]) -> bool:
        """Whether any of these accounts (one person's) endorsed the release: a person endorses once."""
        if release_id in self.memory.fresh_releases:
            return False
        stmt = select(Endorsement.id).where(
            Endorsement.release_id == release_id, Endorsement.account_id.in_(account_ids)
        )
        return (await self.s.execute(stmt.limit(1))).first() is not None

    async def endorsed_releases_of_people(self, account_ids: Sequence[int]) -> list[Release]:
        """Endorsed releases these accounts created or endorsed: the ones whose quorum a new link between
        accounts can change (two endorsements become one person's, or an endorser becomes the creator)."""
        endorsed_by = select(Endorsement.release_id).where(Endorsement.account_id.in_(account_ids))
        stmt = (
            select(Release)
            .where(
                Release.status == "endorsed",
                or_(Release.creator_id.in_(account_ids), Release.id.in_(endorsed_by)),
            )
            .order_by(Release.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def drop(self, release_id: int) -> list[Account]:
        """Remove every endorsement of a release (its endorsed content changed); the accounts that had given
        them, oldest first, so the caller can tell them. The audit log keeps the endorsements' history."""
        given = [account for _, account in await self.of_release(release_id)]
        if given:
            await self.s.execute(delete(Endorsement).where(Endorsement.release_id == release_id))
        return given

    async def of_release(self, release_id: int) -> list[tuple[Endorsement, Account]]:
        """Endorsements of a release with their accounts, oldest first."""
        stmt = (
            select(Endorsement, Account)
            .join(Account, Account.id == Endorsement.account_id)
            .where(Endorsement.release_id == release_id)
            .order_by(Endorsement.id)
        )
        return [(e, a) for e, a in (await self.s.execute(stmt)).all()]

    async def count(self, release_id: int, *, reviewers_only: bool = False) -> int:
        """How many endorsements a release has (optionally only those given by reviewers)."""
        if release_id in self.memory.fresh_releases:
            return 0
        stmt = _COUNT_REVIEWER_ENDORSEMENTS if reviewers_only else _COUNT_ENDORSEMENTS
        return int((await self.s.execute(stmt, {"release_id": release_id})).scalar_one())

    async def times_for_creator(self, creator_ids: Sequence[int]) -> list[datetime]:
        """When each endorsement of the creator's releases was given (reputation with decay)."""
        stmt = (
            select(Endorsement.created_at)
            .join(Release, Release.id == Endorsement.release_id)
            .where(Release.creator_id.in_(creator_ids))
        )
        return list((await self.s.execute(stmt)).scalars())

    async def count_given(self, account_ids: Sequence[int]) -> int:
        """How many endorsements these accounts gave."""
        stmt = select(func.count()).select_from(Endorsement).where(Endorsement.account_id.in_(account_ids))
        return int((await self.s.execute(stmt)).scalar_one())

    async def quorum_facts(self, release_id: int, *, reviewers_only: bool = False) -> tuple[int, bool]:
        """(endorsements, blocked) of a release, in one statement: every endorsement asks, under its decision
        lock, so a round trip less here is one less per endorsement held up behind the lock."""
        count_stmt = _COUNT_REVIEWER_ENDORSEMENTS if reviewers_only else _COUNT_ENDORSEMENTS
        stmt = _QUORUM_FACTS_REVIEWERS if reviewers_only else _QUORUM_FACTS
        fresh = release_id in self.memory.fresh_releases  # made in this unit of work: nobody endorsed it yet
        if fresh or release_id in self.memory.latest_checks:  # checked in this unit of work: `blocking_norms` knows
            count = 0 if fresh else int((await self.s.execute(count_stmt, {"release_id": release_id})).scalar_one())
            return count, bool(await self._norm_checks.blocking_norms(release_id))
        counted, blocked = (await self.s.execute(stmt, {"release_id": release_id})).one()
        return int(counted), bool(blocked)
