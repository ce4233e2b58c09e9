"""Prompt edits go out in the background, collapsed to the newest per message (`bot.edits`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.edits import LatestEdits, flush
from moderation.kernel.actions import Card, Edit
from moderation.kernel.events import ChatRef
from tests.fakes.telegram.harness import World, release_id_of, telegram_world
from tests.fakes.telegram.payloads import FakeUser


def _edit(message: str, n: int) -> Edit:
    return Edit(ChatRef("telegram", "-100", None), message, Card(f"count {n}", ""))


class _SlowPlatform:
    """An `apply` that holds every edit until the test lets it through, recording what arrived."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.gate = asyncio.Event()
        self.fail_on: set[str] = set()

    async def apply(self, edit: Edit) -> None:
        await self.gate.wait()
        if edit.card.title in self.fail_on:
            raise RuntimeError("platform refused")
        self.sent.append((edit.message_id, edit.card.title))


async def test_edits_waiting_behind_one_in_flight_collapse_to_the_newest() -> None:
    platform = _SlowPlatform()
    edits = LatestEdits(platform.apply)
    edits.submit(_edit("m1", 1))
    await asyncio.sleep(0)  # its task takes it: in flight
    for n in range(2, 6):
        edits.submit(_edit("m1", n))  # returns at once: each replaces the one waiting in the slot
    edits.submit(_edit("m2", 1))  # another message is not held up by m1's queue
    await asyncio.sleep(0)
    platform.gate.set()
    await edits.idle()
    assert [t for m, t in platform.sent if m == "m1"] == ["count 1", "count 5"]
    assert [t for m, t in platform.sent if m == "m2"] == ["count 1"]
    assert (edits.applied, edits.superseded) == (3, 3)
    # Idle again: the next edit goes out on its own.
    edits.submit(_edit("m1", 6))
    await edits.idle()
    assert platform.sent[-1] == ("m1", "count 6")


async def test_a_failed_edit_is_logged_and_the_next_one_still_goes(caplog: pytest.LogCaptureFixture) -> None:
    platform = _SlowPlatform()
    platform.fail_on = {"count 1"}
    edits = LatestEdits(platform.apply)
    edits.submit(_edit("m1", 1))
    await asyncio.sleep(0)
    edits.submit(_edit("m1", 2))
    platform.gate.set()
    with caplog.at_level(logging.ERROR, logger="normbot.edits"):
        await edits.idle()
    assert platform.sent == [("m1", "count 2")]
    assert "editing message m1 in -100 failed" in caplog.text


async def test_flush_gives_up_after_its_timeout(caplog: pytest.LogCaptureFixture) -> None:
    """Shutdown waits for the final edits, but a platform that never answers does not hang it."""
    platform = _SlowPlatform()
    edits = LatestEdits(platform.apply)
    edits.submit(_edit("m1", 1))
    with caplog.at_level(logging.WARNING, logger="normbot.edits"):
        await flush(edits, timeout=0.05)
    assert platform.sent == []
    assert "stopped with edits still waiting" in caplog.text


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    async with telegram_world(tmp_path) as world:
        yield world


@pytest.mark.e2e
async def test_a_burst_of_endorse_presses_on_telegram_edits_the_prompt_a_few_times(w: World) -> None:
    """16 members press Endorse while each edit takes the Bot API 0.3 s. PTB handles one update at a time:
    with the edit awaited in the handler that is 16 edits, 4.8 s, and each toast waits for the edits before
    it. Now every press is answered, all 16 are recorded, fewer edits reach Telegram and the last one shows
    the final count."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    w.fake.state.latency["editMessageText"] = 0.3
    members = [w.fake.add_user(FakeUser(2000 + i, f"M{i}", f"m{i}")) for i in range(16)]
    mark = w.fake.mark()
    presses = [w.fake.press(prompt, m, prompt.payloads[0]) for m in members]
    for _ in range(200):  # every press answered (PTB works through them one by one)
        if all(w.fake.answer_of(p) is not None for p in presses):
            break
        await asyncio.sleep(0.05)
    assert all(w.fake.answer_of(p) is not None for p in presses)
    await w.adapter.edits.idle()
    assert await w.endorsements(rid) == 16
    calls = w.fake.state.calls[mark:]
    edits = [c for c in calls if c.method == "editMessageText" and c.params["message_id"] == prompt.message_id]
    assert 1 <= len(edits) < 16
    assert all(c.ok for c in edits)
    assert "Endorsements: 16 (quorum" in prompt.text
