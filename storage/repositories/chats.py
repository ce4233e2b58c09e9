"""`Chats`: which chat belongs to which community, watched or not, in which role (and Telegram's migrations)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select, update

from storage.models import (
    Community,
    WatchedChat,
)
from storage.repositories.base import Repository

__all__ = ["BindingRow", "Chats"]

_CHAT_BINDING = select(WatchedChat).where(
    WatchedChat.platform == bindparam("platform"), WatchedChat.chat_id == bindparam("chat_id")
)


class BindingRow(NamedTuple):
    """A chat binding as the core's snapshot keeps it."""

    platform: str
    chat_id: str
    community_id: int
    community_slug: str
    watched: bool
    role: str


class Chats(Repository):
    """Which chat belongs to which community, watched or not, in which role."""

    async def binding(self, platform: str, chat_id: str) -> WatchedChat | None:
        """The community binding of a chat, if any."""
        params = {"platform": platform, "chat_id": chat_id}
        return (await self.s.execute(_CHAT_BINDING, params)).scalar_one_or_none()

    async def bindings(self) -> list[BindingRow]:
        """Every chat binding with its community's slug, in one query (the core's binding snapshot)."""
        stmt = select(
            WatchedChat.platform,
            WatchedChat.chat_id,
            WatchedChat.community_id,
            Community.slug,
            WatchedChat.watched,
            WatchedChat.role,
        ).join(Community, Community.id == WatchedChat.community_id)
        return [BindingRow(*row) for row in (await self.s.execute(stmt)).all()]

    async def bind(
        self,
        community_id: int,
        platform: str,
        chat_id: str,
        *,
        watched: bool,
        role: str = "releases",
        title: str | None = None,
    ) -> None:
        """Attach a chat to a community (or update whether it is watched); `title` names it where known."""
        existing = await self.binding(platform, chat_id)
        if existing is None:
            await self.insert_ignore(
                WatchedChat.__table__,
                {
                    "community_id": community_id,
                    "platform": platform,
                    "chat_id": chat_id,
                    "watched": watched,
                    "role": role,
                    "title": title[:200] if title else None,
                },
            )
            return
        existing.community_id = community_id
        existing.watched = watched
        existing.role = role
        if title:
            existing.title = title[:200]

    async def migrate(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
        """Follow a Telegram group -> supergroup migration: every row keyed by the old id moves."""
        from storage.models import Announcement, PostedMessage

        n = 0
        for model in (WatchedChat, Announcement, PostedMessage):
            result = await self.s.execute(
                update(model)
                .where(model.platform == platform, model.chat_id == old_chat_id)
                .values(chat_id=new_chat_id)
            )
            n += result.rowcount  # type: ignore[attr-defined]
        return n

    async def of_community(self, community_id: int, platform: str) -> list[WatchedChat]:
        """The chats bound to a community on one platform (what `/setup` offers as review or log chat)."""
        stmt = (
            select(WatchedChat)
            .where(WatchedChat.community_id == community_id, WatchedChat.platform == platform)
            .order_by(WatchedChat.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def set_title(self, platform: str, chat_id: str, title: str) -> None:
        """Remember a chat's name (shown instead of its id)."""
        await self.s.execute(
            update(WatchedChat)
            .where(WatchedChat.platform == platform, WatchedChat.chat_id == chat_id)
            .values(title=title[:200])
        )
