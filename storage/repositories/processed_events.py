"""`ProcessedEvents`: the platform events normbot handled, so a replayed delivery changes nothing twice."""

from __future__ import annotations

from datetime import datetime

from storage.models import (
    ProcessedEvent,
)
from storage.repositories.base import Repository

__all__ = ["ProcessedEvents"]


class ProcessedEvents(Repository):
    """Platform events already handled: a replayed delivery changes nothing twice."""

    async def mark(self, platform: str, event_id: str, at: datetime) -> bool:
        """Record a platform event; False when it was processed before (a replay)."""
        return await self.insert_ignore(
            ProcessedEvent.__table__,
            {"platform": platform, "event_id": event_id, "created_at": at},
        )
