"""Fixtures for the registry: a store filled by the real console demo, and an httpx client on the app."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.cli.console import DEMO_SCRIPT, console_community
from bot.console import ConsoleSession
from bot.web import create_app
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import CommunityConfig
from storage import Store
from tests.conftest import _truncate, pg_restore, pg_snapshot

TOKEN = "t0ken-for-the-moderators-of-pixel-forge"
SECRET_REPORTER = "quinnreporter"
SECRET_REASON = "secret-reason-7d1f copied from a private server"
# After the demo: one more flag, left open, by someone who does nothing else in public.
EXTRA_LINES = (f"@{SECRET_REPORTER}: /flag R1 own-no-reupload {SECRET_REASON}",)


@dataclass
class Demo:
    """The filled store and the community config the app was built with."""

    store: Store
    community: CommunityConfig
    transcript: list[str]


def demo_community(token: str | None = TOKEN) -> CommunityConfig:
    """The demo's community (as `normbot demo` builds it) with a moderator token."""
    return replace(console_community("baseline", ["mia"], []), web_token=token)


async def replay_demo(store: Store, community: CommunityConfig, extra: tuple[str, ...] = EXTRA_LINES) -> list[str]:
    """Replay `bot/console/demo.txt` (plus `extra`) through the real core into `store`, as `normbot demo` does."""
    clock = ManualClock()
    core = await build_core(
        store, [community], clock=clock, rules_only=True, base_dir=DEMO_SCRIPT.parent, migrate=False
    )
    transcript: list[str] = []
    session = ConsoleSession(core, clock, write=transcript.append, base_dir=DEMO_SCRIPT.parent)
    for line in (*DEMO_SCRIPT.read_text(encoding="utf-8").splitlines(), *extra):
        await session.feed(line)
    return transcript


@pytest.fixture(scope="session")
def demo_sqlite(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, _private_key_dir: None
) -> tuple[Path, list[str]]:
    """The demo replayed once per worker into a SQLite file (and its transcript); `demo` hands out copies."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)

    async def fill() -> list[str]:
        store = Store.from_url(f"sqlite+aiosqlite:///{path}")
        try:
            return await replay_demo(store, demo_community())
        finally:
            await store.close()

    transcript = asyncio.run(fill())
    assert not path.with_name(path.name + "-wal").exists(), "the demo file left a WAL behind: a copy would lose rows"
    return path, transcript


@pytest.fixture(scope="session")
def demo_postgresql(pg_database: str, _private_key_dir: None) -> tuple[list[tuple[str, int]], list[str]]:
    """The demo replayed once per worker into the session's PostgreSQL database, its rows kept in a schema
    of their own (`pg_snapshot`); `demo` restores them into the live tables for every test."""

    async def fill() -> tuple[list[tuple[str, int]], list[str]]:
        store = Store.from_url(pg_database)
        try:
            await _truncate(store)
            transcript = await replay_demo(store, demo_community())
            return await pg_snapshot(store, "demo_snapshot"), transcript
        finally:
            await store.close()

    return asyncio.run(fill())


@dataclass
class DemoSnapshot:
    """Where the worker's replayed demo is kept for one backend."""

    backend: str
    sqlite_file: Path | None
    pg_url: str | None
    sequences: list[tuple[str, int]]
    transcript: list[str]


@pytest.fixture
def demo_snapshot(backend: str, request: pytest.FixtureRequest) -> DemoSnapshot:
    """The session's replayed demo for `backend` (a plain fixture: the session fixtures behind it run their own
    event loop, which they could not inside the async `demo`)."""
    if backend == "sqlite":
        path, transcript = request.getfixturevalue("demo_sqlite")
        return DemoSnapshot(backend, path, None, [], transcript)
    sequences, transcript = request.getfixturevalue("demo_postgresql")
    return DemoSnapshot(backend, None, request.getfixturevalue("pg_database"), sequences, transcript)


@pytest.fixture
async def demo(demo_snapshot: DemoSnapshot, tmp_path: Path) -> AsyncIterator[Demo]:
    """A store holding the demo community after the whole demo script plus one open flag.

    Each test gets its own store in exactly the state its own replay would leave (the replay is
    deterministic: a manual clock, the same script), but the replay runs once per worker and backend: a SQLite
    test gets a copy of the replayed file, a PostgreSQL test the replayed rows restored into the live tables.
    Tests may write to it; the next test starts from the snapshot again."""
    snap = demo_snapshot
    if snap.sqlite_file is not None:
        target = tmp_path / "demo.db"
        shutil.copyfile(snap.sqlite_file, target)
        store = Store.from_url(f"sqlite+aiosqlite:///{target}")
    else:
        assert snap.pg_url is not None
        store = Store.from_url(snap.pg_url)
        await pg_restore(store, "demo_snapshot", snap.sequences)
    try:
        yield Demo(store, demo_community(), list(snap.transcript))
    finally:
        await store.close()


@pytest.fixture
async def client(demo: Demo) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the registry app in-process (ASGI transport, no sockets)."""
    app = create_app(demo.store, [demo.community])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as c:
        yield c


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
