"""`Claims`: provenance claims (hashes, links) with their signed receipts, and matching announcements against them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, or_, select, update

from storage.models import (
    Claim,
)
from storage.repositories.base import Repository

__all__ = ["Claims"]

# Values per `IN (...)` list and conditions per statement in `matching_claims`. Far below SQLite's limits
# (32,766 bound values; an expression tree at most 1,000 deep, which a left-deep OR of one condition per value
# hits at 1,000 values), while the usual announcement (a few links and hashes) stays one statement.
_IN_CHUNK = 500
_CONDITIONS_PER_STATEMENT = 50


class Claims(Repository):
    """Provenance claims (hashes, links) with their signed receipts, and matching them."""

    async def add(self, **values: Any) -> Claim | None:
        """Record a claim; None when this account already claimed this value in this community."""
        stmt = self.dialect_insert(Claim).values(**values).on_conflict_do_nothing().returning(Claim)
        return (await self.s.scalars(stmt)).one_or_none()

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> list[tuple[int, str, str]]:
        """Record several claims in one statement; (id, kind, value) of those that were new, in any order.

        A Core INSERT, not ORM objects: building `Claim` objects from a multi-row RETURNING made this the
        single most expensive statement of an announcement (docs/performance.md)."""
        if not rows:
            return []
        written = await self.insert_many_ignore(Claim.__table__, rows, ("id", "kind", "value"))
        return [(int(i), str(k), str(v)) for i, k, v in written]

    async def set_receipts(self, receipts: Sequence[tuple[int, int, dict[str, Any] | None]]) -> None:
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

    async def of_release(self, release_id: int) -> list[Claim]:
        """Claims recorded for a release."""
        stmt = select(Claim).where(Claim.release_id == release_id).order_by(Claim.id)
        return list((await self.s.execute(stmt)).scalars())

    async def matching(self, community_id: int | None, values: Sequence[tuple[str, str]]) -> list[Claim]:
        """Claims on any of `values` ((kind, value) pairs), earliest first.

        A full SHA-256 also matches an AutoV2 claim on its first 10 hex digits and vice versa, because Civitai
        shows AutoV2 where Hugging Face shows the full hash: the same file, published two ways.

        Exact values are asked as one `kind = ? AND value IN (...)` per kind (in chunks of `_IN_CHUNK`), not as
        one OR term per value: an announcement with 1,000 model links built an OR 1,000 deep, which SQLite
        refuses ("Expression tree is too large"), and the announcement was lost.
        """
        if not values:
            return []
        exact: dict[str, set[str]] = {}
        prefixes: set[str] = set()  # AutoV2 values: any full SHA-256 starting with one matches
        for kind, value in values:
            exact.setdefault(kind, set()).add(value)
            if kind == "sha256":
                exact.setdefault("autov2", set()).add(value[:10])
            elif kind == "autov2":
                prefixes.add(value.replace("%", "").replace("_", ""))
        conds: list[Any] = []
        for kind in sorted(exact):
            wanted = sorted(exact[kind])
            for i in range(0, len(wanted), _IN_CHUNK):
                conds.append((Claim.kind == kind) & Claim.value.in_(wanted[i : i + _IN_CHUNK]))
        conds.extend((Claim.kind == "sha256") & Claim.value.like(p + "%") for p in sorted(prefixes))
        found: dict[int, Claim] = {}
        for i in range(0, len(conds), _CONDITIONS_PER_STATEMENT):
            stmt = select(Claim).where(or_(*conds[i : i + _CONDITIONS_PER_STATEMENT]))
            if community_id is not None:
                stmt = stmt.where(Claim.community_id == community_id)
            for claim in (await self.s.execute(stmt)).scalars():
                found[claim.id] = claim
        return sorted(found.values(), key=lambda c: (c.created_at, c.id))

    async def earliest(self, kind: str, value: str) -> Claim | None:
        """The first claim on exactly this value in any community (the one whose receipt counts)."""
        stmt = (
            select(Claim)
            .where(Claim.kind == kind, Claim.value == value, Claim.receipt.is_not(None))
            .order_by(Claim.created_at, Claim.id)
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def by_accounts(self, account_ids: Sequence[int]) -> list[Claim]:
        """Claims made by these accounts, oldest first."""
        stmt = select(Claim).where(Claim.account_id.in_(account_ids)).order_by(Claim.created_at, Claim.id)
        return list((await self.s.execute(stmt)).scalars())
