"""End to end on Telegram: the real PTB Application against the fake Bot API, a real SQLite store and the
real core. Review prompts, button presses, replies with commands, permissions, replays."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram.harness import GOOD, World, release_id_of, telegram_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    async with telegram_world(tmp_path) as world:
        yield world


async def test_announcement_gets_a_prompt_with_a_keyboard(w: World) -> None:
    """An announcement in a watched group gets a review prompt replying to it, with Endorse/Flag/Review."""
    update, prompt = await w.announce(w.group, w.alice)
    assert prompt.reply_to == update["message"]["message_id"]
    assert [label for row in prompt.buttons for label, _ in row] == ["Endorse", "Flag", "Review"]
    rid = release_id_of(prompt)
    assert prompt.payloads == [f"nb1:endorse:{rid}", f"nb1:flag:{rid}", f"nb1:review:{rid}"]
    assert f"Review R{rid}: Neon Dreams v2 by alice_makes" in prompt.text
    assert "Endorsements: 0/" in prompt.text
