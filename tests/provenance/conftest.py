"""A real core with provenance on a real store (both backends); keys live in tmp_path, never in ./data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import ChatBinding, CommunityConfig
from moderation.provenance import KeyStore, Provenance
from storage import Store
from tests.core.harness import Chat


@pytest.fixture(autouse=True)
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own key directory, also for code that reads NORMBOT_KEY_DIR."""
    d = tmp_path / "keys"
    monkeypatch.setenv("NORMBOT_KEY_DIR", str(d))
    return d


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def prov(key_dir: Path) -> Provenance:
    return Provenance(keys=KeyStore(key_dir))


def two_platform_community() -> CommunityConfig:
    """Releases and moderators' chats on the console and on Telegram (for cross-platform identity)."""
    return CommunityConfig(
        slug="forge",
        name="Forge",
        moderators=frozenset({"console:mia"}),
        chats=(
            ChatBinding("console", "releases", "releases"),
            ChatBinding("console", "releases-mods", "mod"),
            ChatBinding("telegram", "-100", "releases"),
        ),
    )


@pytest.fixture
async def chat(store: Store, clock: ManualClock, prov: Provenance) -> Chat:
    core = await build_core(store, [two_platform_community()], clock=clock, rules_only=True, migrate=False, hooks=prov)
    return Chat(core, clock)


@pytest.fixture
def tg(chat: Chat) -> Chat:
    """The same core seen from the community's Telegram group."""
    return Chat(chat.core, chat.clock, platform="telegram", chat_id="-100")
