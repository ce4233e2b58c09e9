"""A real core on a real store (both backends) with the rules-only detector."""

from __future__ import annotations

import pytest

from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import Chat, community


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def chat(store: Store, clock: ManualClock) -> Chat:
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    return Chat(core, clock)
