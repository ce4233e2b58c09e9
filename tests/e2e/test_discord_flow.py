"""End to end on Discord: the real discord.py client against the fake Discord, a real SQLite store and
the real core. Review prompts, threads, buttons, modals, the context menu, permissions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.discord.harness import World, discord_world, payloads_of, release_id_of

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path) as world:
        yield world


async def test_announcement_gets_a_prompt_with_buttons_and_a_thread(w: World) -> None:
    """An announcement gets a review prompt embed replying to it, with Endorse/Flag/Review and a thread."""
    announcement, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    assert prompt["channel_id"] == str(w.releases.id)
    assert prompt["message_reference"]["message_id"] == announcement["id"]
    assert payloads_of(prompt) == [f"nb1:endorse:{rid}", f"nb1:flag:{rid}", f"nb1:review:{rid}"]
    assert prompt["embeds"][0]["title"].startswith(f"Review R{rid}")
    thread = await w.fake.rec.wait_for("POST", rf"/channels/{w.releases.id}/messages/{prompt['id']}/threads")
    assert thread.body["name"] == f"Review R{rid}: Neon Dreams"
    assert [t.id for t in w.fake.threads(w.guild)] == [int(prompt["id"])]
