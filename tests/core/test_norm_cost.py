"""A norm pack cannot stall the bot (issue 21, item 5): the work a pack may ask for is bounded when it is
adopted, a refusal says which limit and where, and a check runs off the event loop so other members'
commands are answered meanwhile. Through the real core, store and `/norms set`."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from norms import Norm, ReleaseContext, load_pack_text
from norms.cost import MAX_NORMS, MAX_PACK_PROGRAM
from norms.model import CheckOutcome
from norms.patterns import MAX_PROGRAM
from storage import Store
from tests.core.harness import GOOD, Chat, community, reply_text


def _pack(patterns: list[str], *, extends: str = "") -> str:
    """A norm file with one `forbid: {text: ...}` norm per pattern."""
    head = f"schema_version: 1\nid: heavy\nversion: 1.0.0\n{extends}norms:\n"
    rows = [f"  - {{id: n{i}, need: harms, severity: info, forbid: {{text: '{p}'}}}}\n" for i, p in enumerate(patterns)]
    return head + "".join(rows)


async def _history(chat: Chat) -> str:
    return reply_text(await chat.cmd("mia", "/norms history"))


async def test_the_reported_stall_pack_is_refused_with_positioned_limits(chat: Chat) -> None:
    """500 norms of `(?s)a.{990}c` (49 KB, accepted before and 15 s per announcement) is refused: the
    reply names the file, line and column, the code and the limit, instead of `bad-value: [{...}]`."""
    source = _pack(["(?s)a.{990}c"] * 500)
    reply = reply_text(await chat.cmd("mia", "/norms set", attachment_texts={"heavy.yaml": source}))
    assert "nothing was changed" in reply
    assert f"heavy.yaml:5:3: too-many: `norms` has 500 items; the limit is {MAX_NORMS}" in reply
    limit = f"pattern compiles to 6936 RE2 instructions; the limit is {MAX_PROGRAM}"
    assert f"heavy.yaml:5:58: pattern-too-costly: {limit}" in reply
    assert "[{" not in reply and "... and 486 more" in reply
    assert "No revisions" in await _history(chat)


async def test_a_pack_over_the_total_budget_is_refused_at_the_norm_that_crosses_it(chat: Chat) -> None:
    """Each pattern within the per-pattern limit, but together over the pack's budget: refused at the norm
    where the running total crosses MAX_PACK_PROGRAM (baseline's inherited patterns counted too)."""
    source = _pack(["(?s)a.{140}c"] * 8, extends="extends: [baseline]\n")
    reply = reply_text(await chat.cmd("mia", "/norms set", attachment_texts={"heavy.yaml": source}))
    assert "nothing was changed" in reply
    assert f"heavy.yaml:9:5: pack-too-costly: the pack's patterns compile to more than {MAX_PACK_PROGRAM}" in reply
    assert "No revisions" in await _history(chat)


class _Gate:
    """A check that holds the evaluation until the test lets it go: it shows *when* evaluation runs
    relative to other events, without timing anything."""

    kind = "gate"

    def __init__(self, order: list[str]) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.order = order

    def run(self, ctx: ReleaseContext) -> CheckOutcome:
        self.started.set()
        self.release.wait(timeout=5)  # on the old code this blocks the event loop until the timeout
        self.order.append("evaluated")
        return CheckOutcome("pass")


async def _gated(chat: Chat, order: list[str]) -> _Gate:
    """Adopt a real pack through `/norms set`, then let the core hold the same pack (same digest) with one
    more norm whose check is the gate."""
    source = _pack(["(?s)a.{140}c"] * 3, extends="extends: [baseline]\n")
    assert "revision 1" in reply_text(await chat.cmd("mia", "/norms set", attachment_texts={"heavy.yaml": source}))
    gate = _Gate(order)
    adopted = load_pack_text(source, "heavy.yaml")
    slow = Norm(id="slow", title="slow", need="harms", severity="info", checks=(gate,))
    chat.core.packs.remember(dataclasses.replace(adopted, norms=(*adopted.norms, slow)))
    return gate


async def test_a_member_is_answered_while_an_announcement_is_evaluated(pg_store: Store, clock: ManualClock) -> None:
    """While a (slow) pack evaluates an announcement, another member's /help is answered: the evaluation
    runs in a worker thread. Ordering, not wall clock: /help is answered before the evaluation is let go.
    PostgreSQL runs units of work side by side; on SQLite they queue by design (next test)."""
    core = await build_core(pg_store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    order: list[str] = []
    gate = await _gated(chat, order)
    announcing = asyncio.create_task(chat.say("ada", GOOD))
    assert await asyncio.to_thread(gate.started.wait, 10)
    helped = reply_text(await asyncio.wait_for(chat.cmd("bo", "/help"), 10))
    order.append("help answered")
    gate.release.set()
    await asyncio.wait_for(announcing, 10)
    assert "/endorse" in helped
    assert order == ["help answered", "evaluated"]


async def test_the_event_loop_runs_while_an_announcement_is_evaluated(chat: Chat) -> None:
    """On both backends the event loop is free during the evaluation (platform heartbeats, timers and, on
    PostgreSQL, other units of work go on): another task runs while the check is held."""
    order: list[str] = []
    gate = await _gated(chat, order)
    announcing = asyncio.create_task(chat.say("ada", GOOD))
    assert await asyncio.to_thread(gate.started.wait, 10)
    ticked = asyncio.Event()

    async def tick() -> None:
        order.append("loop ran")
        ticked.set()

    ticker = asyncio.create_task(tick())
    await asyncio.wait_for(ticked.wait(), 10)
    gate.release.set()
    await asyncio.wait_for(asyncio.gather(announcing, ticker), 10)
    assert order == ["loop ran", "evaluated"]


async def test_the_worst_pack_within_the_bound_is_adopted_and_checks_announcements(
    chat: Chat, clock: ManualClock
) -> None:
    """Patterns right under the per-pattern limit, up to the pack budget: adopted, and a 4 KB announcement
    of the adversarial shape is checked to a verdict (the cost is bounded, not refused)."""
    n = MAX_PACK_PROGRAM // 986
    source = _pack(["(?s)a.{140}c"] * n)
    reply = reply_text(await chat.cmd("mia", "/norms set", attachment_texts={"heavy.yaml": source}))
    assert "revision 1" in reply, reply
    text = GOOD + " " + "a" * 2000 + "b" * 1500
    await chat.say("ada", text)
    shown = reply_text(await chat.cmd("mia", "/release show R1"))
    assert "R1" in shown
