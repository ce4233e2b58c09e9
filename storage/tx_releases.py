"""Queries about releases, announcements, norm checks and the bot's own posted messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Announcement, NormCheck, NormResult, PostedMessage, Release
from storage.tx_social import _COUNT_ENDORSEMENTS, _COUNT_REVIEWER_ENDORSEMENTS

__all__ = ["ReleaseQueries", "ResultRow"]


# Hot reads of the announcement path, built once with bound parameters (see `Tx._ignoring`).
_LATEST_VERSION = (
    select(Release)
    .where(
        Release.community_id == bindparam("community_id"),
        Release.creator_id.in_(bindparam("creator_ids", expanding=True)),
        Release.release_key.like(bindparam("like"), escape="\\"),
    )
    .order_by(Release.id.desc())
    .limit(1)
)
_BY_KEY_PREFIX = (
    select(Release)
    .where(Release.community_id == bindparam("community_id"), Release.release_key.like(bindparam("like"), escape="\\"))
    .order_by(Release.id)
)
_BY_NAMES = (
    select(Release)
    .where(
        Release.community_id == bindparam("community_id"),
        func.lower(Release.model_name).in_(bindparam("names", expanding=True)),
    )
    .order_by(Release.id)
)
# The `block` norms the newest check of a release failed: the one thing the endorsement path needs of the check.
_BLOCKING_NORMS = (
    select(NormResult.norm_id)
    .where(
        NormResult.check_id
        == select(func.max(NormCheck.id)).where(NormCheck.release_id == bindparam("release_id")).scalar_subquery(),
        NormResult.severity == "block",
        NormResult.outcome == "fail",
    )
    .order_by(NormResult.id)
)
# What the quorum test needs, in one round trip instead of two: the endorsement count (all, or the reviewers')
# and whether the newest check failed a `block` norm.
_BLOCKED = exists(_BLOCKING_NORMS.with_only_columns(NormResult.id).order_by(None))
_QUORUM_FACTS = select(_COUNT_ENDORSEMENTS.scalar_subquery(), _BLOCKED)
_QUORUM_FACTS_REVIEWERS = select(_COUNT_REVIEWER_ENDORSEMENTS.scalar_subquery(), _BLOCKED)
# The decision lock of `lock_release`: FOR NO KEY UPDATE, which deciders take in turn but which does not wait for
# the KEY SHARE locks that inserting an endorsement or a flag (its foreign key) puts on the release; FOR UPDATE
# would, and two deciders that had each inserted would deadlock. SQLite leaves the clause out.
_LOCK_RELEASE = select(Release.status).where(Release.id == bindparam("release_id")).with_for_update(key_share=True)


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One norm result to store with a check."""

    norm_id: str
    need: str
    severity: str
    outcome: str
    evidence: str


def escape_like(value: str) -> str:
    """Make user-derived text literal inside a LIKE pattern."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ReleaseQueries:
    """Mixin of `Tx`: releases and what hangs off them."""

    s: AsyncSession
    _latest_checks: dict[int, tuple[NormCheck, list[NormResult]]]  # set by Tx.__init__
    _fresh_releases: set[int]  # set by Tx.__init__

    async def insert_ignore(self, table: Any, values: dict[str, Any]) -> bool:  # provided by Tx
        raise NotImplementedError

    async def insert_ignore_returning(self, table: Any, values: dict[str, Any]) -> int | None:  # provided by Tx
        raise NotImplementedError

    # -- releases --------------------------------------------------------------------------------------

    async def release_by_key(self, community_id: int, release_key: str) -> Release | None:
        """The release with this normalised key in the community."""
        stmt = select(Release).where(Release.community_id == community_id, Release.release_key == release_key)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def add_release(self, **values: Any) -> Release:
        """Insert a release (the caller checked `release_by_key` in the same transaction)."""
        row = Release(**values)
        self.s.add(row)
        await self.s.flush()
        self._fresh_releases.add(row.id)
        return row

    async def add_release_once(self, **values: Any) -> tuple[Release, bool]:
        """Insert a release unless its key exists; (the release, whether this call made it).

        A creator's cross-post can reach two replicas at the same instant: both read "no such release" and
        both insert. As a single `INSERT … ON CONFLICT DO NOTHING` the second waits for the first to commit,
        writes nothing, and reads the first's row, instead of failing on `uq_releases_community_id`."""
        new_id = await self.insert_ignore_returning(Release.__table__, values)
        if new_id is not None:
            self._fresh_releases.add(new_id)
            row = await self.s.get(Release, new_id)
            assert row is not None
            return row, True
        existing = await self.release_by_key(values["community_id"], values["release_key"])
        assert existing is not None, "a release key conflicted but no release has it"
        return existing, False

    async def lock_release(self, release: Release) -> None:
        """Hold the release's row until commit and re-read its status: call it before a decision that counts.

        "Quorum reached", "flag threshold reached" and "no flag left open" count rows that other units of work add at
        the same moment. Under READ COMMITTED each of them sees its own row and the committed ones, so two endorsements
        that together reach a quorum of 2 can each count 1 and neither moves the release (write skew; with several
        replicas this really loses transitions, not only in theory). Counted after this lock, the unit of work that
        locks last sees every row the others added, as they committed before letting go of the row, so the last decision
        is made on the full count. Only deciders wait on each other, for the rest of their unit of work. SQLite runs one
        writer at a time (`Store` queues them), so there the statement is a plain read; a release created in this unit
        of work is invisible to others and is not locked.
        """
        if release.id in self._fresh_releases:
            return
        await self.s.flush()
        status = (await self.s.execute(_LOCK_RELEASE, {"release_id": release.id})).scalar_one()
        if status != release.status:
            await self.s.refresh(release, ["status", "updated_at"])

    async def move_release(self, release: Release, from_status: str, to_status: str, at: datetime) -> bool:
        """Compare-and-set the status: True only for the one transaction that made the move.

        Concurrent endorsements on several replicas may all decide "quorum reached"; the conditional UPDATE
        lets exactly one of them move (and audit) the release. The others see the row's current status.
        """
        await self.s.flush()
        result = await self.s.execute(
            update(Release)
            .where(Release.id == release.id, Release.status == from_status)
            .values(status=to_status, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        moved = bool(result.rowcount)  # type: ignore[attr-defined]
        if moved:
            set_committed_value(release, "status", to_status)
            set_committed_value(release, "updated_at", at)
        else:
            await self.s.refresh(release, ["status", "updated_at"])
        return moved

    async def release(self, community_id: int, release_id: int) -> Release | None:
        """A release *of this community*: ids of other communities' releases are not found."""
        stmt = select(Release).where(Release.id == release_id, Release.community_id == community_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def release_any(self, release_id: int) -> Release | None:
        """A release by id regardless of community (scheduled jobs, which carry only ids)."""
        return await self.s.get(Release, release_id)

    async def latest_version_of(self, community_id: int, creator_ids: Sequence[int], model_key: str) -> Release | None:
        """The newest earlier release of the same model by the same creator (for version chains)."""
        params = {
            "community_id": community_id,
            "creator_ids": list(creator_ids),
            "like": escape_like(model_key) + "@%",
        }
        return (await self.s.execute(_LATEST_VERSION, params)).scalar_one_or_none()

    async def releases_by_key_prefix(self, community_id: int, prefix: str) -> list[Release]:
        """Releases whose key starts with `prefix` (same model and version by any creator), oldest first."""
        params = {"community_id": community_id, "like": escape_like(prefix) + "%"}
        return list((await self.s.execute(_BY_KEY_PREFIX, params)).scalars())

    async def releases(
        self,
        community_id: int,
        *,
        status: str | None = None,
        creator_ids: Sequence[int] | None = None,
        model_type: str | None = None,
        base_model: str | None = None,
        search: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Release]:
        """Releases of a community, newest first, with optional filters (command `release list`, registry)."""
        stmt = select(Release).where(Release.community_id == community_id)
        if status:
            stmt = stmt.where(Release.status == status)
        if creator_ids is not None:
            stmt = stmt.where(Release.creator_id.in_(creator_ids))
        if model_type:
            stmt = stmt.where(Release.model_type == model_type)
        if base_model:
            stmt = stmt.where(Release.base_model == base_model)
        if search:
            pattern = "%" + search.lower().replace("%", "").replace("_", "") + "%"
            stmt = stmt.where(func.lower(Release.model_name).like(pattern))
        stmt = stmt.order_by(Release.id.desc()).limit(limit).offset(offset)
        return list((await self.s.execute(stmt)).scalars())

    async def chat_release_ids(
        self,
        community_id: int,
        platform: str,
        chat_id: str,
        *,
        exclude_statuses: Sequence[str] = (),
        limit: int = 25,
    ) -> list[int]:
        """Ids of a community's releases that belong to one chat, newest first: announced there, or whose
        prompt or review thread the bot posted there (a review chat). Autocomplete offers these before the
        others. Ids only: the caller has most of these rows already (loading them again doubled its time)."""
        announced = exists().where(
            Announcement.release_id == Release.id, Announcement.platform == platform, Announcement.chat_id == chat_id
        )
        prompted = exists().where(
            PostedMessage.release_id == Release.id,
            PostedMessage.platform == platform,
            PostedMessage.chat_id == chat_id,
            or_(PostedMessage.key.like("prompt:%"), PostedMessage.key.like("thread:%")),
        )
        stmt = select(Release.id).where(Release.community_id == community_id, or_(announced, prompted))
        if exclude_statuses:
            stmt = stmt.where(Release.status.not_in(exclude_statuses))
        stmt = stmt.order_by(Release.id.desc()).limit(limit)
        return list((await self.s.execute(stmt)).scalars())

    async def find_releases_by_name(self, community_id: int, names: Sequence[str]) -> list[Release]:
        """Releases whose model name matches one of `names` (case-insensitive): lineage resolution."""
        if not names:
            return []
        params = {"community_id": community_id, "names": [n.lower() for n in names]}
        return list((await self.s.execute(_BY_NAMES, params)).scalars())

    async def all_releases(self, community_id: int | None = None) -> list[Release]:
        """Every release (export, simulate), oldest first."""
        stmt = select(Release).order_by(Release.id)
        if community_id is not None:
            stmt = stmt.where(Release.community_id == community_id)
        return list((await self.s.execute(stmt)).scalars())

    # -- announcements ---------------------------------------------------------------------------------

    async def add_announcement(self, **values: Any) -> int | None:
        """Record an announcement; its id, or None when this (platform, chat, message) was recorded before."""
        return await self.insert_ignore_returning(Announcement.__table__, values)

    async def announcements(self, release_id: int) -> list[Announcement]:
        """Announcements of a release, oldest first."""
        stmt = select(Announcement).where(Announcement.release_id == release_id).order_by(Announcement.id)
        return list((await self.s.execute(stmt)).scalars())

    async def announcement_at(self, platform: str, chat_id: str, message_id: str) -> Announcement | None:
        """The announcement recorded for one platform message."""
        stmt = select(Announcement).where(
            Announcement.platform == platform,
            Announcement.chat_id == chat_id,
            Announcement.message_id == message_id,
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def release_for_message(self, platform: str, chat_id: str, message_id: str) -> int | None:
        """The release a message refers to: an announcement, or a prompt the bot posted about it."""
        ann = await self.announcement_at(platform, chat_id, message_id)
        if ann is not None:
            return ann.release_id
        stmt = select(PostedMessage.release_id).where(
            PostedMessage.platform == platform,
            PostedMessage.chat_id == chat_id,
            PostedMessage.message_id == message_id,
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def latest_release_in_chat(self, platform: str, chat_id: str) -> int | None:
        """The most recently announced release in a chat (console scripts target it by default)."""
        stmt = (
            select(Announcement.release_id)
            .where(Announcement.platform == platform, Announcement.chat_id == chat_id)
            .order_by(Announcement.id.desc())
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    # -- norm checks -----------------------------------------------------------------------------------

    async def add_norm_check(
        self,
        release_id: int,
        *,
        pack_id: str,
        pack_version: str,
        pack_digest: str,
        trigger: str,
        actor_id: int | None,
        results: Sequence[ResultRow],
        at: datetime,
    ) -> NormCheck:
        """Store a check and its per-norm results."""
        values: dict[str, Any] = {
            "release_id": release_id,
            "pack_id": pack_id,
            "pack_version": pack_version,
            "pack_digest": pack_digest,
            "trigger": trigger,
            "actor_id": actor_id,
            "created_at": at,
        }
        # Core statements, not ORM objects: the check's id comes back with its INSERT, the results go in one
        # executemany, and the unit of work remembers both as plain (transient) rows for the prompt that
        # follows. Building ORM objects from RETURNING cost more than the statements themselves here.
        check_table: Any = NormCheck.__table__
        check_id = (await self.s.execute(insert(check_table).values(**values).returning(check_table.c.id))).scalar_one()
        check = NormCheck(id=check_id, **values)
        result_values = [
            {
                "check_id": check_id,
                "norm_id": r.norm_id,
                "need": r.need,
                "severity": r.severity,
                "outcome": r.outcome,
                "evidence": r.evidence,
            }
            for r in results
        ]
        if result_values:
            await self.s.execute(insert(NormResult.__table__), result_values)  # type: ignore[arg-type]
        rows = [NormResult(**v) for v in result_values]
        self._latest_checks[release_id] = (check, rows)
        return check

    async def latest_norm_check(self, release_id: int) -> tuple[NormCheck, list[NormResult]] | None:
        """The newest check of a release with its results (a check stored in this unit of work is the newest)."""
        cached = self._latest_checks.get(release_id)
        if cached is not None:
            return cached[0], list(cached[1])
        stmt = select(NormCheck).where(NormCheck.release_id == release_id).order_by(NormCheck.id.desc()).limit(1)
        check = (await self.s.execute(stmt)).scalar_one_or_none()
        if check is None:
            return None
        rows = await self.s.execute(select(NormResult).where(NormResult.check_id == check.id).order_by(NormResult.id))
        return check, list(rows.scalars())

    async def quorum_facts(self, release_id: int, *, reviewers_only: bool = False) -> tuple[int, bool]:
        """(endorsements, blocked) of a release, in one statement: every endorsement asks, under its decision
        lock, so a round trip less here is one less per endorsement held up behind the lock."""
        count_stmt = _COUNT_REVIEWER_ENDORSEMENTS if reviewers_only else _COUNT_ENDORSEMENTS
        stmt = _QUORUM_FACTS_REVIEWERS if reviewers_only else _QUORUM_FACTS
        fresh = release_id in self._fresh_releases  # made in this unit of work: nobody endorsed it yet
        if fresh or release_id in self._latest_checks:  # checked in this unit of work: `blocking_norms` knows
            count = 0 if fresh else int((await self.s.execute(count_stmt, {"release_id": release_id})).scalar_one())
            return count, bool(await self.blocking_norms(release_id))
        counted, blocked = (await self.s.execute(stmt, {"release_id": release_id})).one()
        return int(counted), bool(blocked)

    async def blocking_norms(self, release_id: int) -> list[str]:
        """Norm ids of `block` severity that the newest check of the release failed, in one statement (the
        quorum test on every endorsement needs only this, not the check with all its results)."""
        cached = self._latest_checks.get(release_id)
        if cached is not None:
            return [r.norm_id for r in cached[1] if r.severity == "block" and r.outcome == "fail"]
        return list((await self.s.execute(_BLOCKING_NORMS, {"release_id": release_id})).scalars())

    # -- posted messages -------------------------------------------------------------------------------

    async def record_posted(
        self,
        key: str,
        *,
        release_id: int | None,
        platform: str,
        chat_id: str,
        thread_id: str | None,
        message_id: str,
        at: datetime,
    ) -> None:
        """Remember where a keyed bot message landed."""
        await self.insert_ignore(
            PostedMessage.__table__,
            {
                "key": key,
                "release_id": release_id,
                "platform": platform,
                "chat_id": chat_id,
                "thread_id": thread_id,
                "message_id": message_id,
                "created_at": at,
            },
        )

    async def release_for_thread(self, platform: str, chat_id: str, thread_id: str) -> int | None:
        """The release whose review thread this is: the bot opened the thread for it and reported a message
        there under `thread:<release id>`. Any other thread (an announcement's forum post, a discussion) is
        None, so a command there still needs an id or a reply."""
        stmt = (
            select(PostedMessage.release_id)
            .where(
                PostedMessage.platform == platform,
                PostedMessage.chat_id == chat_id,
                PostedMessage.thread_id == thread_id,
                PostedMessage.key.like("thread:%"),
            )
            .order_by(PostedMessage.id.desc())
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def posted(self, key: str) -> list[PostedMessage]:
        """Every message posted under a key (one per platform chat)."""
        stmt = select(PostedMessage).where(PostedMessage.key == key).order_by(PostedMessage.id)
        return list((await self.s.execute(stmt)).scalars())
