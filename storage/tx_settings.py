"""Mixin of `Tx`: community settings changed from chat (`/setup`) and one-time "add this group" invites."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatInvite, Community, CommunitySetting, WatchedChat

__all__ = ["InviteRow", "SettingRow", "SettingsQueries"]


class SettingRow(NamedTuple):
    """A stored setting with its community's slug, who set it and when. `value` is the value's Python form:
    an int (quorum, the window in seconds), a str (a chat id, a language) or a list of str (reviewer roles)."""

    community_id: int
    community_slug: str
    key: str
    platform: str
    value: Any
    updated_by: str
    updated_at: datetime


class InviteRow(NamedTuple):
    """A redeemed invite: which community and role the chat joins."""

    community_id: int
    role: str
    created_by: str


def _value(row: CommunitySetting) -> Any:
    if row.key == "reviewer_roles":
        return list(json.loads(row.value_text or "[]"))
    return row.value_int if row.value_int is not None else row.value_text


def _columns(key: str, value: Any) -> dict[str, Any]:
    if key == "reviewer_roles":
        return {"value_int": None, "value_text": json.dumps(sorted(value))}
    if isinstance(value, int):
        return {"value_int": value, "value_text": None}
    return {"value_int": None, "value_text": str(value)}


class SettingsQueries:
    """Settings and invites (the core keeps the meaning of each key: `moderation.setup.settings`)."""

    s: AsyncSession

    async def community_settings(self, community_id: int | None = None) -> list[SettingRow]:
        """Every stored setting (of one community, or of all: the core reads all of them with its binding
        snapshot, one query per few seconds)."""
        stmt = select(CommunitySetting, Community.slug).join(Community, Community.id == CommunitySetting.community_id)
        if community_id is not None:
            stmt = stmt.where(CommunitySetting.community_id == community_id)
        stmt = stmt.order_by(CommunitySetting.community_id, CommunitySetting.key, CommunitySetting.platform)
        return [
            SettingRow(r.community_id, slug, r.key, r.platform, _value(r), r.updated_by, r.updated_at)
            for r, slug in (await self.s.execute(stmt)).all()
        ]

    async def set_community_setting(
        self, community_id: int, key: str, platform: str, value: Any, *, by: str, at: datetime
    ) -> Any:
        """Store a setting (`value` None removes it: the file's value applies again); returns the value it
        replaced (None when there was none). The row is locked while it changes, so two moderators saving at
        once each see the other's value as the old one."""
        found = (
            await self.s.execute(
                select(CommunitySetting)
                .where(
                    CommunitySetting.community_id == community_id,
                    CommunitySetting.key == key,
                    CommunitySetting.platform == platform,
                )
                .with_for_update()
            )
        ).scalar_one_or_none()
        old = _value(found) if found is not None else None
        if value is None:
            if found is not None:
                await self.s.delete(found)
                await self.s.flush()
            return old
        if found is None:
            self.s.add(
                CommunitySetting(
                    community_id=community_id,
                    key=key,
                    platform=platform,
                    updated_by=by,
                    updated_at=at,
                    **_columns(key, value),
                )
            )
        else:
            for name, column_value in _columns(key, value).items():
                setattr(found, name, column_value)
            found.updated_by, found.updated_at = by, at
        await self.s.flush()
        return old

    async def community_chats(self, community_id: int, platform: str) -> list[WatchedChat]:
        """The chats bound to a community on one platform (what `/setup` offers as review or log chat)."""
        stmt = (
            select(WatchedChat)
            .where(WatchedChat.community_id == community_id, WatchedChat.platform == platform)
            .order_by(WatchedChat.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def set_chat_title(self, platform: str, chat_id: str, title: str) -> None:
        """Remember a chat's name (shown instead of its id)."""
        await self.s.execute(
            update(WatchedChat)
            .where(WatchedChat.platform == platform, WatchedChat.chat_id == chat_id)
            .values(title=title[:200])
        )

    async def add_chat_invite(
        self,
        community_id: int,
        *,
        token_hash: str,
        platform: str,
        role: str,
        created_by: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        """Keep a one-time invite (its token's hash); expired invites of the community are dropped here."""
        await self.s.execute(
            delete(ChatInvite).where(ChatInvite.community_id == community_id, ChatInvite.expires_at < at)
        )
        self.s.add(
            ChatInvite(
                token_hash=token_hash,
                community_id=community_id,
                platform=platform,
                role=role,
                created_by=created_by,
                created_at=at,
                expires_at=expires_at,
            )
        )
        await self.s.flush()

    async def redeem_chat_invite(
        self, token_hash: str, platform: str, created_by: str, at: datetime
    ) -> InviteRow | None:
        """Use an invite once: None when it is unknown, used, expired, for another platform or asked for by
        another account. A conditional UPDATE, so two redemptions at once bind one chat."""
        row = (await self.s.execute(select(ChatInvite).where(ChatInvite.token_hash == token_hash))).scalar_one_or_none()
        if row is None or row.platform != platform or row.created_by != created_by:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=at.tzinfo)
        if expires < at:
            return None
        result = await self.s.execute(
            update(ChatInvite).where(ChatInvite.id == row.id, ChatInvite.used_at.is_(None)).values(used_at=at)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        return InviteRow(row.community_id, row.role, row.created_by)
