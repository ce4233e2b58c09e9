"""`Communities`: created on first use (config, chats, demo), looked up by slug or id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Community,
)
from storage.repositories.audit_log import AuditLog
from storage.repositories.base import Repository, UnitMemory

__all__ = ["Communities"]


class Communities(Repository):
    """Communities: created on first use, looked up by slug or id."""

    __slots__ = ("_audit_log",)

    def __init__(self, session: AsyncSession, memory: UnitMemory, audit_log: AuditLog) -> None:
        super().__init__(session, memory)
        self._audit_log = audit_log  # deleting a community drops its chain head

    async def ensure(self, slug: str, name: str, at: datetime) -> Community:
        """The community with this slug, created on first use."""
        row = (await self.s.execute(select(Community).where(Community.slug == slug))).scalar_one_or_none()
        if row is not None:
            return row
        await self.insert_ignore(
            Community.__table__,
            {"slug": slug, "name": name, "created_at": at},
        )
        return (await self.s.execute(select(Community).where(Community.slug == slug))).scalar_one()

    async def delete(self, slug: str) -> bool:
        """Delete a community and everything that hangs off it (the demo starts afresh this way)."""
        self._audit_log.forget_heads()
        result = await self.s.execute(delete(Community).where(Community.slug == slug))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_origin(self, community_id: int, origin: str) -> None:
        """Record who made a community outside the config and chats ('demo': `normbot demo` may delete it)."""
        await self.s.execute(update(Community).where(Community.id == community_id).values(origin=origin))

    async def by_slug(self, slug: str) -> Community | None:
        """Look a community up by its slug."""
        return (await self.s.execute(select(Community).where(Community.slug == slug))).scalar_one_or_none()

    async def get(self, community_id: int) -> Community | None:
        """Look a community up by id."""
        return await self.s.get(Community, community_id)

    async def all(self) -> list[Community]:
        """All communities, by slug."""
        return list((await self.s.execute(select(Community).order_by(Community.slug))).scalars())
