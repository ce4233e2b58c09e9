"""Discord's side of issue 20 (items 6, 10 and 15), through the real discord.py client against the fake
Discord and the real core, on SQLite and PostgreSQL: private answers are ephemeral, commands keep their
hyphenated names, a slash command whose options do not fit its registered signature gets the usage reply
(after the permission check), not "Something went wrong"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage import Store
from tests.fakes.discord.harness import World, discord_world
from tests.fakes.discord.interactions import response_to, slash

pytestmark = pytest.mark.e2e
EPHEMERAL = 1 << 6


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with discord_world(tmp_path, store=store) as world:
        yield world


def _embed(answer: Any) -> str:
    embed = answer.body["data"]["embeds"][0]
    return f"{embed.get('title', '')}\n{embed.get('description', '')}"


async def test_help_is_ephemeral_and_uses_the_registered_names(w: World) -> None:
    """/help answers only the asker, with /forget-me and /export-my-data as Discord registers them."""
    answer = await response_to(w.fake, await slash(w.fake, w.chat, w.bob, "help"))
    assert answer.body["data"]["flags"] & EPHEMERAL
    text = _embed(answer)
    assert "/forget\\-me" in text or "/forget-me" in text
    assert "forget_me" not in text and "export_my_data" not in text


async def test_options_that_do_not_fit_the_signature_get_the_usage_reply(w: World) -> None:
    """A /resolve interaction without its required note (a stale registration, a hand-made request): a
    moderator is told what is missing, a member is told they may not resolve; never a traceback."""
    member = await response_to(w.fake, await slash(w.fake, w.chat, w.bob, "resolve", flag="F1", outcome="upheld"))
    assert member.body["data"]["flags"] & EPHEMERAL
    assert "Not allowed" in _embed(member) and "Something went wrong" not in _embed(member)
    mod = await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "resolve", flag="F1", outcome="upheld"))
    text = _embed(mod)
    assert "note" in text and "is missing" in text and "Usage: /resolve" in text
    assert "Something went wrong" not in text
