"""Queries for provenance: claims and their matches, audit positions, announcements to compare, reputation.

Functions take the `Tx` of the caller's unit of work (its `.s` session), so provenance runs inside the same
transaction as the announcement it reacts to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import delete, func, or_, select

from storage.models import Account, Announcement, AnnouncementVector, Claim, Flag, Release

if TYPE_CHECKING:
    from storage.tx import Tx

__all__ = [
    "AnnouncementRef",
    "account_by_user",
    "add_announcement_vectors",
    "announcement_texts",
    "announcement_vectors",
    "claims_by_accounts",
    "count_releases_by",
    "count_upheld_flags",
    "earliest_claim",
    "forget_announcement_vectors",
    "matching_claims",
    "recent_announcement_refs",
    "releases_since",
]


# Values per `IN (...)` list and conditions per statement in `matching_claims`. Far below SQLite's limits
# (32,766 bound values; an expression tree at most 1,000 deep, which a left-deep OR of one condition per value
# hits at 1,000 values), while the usual announcement (a few links and hashes) stays one statement.
_IN_CHUNK = 500
_CONDITIONS_PER_STATEMENT = 50


async def matching_claims(tx: Tx, community_id: int | None, values: Sequence[tuple[str, str]]) -> list[Claim]:
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
        for claim in (await tx.s.execute(stmt)).scalars():
            found[claim.id] = claim
    return sorted(found.values(), key=lambda c: (c.created_at, c.id))


async def earliest_claim(tx: Tx, kind: str, value: str) -> Claim | None:
    """The first claim on exactly this value in any community (the one whose receipt counts)."""
    stmt = (
        select(Claim)
        .where(Claim.kind == kind, Claim.value == value, Claim.receipt.is_not(None))
        .order_by(Claim.created_at, Claim.id)
        .limit(1)
    )
    return (await tx.s.execute(stmt)).scalar_one_or_none()


async def claims_by_accounts(tx: Tx, account_ids: Sequence[int]) -> list[Claim]:
    """Claims made by these accounts, oldest first."""
    stmt = select(Claim).where(Claim.account_id.in_(account_ids)).order_by(Claim.created_at, Claim.id)
    return list((await tx.s.execute(stmt)).scalars())


class AnnouncementRef(NamedTuple):
    """An earlier announcement as re-upload comparison needs it: ids only, the text is fetched when not cached."""

    announcement_id: int
    release_id: int
    author_id: int
    creator_id: int
    created_at: datetime


async def recent_announcement_refs(tx: Tx, community_id: int, *, limit: int = 200) -> list[AnnouncementRef]:
    """The announcements of a community's newest releases (newest first), without their text or ORM objects:
    this runs for every announcement, and loading 200 announcements with releases and accounts was most of
    its cost. Ordered by release, then announcement, so that the walk is an index range scan of
    `ix_releases_community_newest` that stops after `limit` rows; ordered by announcement id alone, both
    databases walked every community's announcements backwards until they had found this community's."""
    stmt = (
        select(
            Announcement.id,
            Announcement.release_id,
            Announcement.author_id,
            Release.creator_id,
            Announcement.created_at,
        )
        .join(Release, Release.id == Announcement.release_id)
        .where(Release.community_id == community_id)
        .order_by(Release.id.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return [AnnouncementRef(*row) for row in (await tx.s.execute(stmt)).all()]


async def announcement_texts(tx: Tx, announcement_ids: Sequence[int]) -> dict[int, str]:
    """Texts of these announcements by id."""
    if not announcement_ids:
        return {}
    stmt = select(Announcement.id, Announcement.text).where(Announcement.id.in_(sorted(set(announcement_ids))))
    return {i: t for i, t in (await tx.s.execute(stmt)).all()}


async def announcement_vectors(tx: Tx, announcement_ids: Sequence[int], model: str) -> dict[int, bytes]:
    """Stored vectors of these announcements made by `model` (float16 bytes), by announcement id."""
    if not announcement_ids:
        return {}
    stmt = select(AnnouncementVector.announcement_id, AnnouncementVector.vector).where(
        AnnouncementVector.announcement_id.in_(sorted(set(announcement_ids))), AnnouncementVector.model == model
    )
    return {i: bytes(v) for i, v in (await tx.s.execute(stmt)).all()}


async def add_announcement_vectors(tx: Tx, model: str, vectors: dict[int, bytes]) -> None:
    """Keep announcements' vectors made by `model` (float16 bytes; `dim` follows from the length), in one
    statement. A vector of the same model kept already (another replica was quicker) stays; one of another
    model (kept before the encoder changed) is replaced, or every process would embed that text again."""
    if not vectors:
        return
    rows = [{"announcement_id": i, "model": model, "dim": len(v) // 2, "vector": v} for i, v in sorted(vectors.items())]
    table: Any = AnnouncementVector.__table__
    stmt = tx.dialect_insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.announcement_id],
        set_={"model": stmt.excluded.model, "dim": stmt.excluded.dim, "vector": stmt.excluded.vector},
        where=table.c.model != stmt.excluded.model,
    )
    await tx.s.execute(stmt, rows)


async def forget_announcement_vectors(tx: Tx, announcement_ids: Sequence[int]) -> None:
    """Drop the stored vectors of announcements whose text was edited: a vector of the old text would make
    later announcements compare with words the message no longer says."""
    if announcement_ids:
        await tx.s.execute(delete(AnnouncementVector).where(AnnouncementVector.announcement_id.in_(announcement_ids)))


async def releases_since(tx: Tx, community_id: int, since: datetime) -> list[Release]:
    """Releases created in a community since `since`, oldest first."""
    stmt = select(Release).where(Release.community_id == community_id, Release.created_at >= since).order_by(Release.id)
    return list((await tx.s.execute(stmt)).scalars())


async def count_releases_by(tx: Tx, account_ids: Sequence[int]) -> int:
    """How many releases these accounts created."""
    stmt = select(func.count()).select_from(Release).where(Release.creator_id.in_(account_ids))
    return int((await tx.s.execute(stmt)).scalar_one())


async def count_upheld_flags(tx: Tx, account_ids: Sequence[int], *, against: bool) -> int:
    """Upheld flags against these accounts' releases (`against`), or filed by them and upheld (accuracy)."""
    stmt = select(func.count()).select_from(Flag).where(Flag.status == "upheld")
    if against:
        stmt = stmt.join(Release, Release.id == Flag.release_id).where(Release.creator_id.in_(account_ids))
    else:
        stmt = stmt.where(Flag.account_id.in_(account_ids))
    return int((await tx.s.execute(stmt)).scalar_one())


async def account_by_user(tx: Tx, platform: str, user_id: str) -> Account | None:
    """An account by its platform user id (a Discord mention `<@123>` names the id, not the name)."""
    stmt = select(Account).where(Account.platform == platform, Account.user_id == user_id)
    return (await tx.s.execute(stmt)).scalar_one_or_none()
