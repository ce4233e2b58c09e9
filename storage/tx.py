"""`Tx`: the unit of work the core uses. Every query of normbot is a method here or in its mixins.

Hot paths (processed events, endorsements, flags) use Core statements with dialect-level
`INSERT ... ON CONFLICT DO NOTHING` so a duplicate is a zero rowcount, not an exception that aborts the
PostgreSQL transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.audit import GENESIS, ChainProblem, event_hash, verify_chain
from storage.models import (
    Account,
    AuditEvent,
    AuditHead,
    Community,
    HandlePin,
    LinkCode,
    NormPackRevision,
    NormRecheck,
    Person,
    ProcessedEvent,
    Release,
    ScheduledJob,
    WatchedChat,
)
from storage.tx_releases import ReleaseQueries
from storage.tx_settings import SettingsQueries
from storage.tx_social import SocialQueries

__all__ = ["BindingRow", "Tx"]

_IGNORING: dict[tuple[str, str, tuple[str, ...]], Any] = {}
# Hot reads, built once with bound parameters (see `Tx._ignoring` for why).
_ACCOUNT_BY_USER = select(Account).where(
    Account.platform == bindparam("platform"), Account.user_id == bindparam("user_id")
)
_CHAT_BINDING = select(WatchedChat).where(
    WatchedChat.platform == bindparam("platform"), WatchedChat.chat_id == bindparam("chat_id")
)
_CURRENT_REVISION = (
    select(NormPackRevision)
    .where(NormPackRevision.community_id == bindparam("community_id"))
    .order_by(NormPackRevision.number.desc())
    .limit(1)
)
# Up to this many audit events of one chain go in with its head's UPDATE (one statement shape per count, each
# compiled once); a unit of work that appends more (a batch of jobs) stores them with one executemany first.
_CTE_EVENTS = 8
_LOCKED_HEAD = select(AuditHead).where(AuditHead.community_id == bindparam("community_id")).with_for_update()


class BindingRow(NamedTuple):
    """A chat binding as the core's snapshot keeps it."""

    platform: str
    chat_id: str
    community_id: int
    community_slug: str
    watched: bool
    role: str


class Tx(ReleaseQueries, SocialQueries, SettingsQueries):
    """Queries and writes inside one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        # Memory of this unit of work only (it dies with the transaction, so it can never go stale across
        # events): chain heads already locked, audit events not stored yet, checks stored here, the
        # callers' own per-unit memos (`memo`). An
        # announcement appends several audit events and re-reads its fresh norm check several times; without
        # these each would be another round trip, and round trips are what an announcement's time goes to.
        self._heads: dict[int, AuditHead] = {}
        self._latest_checks = {}
        self._pending_audit: list[dict[str, Any]] = []  # appended, not chained yet (no head locked for them)
        self._chained: list[dict[str, Any]] = []  # chained (seq and hash known), not stored yet
        # Every event this unit appended, in call order (the mod log is derived from them before COMMIT: only
        # the unit of work that really made a decision appends its events, so a replay posts nothing twice).
        self.appended_audit: list[dict[str, Any]] = []
        # Releases created here that nobody endorsed or flagged here: no other transaction can have rows that
        # point at them yet (the release is not committed), so their counts are known to be zero.
        self._fresh_releases = set()
        self.memo: dict[Hashable, Any] = {}
        self.committed_callbacks: list[Callable[[], object]] = []

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run `callback` once this unit of work has committed (never after a rollback): for memory outside
        the store that must only learn what the store really kept, such as caches keyed by new row ids."""
        self.committed_callbacks.append(callback)

    # -- helpers ---------------------------------------------------------------------------------------

    async def insert_ignore(self, table: Table, values: dict[str, Any]) -> bool:
        """INSERT that silently skips a unique-constraint conflict; True when a row was written."""
        result = await self.s.execute(self._ignoring(table), values)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def insert_many_ignore(
        self, table: Table, rows: Sequence[dict[str, Any]], returning: tuple[str, ...] = ("id",)
    ) -> list[tuple[Any, ...]]:
        """`insert_ignore` for several rows in one round trip: the `returning` columns of the rows written.

        An executemany of the one cached single-row statement (SQLAlchemy batches it into multi-row VALUES
        at run time), never a `.values([...])` statement: SQLAlchemy cannot cache a multi-row VALUES
        statement, and compiling one anew for every announcement cost more than the round trip it saves."""
        if not rows:
            return []
        result = await self.s.execute(self._ignoring(table, returning), list(rows))
        return [tuple(r) for r in result.all()]

    def _ignoring(self, table: Table, returning: tuple[str, ...] = ()) -> Any:
        """`INSERT ... ON CONFLICT DO NOTHING [RETURNING ...]` for `table`, built once per dialect: the values
        go in as parameters, so the hot inserts do not pay for building a statement every time."""
        dialect = self.s.get_bind().dialect.name
        key = (dialect, table.name, returning)
        stmt = _IGNORING.get(key)
        if stmt is None:
            stmt = self.dialect_insert(table).on_conflict_do_nothing()
            if returning:
                stmt = stmt.returning(*(table.c[name] for name in returning))
            _IGNORING[key] = stmt
        return stmt

    def dialect_insert(self, target: Any) -> Any:
        """`INSERT` of this database's dialect (for `ON CONFLICT`)."""
        return (postgresql.insert if self.s.get_bind().dialect.name == "postgresql" else sqlite.insert)(target)

    async def insert_ignore_returning(self, table: Table, values: dict[str, Any]) -> int | None:
        """`insert_ignore` that returns the new row's id in the same statement (None on a conflict)."""
        return (await self.s.execute(self._ignoring(table, ("id",)), values)).scalar_one_or_none()

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
        self._heads.clear()
        self._pending_audit.clear()
        self._chained.clear()
        self.appended_audit.clear()
        self._latest_checks.clear()
        self._fresh_releases.clear()
        self.memo.clear()
        self.committed_callbacks.clear()

    # -- processed events ------------------------------------------------------------------------------

    async def mark_processed(self, platform: str, event_id: str, at: datetime) -> bool:
        """Record a platform event; False when it was processed before (a replay)."""
        return await self.insert_ignore(
            ProcessedEvent.__table__,  # type: ignore[arg-type]
            {"platform": platform, "event_id": event_id, "created_at": at},
        )

    # -- communities and chats -------------------------------------------------------------------------

    async def ensure_community(self, slug: str, name: str, at: datetime) -> Community:
        """The community with this slug, created on first use."""
        row = (await self.s.execute(select(Community).where(Community.slug == slug))).scalar_one_or_none()
        if row is not None:
            return row
        await self.insert_ignore(
            Community.__table__,  # type: ignore[arg-type]
            {"slug": slug, "name": name, "created_at": at},
        )
        return (await self.s.execute(select(Community).where(Community.slug == slug))).scalar_one()

    async def delete_community(self, slug: str) -> bool:
        """Delete a community and everything that hangs off it (the demo starts afresh this way)."""
        self._heads.clear()
        result = await self.s.execute(delete(Community).where(Community.slug == slug))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_community_origin(self, community_id: int, origin: str) -> None:
        """Record who made a community outside the config and chats ('demo': `normbot demo` may delete it)."""
        await self.s.execute(update(Community).where(Community.id == community_id).values(origin=origin))

    async def community_by_slug(self, slug: str) -> Community | None:
        """Look a community up by its slug."""
        return (await self.s.execute(select(Community).where(Community.slug == slug))).scalar_one_or_none()

    async def community(self, community_id: int) -> Community | None:
        """Look a community up by id."""
        return await self.s.get(Community, community_id)

    async def communities(self) -> list[Community]:
        """All communities, by slug."""
        return list((await self.s.execute(select(Community).order_by(Community.slug))).scalars())

    async def chat_binding(self, platform: str, chat_id: str) -> WatchedChat | None:
        """The community binding of a chat, if any."""
        params = {"platform": platform, "chat_id": chat_id}
        return (await self.s.execute(_CHAT_BINDING, params)).scalar_one_or_none()

    async def chat_bindings(self) -> list[BindingRow]:
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

    async def bind_chat(
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
        existing = await self.chat_binding(platform, chat_id)
        if existing is None:
            await self.insert_ignore(
                WatchedChat.__table__,  # type: ignore[arg-type]
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

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
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

    # -- accounts and persons --------------------------------------------------------------------------

    async def upsert_account(self, platform: str, user_id: str, name: str, at: datetime) -> Account:
        """The account for a platform user, created on first sight; keeps the latest display name."""
        params = {"platform": platform, "user_id": user_id}
        row = (await self.s.execute(_ACCOUNT_BY_USER, params)).scalar_one_or_none()
        if row is None:
            # First sight: INSERT ... RETURNING gives the new row (bursts are mostly new members: one round
            # trip instead of two); on a conflict another unit of work created it a moment ago, so read it.
            values = {"platform": platform, "user_id": user_id, "display_name": name[:200], "created_at": at}
            new = self.dialect_insert(Account).values(**values).on_conflict_do_nothing().returning(Account)
            row = (await self.s.execute(new)).scalar_one_or_none()
            if row is None:
                row = (await self.s.execute(_ACCOUNT_BY_USER, params)).scalar_one()
        elif row.display_name != name[:200] and not row.redacted:
            row.display_name = name[:200]
        return row

    async def account_by_user(self, platform: str, user_id: str) -> Account | None:
        """The account of a platform user, if seen before (the mod log names the moderator who acted)."""
        params = {"platform": platform, "user_id": user_id}
        return (await self.s.execute(_ACCOUNT_BY_USER, params)).scalar_one_or_none()

    async def account(self, account_id: int) -> Account | None:
        """An account by id."""
        return await self.s.get(Account, account_id)

    async def accounts_by_ids(self, ids: Iterable[int]) -> list[Account]:
        """Many accounts in one query (lineage and reputation list every creator of a community)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        return list((await self.s.execute(select(Account).where(Account.id.in_(wanted)))).scalars())

    async def account_by_name(self, platform: str, name: str) -> Account | None:
        """An account by display name on a platform (console and `profile @name`)."""
        stmt = select(Account).where(Account.platform == platform, func.lower(Account.display_name) == name.lower())
        return (await self.s.execute(stmt.limit(1))).scalar_one_or_none()

    async def accounts_of_person(self, account: Account) -> list[int]:
        """Ids of every account linked to the same person as `account` (itself when unlinked)."""
        if account.person_id is None:
            return [account.id]
        stmt = select(Account.id).where(Account.person_id == account.person_id)
        return list((await self.s.execute(stmt)).scalars())

    async def pin_handle(self, platform: str, handle: str, user_id: str, at: datetime) -> tuple[str, bool]:
        """(the user id the handle is pinned to, whether this call pinned it). The first account seen with
        the handle wins; the unique constraint settles a race between replicas."""
        handle = handle.lower().lstrip("@")
        created = await self.insert_ignore(
            HandlePin.__table__,  # type: ignore[arg-type]
            {"platform": platform, "handle": handle, "user_id": user_id, "pinned_at": at},
        )
        stmt = select(HandlePin.user_id).where(HandlePin.platform == platform, HandlePin.handle == handle)
        return str((await self.s.execute(stmt)).scalar_one()), created

    async def handle_pins(self) -> list[HandlePin]:
        """Every pinned handle, for operators (`normbot handles`)."""
        return list((await self.s.execute(select(HandlePin).order_by(HandlePin.platform, HandlePin.handle))).scalars())

    async def unpin_handle(self, platform: str, handle: str) -> bool:
        """Forget a pin (an operator's decision: the handle's owner changed accounts); False when none."""
        result = await self.s.execute(
            delete(HandlePin).where(HandlePin.platform == platform, HandlePin.handle == handle.lower().lstrip("@"))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def create_link_code(self, account_id: int, code: str, expires_at: datetime) -> None:
        """Store a one-time code that proves control of `account_id`."""
        await self.s.execute(delete(LinkCode).where(LinkCode.account_id == account_id))
        self.s.add(LinkCode(code=code, account_id=account_id, expires_at=expires_at))

    async def redeem_link_code(self, code: str, account_id: int, at: datetime) -> Account | None:
        """Link `account_id` to the person of the code's account; None when the code is unknown or expired."""
        row = await self.s.get(LinkCode, code)
        if row is None:
            return None
        await self.s.delete(row)
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=at.tzinfo)
        if expires < at or row.account_id == account_id:
            return None
        first = await self.s.get(Account, row.account_id)
        second = await self.s.get(Account, account_id)
        if first is None or second is None:
            return None
        if first.person_id is None:
            person = Person(created_at=at)
            self.s.add(person)
            await self.s.flush()
            first.person_id = person.id
        if second.person_id is not None and second.person_id != first.person_id:
            # `second` was already one person with other accounts: all of them join, or that person would be
            # split in two and its accounts counted twice.
            await self.s.execute(
                update(Account)
                .where(Account.person_id == second.person_id)
                .values(person_id=first.person_id)
                .execution_options(synchronize_session="fetch")
            )
        second.person_id = first.person_id
        return first

    # -- norm pack revisions ---------------------------------------------------------------------------

    async def add_pack_revision(
        self,
        community_id: int,
        *,
        digest: str,
        pack_id: str,
        version: str,
        source: str,
        author: str,
        at: datetime,
    ) -> NormPackRevision:
        """Store an adopted pack as the community's next revision.

        The number is the last one + 1, read under a lock on the community's row (FOR NO KEY UPDATE on
        PostgreSQL; SQLite has one writer): two moderators adopting packs on two replicas at once would
        otherwise both read the same last number and the second INSERT would fail on
        `uq_norm_pack_revisions_community_id`."""
        await self.s.execute(select(Community.id).where(Community.id == community_id).with_for_update(key_share=True))
        last = (
            await self.s.execute(
                select(func.max(NormPackRevision.number)).where(NormPackRevision.community_id == community_id)
            )
        ).scalar_one_or_none()
        row = NormPackRevision(
            community_id=community_id,
            number=(last or 0) + 1,
            digest=digest,
            pack_id=pack_id,
            pack_version=version,
            source=source,
            author=author,
            created_at=at,
        )
        self.s.add(row)
        await self.s.flush()
        return row

    async def pack_revisions(self, community_id: int) -> list[NormPackRevision]:
        """Every revision, newest first."""
        stmt = (
            select(NormPackRevision)
            .where(NormPackRevision.community_id == community_id)
            .order_by(NormPackRevision.number.desc())
        )
        return list((await self.s.execute(stmt)).scalars())

    async def current_pack_revision(self, community_id: int) -> NormPackRevision | None:
        """The latest adopted revision (None: the configured pack applies). Asked on every event, so it reads
        one row (the unique (community, number) index), not the whole history."""
        return (await self.s.execute(_CURRENT_REVISION, {"community_id": community_id})).scalar_one_or_none()

    async def pack_revision(self, community_id: int, number: int) -> NormPackRevision | None:
        """One revision by its number in the community (a button names the revision it was offered for)."""
        stmt = select(NormPackRevision).where(
            NormPackRevision.community_id == community_id, NormPackRevision.number == number
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    # -- re-checks after a norm change -----------------------------------------------------------------

    async def count_releases_except(self, community_id: int, exclude_statuses: Sequence[str]) -> int:
        """How many of a community's releases are in none of `exclude_statuses` (the open ones)."""
        stmt = select(func.count()).select_from(Release).where(Release.community_id == community_id)
        if exclude_statuses:
            stmt = stmt.where(Release.status.not_in(exclude_statuses))
        return int((await self.s.execute(stmt)).scalar_one())

    async def releases_after(
        self, community_id: int, after_id: int, *, exclude_statuses: Sequence[str] = (), limit: int = 25
    ) -> list[Release]:
        """The next `limit` releases by id after `after_id` (oldest first): a batch of a re-check, which
        resumes from the last id it finished instead of an offset that shifts as statuses change."""
        stmt = select(Release).where(Release.community_id == community_id, Release.id > after_id)
        if exclude_statuses:
            stmt = stmt.where(Release.status.not_in(exclude_statuses))
        stmt = stmt.order_by(Release.id).limit(limit)
        return list((await self.s.execute(stmt)).scalars())

    async def start_recheck(
        self,
        community_id: int,
        revision_id: int,
        *,
        total: int,
        report: tuple[str, str, str | None],
        at: datetime,
    ) -> int | None:
        """Record a re-check of the releases for this revision; None when one exists already (one per
        revision, by constraint: a second press or a replica's replay starts nothing)."""
        platform, chat_id, thread_id = report
        return await self.insert_ignore_returning(
            NormRecheck.__table__,  # type: ignore[arg-type]
            {
                "community_id": community_id,
                "revision_id": revision_id,
                "state": "queued",
                "total": total,
                "after_release_id": 0,
                "checked": 0,
                "changed": 0,
                "failing": 0,
                "report_platform": platform,
                "report_chat_id": chat_id,
                "report_thread_id": thread_id,
                "created_at": at,
            },
        )

    async def recheck(self, recheck_id: int) -> NormRecheck | None:
        """A re-check by id (the job's subject)."""
        return await self.s.get(NormRecheck, recheck_id)

    async def recheck_of_revision(self, revision_id: int) -> NormRecheck | None:
        """The re-check started for a revision, if any."""
        stmt = select(NormRecheck).where(NormRecheck.revision_id == revision_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    # -- scheduled jobs --------------------------------------------------------------------------------

    async def schedule_jobs(
        self, jobs: Sequence[tuple[str, str, datetime]], at: datetime, community_id: int | None
    ) -> int:
        """Add several pending jobs ((kind, subject, due time) each) in one statement; duplicates are skipped.
        Returns how many were new."""
        if not jobs:
            return 0
        rows = [
            {
                "community_id": community_id,
                "kind": k,
                "subject": subj,
                "due_at": due,
                "state": "pending",
                "created_at": at,
            }
            for k, subj, due in jobs
        ]
        return len(await self.insert_many_ignore(ScheduledJob.__table__, rows))  # type: ignore[arg-type]

    async def schedule_job(
        self, kind: str, subject: str, due_at: datetime, at: datetime, community_id: int | None = None
    ) -> bool:
        """Add a pending job; the same (kind, subject, due time) twice is one job."""
        return await self.insert_ignore(
            ScheduledJob.__table__,  # type: ignore[arg-type]
            {
                "community_id": community_id,
                "kind": kind,
                "subject": subject,
                "due_at": due_at,
                "state": "pending",
                "created_at": at,
            },
        )

    async def cancel_jobs(self, kind: str, subject: str) -> int:
        """Cancel pending jobs of a kind for a subject (a release got endorsed before its deadline)."""
        result = await self.s.execute(
            update(ScheduledJob)
            .where(ScheduledJob.kind == kind, ScheduledJob.subject == subject, ScheduledJob.state == "pending")
            .values(state="cancelled")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def due_jobs(self, now: datetime, limit: int = 100) -> list[ScheduledJob]:
        """Pending jobs whose time has come, oldest first."""
        stmt = (
            select(ScheduledJob)
            .where(ScheduledJob.state == "pending", ScheduledJob.due_at <= now)
            .order_by(ScheduledJob.due_at, ScheduledJob.id)
            .limit(limit)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def claim_job(self, job_id: int, worker: str, at: datetime) -> bool:
        """Atomically move a job from pending to running; exactly one caller across replicas gets True."""
        result = await self.s.execute(
            update(ScheduledJob)
            .where(and_(ScheduledJob.id == job_id, ScheduledJob.state == "pending"))
            .values(state="running", claimed_by=worker, fired_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def finish_job(self, job_id: int) -> None:
        """Mark a claimed job done."""
        await self.s.execute(update(ScheduledJob).where(ScheduledJob.id == job_id).values(state="done"))

    async def requeue_job(self, job_id: int) -> None:
        """Put a claimed job back to pending (a long job that used its share of a tick continues at the next
        one, on whichever replica claims it then)."""
        await self.s.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id == job_id, ScheduledJob.state == "running")
            .values(state="pending", claimed_by=None)
        )

    async def release_stale_jobs(self, before: datetime) -> int:
        """Return jobs claimed by a replica that died before finishing them to the pending state."""
        result = await self.s.execute(
            update(ScheduledJob)
            .where(ScheduledJob.state == "running", ScheduledJob.fired_at < before)
            .values(state="pending", claimed_by=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def jobs(self, state: str | None = None) -> list[ScheduledJob]:
        """Jobs, optionally by state (tests and the status page)."""
        stmt = select(ScheduledJob).order_by(ScheduledJob.due_at, ScheduledJob.id)
        if state is not None:
            stmt = stmt.where(ScheduledJob.state == state)
        return list((await self.s.execute(stmt)).scalars())

    # -- audit -----------------------------------------------------------------------------------------

    async def audit(
        self,
        community_id: int,
        *,
        actor: str,
        action: str,
        subject: str,
        payload: dict[str, Any],
        at: datetime,
    ) -> None:
        """Append an event to the community's chain when this unit of work commits.

        The event is only queued here: `write_audit` locks the chain head (FOR UPDATE on PostgreSQL; SQLite
        serialises writers anyway), chains the queued events in call order and stores them, just before
        COMMIT. Taking the head at the end keeps it locked for two round trips (events and head in one
        statement on PostgreSQL, then COMMIT) instead of the rest of the unit of work: every endorsement of
        a community goes through that one row, so with the lock taken at the first append, a burst on one
        release queued behind every other statement of each transaction (docs/performance.md, "Endorsement
        burst"). It also means a unit of work holding a head waits for no other row (heads are locked in
        community order), except after `audit_now`, whose callers touch only their own new rows.
        """
        event = {
            "community_id": community_id,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
        }
        self._pending_audit.append(event)
        self.appended_audit.append(event)

    async def audit_now(
        self,
        community_id: int,
        *,
        actor: str,
        action: str,
        subject: str,
        payload: dict[str, Any],
        at: datetime,
    ) -> tuple[int, str]:
        """`audit`, chained at once: (sequence number, hash), for a receipt that must cite its place in the
        chain before the unit of work ends. The head stays locked from here to COMMIT, so the caller should
        only touch rows of its own unit of work afterwards (claims sign their receipts, then update them)."""
        await self.audit(community_id, actor=actor, action=action, subject=subject, payload=payload, at=at)
        await self._chain_pending()
        last = self._chained[-1]
        return int(last["seq"]), str(last["hash"])

    async def _chain_pending(self) -> None:
        """Lock the heads of the queued events' chains (in community order) and chain the events."""
        if not self._pending_audit:
            return
        for cid in sorted({e["community_id"] for e in self._pending_audit} - self._heads.keys()):
            head = await self._locked_audit_head(cid)
            if head is None:
                await self.insert_ignore(
                    AuditHead.__table__,  # type: ignore[arg-type]
                    {"community_id": cid, "seq": 0, "hash": GENESIS},
                )
                head = await self._locked_audit_head(cid)
                assert head is not None
            self._heads[cid] = head  # locked until commit: later appends here need not ask again
        pending, self._pending_audit = self._pending_audit, []
        for event in pending:
            cid = event["community_id"]
            head = self._heads[cid]
            seq = head.seq + 1
            digest = event_hash(head.hash, seq=seq, **event)
            self._chained.append({**event, "seq": seq, "prev_hash": head.hash, "hash": digest})
            # The head moves in memory only; `write_audit` stores events and heads together.
            set_committed_value(head, "seq", seq)
            set_committed_value(head, "hash", digest)

    async def write_audit(self) -> None:
        """Chain and store the events appended so far: the events and the chain's head in one statement on
        PostgreSQL, instead of three statements per event. `Store` calls this before every commit, and every
        query that reads audit events calls it first, so nobody can observe the chain half-written."""
        await self._chain_pending()
        if not self._chained:
            return
        chained, self._chained = self._chained, []
        postgres = self.s.get_bind().dialect.name == "postgresql"
        for cid in sorted({e["community_id"] for e in chained}):
            head = self._heads[cid]
            events = [e for e in chained if e["community_id"] == cid]
            move = update(AuditHead).where(AuditHead.community_id == cid).values(seq=head.seq, hash=head.hash)
            if postgres and len(events) <= _CTE_EVENTS:
                # One round trip while the head is locked instead of two: each event goes in as a
                # data-modifying CTE of the head's UPDATE (PostgreSQL runs such a CTE even if unreferenced).
                # One single-row CTE per event, never one multi-row VALUES: SQLAlchemy cannot cache a
                # multi-row VALUES statement, and compiling it anew costs a large share of an
                # announcement's CPU.
                for i, event in enumerate(events):
                    move = move.add_cte(insert(AuditEvent).values(event).cte(f"appended_{i}"))
            else:
                await self.s.execute(insert(AuditEvent), events)  # executemany: one cached statement
            await self.s.execute(move)

    async def _locked_audit_head(self, community_id: int) -> AuditHead | None:
        """The community's chain head, locked until commit (FOR UPDATE; SQLite serialises writers anyway)."""
        return (await self.s.execute(_LOCKED_HEAD, {"community_id": community_id})).scalar_one_or_none()

    async def audit_events(self, community_id: int, limit: int | None = None) -> list[AuditEvent]:
        """A community's audit events in order (newest last)."""
        await self.write_audit()
        stmt = select(AuditEvent).where(AuditEvent.community_id == community_id).order_by(AuditEvent.seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        return list((await self.s.execute(stmt)).scalars())

    async def verify_audit(self) -> list[ChainProblem]:
        """Verify every community's chain against its head."""
        await self.write_audit()
        problems: list[ChainProblem] = []
        heads = {h.community_id: h.seq for h in (await self.s.execute(select(AuditHead))).scalars()}
        ids = set(heads) | set((await self.s.execute(select(AuditEvent.community_id).distinct())).scalars())
        for cid in sorted(ids):
            rows = await self.audit_events(cid)
            problems.extend(verify_chain(cid, rows, heads.get(cid, 0)))
        return problems
