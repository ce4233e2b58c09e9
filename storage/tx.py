"""`Tx`: the unit of work the core uses, with one repository per aggregate.

Every query of normbot is a method of a repository (`storage/repositories/`), reached through the unit of work
it runs in: `tx.releases.lock(release)`, `tx.endorsements.add(...)`, `tx.audit_log.append(...)`. `Tx` itself
only holds what belongs to the whole unit: the session, the memory its repositories share (`UnitMemory`), the
callers' per-unit memos and the after-commit callbacks. Why repositories: docs/architecture.md, "One storage
style".
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import (
    Accounts,
    Announcements,
    Appeals,
    AuditLog,
    Chats,
    Claims,
    Communities,
    Corrections,
    Endorsements,
    Flags,
    Invites,
    Jobs,
    NormChecks,
    Outbox,
    PackRevisions,
    PostedMessages,
    Privacy,
    ProcessedEvents,
    Rechecks,
    Registry,
    Releases,
    Reviews,
    Settings,
    UnitMemory,
)
from storage.repositories.chats import BindingRow

__all__ = ["BindingRow", "Tx"]


class Tx:
    """Queries and writes inside one transaction, one repository per aggregate."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        # Memory of this unit of work only (it dies with the transaction, so it can never go stale across
        # events): the releases created and norm checks stored here (shared by the repositories that read
        # them), the audit events queued (in `audit_log`), and the callers' own per-unit memos (`memo`). An
        # announcement appends several audit events and re-reads its fresh norm check several times; without
        # these each would be another round trip, and round trips are what an announcement's time goes to.
        self.memory = memory = UnitMemory()
        self.memo: dict[Hashable, Any] = {}
        self.committed_callbacks: list[Callable[[], object]] = []
        self.audit_log = audit_log = AuditLog(session, memory)
        self.processed_events = ProcessedEvents(session, memory)
        self.communities = communities = Communities(session, memory, audit_log)
        self.chats = Chats(session, memory)
        self.settings = Settings(session, memory)
        self.invites = Invites(session, memory)
        self.accounts = accounts = Accounts(session, memory)
        self.pack_revisions = PackRevisions(session, memory)
        self.rechecks = Rechecks(session, memory)
        self.jobs = Jobs(session, memory)
        self.releases = releases = Releases(session, memory)
        self.announcements = Announcements(session, memory)
        self.norm_checks = norm_checks = NormChecks(session, memory)
        self.posted = PostedMessages(session, memory)
        self.endorsements = Endorsements(session, memory, norm_checks)
        self.flags = Flags(session, memory)
        self.appeals = Appeals(session, memory)
        self.outbox = Outbox(session, memory)
        self.reviews = Reviews(session, memory)
        self.claims = claims = Claims(session, memory)
        self.corrections = Corrections(session, memory)
        self.privacy = Privacy(session, memory, audit_log)
        self.registry = Registry(
            session,
            memory,
            communities=communities,
            releases=releases,
            accounts=accounts,
            norm_checks=norm_checks,
            claims=claims,
            audit_log=audit_log,
        )

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run `callback` once this unit of work has committed (never after a rollback): for memory outside
        the store that must only learn what the store really kept, such as caches keyed by new row ids."""
        self.committed_callbacks.append(callback)

    async def reload(self, row: object) -> None:
        """Re-read a row changed by a conditional UPDATE in this transaction."""
        await self.s.refresh(row)

    async def flush(self) -> None:
        """Send pending writes now (ids become known; constraints are checked)."""
        await self.s.flush()

    async def discard(self) -> None:
        """Roll back everything this transaction did (dry runs), and forget what this unit remembered of it:
        queued audit events, locked heads, fresh rows and commit callbacks describe work that never happened."""
        await self.s.rollback()
        self.audit_log.forget()
        self.memory.clear()
        self.memo.clear()
        self.committed_callbacks.clear()
