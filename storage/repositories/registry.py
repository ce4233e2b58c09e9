"""Read queries of the public release registry (`normbot web`): listings, filters, one release in full.

A repository of its own (`Tx.registry`): the registry only reads, across aggregates, and keeping its page-shaped
queries apart keeps the aggregates' repositories about the workflow. It never writes. What is *public* is decided
by the web layer, but these functions already return only what it may show: resolved flags come without
their reporter, and the moderator queue is a separate function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.audit import ChainProblem, verify_chain
from storage.models import (
    Account,
    Announcement,
    AuditEvent,
    AuditHead,
    Claim,
    Community,
    Endorsement,
    Flag,
    NormCheck,
    NormResult,
    Release,
    Review,
    ReviewAnswer,
)
from storage.repositories.accounts import Accounts
from storage.repositories.audit_log import AuditLog
from storage.repositories.base import Repository, UnitMemory, escape_like
from storage.repositories.claims import Claims
from storage.repositories.communities import Communities
from storage.repositories.norm_checks import NormChecks
from storage.repositories.releases import Releases

__all__ = [
    "WAITING_STATUSES",
    "AuditPage",
    "CommunitySummary",
    "FlagForModerators",
    "ModQueue",
    "Registry",
    "ReleaseDetail",
    "ReleaseFilter",
    "ReleasePage",
    "ResolvedFlag",
    "ReviewView",
]

WAITING_STATUSES = ("announced", "in_review", "changes_requested", "flagged")
"""Statuses in which a release waits for people (shown in the moderators' queue)."""


@dataclass(frozen=True, slots=True)
class CommunitySummary:
    """One row of the registry's front page."""

    slug: str
    name: str
    releases: int
    by_status: dict[str, int]


@dataclass(frozen=True, slots=True)
class ReleaseFilter:
    """The registry's filters; None means "any". `need` keeps releases with a failing norm of that need."""

    status: str | None = None
    model_type: str | None = None
    base_model: str | None = None
    need: str | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class ReleasePage:
    """One page of a filtered listing, with the total so pages can be numbered."""

    releases: list[tuple[Release, str]]
    """(release, creator display name), newest first."""
    total: int
    upheld: dict[int, int] = field(default_factory=dict)
    """Upheld flags per release id of this page (absent: none), so a listing's badge shows upheld outcomes."""


@dataclass(frozen=True, slots=True)
class ReviewView:
    """A reviewer's answers (reviewers sign their reviews publicly, like endorsements)."""

    reviewer: str
    answers: list[tuple[str, str, str]]
    """(norm id, answer, note)."""
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ResolvedFlag:
    """A resolved flag as the public sees it: never who filed it."""

    norm_id: str
    outcome: str
    note: str
    resolved_at: datetime | None


@dataclass(slots=True)
class ReleaseDetail:
    """Everything the release page shows."""

    release: Release
    creator: str
    announcements: list[Announcement]
    check: NormCheck | None
    results: list[NormResult]
    endorsements: list[str]
    reviews: list[ReviewView]
    resolved_flags: list[ResolvedFlag]
    previous: Release | None
    next_versions: list[Release]
    parents: list[Release]
    children: list[Release]
    claims: list[Claim]
    unresolved_parents: list[str] = field(default_factory=list)
    """Parent names stated in the announcement that match no release of the community."""


@dataclass(frozen=True, slots=True)
class FlagForModerators:
    """An open flag with what only moderators see: the reporter and the reason."""

    flag: Flag
    reporter: str
    release: Release


@dataclass(frozen=True, slots=True)
class ModQueue:
    """The moderators' queue: open flags and the releases still waiting for people."""

    open_flags: list[FlagForModerators]
    waiting: list[Release]


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of the audit log, newest first, and the whole chain's verification result."""

    events: list[AuditEvent]
    total: int
    problems: list[ChainProblem]


def _failing_need(need: str) -> Any:
    """Ids of releases whose newest check has a failing norm of `need`.

    Why an IN over a grouped subquery instead of a correlated one: the database finds the newest check of every
    release once, instead of once per candidate row, which makes the listing with `need` markedly faster
    (docs/performance.md).
    """
    latest = select(func.max(NormCheck.id)).group_by(NormCheck.release_id)
    return (
        select(NormCheck.release_id)
        .join(NormResult, NormResult.check_id == NormCheck.id)
        .where(NormCheck.id.in_(latest), NormResult.need == need, NormResult.outcome == "fail")
    )


def _conditions(community_id: int, flt: ReleaseFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Release.community_id == community_id]
    if flt.status:
        conds.append(Release.status == flt.status)
    if flt.model_type:
        conds.append(Release.model_type == flt.model_type)
    if flt.base_model:
        conds.append(Release.base_model == flt.base_model)
    if flt.search:
        pattern = "%" + escape_like(flt.search.lower()) + "%"
        conds.append(func.lower(Release.model_name).like(pattern, escape="\\"))
    if flt.need:
        conds.append(Release.id.in_(_failing_need(flt.need)))
    return conds


class Registry(Repository):
    """Read queries of the public registry (`normbot web`): it never writes."""

    __slots__ = ("_accounts", "_audit_log", "_claims", "_communities", "_norm_checks", "_releases")

    def __init__(
        self,
        session: AsyncSession,
        memory: UnitMemory,
        *,
        communities: Communities,
        releases: Releases,
        accounts: Accounts,
        norm_checks: NormChecks,
        claims: Claims,
        audit_log: AuditLog,
    ) -> None:
        super().__init__(session, memory)
        # The release page reads across aggregates; it asks their repositories rather than repeat their queries.
        self._communities = communities
        self._releases = releases
        self._accounts = accounts
        self._norm_checks = norm_checks
        self._claims = claims
        self._audit_log = audit_log

    async def community_summaries(self) -> list[CommunitySummary]:
        """Every community with its release counts (total and per status), by slug."""
        stmt = (
            select(Community.id, Release.status, func.count(Release.id))
            .join(Release, Release.community_id == Community.id, isouter=True)
            .group_by(Community.id, Release.status)
        )
        counts: dict[int, dict[str, int]] = {}
        for cid, status, n in (await self.s.execute(stmt)).all():
            bucket = counts.setdefault(cid, {})
            if status is not None:
                bucket[status] = int(n)
        out = []
        for c in await self._communities.all():
            by_status = counts.get(c.id, {})
            out.append(CommunitySummary(c.slug, c.name, sum(by_status.values()), dict(sorted(by_status.items()))))
        return out

    async def list_releases(
        self, community_id: int, flt: ReleaseFilter, *, limit: int = 25, offset: int = 0
    ) -> ReleasePage:
        """A page of a community's releases matching `flt`, newest first, with the creator's display name."""
        conds = _conditions(community_id, flt)
        total = int((await self.s.execute(select(func.count()).select_from(Release).where(*conds))).scalar_one())
        stmt = (
            select(Release, Account.display_name)
            .join(Account, Account.id == Release.creator_id)
            .where(*conds)
            .order_by(Release.id.desc())
            .limit(limit)
            .offset(offset)
        )
        rows = [(r, str(name)) for r, name in (await self.s.execute(stmt)).all()]
        upheld: dict[int, int] = {}
        if rows:
            counted = (
                select(Flag.release_id, func.count(Flag.id))
                .where(Flag.release_id.in_([r.id for r, _ in rows]), Flag.status == "upheld")
                .group_by(Flag.release_id)
            )
            upheld = {int(rid): int(n) for rid, n in (await self.s.execute(counted)).all()}
        return ReleasePage(rows, total, upheld)

    async def filter_choices(self, community_id: int) -> tuple[list[str], list[str]]:
        """The model types and base models that occur in a community (the filter form's options)."""
        out: list[list[str]] = []
        for column in (Release.model_type, Release.base_model):
            stmt = (
                select(column)
                .where(Release.community_id == community_id, column.is_not(None))
                .distinct()
                .order_by(column)
            )
            out.append([str(v) for v in (await self.s.execute(stmt)).scalars()])
        return out[0], out[1]

    async def _children(self, release: Release) -> list[Release]:
        """Releases of the community that name this model among their parents.

        A LIKE on the JSON text narrows the candidates in SQL (both dialects can cast JSON to text); the exact,
        case-insensitive comparison is then done on the parsed list. Non-ASCII names are JSON-escaped in that
        text, so for them the prefilter is skipped.
        """
        name = release.model_name.strip().lower()
        if not name:
            return []
        stmt = select(Release).where(Release.community_id == release.community_id, Release.id != release.id)
        if name.isascii():
            pattern = "%" + escape_like(name) + "%"
            stmt = stmt.where(func.lower(cast(Release.fields_json, String)).like(pattern, escape="\\"))
        out = []
        for candidate in (await self.s.execute(stmt.order_by(Release.id).limit(500))).scalars():
            parents = candidate.fields_json.get("parents") or []
            if any(isinstance(p, str) and p.strip().lower() == name for p in parents):
                out.append(candidate)
        return out

    async def release_detail(self, community_id: int, release_id: int) -> ReleaseDetail | None:
        """One release of this community in full (None: unknown here, including other communities' ids)."""
        release = await self._releases.get(community_id, release_id)
        if release is None:
            return None
        creator = await self._accounts.get(release.creator_id)
        announcements = list(
            (
                await self.s.execute(
                    select(Announcement).where(Announcement.release_id == release.id).order_by(Announcement.id)
                )
            ).scalars()
        )
        latest = await self._norm_checks.latest(release.id)
        endorsers = (
            await self.s.execute(
                select(Account.display_name)
                .join(Endorsement, Endorsement.account_id == Account.id)
                .where(Endorsement.release_id == release.id)
                .order_by(Endorsement.id)
            )
        ).scalars()
        reviews = await self._reviews(release.id)
        flags = (
            await self.s.execute(
                select(Flag.norm_id, Flag.status, Flag.resolution_note, Flag.resolved_at)
                .where(Flag.release_id == release.id, Flag.status != "open")
                .order_by(Flag.id)
            )
        ).all()
        previous = await self._releases.get(community_id, release.previous_id) if release.previous_id else None
        next_versions = list(
            (
                await self.s.execute(
                    select(Release)
                    .where(Release.previous_id == release.id, Release.community_id == community_id)
                    .order_by(Release.id)
                )
            ).scalars()
        )
        stated = [p for p in (release.fields_json.get("parents") or []) if isinstance(p, str)]
        parents = [p for p in await self._releases.by_names(community_id, stated) if p.id != release.id]
        known = {p.model_name.lower() for p in parents}
        return ReleaseDetail(
            release=release,
            creator=creator.display_name if creator else "?",
            announcements=announcements,
            check=latest[0] if latest else None,
            results=latest[1] if latest else [],
            endorsements=[str(n) for n in endorsers],
            reviews=reviews,
            resolved_flags=[ResolvedFlag(n, s, note or "", at) for n, s, note, at in flags],
            previous=previous,
            next_versions=next_versions,
            parents=parents,
            children=await self._children(release),
            claims=await self._claims.of_release(release.id),
            unresolved_parents=[p for p in stated if p.lower() not in known],
        )

    async def _reviews(self, release_id: int) -> list[ReviewView]:
        stmt = (
            select(Review, Account.display_name)
            .join(Account, Account.id == Review.reviewer_id)
            .where(Review.release_id == release_id)
            .order_by(Review.id)
        )
        out = []
        for review, name in (await self.s.execute(stmt)).all():
            answers = (
                await self.s.execute(
                    select(ReviewAnswer.norm_id, ReviewAnswer.answer, ReviewAnswer.note)
                    .where(ReviewAnswer.review_id == review.id)
                    .order_by(ReviewAnswer.id)
                )
            ).all()
            out.append(ReviewView(str(name), [(n, a, note or "") for n, a, note in answers], review.updated_at))
        return out

    async def moderation_queue(self, community_id: int, limit: int = 200) -> ModQueue:
        """Open flags with reporters and reasons, and the releases waiting for review or a decision (moderators
        only)."""
        reporter = Account.__table__.alias("reporter")
        stmt = (
            select(Flag, reporter.c.display_name, Release)
            .join(Release, Release.id == Flag.release_id)
            .join(reporter, reporter.c.id == Flag.account_id)
            .where(Release.community_id == community_id, Flag.status == "open")
            .order_by(Flag.id)
            .limit(limit)
        )
        flags = [FlagForModerators(f, str(name), r) for f, name, r in (await self.s.execute(stmt)).all()]
        waiting = (
            await self.s.execute(
                select(Release)
                .where(Release.community_id == community_id, Release.status.in_(WAITING_STATUSES))
                .order_by(Release.review_due_at.is_(None), Release.review_due_at, Release.id)
                .limit(limit)
            )
        ).scalars()
        return ModQueue(flags, list(waiting))

    async def audit_page(self, community_id: int, *, limit: int = 50, offset: int = 0) -> AuditPage:
        """A page of the community's audit log (newest first) and the verification of its whole chain."""
        rows = await self._audit_log.events(community_id)
        head = (
            await self.s.execute(select(AuditHead.seq).where(AuditHead.community_id == community_id))
        ).scalar_one_or_none()
        problems = verify_chain(community_id, rows, head or 0)
        newest_first: Sequence[AuditEvent] = list(reversed(rows))
        return AuditPage(list(newest_first[offset : offset + limit]), len(rows), problems)
