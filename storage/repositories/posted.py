"""`PostedMessages`: where the bot's own keyed messages (prompts, alerts, review threads) landed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import (
    PostedMessage,
)
from storage.repositories.base import Repository

__all__ = ["PostedMessages"]


class PostedMessages(Repository):
    """Where the bot's own keyed messages (prompts, alerts, review threads) landed."""

    async def record(
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

    async def under_key(self, key: str) -> list[PostedMessage]:
        """Every message posted under a key (one per platform chat)."""
        stmt = select(PostedMessage).where(PostedMessage.key == key).order_by(PostedMessage.id)
        return list((await self.s.execute(stmt)).scalars())
