"""Engines and URLs: SQLite (embedded default) and PostgreSQL (asyncpg) behind one async API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.inline_sqlite import connector

__all__ = ["DEFAULT_SQLITE_PATH", "create_engine", "default_url", "normalise_url", "redact_url", "sqlite_file"]

DEFAULT_SQLITE_PATH = Path("data") / "normbot.db"


def default_url() -> str:
    """`NORMBOT_DATABASE_URL` if set, else the embedded SQLite file `./data/normbot.db`."""
    env = os.environ.get("NORMBOT_DATABASE_URL")
    if env:
        return normalise_url(env)
    return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"


def normalise_url(url: str) -> str:
    """Accept the URLs people write (`postgresql://`, `sqlite:///x.db`) and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def redact_url(url: str) -> str:
    """The URL with its password masked, for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL too broken to parse is shown without anything after the scheme
        return url.split("://", 1)[0] + "://***"


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL and in-memory SQLite).

    Why: opening a SQLite URL creates the file (and `create_engine` its folder), so a command that only
    reads checks this first rather than leaving an empty database behind."""
    try:
        parsed = make_url(normalise_url(url))
    except Exception:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _strip_nul(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _pg_no_nul(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> Any:
    """PostgreSQL text cannot hold NUL (SQLite can): user text with one would fail the whole unit of work, so it
    is stored with U+FFFD in its place, as a decoder would show an invalid byte."""
    if executemany and isinstance(parameters, list):
        parameters = [tuple(_strip_nul(v) for v in row) if isinstance(row, tuple) else row for row in parameters]
    elif isinstance(parameters, tuple):
        parameters = tuple(_strip_nul(v) for v in parameters)
    return statement, parameters


def create_engine(url: str | None = None, *, inline_sqlite: bool = True, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout, its folder is created.

    A SQLite file runs its statements on the calling thread (`inline_sqlite`, the default); False keeps
    aiosqlite's helper thread, which the benchmarks use as the baseline.
    """
    url = normalise_url(url or default_url())
    parsed = make_url(url)
    # A failed statement's exception text (and so every traceback in the logs) would otherwise carry its bound
    # values: members' notes, flag reasons, announcement text. The SQL and the error stay; the values go.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
            if inline_sqlite:
                # Statements run inline (storage/inline_sqlite.py); `Store` serialises units of work, so one
                # connection serves them all and keeps its page cache warm.
                kwargs.setdefault("async_creator", connector(db))
                kwargs.setdefault("pool_size", 1)
                kwargs.setdefault("max_overflow", 4)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # asyncpg waits 60 s for an unreachable host by default; an event should fail fast and be retried instead.
    kwargs.setdefault("connect_args", {"timeout": 5})
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "before_cursor_execute", _pg_no_nul, retval=True)
    return engine
