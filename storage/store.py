"""The store: one engine, one unit of work per event or job.

`Store.transaction()` opens a session and a transaction and yields a `Tx` whose repositories are the only way
the rest of normbot reads or writes the database. Connection failures surface as `StoreUnavailable`, which
the core turns into "not recorded yet" replies instead of tracebacks.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from storage.engine import create_engine, redact_url
from storage.models import Base
from storage.tx import Tx

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from storage.migrate import SchemaStatus

__all__ = ["DEFAULT_MAX_UNITS", "MIGRATION_LOCK_KEY", "Store", "StoreUnavailable"]

# The PostgreSQL advisory lock migrations take (`Store.upgrade`): any fixed 64-bit number no other application
# on the database uses; this one is "normbot\0" read as a big-endian integer.
MIGRATION_LOCK_KEY = int.from_bytes(b"normbot\0", "big")

# Units of work in flight per process on PostgreSQL (see `Store.__init__` for why it is small); `[store]
# max_units` in normbot.toml overrides it (a database far away, with long round trips, wants more).
DEFAULT_MAX_UNITS = 4


class StoreUnavailable(Exception):
    """The database could not be reached or refused the connection; nothing was written."""


# SQLite reports everything as OperationalError, from "unable to open database file" to "table x already
# exists" and "Expression tree is too large"; only these mean the database itself could not be used right now.
_SQLITE_UNAVAILABLE = (
    "unable to open database",
    "database is locked",
    "disk i/o error",
    "database or disk is full",
    "readonly database",
    "locking protocol",
)


def _is_connection_error(exc: BaseException) -> bool:
    """Whether `exc` means the store could not be reached (then nothing was written and "try again" is the
    honest answer), as opposed to a statement the database refused (a bug, answered as an internal error)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError) and type(exc.orig).__module__.startswith("sqlite3"):
        message = str(exc.orig).lower()
        return any(phrase in message for phrase in _SQLITE_UNAVAILABLE)
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, OSError | ConnectionError | asyncio.TimeoutError)


class Store:
    """The shared store. Cheap to share across tasks; every `transaction()` gets its own session."""

    def __init__(
        self, engine: AsyncEngine, *, serialise: bool | None = None, max_units: int | None = DEFAULT_MAX_UNITS
    ) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer. Letting units of work queue on an asyncio lock instead of on SQLite's file
        # lock keeps the loop free (inline statements, storage/inline_sqlite.py, would otherwise sleep in the
        # busy handler on the loop's own thread) and avoids the busy handler's growing sleeps.
        self._serialise = engine.dialect.name == "sqlite" if serialise is None else serialise
        # PostgreSQL: at most `max_units` units of work in flight per process; the rest wait before they
        # hold anything. A process is CPU-bound in Python long before the database is, so more transactions
        # at once only lengthen the event loop's queue, and with it the time each transaction holds its row
        # locks, so a small cap gives more throughput across replicas than a large one
        # (docs/performance.md). None: no limit.
        self._limit = 1 if self._serialise else (None if engine.dialect.name == "sqlite" else max_units)
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        # Per event loop (a store may be driven from two threads' loops, as the registry's test client does).
        self._holders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[asyncio.Task[Any]]] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_url(
        cls, url: str | None = None, *, inline_sqlite: bool = True, max_units: int | None = DEFAULT_MAX_UNITS
    ) -> Store:
        """Open a store on `url` (default: `NORMBOT_DATABASE_URL` or the embedded SQLite file).

        `inline_sqlite=False` keeps aiosqlite's thread per connection and SQLite's own locking (the benchmarks'
        baseline); the default runs SQLite statements inline with units of work serialised in-process.
        `max_units` caps the units of work in flight on PostgreSQL (None: no cap); SQLite runs one at a time.
        """
        engine = create_engine(url, inline_sqlite=inline_sqlite)
        return cls(engine, serialise=None if inline_sqlite else False, max_units=max_units)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @property
    def busy(self) -> bool:
        """Whether a serialised (SQLite) unit of work is open right now; slow work must not run inside one."""
        return self._serialise and any(list(self._holders.values()))

    @property
    def url(self) -> str:
        """The URL with its password masked."""
        return redact_url(self.engine.url.render_as_string(hide_password=False))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One unit of work: commits on success, rolls back on any error."""
        if self._limit is None:
            async with self._unit() as tx:
                yield tx
            return
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        holders = self._holders.get(loop)
        if holders is None:
            holders = self._holders[loop] = set()
        if task is not None and task in holders:
            # It would wait for a place that only its own outer unit can give back (on SQLite, always).
            raise RuntimeError("a unit of work was opened inside another on the same task")
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self._limit)
        async with gate:
            if task is not None:
                holders.add(task)
            try:
                async with self._unit() as tx:
                    yield tx
            finally:
                if task is not None:
                    holders.discard(task)

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[Tx]:
        try:
            async with self._sessions() as session:
                async with session.begin():
                    tx = Tx(session)
                    yield tx
                    await tx.audit_log.write()
                for callback in tx.committed_callbacks:
                    callback()
        except Exception as exc:
            if _is_connection_error(exc):
                raise StoreUnavailable(f"store unreachable ({type(exc).__name__})") from exc
            raise

    async def ping(self) -> bool:
        """Whether the database answers a trivial query (health checks)."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def create_all(self) -> None:
        """Create tables straight from the models (tests only: real databases use `upgrade`)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations on this store's connection (an unreachable database is `StoreUnavailable`,
        like any unit of work, so every command that migrates first fails with one clear message).

        Replicas started together (`docker compose --scale normbot=3`) all migrate on start, so migrations run
        one process at a time: on PostgreSQL under a transaction-level advisory lock taken first on the very
        connection and transaction Alembic then uses (its DDL is transactional; the lock goes at COMMIT, so the
        next process finds the schema at head and does nothing); on SQLite under an exclusive lock on a file
        beside the database (SQLite's own DDL autocommits statement by statement, so its locking alone does not
        keep two migrations apart). Without them two processes created the same tables: `UniqueViolation` on
        `pg_type`, or "table ... already exists", and the replica died.
        """
        from storage.migrate import upgrade_connection

        try:
            async with self._migration_file_lock():
                # `connect`, not `begin`: on SQLite the migration commits around its foreign-key pragma itself
                # (`storage.migrate`); on PostgreSQL nothing commits before the COMMIT below, which lets the lock go.
                async with self.engine.connect() as conn:
                    if self.dialect == "postgresql":
                        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                    await conn.run_sync(upgrade_connection, revision)
                    await conn.commit()
        except Exception as exc:
            if _is_connection_error(exc):
                raise StoreUnavailable(f"store unreachable ({type(exc).__name__})") from exc
            raise

    @asynccontextmanager
    async def _migration_file_lock(self) -> AsyncIterator[None]:
        """An exclusive `flock` on `<database file>.migrate.lock` while a SQLite file is migrated (other
        databases and in-memory SQLite: nothing to do). Polled rather than blocking, so a waiting process
        keeps its event loop and can be cancelled. Where `fcntl` is missing (Windows) there is no lock: run
        one process per SQLite file there, which is what SQLite wants anyway."""
        database = self.engine.url.database
        if self.dialect != "sqlite" or not database or database == ":memory:" or fcntl is None:
            yield
            return
        fd = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    async def schema_status(self) -> SchemaStatus:
        """The schema's revision against this code's migrations, read without writing anything.

        A database that cannot be reached, or a file that is not a database, is `StoreUnavailable`."""
        from storage.migrate import schema_status

        try:
            async with self.engine.connect() as conn:
                return await conn.run_sync(schema_status)
        except DBAPIError as exc:
            raise StoreUnavailable(f"cannot read the database ({type(exc.orig or exc).__name__})") from exc
        except Exception as exc:
            if _is_connection_error(exc):
                raise StoreUnavailable(f"store unreachable ({type(exc).__name__})") from exc
            raise

    async def close(self) -> None:
        """Dispose the engine's pool."""
        await self.engine.dispose()
