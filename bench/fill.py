"""Fill a migrated store with a large synthetic history, fast: COPY on PostgreSQL (asyncpg
`copy_records_to_table`), `executemany` in one transaction on SQLite.

This writes rows directly with the raw drivers, below the core, because pushing a million endorsements
through `Core.handle` would take hours and measure the write path, which the load generator already does.
The rows respect every constraint of `storage/models.py` (unique keys, foreign keys, checks), so the core
runs on the result as on a real history; communities are named like `bench.stream.communities` makes them.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from bench.databases import to_asyncpg_dsn

__all__ = ["FillPlan", "Filled", "fill", "rows"]

BASE = datetime(2025, 1, 1, tzinfo=UTC)
STATUSES = ["in_review"] * 8 + ["endorsed"] * 7 + ["changes_requested"] * 2 + ["flagged", "resolved", "announced"]
NORMS = ["credit-base-model", "own-hash-published", "harm-safe-format"]


@dataclass(frozen=True, slots=True)
class FillPlan:
    """How big: communities, creators, members (endorsers), releases, endorsements, flags."""

    communities: int = 200
    creators: int = 5_000
    members: int = 50_000
    releases: int = 100_000
    endorsements: int = 1_000_000
    flags: int = 20_000

    @classmethod
    def quick(cls) -> FillPlan:
        """The `--quick` size: a tenth of the full one."""
        return cls(communities=200, creators=1_000, members=10_000, releases=10_000, endorsements=100_000, flags=2_000)


@dataclass(frozen=True, slots=True)
class Filled:
    """What was written and how long it took."""

    plan: FillPlan
    rows: dict[str, int]
    seconds: float

    @property
    def rows_per_s(self) -> float:
        """All rows over all seconds."""
        return sum(self.rows.values()) / self.seconds


def _ts(i: int) -> datetime:
    return BASE + timedelta(seconds=30 * i)


def rows(plan: FillPlan, seed: int = 3) -> Iterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """(table, columns, rows) in foreign-key order. Endorsement counts are skewed: a few releases are popular."""
    rng = random.Random(seed)
    yield (
        "communities",
        ["id", "slug", "name", "created_at"],
        [(c + 1, f"c{c:04d}", f"Community {c}", BASE) for c in range(plan.communities)],
    )
    n_acc = plan.creators + plan.members
    yield (
        "accounts",
        ["id", "platform", "user_id", "display_name", "person_id", "created_at", "redacted"],
        [(a + 1, "console", f"u{a}", f"user{a}", None, BASE, False) for a in range(n_acc)],
    )
    creator_of = [rng.randrange(plan.creators) + 1 for _ in range(plan.releases)]
    community_of = [r % plan.communities + 1 for r in range(plan.releases)]
    fields = json.dumps({"model_type": "lora", "base_model": "SDXL 1.0", "license": "openrail++"})
    yield (
        "releases",
        ["id", "community_id", "creator_id", "release_key", "model_name", "version", "model_type", "base_model",
         "fields_json", "text", "status", "previous_id", "review_due_at", "created_at", "updated_at"],
        [
            (r + 1, community_of[r], creator_of[r], f"model-{r}@1#{creator_of[r]}", f"Model {r}", "v1", "lora",
             "SDXL 1.0", fields, f"Releasing Model {r} v1, a LoRA for SDXL 1.0", rng.choice(STATUSES), None,
             _ts(r) + timedelta(hours=72), _ts(r), _ts(r))
            for r in range(plan.releases)
        ],
    )  # fmt: skip
    yield (
        "announcements",
        ["id", "release_id", "author_id", "platform", "chat_id", "thread_id", "message_id", "url", "text",
         "created_at"],
        [
            (r + 1, r + 1, creator_of[r], "console", f"c{community_of[r] - 1:04d}-releases", None, f"fill.m{r}",
             None, f"Releasing Model {r} v1", _ts(r))
            for r in range(plan.releases)
        ],
    )  # fmt: skip
    yield (
        "norm_checks",
        ["id", "release_id", "pack_id", "pack_version", "pack_digest", "trigger", "actor_id", "created_at"],
        [(r + 1, r + 1, "baseline", "1.0.0", "0" * 64, "announce", None, _ts(r)) for r in range(plan.releases)],
    )
    yield (
        "norm_results",
        ["id", "check_id", "norm_id", "need", "severity", "outcome", "evidence"],
        [
            (r * len(NORMS) + k + 1, r + 1, norm, "credit", "warn", rng.choice(("pass", "pass", "fail")), "")
            for r in range(plan.releases)
            for k, norm in enumerate(NORMS)
        ],
    )
    # Endorsements: a Pareto-ish share per release, capped by the member count; (release, account) unique
    # because account = creators + (r*31 + j*997) mod members and 997 is prime to any member count we use.
    weights = [rng.paretovariate(1.3) for _ in range(plan.releases)]
    scale = plan.endorsements / sum(weights)
    counts = [min(plan.members - 1, int(w * scale)) for w in weights]
    cap = plan.members - 1
    short = plan.endorsements - sum(counts)
    i = 0
    while short != 0:  # hand out (or take back) the rounding remainder, one per release, within the cap
        r = i % plan.releases
        if short > 0 and counts[r] < cap:
            counts[r] += 1
            short -= 1
        elif short < 0 and counts[r] > 0:
            counts[r] -= 1
            short += 1
        i += 1
    ends = []
    eid = 0
    for r, cnt in enumerate(counts):
        for j in range(cnt):
            eid += 1
            account = plan.creators + (r * 31 + j * 997) % plan.members + 1
            ends.append((eid, r + 1, account, "", False, _ts(r) + timedelta(minutes=j % 1440)))
    yield "endorsements", ["id", "release_id", "account_id", "note", "by_reviewer", "created_at"], ends
    yield (
        "flags",
        ["id", "release_id", "account_id", "norm_id", "reason", "status", "resolved_by", "resolution_note",
         "penalised", "created_at", "resolved_at"],
        [
            (f + 1, rng.randrange(plan.releases) + 1, plan.creators + f % plan.members + 1, NORMS[f % 3],
             "not as stated", "open" if f % 3 == 0 else "dismissed", None, None, False, _ts(f),
             None if f % 3 == 0 else _ts(f))
            for f in range(plan.flags)
        ],
    )  # fmt: skip


def _sqlite_value(v: Any) -> Any:
    """Timestamps as SQLAlchemy stores them on SQLite (naive UTC text)."""
    return v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v


def _fill_sqlite(path: str, plan: FillPlan) -> dict[str, int]:
    conn = sqlite3.connect(path)
    written: dict[str, int] = {}
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        with conn:
            for table, cols, data in rows(plan):
                marks = ", ".join("?" for _ in cols)
                converted = [tuple(_sqlite_value(v) for v in row) for row in data]
                conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", converted)
                written[table] = len(data)
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return written


async def _fill_pg(dsn: str, plan: FillPlan) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    written: dict[str, int] = {}
    try:
        for table, cols, data in rows(plan):
            await conn.copy_records_to_table(table, records=data, columns=cols)
            written[table] = len(data)
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # What autovacuum would have done by the time a history this size exists (visibility map, statistics).
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return written


async def fill(url: str, plan: FillPlan) -> Filled:
    """Bulk-load `plan` into the (migrated, empty) database at `url`."""
    import asyncio

    parsed = make_url(url)
    start = time.perf_counter()
    if parsed.get_backend_name() == "sqlite":
        written = await asyncio.to_thread(_fill_sqlite, str(parsed.database), plan)
    else:
        written = await _fill_pg(to_asyncpg_dsn(url), plan)
    return Filled(plan, written, time.perf_counter() - start)
