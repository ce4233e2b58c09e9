"""`Reviews`: reviewers' answers per norm (one review per reviewer and release)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from storage.models import (
    Account,
    Review,
    ReviewAnswer,
)
from storage.repositories.base import Repository

__all__ = ["Reviews"]


class Reviews(Repository):
    """Reviewers' answers per norm."""

    async def upsert(
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

    async def of_release(self, release_id: int) -> list[tuple[Review, Account, list[ReviewAnswer]]]:
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

    async def drop(self, release_id: int) -> list[Account]:
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

    async def count_given(self, account_ids: Sequence[int]) -> int:
        """How many reviews these accounts wrote."""
        stmt = select(func.count()).select_from(Review).where(Review.reviewer_id.in_(account_ids))
        return int((await self.s.execute(stmt)).scalar_one())
