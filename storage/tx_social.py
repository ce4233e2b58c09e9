"""Queries about what members do to releases: endorsements, flags, reviews, claims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, distinct, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Account, Claim, Endorsement, Flag, Release, Review, ReviewAnswer

__all__ = ["SocialQueries"]


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

    async def remove_endorsement(self, release_id: int, account_ids: Sequence[int]) -> bool:
        """Withdraw the endorsement of any of these accounts (one person's); False when there was none."""
        result = await self.s.execute(
            delete(Endorsement).where(Endorsement.release_id == release_id, Endorsement.account_id.in_(account_ids))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def endorsed_by_any(self, release_id: int, account_ids: Sequence[int]) -> bool:
        """Whether any of these accounts (one person's) endorsed the release: a person endorses once."""
        if release_id in self._fresh_releases:
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

    async def person_keys(self, account_ids: Sequence[int]) -> dict[int, int]:
        """Account id -> the key of its person (the person id, or the negated account id when unlinked), so
        counts of reporters or endorsers count people rather than accounts."""
        if not account_ids:
            return {}
        stmt = select(Account.id, Account.person_id).where(Account.id.in_(set(account_ids)))
        return {aid: (pid if pid is not None else -aid) for aid, pid in (await self.s.execute(stmt)).all()}

    async def drop_endorsements(self, release_id: int) -> list[Account]:
        """Remove every endorsement of a release (its endorsed content changed); the accounts that had given
        them, oldest first, so the caller can tell them. The audit log keeps the endorsements' history."""
        given = [account for _, account in await self.endorsements(release_id)]
        if given:
            await self.s.execute(delete(Endorsement).where(Endorsement.release_id == release_id))
        return given

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

    async def count_flags_since(self, account_ids: Sequence[int], since: datetime) -> int:
        """Flags these accounts (one person's) filed since a time: the rate limit is per person."""
        stmt = select(func.count()).select_from(Flag).where(Flag.account_id.in_(account_ids), Flag.created_at >= since)
        return int((await self.s.execute(stmt)).scalar_one())

    async def flag(self, community_id: int, flag_id: int) -> Flag | None:
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
        """Record a reviewer's answers (norm id -> (answer, note)); True when the review is new.

        Race-free across replicas: the same review may reach two processes at once (a form delivered twice, a
        member pressing twice). A read-then-INSERT let both read "no review" and the second INSERT die on
        `uq_reviews_release_id` (and the answers on `uq_review_answers_review_id`), which the member saw as
        "Something went wrong". Now the review row is `INSERT ... ON CONFLICT DO NOTHING RETURNING`, and only
        when that wrote nothing (the row exists, or another unit of work just committed it: PostgreSQL makes
        the INSERT wait for it) an `UPDATE ... RETURNING` of the row, which always finds it; the answers are one
        `INSERT ... ON CONFLICT DO UPDATE`. No statement can fail on a unique constraint, and exactly one unit
        of work sees `created`."""
        insert_review = (
            self.dialect_insert(Review)
            .values(release_id=release_id, reviewer_id=reviewer_id, created_at=at, updated_at=at)
            .on_conflict_do_nothing(index_elements=["release_id", "reviewer_id"])
            .returning(Review)
        )
        review = (await self.s.scalars(insert_review)).one_or_none()
        created = review is not None
        if review is None:
            touch = (
                update(Review)
                .where(Review.release_id == release_id, Review.reviewer_id == reviewer_id)
                .values(updated_at=at)
                .returning(Review)
            )
            review = (await self.s.scalars(touch, execution_options={"synchronize_session": False})).one()
        if answers:
            table: Any = ReviewAnswer.__table__
            upsert = self.dialect_insert(table)
            upsert = upsert.on_conflict_do_update(
                index_elements=["review_id", "norm_id"],
                set_={"answer": upsert.excluded.answer, "note": upsert.excluded.note},
            )
            rows = [
                {"review_id": review.id, "norm_id": norm_id, "answer": answer, "note": note}
                for norm_id, (answer, note) in answers.items()
            ]
            await self.s.execute(upsert, rows)
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

    async def drop_reviews(self, release_id: int) -> list[Account]:
        """Remove every review (with its answers, by cascade) of a release whose reviewed content changed; the
        reviewers' accounts, oldest review first."""
        stmt = (
            select(Account)
            .join(Review, Review.reviewer_id == Account.id)
            .where(Review.release_id == release_id)
            .order_by(Review.id)
        )
        reviewers = list((await self.s.execute(stmt)).scalars())
        if reviewers:
            review_ids = select(Review.id).where(Review.release_id == release_id).scalar_subquery()
            await self.s.execute(delete(ReviewAnswer).where(ReviewAnswer.review_id.in_(review_ids)))
            await self.s.execute(delete(Review).where(Review.release_id == release_id))
        return reviewers

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

        A Core INSERT, not ORM objects: building `Claim` objects from a multi-row RETURNING made this the
        single most expensive statement of an announcement (docs/performance.md)."""
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

    async def claims_of_release(self, release_id: int) -> list[Claim]:
        """Claims recorded for a release."""
        stmt = select(Claim).where(Claim.release_id == release_id).order_by(Claim.id)
        return list((await self.s.execute(stmt)).scalars())
