"""`Releases`: the aggregate the workflow moves; the decision lock and the status compare-and-set live here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import (
    Announcement,
    PostedMessage,
    Release,
)
from storage.repositories.base import Repository, escape_like

__all__ = ["Releases"]

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
# The decision lock of `lock_release`: FOR NO KEY UPDATE, which deciders take in turn but which does not wait for
# the KEY SHARE locks that inserting an endorsement or a flag (its foreign key) puts on the release; FOR UPDATE
# would, and two deciders that had each inserted would deadlock. SQLite leaves the clause out.
_LOCK_RELEASE = select(Release.status).where(Release.id == bindparam("release_id")).with_for_update(key_share=True)


class Releases(Repository):
    """Releases: the aggregate the workflow moves (status compare-and-set, decision lock)."""

    async def by_key(self, community_id: int, release_key: str) -> Release | None:
        """The release with this normalised key in the community."""
        stmt = select(Release).where(Release.community_id == community_id, Release.release_key == release_key)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def add(self, **values: Any) -> Release:
        """Insert a release (the caller checked `release_by_key` in the same transaction)."""
        row = Release(**values)
        self.s.add(row)
        await self.s.flush()
        self.memory.fresh_releases.add(row.id)
        return row

    async def add_once(self, **values: Any) -> tuple[Release, bool]:
        """Insert a release unless its key exists; (the release, whether this call made it).

        A creator's cross-post can reach two replicas at the same instant: both read "no such release" and
        both insert. As a single `INSERT … ON CONFLICT DO NOTHING` the second waits for the first to commit,
        writes nothing, and reads the first's row, instead of failing on `uq_releases_community_id`."""
        new_id = await self.insert_ignore_returning(Release.__table__, values)
        if new_id is not None:
            self.memory.fresh_releases.add(new_id)
            row = await self.s.get(Release, new_id)
            assert row is not None
            return row, True
        existing = await self.by_key(values["community_id"], values["release_key"])
        assert existing is not None, "a release key conflicted but no release has it"
        return existing, False

    async def lock(self, release: Release) -> None:
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
        if release.id in self.memory.fresh_releases:
            return
        await self.s.flush()
        status = (await self.s.execute(_LOCK_RELEASE, {"release_id": release.id})).scalar_one()
        if status != release.status:
            await self.s.refresh(release, ["status", "updated_at"])

    async def move(self, release: Release, from_status: str, to_status: str, at: datetime) -> bool:
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

    async def get(self, community_id: int, release_id: int) -> Release | None:
        """A release *of this community*: ids of other communities' releases are not found."""
        stmt = select(Release).where(Release.id == release_id, Release.community_id == community_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def get_any(self, release_id: int) -> Release | None:
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

    async def by_key_prefix(self, community_id: int, prefix: str) -> list[Release]:
        """Releases whose key starts with `prefix` (same model and version by any creator), oldest first."""
        params = {"community_id": community_id, "like": escape_like(prefix) + "%"}
        return list((await self.s.execute(_BY_KEY_PREFIX, params)).scalars())

    async def page(
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

    async def ids_in_chat(
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

    async def by_names(self, community_id: int, names: Sequence[str]) -> list[Release]:
        """Releases whose model name matches one of `names` (case-insensitive): lineage resolution."""
        if not names:
            return []
        params = {"community_id": community_id, "names": [n.lower() for n in names]}
        return list((await self.s.execute(_BY_NAMES, params)).scalars())

    async def all(self, community_id: int | None = None) -> list[Release]:
        """Every release (export, simulate), oldest first."""
        stmt = select(Release).order_by(Release.id)
        if community_id is not None:
            stmt = stmt.where(Release.community_id == community_id)
        return list((await self.s.execute(stmt)).scalars())

    async def since(self, community_id: int, since: datetime) -> list[Release]:
        """Releases created in a community since `since`, oldest first."""
        stmt = (
            select(Release)
            .where(Release.community_id == community_id, Release.created_at >= since)
            .order_by(Release.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def count_by(self, account_ids: Sequence[int]) -> int:
        """How many releases these accounts created."""
        stmt = select(func.count()).select_from(Release).where(Release.creator_id.in_(account_ids))
        return int((await self.s.execute(stmt)).scalar_one())

    async def count_except(self, community_id: int, exclude_statuses: Sequence[str]) -> int:
        """How many of a community's releases are in none of `exclude_statuses` (the open ones)."""
        stmt = select(func.count()).select_from(Release).where(Release.community_id == community_id)
        if exclude_statuses:
            stmt = stmt.where(Release.status.not_in(exclude_statuses))
        return int((await self.s.execute(stmt)).scalar_one())

    async def after(
        self, community_id: int, after_id: int, *, exclude_statuses: Sequence[str] = (), limit: int = 25
    ) -> list[Release]:
        """The next `limit` releases by id after `after_id` (oldest first): a batch of a re-check, which
        resumes from the last id it finished instead of an offset that shifts as statuses change."""
        stmt = select(Release).where(Release.community_id == community_id, Release.id > after_id)
        if exclude_statuses:
            stmt = stmt.where(Release.status.not_in(exclude_statuses))
        stmt = stmt.order_by(Release.id).limit(limit)
        return list((await self.s.execute(stmt)).scalars())
