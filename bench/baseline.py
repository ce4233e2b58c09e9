"""Raw-driver baselines, measured in the same database as the core's figures: one INSERT per transaction
through sqlite3 or asyncpg with nothing of ours in between. The core does much more per event (dedup row,
lookups, audit chain, norm check), so the ratio core/raw says how much of the database's raw write rate the
bot turns into useful work."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from sqlalchemy.engine import make_url

from bench.databases import to_asyncpg_dsn

__all__ = ["raw_inserts"]

_TABLE = "bench_raw"


def _sqlite_rate(path: str, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} (id INTEGER PRIMARY KEY, k TEXT UNIQUE, body TEXT)")
        start = time.perf_counter()
        for i in range(n):
            conn.execute("BEGIN")
            conn.execute(f"INSERT INTO {_TABLE} (k, body) VALUES (?, ?)", (f"s{start}-{i}", "x" * 80))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.execute(f"DROP TABLE {_TABLE}")
    finally:
        conn.close()
    return n / elapsed


async def _pg_rate(dsn: str, n: int, concurrency: int) -> float:
    import asyncpg

    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:
        await pool.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} (id BIGSERIAL PRIMARY KEY, k TEXT UNIQUE, body TEXT)")
        counter = iter(range(n))
        tag = time.perf_counter()

        async def worker() -> None:
            async with pool.acquire() as conn:
                for i in counter:
                    await conn.execute(f"INSERT INTO {_TABLE} (k, body) VALUES ($1, $2)", f"p{tag}-{i}", "x" * 80)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
        await pool.execute(f"DROP TABLE {_TABLE}")
    finally:
        await pool.close()
    return n / elapsed


async def raw_inserts(url: str, n: int, *, concurrency: int = 1) -> dict[str, Any]:
    """Rows per second for `n` single-row transactions on the database at `url` (SQLite is one writer, so
    it always runs with one connection; PostgreSQL with `concurrency` connections)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        rate = await asyncio.to_thread(_sqlite_rate, str(parsed.database), n)
        concurrency = 1
        driver = f"sqlite3 {sqlite3.sqlite_version}"
    else:
        rate = await _pg_rate(to_asyncpg_dsn(url), n, concurrency)
        driver = "asyncpg"
    return {"rows_per_s": round(rate, 1), "rows": n, "concurrency": concurrency, "driver": driver}
