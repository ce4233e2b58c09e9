"""The store at scale: fill 100k releases and 1M endorsements (10k/100k with `--quick`), then time what
people wait for on a big history, through the real code paths:

- `release show R<id>`, `queue` (a moderator) and `profile @name`, as commands into `Core.handle`;
- the registry's community page: `storage.registry.list_releases` filtered by status, newest first, page 1
  and page 20;
- one new announcement into a filled community (the watcher's write path, provenance hooks included).

Baseline, same run: a primary-key lookup through the raw driver (the floor of any query). On PostgreSQL
every SELECT those operations issue is captured and shown with `EXPLAIN (ANALYZE, BUFFERS)`.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.databases import to_asyncpg_dsn
from bench.fill import FillPlan, fill
from bench.load import percentile, prompt_release
from bench.scenario import database_for, new_core
from bench.stream import PLATFORM, announcement_text, releases_chat
from moderation.kernel.actions import Reply
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import Actor, CommandInvoked, MessagePosted
from storage import ReleaseFilter, Store

__all__ = ["TARGET_MS", "run_scale"]

TARGET_MS = 20.0


class Capture:
    """Collects the SQL statements an operation sends (to EXPLAIN them afterwards)."""

    def __init__(self, store: Store) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(store.engine.sync_engine, "before_cursor_execute", self._hook)

    def _hook(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


async def _time(fn: Callable[[int], Awaitable[None]], n: int) -> dict[str, float]:
    for i in range(3):
        await fn(10_000 + i)
    took = []
    for i in range(n):
        t0 = time.perf_counter()
        await fn(i)
        took.append((time.perf_counter() - t0) * 1000)
    return {
        "p50_ms": round(statistics.median(took), 2),
        "p99_ms": round(percentile(took, 0.99), 2),
        "max_ms": round(max(took), 2),
        "runs": n,
    }


async def _pk_baseline(url: str, ids: list[int]) -> dict[str, float]:
    """The floor: `SELECT * FROM releases WHERE id = ?` through sqlite3 / asyncpg."""
    parsed = make_url(url)
    took = []
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(parsed.database))
        try:
            for rid in ids:
                t0 = time.perf_counter()
                conn.execute("SELECT * FROM releases WHERE id = ?", (rid,)).fetchall()
                took.append((time.perf_counter() - t0) * 1000)
        finally:
            conn.close()
    else:
        import asyncpg

        pg = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            for rid in ids:
                t0 = time.perf_counter()
                await pg.fetch("SELECT * FROM releases WHERE id = $1", rid)
                took.append((time.perf_counter() - t0) * 1000)
        finally:
            await pg.close()
    return {"p50_ms": round(statistics.median(took), 3), "p99_ms": round(percentile(took, 0.99), 3)}


async def _explain(url: str, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each distinct captured SELECT (PostgreSQL only)."""
    import asyncpg

    pg = await asyncpg.connect(to_asyncpg_dsn(url))
    out = []
    seen: set[str] = set()
    try:
        for sql, params in statements:
            if sql in seen:
                continue
            seen.add(sql)
            rows = await pg.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *(params or ()))
            plan = [r[0] for r in rows]
            ms = next((float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time")), 0.0)
            out.append({"sql": " ".join(sql.split()), "plan": plan, "execution_ms": ms})
    finally:
        await pg.close()
    return out


async def _sql(url: str, statement: str) -> None:
    """Run one DDL statement through the raw driver (index experiments only)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(parsed.database))
        try:
            conn.execute(statement)
            conn.execute("ANALYZE")
            conn.commit()
        finally:
            conn.close()
        return
    import asyncpg

    pg = await asyncpg.connect(to_asyncpg_dsn(url))
    try:
        await pg.execute(statement)
        await pg.execute("ANALYZE")
    finally:
        await pg.close()


async def _index_effects(store: Store, url: str, backend: str, plan: FillPlan) -> dict[str, Any]:
    """The queries an index is for, timed with and without it in the same database.

    - `Tx.open_flags` (the queue) with migration 0002's partial index, then without it;
    - `Tx.account_by_name` (`profile @name`) as shipped, then with a proposed expression index on
      `lower(display_name)` (PostgreSQL only: SQLite cannot reflect it, so it is not in the models yet).
    """

    async def open_flags(i: int) -> None:
        async with store.transaction() as tx:
            await tx.flags.open(i % plan.communities + 1, limit=20)

    async def by_name(i: int) -> None:
        async with store.transaction() as tx:
            await tx.accounts.by_name(PLATFORM, f"user{plan.creators + plan.members - 1 - i}")

    out: dict[str, Any] = {"open_flags_with_0002": await _time(open_flags, 40)}
    await _sql(url, "DROP INDEX ix_flags_open_release")
    out["open_flags_without_0002"] = await _time(open_flags, 40)
    out["account_by_name_shipped"] = await _time(by_name, 40)
    if backend == "postgresql":
        await _sql(url, "CREATE INDEX ix_bench_accounts_lower_name ON accounts (platform, lower(display_name))")
        out["account_by_name_with_expression_index"] = await _time(by_name, 40)
    return out


async def run_scale(backend: str, *, quick: bool, runs: int = 40, plan: FillPlan | None = None) -> dict[str, Any]:
    """Fill, then measure each operation; returns the figures (and plans on PostgreSQL)."""
    plan = plan or (FillPlan.quick() if quick else FillPlan())
    size = "full" if plan == FillPlan() else "quick" if plan == FillPlan.quick() else "custom"
    out: dict[str, Any] = {"backend": backend, "size": size, "target_ms": TARGET_MS}
    async with database_for(backend, "scale") as url:
        store = Store.from_url(url)
        try:
            await store.upgrade()
            filled = await fill(url, plan)
            out["fill"] = {
                "rows": filled.rows,
                "seconds": round(filled.seconds, 1),
                "rows_per_s": round(filled.rows_per_s),
            }
            clock = ManualClock()
            core = await new_core(store, plan.communities, rules_only=True, clock=clock)
            capture = Capture(store)
            rng = random.Random(5)
            targets = [rng.randrange(plan.releases) + 1 for _ in range(runs + 3)]
            creators = [rng.randrange(plan.creators) for _ in range(runs + 3)]
            out["pk_lookup_baseline"] = await _pk_baseline(url, targets)

            def slug_of(rid: int) -> str:
                return f"c{(rid - 1) % plan.communities:04d}"

            async def command(name: str, args: str, slug: str, who: str, i: int) -> None:
                ev = CommandInvoked(f"scale-{name}-{i}-{time.perf_counter_ns()}", releases_chat(slug),
                                    Actor(PLATFORM, who, who), name, args)  # fmt: skip
                actions = await core.handle(ev)
                titles = [a.card.title for a in actions if isinstance(a, Reply)]
                if not titles or titles[0] in ("Something went wrong", "Not recorded yet", "Can't do that"):
                    raise RuntimeError(f"/{name} {args} failed at scale: {titles}")

            async def release_show(i: int) -> None:
                rid = targets[i % len(targets)]
                await command("release show", f"R{rid}", slug_of(rid), "reader", i)

            async def queue(i: int) -> None:
                slug = f"c{i % plan.communities:04d}"
                await command("queue", "", slug, f"mod-{slug}", i)

            async def profile(i: int) -> None:
                await command("profile", f"@user{creators[i % len(creators)]}", "c0000", "reader", i)

            async def community_page(page: int) -> Callable[[int], Awaitable[None]]:
                async def go(i: int) -> None:
                    cid = i % plan.communities + 1
                    async with store.transaction() as tx:
                        await tx.registry.list_releases(
                            cid, ReleaseFilter(status="in_review"), limit=25, offset=page * 25
                        )

                return go

            ann_rng = random.Random(9)

            async def announce(i: int) -> None:
                slug = f"c{i % plan.communities:04d}"
                chat = releases_chat(slug)
                stamp = time.perf_counter_ns()
                maker = Actor(PLATFORM, f"newmaker{i}", f"newmaker{i}")
                text = announcement_text(ann_rng, f"Fresh{i}x{stamp}")
                ev = MessagePosted(f"{chat.chat_id}:scale{i}-{stamp}", chat, f"scale.m{i}-{stamp}", maker, text)
                if prompt_release(await core.handle(ev)) is None:
                    raise RuntimeError("the announcement at scale was not detected")

            ops: dict[str, Callable[[int], Awaitable[None]]] = {
                "release_show": release_show,
                "queue": queue,
                "profile": profile,
                "community_page_1": await community_page(0),
                "community_page_20": await community_page(19),
                "announcement": announce,
            }
            out["operations"] = {}
            plans: dict[str, Any] = {}
            for name, fn in ops.items():
                out["operations"][name] = await _time(fn, max(5, runs // 3) if name == "profile" else runs)
                capture.statements.clear()
                capture.on = True
                await fn(77)
                capture.on = False
                out["operations"][name]["selects"] = len(capture.statements)
                if backend == "postgresql":
                    plans[name] = await _explain(url, capture.statements)
                    out["operations"][name]["db_ms"] = round(sum(p["execution_ms"] for p in plans[name]), 2)
                    slowest = max(plans[name], key=lambda p: p["execution_ms"], default=None)
                    out["operations"][name]["slowest_select_ms"] = slowest["execution_ms"] if slowest else 0.0
            out["explain"] = plans
            out["index_effects"] = await _index_effects(store, url, backend, plan)
        finally:
            await store.close()
    return out
