"""Appeals: a creator asks moderators to look again at one decision; and the outbox, where the registry's
decisions leave what they send to chats for a bot process."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from storage.models import Appeal, Flag, OutboxAction
from storage.repositories.base import Repository

__all__ = ["Appeals", "Outbox"]


class Appeals(Repository):
    """Appeals of one unit of work, and the flag reversal a granted appeal makes."""

    __slots__ = ()

    async def add(
        self, community_id: int, release_id: int, account_id: int, decision: str, text: str, at: datetime
    ) -> Appeal | None:
        """File an appeal; None when this decision already has an open appeal (the partial unique index
        settles two at once, on any replica)."""
        new_id = await self.insert_ignore_returning(
            Appeal.__table__,
            {
                "community_id": community_id,
                "release_id": release_id,
                "account_id": account_id,
                "decision": decision,
                "text": text,
                "status": "open",
                "created_at": at,
            },
        )
        return await self.s.get(Appeal, new_id) if new_id is not None else None

    async def get(self, community_id: int, appeal_id: int) -> Appeal | None:
        """An appeal of this community (other communities' ids are not found)."""
        stmt = select(Appeal).where(Appeal.id == appeal_id, Appeal.community_id == community_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def open_for(self, release_id: int, decision: str) -> Appeal | None:
        """The open appeal of a decision, if any."""
        stmt = select(Appeal).where(
            Appeal.release_id == release_id, Appeal.decision == decision, Appeal.status == "open"
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def of_release(self, release_id: int) -> list[Appeal]:
        """Every appeal of a release, oldest first."""
        stmt = select(Appeal).where(Appeal.release_id == release_id).order_by(Appeal.id)
        return list((await self.s.execute(stmt)).scalars())

    async def open(self, community_id: int, limit: int = 50) -> list[Appeal]:
        """Open appeals of a community, oldest first (the moderators' queue)."""
        stmt = (
            select(Appeal)
            .where(Appeal.community_id == community_id, Appeal.status == "open")
            .order_by(Appeal.id)
            .limit(limit)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def count_since(self, account_ids: Sequence[int], since: datetime) -> int:
        """Appeals these accounts (one person's) filed since a time: the rate limit is per person."""
        stmt = (
            select(func.count())
            .select_from(Appeal)
            .where(Appeal.account_id.in_(account_ids), Appeal.created_at >= since)
        )
        return int((await self.s.execute(stmt)).scalar_one())

    async def decide(self, appeal_id: int, *, status: str, by: int, note: str, at: datetime) -> bool:
        """Grant or deny an open appeal; False when it was decided already (a replayed or racing decision)."""
        result = await self.s.execute(
            update(Appeal)
            .where(Appeal.id == appeal_id, Appeal.status == "open")
            .values(status=status, decided_by=by, decision_note=note, decided_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def reverse_flag(self, flag_id: int, *, by: int, note: str, at: datetime) -> bool:
        """An upheld flag becomes dismissed (a granted appeal); False when it is not upheld any more."""
        result = await self.s.execute(
            update(Flag)
            .where(Flag.id == flag_id, Flag.status == "upheld")
            .values(status="dismissed", resolved_by=by, resolution_note=note, resolved_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class Outbox(Repository):
    """Messages decided where no chat adapter runs (the registry), for a bot process to deliver."""

    __slots__ = ()

    async def add(self, community_id: int | None, actions: Sequence[dict[str, Any]], at: datetime) -> None:
        """Queue encoded actions (`moderation.kernel.serial`)."""
        if actions:
            rows = [{"community_id": community_id, "action": a, "created_at": at} for a in actions]
            await self.s.execute(insert(OutboxAction), rows)

    async def pending(self, limit: int = 100) -> list[OutboxAction]:
        """Queued actions, oldest first."""
        stmt = select(OutboxAction).order_by(OutboxAction.id).limit(limit)
        return list((await self.s.execute(stmt)).scalars())

    async def take(self, outbox_id: int) -> bool:
        """Claim one queued action by deleting it; True for exactly one caller across replicas."""
        result = await self.s.execute(delete(OutboxAction).where(OutboxAction.id == outbox_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
