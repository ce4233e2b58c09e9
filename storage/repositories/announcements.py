"""`Announcements`: the members' messages announcing releases, and their stored embeddings (re-upload comparison)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, select

from storage.models import (
    Announcement,
    AnnouncementVector,
    PostedMessage,
    Release,
)
from storage.repositories.base import Repository

__all__ = ["AnnouncementRef", "Announcements"]


class AnnouncementRef(NamedTuple):
    """An earlier announcement as re-upload comparison needs it: ids only, the text is fetched when not cached."""

    announcement_id: int
    release_id: int
    author_id: int
    creator_id: int
    created_at: datetime


class Announcements(Repository):
    """Announcements of releases (the members' messages) and their stored embeddings."""

    async def add(self, **values: Any) -> int | None:
        """Record an announcement; its id, or None when this (platform, chat, message) was recorded before."""
        return await self.insert_ignore_returning(Announcement.__table__, values)

    async def of_release(self, release_id: int) -> list[Announcement]:
        """Announcements of a release, oldest first."""
        stmt = select(Announcement).where(Announcement.release_id == release_id).order_by(Announcement.id)
        return list((await self.s.execute(stmt)).scalars())

    async def by_message(self, platform: str, chat_id: str, message_id: str) -> Announcement | None:
        """The announcement recorded for one platform message."""
        stmt = select(Announcement).where(
            Announcement.platform == platform,
            Announcement.chat_id == chat_id,
            Announcement.message_id == message_id,
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def release_for_message(self, platform: str, chat_id: str, message_id: str) -> int | None:
        """The release a message refers to: an announcement, or a prompt the bot posted about it."""
        ann = await self.by_message(platform, chat_id, message_id)
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

    async def recent_refs(self, community_id: int, *, limit: int = 200) -> list[AnnouncementRef]:
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
        return [AnnouncementRef(*row) for row in (await self.s.execute(stmt)).all()]

    async def texts(self, announcement_ids: Sequence[int]) -> dict[int, str]:
        """Texts of these announcements by id."""
        if not announcement_ids:
            return {}
        stmt = select(Announcement.id, Announcement.text).where(Announcement.id.in_(sorted(set(announcement_ids))))
        return {i: t for i, t in (await self.s.execute(stmt)).all()}

    async def vectors(self, announcement_ids: Sequence[int], model: str) -> dict[int, bytes]:
        """Stored vectors of these announcements made by `model` (float16 bytes), by announcement id."""
        if not announcement_ids:
            return {}
        stmt = select(AnnouncementVector.announcement_id, AnnouncementVector.vector).where(
            AnnouncementVector.announcement_id.in_(sorted(set(announcement_ids))), AnnouncementVector.model == model
        )
        return {i: bytes(v) for i, v in (await self.s.execute(stmt)).all()}

    async def add_vectors(self, model: str, vectors: dict[int, bytes]) -> None:
        """Keep announcements' vectors made by `model` (float16 bytes; `dim` follows from the length), in one
        statement. A vector of the same model kept already (another replica was quicker) stays; one of another
        model (kept before the encoder changed) is replaced, or every process would embed that text again."""
        if not vectors:
            return
        rows = [
            {"announcement_id": i, "model": model, "dim": len(v) // 2, "vector": v} for i, v in sorted(vectors.items())
        ]
        table: Any = AnnouncementVector.__table__
        stmt = self.dialect_insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.announcement_id],
            set_={"model": stmt.excluded.model, "dim": stmt.excluded.dim, "vector": stmt.excluded.vector},
            where=table.c.model != stmt.excluded.model,
        )
        await self.s.execute(stmt, rows)

    async def forget_vectors(self, announcement_ids: Sequence[int]) -> None:
        """Drop the stored vectors of announcements whose text was edited: a vector of the old text would make
        later announcements compare with words the message no longer says."""
        if announcement_ids:
            await self.s.execute(
                delete(AnnouncementVector).where(AnnouncementVector.announcement_id.in_(announcement_ids))
            )
