"""`Invites`: one-time "add this group" invites (only their token's hash is kept)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, update

from storage.models import ChatInvite
from storage.repositories.base import Repository

__all__ = ["InviteRow", "Invites"]


class InviteRow(NamedTuple):
    """A redeemed invite: which community and role the chat joins."""

    community_id: int
    role: str
    created_by: str


class Invites(Repository):
    """Invites a moderator creates and a chat redeems once."""

    async def add(
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

    async def redeem(self, token_hash: str, platform: str, created_by: str, at: datetime) -> InviteRow | None:
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
