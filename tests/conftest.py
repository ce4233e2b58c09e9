"""Shared fixtures: a fresh store on SQLite *and* PostgreSQL for every test that asks for `store`.

PostgreSQL runs at 127.0.0.1:5432 (user postgres, trust auth) on this machine; each test session creates
its own database and drops it at the end, so parallel or repeated runs never see each other's rows. When
PostgreSQL is unreachable the PostgreSQL tests *fail* under CI=true and are skipped with a loud reason
elsewhere (a developer laptop without PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import Store
from storage.engine import create_engine

PG_ADMIN_URL = os.environ.get("NORMBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REPO_ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("sqlite", "postgresql")

# Hypothesis budgets. CI (CI=true, as `.ci/run` sets it) runs the full budget every property test was written
# with; a developer's `make test` runs a quarter of it, which still finds the shallow mistakes in seconds and
# leaves the deep search to CI. `HYPOTHESIS_PROFILE=ci` gives the full budget locally. Property tests state
# their budget as `examples(n)`: n under "ci", n/4 under "dev", so both profiles keep each test's proportion.
settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))


def examples(ci_budget: int) -> int:
    """A property test's number of examples: `ci_budget` under the "ci" profile, scaled down under "dev"."""
    return max(10, ci_budget * settings.default.max_examples // 100)


def _pg_dsn(dbname: str | None = None) -> str:
    base, _, current = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname or current}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_dsn(), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(autouse=True, scope="session")
def _private_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Signing keys made by tests go to a temporary folder, never into the checkout's ./data."""
    old = os.environ.get("NORMBOT_KEY_DIR")
    os.environ["NORMBOT_KEY_DIR"] = str(tmp_path_factory.mktemp("keys"))
    yield
    if old is None:
        os.environ.pop("NORMBOT_KEY_DIR", None)
    else:
        os.environ["NORMBOT_KEY_DIR"] = old


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of its own for this test session; yields its SQLAlchemy URL."""
    name = f"normbot_t_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL} under CI=true: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc} (CI=true makes this a failure)")
    url = _pg_dsn(name).replace("postgresql://", "postgresql+asyncpg://", 1)

    # Migrate once; tests then truncate instead of re-creating the schema.
    async def _migrate() -> None:
        s = Store.from_url(url)
        await s.upgrade()
        await s.close()

    asyncio.run(_migrate())
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _emptying_statements() -> list[str]:
    """Empty every table and restart every sequence: children before parents, so no foreign key objects.

    DELETE rather than TRUNCATE: the tables of one test hold a handful of rows, and TRUNCATE's fixed cost
    (new files for 23 tables and their indexes, WAL for each) was 0.25-0.8 s per PostgreSQL test on this
    machine against ~10-40 ms for the same emptiness by DELETE. Sequences restart at their start value,
    which is what TRUNCATE ... RESTART IDENTITY did."""
    from storage.models import Base

    return [
        *(f'DELETE FROM "{t.name}";' for t in reversed(Base.metadata.sorted_tables)),
        "PERFORM setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
        " FROM pg_sequences WHERE schemaname = current_schema();",
    ]


async def _run_block(store: Store, statements: list[str]) -> None:
    """Run `statements` as one PL/pgSQL block: one round trip and one transaction."""
    from sqlalchemy import text

    async with store.engine.begin() as conn:
        await conn.execute(text("DO $$ BEGIN " + " ".join(statements) + " END $$"))


async def _truncate(store: Store) -> None:
    """Leave the PostgreSQL store as empty as a fresh migration does (the schema and `alembic_version` stay)."""
    await _run_block(store, _emptying_statements())


async def pg_snapshot(store: Store, schema: str) -> list[tuple[str, int]]:
    """Copy every table's rows into `schema` (beside the live tables) and return the sequences' positions.

    With `pg_restore` this lets a fixture fill the session's database once (an expensive replay, say) and
    give each test exactly those rows again for the price of a few DELETEs and INSERT ... SELECTs."""
    from sqlalchemy import text

    from storage.models import Base

    async with store.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        for table in Base.metadata.sorted_tables:
            await conn.execute(text(f'CREATE TABLE "{schema}"."{table.name}" AS TABLE "{table.name}"'))
        rows = await conn.execute(
            text(
                "SELECT sequencename, last_value FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        )
        return [(str(name), int(value)) for name, value in rows]


async def pg_restore(store: Store, schema: str, sequences: list[tuple[str, int]]) -> None:
    """Make the live tables hold exactly the rows `pg_snapshot` copied into `schema`, ids and sequences too
    (parents before children), so the next id a test gets is the one it got after a replay of its own."""
    from storage.models import Base

    await _run_block(
        store,
        [
            *_emptying_statements(),
            *(f'INSERT INTO "{t.name}" SELECT * FROM "{schema}"."{t.name}";' for t in Base.metadata.sorted_tables),
            *(f"PERFORM setval('\"{name}\"', {int(value)});" for name, value in sequences),
        ],
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per worker; every SQLite test starts from a copy of it.

    Copying the file gives each test the very bytes its own `upgrade()` would have written, in about a
    millisecond instead of ~150 ms of Alembic per test (the suite has ~340 SQLite store tests)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.db"

    async def _migrate() -> None:
        s = Store.from_url(f"sqlite+aiosqlite:///{path}")
        await s.upgrade()
        await s.close()

    asyncio.run(_migrate())
    # Closing the last connection checkpoints the WAL into the file: the file alone is the whole database.
    assert not path.with_name(path.name + "-wal").exists(), "template left a WAL behind: copying would lose rows"
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on."""
    return str(request.param)


# One engine per database URL per worker, reused by every test's `store`. Why: an engine compiles each
# statement once and keeps the SQL in its own cache, keyed by its dialect; a new engine per test compiled the
# same ~40 statements again in every store test (~1 ms each: a fifth of a core test's time, measured with
# cProfile). Compiled SQL does not depend on the rows, so sharing it changes nothing a test can observe; the
# pool is still disposed after every test (its connections belong to that test's event loop), and an engine
# a test left a listener on is dropped rather than handed on.
_ENGINES: dict[str, AsyncEngine] = {}


def _listeners(engine: AsyncEngine) -> int:
    dispatch = engine.sync_engine.dispatch
    return sum(len(getattr(dispatch, name)) for name in dispatch._event_names)


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This worker's one SQLite store file, refilled from a copy before each test that uses it."""
    return tmp_path_factory.mktemp("sqlite-store") / "normbot.db"


def sqlite_fresh_copy(source: Path, target: Path) -> str:
    """Make `target` a byte copy of `source` (a new file: a connection a test leaked keeps the old one) and
    return its URL. Stale WAL and shared-memory files go too, or SQLite would replay them into the copy."""
    for stale in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A URL to a migrated database of the requested backend (SQLite: this worker's store file, a fresh copy of
    the migrated template; PostgreSQL: the session's database, which `store` and `pg_store` truncate)."""
    if backend == "sqlite":
        path: Path = request.getfixturevalue("sqlite_path")
        return sqlite_fresh_copy(request.getfixturevalue("sqlite_template"), path)
    url: str = request.getfixturevalue("pg_database")
    return url


@asynccontextmanager
async def _store_on(url: str, *, warm: bool) -> AsyncIterator[Store]:
    """A `Store` on `url`: over this worker's engine for it when `warm`, else over a new engine."""
    engine = _ENGINES.get(url) if warm else None
    if engine is None:
        engine = create_engine(url)
    baseline = _listeners(engine)
    store = Store(engine)
    try:
        yield store
    finally:
        await store.close()
        if warm and _listeners(engine) == baseline:
            _ENGINES[url] = engine
        else:
            _ENGINES.pop(url, None)


@pytest.fixture
async def store(backend: str, db_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """A migrated, empty store on `backend` (warm: the worker's engine, when `db_url` is the worker's own)."""
    own = (
        request.getfixturevalue("pg_database")
        if backend == "postgresql"
        else f"sqlite+aiosqlite:///{request.getfixturevalue('sqlite_path')}"
    )
    async with _store_on(db_url, warm=db_url == own) as s:
        if backend == "postgresql":
            await _truncate(s)
        yield s


@pytest.fixture
async def pg_store(pg_database: str) -> AsyncIterator[Store]:
    """A migrated, empty PostgreSQL store (for tests that only make sense on a shared server)."""
    async with _store_on(pg_database, warm=True) as s:
        await _truncate(s)
        yield s


@pytest.fixture(autouse=True)
def _logging_left_as_found() -> Iterator[None]:
    """Code run in process that configures logging (the CLI's commands call `bot.logs.configure_logging`, which
    adds a root handler and quiets httpx and friends to WARNING) must not change what later tests in the same
    worker see: two token-mask tests read httpx's INFO request lines and failed after an in-process CLI test
    ran before them on the same xdist worker."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {
        name: logging.getLogger(name).level
        for name in ("httpx", "httpcore", "apscheduler", "discord.gateway", "aiosqlite")
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in named.items():
        logging.getLogger(name).setLevel(was)
