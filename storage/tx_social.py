"""Queries about what members do to releases: endorsements, flags, reviews, claims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Account, Claim, Endorsement, Flag, Release, Review, ReviewAnswer

__all__ = ["SocialQueries"]


_COUNT_ENDORSEMENTS = (
    select(func.count()).select_from(Endorsement).where(Endorsement.release_id == bindparam("release_id"))
)
_COUNT_REVIEWER_ENDORSEMENTS = _COUNT_ENDORSEMENTS.where(Endorsement.by_reviewer.is_(True))


class SocialQueries:
    """Mixin of `Tx`: endorsements, flags, reviews and claims."""

    s: AsyncSession
    _fresh_releases: set[int]  # set by Tx.__init__

    async def insert_ignore(self, table: Any, values: dict[str, Any]) -> bool:  # provided by Tx
        raise NotImplementedError

    def dialect_insert(self, target: Any) -> Any:  # provided by Tx
        raise NotImplementedError

    async def insert_many_ignore(
        self, table: Any, rows: Sequence[dict[str, Any]], returning: tuple[str, ...] = ("id",)
    ) -> list[tuple[Any, ...]]:  # provided by Tx
        raise NotImplementedError

    # -- endorsements ----------------------------------------------------------------------------------

    async def add_endorsement(
        self, release_id: int, account_id: int, note: str, at: datetime, *, by_reviewer: bool = False
    ) -> bool:
        """Endorse; False when this account had already endorsed (the unique constraint decides)."""
        self._fresh_releases.discard(release_id)
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

    async def remove_endorsement(self, release_id: int, account_id: int) -> bool:
        """Withdraw an endorsement; False when there was none."""
        result = await self.s.execute(
            delete(Endorsement).where(Endorsement.release_id == release_id, Endorsement.account_id == account_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def endorsements(self, release_id: int) -> list[tuple[Endorsement, Account]]:
        """Endorsements of a release with their accounts, oldest first."""
        stmt = (
            select(Endorsement, Account)
            .join(Account, Account.id == Endorsement.account_id)
            .where(Endorsement.release_id == release_id)
            .order_by(Endorsement.id)
        )
        return [(e, a) for e, a in (await self.s.execute(stmt)).all()]

    async def count_endorsements(self, release_id: int, *, reviewers_only: bool = False) -> int:
        """How many endorsements a release has (optionally only those given by reviewers)."""
        if release_id in self._fresh_releases:
            return 0
        stmt = _COUNT_REVIEWER_ENDORSEMENTS if reviewers_only else _COUNT_ENDORSEMENTS
        return int((await self.s.execute(stmt, {"release_id": release_id})).scalar_one())

    async def endorsement_times_for_creator(self, creator_ids: Sequence[int]) -> list[datetime]:
        """When each endorsement of the creator's releases was given (reputation with decay)."""
        stmt = (
            select(Endorsement.created_at)
            .join(Release, Release.id == Endorsement.release_id)
            .where(Release.creator_id.in_(creator_ids))
        )
        return list((await self.s.execute(stmt)).scalars())

    async def count_endorsements_given(self, account_ids: Sequence[int]) -> int:
        """How many endorsements these accounts gave."""
        stmt = select(func.count()).select_from(Endorsement).where(Endorsement.account_id.in_(account_ids))
        return int((await self.s.execute(stmt)).scalar_one())

    # -- flags -----------------------------------------------------------------------------------------

    async def add_flag(self, release_id: int, account_id: int, norm_id: str, reason: str, at: datetime) -> Flag | None:
        """File a flag; None when this account already flagged this release under this norm."""
        self._fresh_releases.discard(release_id)
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

    async def count_flags_since(self, account_id: int, since: datetime) -> int:
        """Flags an account filed since a time (the per-member rate limit)."""
        stmt = select(func.count()).select_from(Flag).where(Flag.account_id == account_id, Flag.created_at >= since)
        return int((await self.s.execute(stmt)).scalar_one())

    async def flag(self, community_id: int, flag_id: int) -> Flag | None:
        """A flag of this community's releases (other communities' flag ids are not found)."""
        stmt = (
            select(Flag)
            .join(Release, Release.id == Flag.release_id)
            .where(Flag.id == flag_id, Release.community_id == community_id)
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def flags_of(self, release_id: int, status: str | None = None) -> list[Flag]:
        """Flags of a release, oldest first."""
        if release_id in self._fresh_releases:
            return []
        stmt = select(Flag).where(Flag.release_id == release_id)
        if status:
            stmt = stmt.where(Flag.status == status)
        return list((await self.s.execute(stmt.order_by(Flag.id))).scalars())

    async def open_flags(self, community_id: int, limit: int = 50) -> list[Flag]:
        """Open flags in a community, oldest first (the moderators' queue)."""
        stmt = (
            select(Flag)
            .join(Release, Release.id == Flag.release_id)
            .where(Release.community_id == community_id, Flag.status == "open")
            .order_by(Flag.id)
            .limit(limit)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def flags_resolved_since(
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

    async def resolve_flag(
        self, flag_id: int, *, status: str, by: int, note: str, penalise: bool, at: datetime
    ) -> bool:
        """Resolve an open flag; False when it was already resolved (a replayed or racing resolution)."""
        result = await self.s.execute(
            update(Flag)
            .where(Flag.id == flag_id, Flag.status == "open")
            .values(status=status, resolved_by=by, resolution_note=note, penalised=penalise, resolved_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def flags_against_creator(self, creator_ids: Sequence[int]) -> list[Flag]:
        """Every flag on the releases of these accounts (`whyflagged`, reputation)."""
        stmt = (
            select(Flag)
            .join(Release, Release.id == Flag.release_id)
            .where(Release.creator_id.in_(creator_ids))
            .order_by(Flag.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    # -- reviews ---------------------------------------------------------------------------------------

    async def upsert_review(
        self, release_id: int, reviewer_id: int, answers: Mapping[str, tuple[str, str]], at: datetime
    ) -> tuple[Review, bool]:
        """Record a reviewer's answers (norm id -> (answer, note)); True when the review is new."""
        stmt = select(Review).where(Review.release_id == release_id, Review.reviewer_id == reviewer_id)
        review = (await self.s.execute(stmt)).scalar_one_or_none()
        created = review is None
        if review is None:
            review = Review(release_id=release_id, reviewer_id=reviewer_id, created_at=at, updated_at=at)
            self.s.add(review)
            await self.s.flush()
        else:
            review.updated_at = at
        for norm_id, (answer, note) in answers.items():
            existing = (
                await self.s.execute(
                    select(ReviewAnswer).where(ReviewAnswer.review_id == review.id, ReviewAnswer.norm_id == norm_id)
                )
            ).scalar_one_or_none()
            if existing is None:
                self.s.add(ReviewAnswer(review_id=review.id, norm_id=norm_id, answer=answer, note=note))
            else:
                existing.answer = answer
                existing.note = note
        await self.s.flush()
        return review, created

    async def reviews(self, release_id: int) -> list[tuple[Review, Account, list[ReviewAnswer]]]:
        """Reviews of a release with reviewer and answers."""
        stmt = (
            select(Review, Account)
            .join(Account, Account.id == Review.reviewer_id)
            .where(Review.release_id == release_id)
            .order_by(Review.id)
        )
        out: list[tuple[Review, Account, list[ReviewAnswer]]] = []
        for review, account in (await self.s.execute(stmt)).all():
            answers = await self.s.execute(
                select(ReviewAnswer).where(ReviewAnswer.review_id == review.id).order_by(ReviewAnswer.id)
            )
            out.append((review, account, list(answers.scalars())))
        return out

    async def count_reviews_given(self, account_ids: Sequence[int]) -> int:
        """How many reviews these accounts wrote."""
        stmt = select(func.count()).select_from(Review).where(Review.reviewer_id.in_(account_ids))
        return int((await self.s.execute(stmt)).scalar_one())

    # -- claims ----------------------------------------------------------------------------------------

    async def add_claim(self, **values: Any) -> Claim | None:
        """Record a claim; None when this account already claimed this value in this community."""
        stmt = self.dialect_insert(Claim).values(**values).on_conflict_do_nothing().returning(Claim)
        return (await self.s.scalars(stmt)).one_or_none()

    async def add_claims(self, rows: Sequence[dict[str, Any]]) -> list[tuple[int, str, str]]:
        """Record several claims in one statement; (id, kind, value) of those that were new, in any order.

        A Core INSERT, not ORM objects: building `Claim` objects from a multi-row RETURNING cost ~7 ms here,
        the single most expensive statement of an announcement (docs/performance.md)."""
        if not rows:
            return []
        written = await self.insert_many_ignore(Claim.__table__, rows, ("id", "kind", "value"))
        return [(int(i), str(k), str(v)) for i, k, v in written]

    async def set_claim_receipts(self, receipts: Sequence[tuple[int, int, dict[str, Any] | None]]) -> None:
        """Store (claim id, audit seq, signed receipt or None) for claims just recorded, in one statement."""
        if not receipts:
            return
        table: Any = Claim.__table__
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(audit_seq=bindparam("b_seq"), receipt=bindparam("b_receipt"))
        )
        await self.s.execute(stmt, [{"b_id": i, "b_seq": seq, "b_receipt": r} for i, seq, r in receipts])

    async def claims_for(self, kind: str, value: str, community_id: int | None = None) -> list[Claim]:
        """Claims on a value, earliest first (first-published wins the receipt)."""
        stmt = select(Claim).where(Claim.kind == kind, Claim.value == value)
        if community_id is not None:
            stmt = stmt.where(Claim.community_id == community_id)
        return list((await self.s.execute(stmt.order_by(Claim.created_at, Claim.id))).scalars())

    async def claims_of_release(self, release_id: int) -> list[Claim]:
        """Claims recorded for a release."""
        stmt = select(Claim).where(Claim.release_id == release_id).order_by(Claim.id)
        return list((await self.s.execute(stmt)).scalars())
