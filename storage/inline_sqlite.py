"""SQLite for the async engine without a thread hop per statement.

aiosqlite runs every statement on a helper thread and hands the result back through the event loop. That
hop costs far more than a typical statement itself (docs/performance.md), and an announcement issues dozens
of statements, so with aiosqlite most of SQLite's time goes to thread ping-pong.
This module gives SQLAlchemy's aiosqlite dialect a connection object with aiosqlite's interface whose
coroutines run `sqlite3` directly on the calling thread and complete without suspending.

That is only safe because `Store` serialises its units of work on SQLite with an asyncio lock (one writer
at a time, the way SQLite works anyway): two open transactions on one thread could otherwise wait for each
other's file lock inside the busy handler while neither can make progress. Another *process* holding the
write lock (a CLI migration, say) still blocks the loop for up to the busy timeout; normbot on SQLite is a
single-process deployment, several bots share PostgreSQL (docs/deploy.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["InlineConnection", "connector"]


class _Cursor:
    """aiosqlite's cursor interface over a `sqlite3.Cursor`, run inline."""

    __slots__ = ("_cur",)

    def __init__(self, cur: sqlite3.Cursor) -> None:
        self._cur = cur

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cur.close()

    @property
    def description(self) -> Any:
        return self._cur.description

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cur.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cur.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cur.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> _Cursor:
        self._cur.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any] | dict[str, Any]]) -> _Cursor:
        self._cur.executemany(sql, seq)
        return self

    async def fetchone(self) -> Any:
        return self._cur.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cur.fetchmany(size if size is not None else self._cur.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    async def close(self) -> None:
        self._cur.close()


class InlineConnection:
    """aiosqlite's connection interface over a `sqlite3.Connection`, run inline (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = conn

    @property
    def _connection(self) -> sqlite3.Connection | None:
        # SQLAlchemy's adapter checks `._connection` before commit/rollback, as aiosqlite names it.
        return self._conn

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._live().isolation_level = value

    @property
    def in_transaction(self) -> bool:
        return self._live().in_transaction

    def cursor(self) -> _Cursor:
        return _Cursor(self._live().cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> _Cursor:
        cur = self.cursor()
        return await cur.execute(sql, parameters)

    async def commit(self) -> None:
        self._live().commit()

    async def rollback(self) -> None:
        self._live().rollback()

    async def create_function(self, name: str, num_params: int, func: Callable[..., Any], **kw: Any) -> None:
        self._live().create_function(name, num_params, func, **kw)

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        """Forced close (SQLAlchemy's terminate); there is no thread to stop."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def connector(database: str, *, busy_timeout_s: float = 10.0) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` that opens `database` inline."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: the store may be driven from another thread's loop (the registry under a
        # test client); SQLite itself is compiled serialised, and `Store` never shares a transaction.
        conn = sqlite3.connect(
            database,
            timeout=busy_timeout_s,
            isolation_level="DEFERRED",
            check_same_thread=False,
            uri=database.startswith("file:"),
        )
        return InlineConnection(conn)

    return connect
