"""Fixtures for the registry: a store filled by the real console demo, and an httpx client on the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import pytest

from bot.cli.console import DEMO_SCRIPT, console_community
from bot.console import ConsoleSession
from bot.web import create_app
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import CommunityConfig
from storage import Store

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


@pytest.fixture
async def demo(store: Store) -> Demo:
    """A store holding the demo community after the whole demo script plus one open flag."""
    community = demo_community()
    transcript = await replay_demo(store, community)
    return Demo(store, community, transcript)


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
