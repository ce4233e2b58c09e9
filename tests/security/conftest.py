"""A real core on a real store (SQLite and PostgreSQL) for the security tests: two communities, so every
cross-community test has a neighbour to reach into."""

from __future__ import annotations

import pytest

from bot.wiring import build_core
from moderation.core import Core
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import Chat, community


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def core(store: Store, clock: ManualClock) -> Core:
    forge = community("forge", moderators=("mia",), reviewers=("rex",))
    other = community("other", moderators=("oz",), chat="elsewhere")
    return await build_core(store, [forge, other], clock=clock, rules_only=True, migrate=False)


@pytest.fixture
def chat(core: Core, clock: ManualClock) -> Chat:
    return Chat(core, clock)


@pytest.fixture
def other_chat(core: Core, clock: ManualClock) -> Chat:
    return Chat(core, clock, chat_id="elsewhere")
