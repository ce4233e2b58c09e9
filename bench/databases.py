"""Throw-away databases for one benchmark run: a SQLite file in a temp folder, or a PostgreSQL database
`normbot_bench_<random>` created on 127.0.0.1:5432 and dropped afterwards (other databases are never touched).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

__all__ = ["PG_ADMIN_DSN", "pg_database", "pg_reachable", "sqlite_database", "to_asyncpg_dsn"]

PG_ADMIN_DSN = os.environ.get("NORMBOT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def to_asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL (`postgresql+asyncpg://…`) as a plain libpq DSN for asyncpg."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _dsn_for(name: str) -> str:
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{name}"


async def pg_reachable() -> str | None:
    """None if PostgreSQL answers, else why not (the benchmark then reports PostgreSQL as not measured)."""
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@asynccontextmanager
async def pg_database(tag: str = "") -> AsyncIterator[str]:
    """Create `normbot_bench_<tag><random>`; yields its SQLAlchemy URL; drops it (WITH FORCE) at the end."""
    import asyncpg

    name = f"normbot_bench_{tag}{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _dsn_for(name).replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    """A fresh SQLite file in a temporary folder (removed afterwards); yields its SQLAlchemy URL."""
    folder = Path(tempfile.mkdtemp(prefix="normbot_bench_"))
    try:
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
