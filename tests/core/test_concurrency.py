"""Concurrent deciders move a release once: the status change is compare-and-set in the store."""

from __future__ import annotations

import asyncio

from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import GOOD, Chat, community


async def test_concurrent_endorsements_endorse_and_audit_once(pg_store: Store, clock: ManualClock) -> None:
    """40 members endorse at once on PostgreSQL: 40 rows, one `release.endorsed` event, status endorsed."""
    core = await build_core(pg_store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD)
    await asyncio.gather(*(chat.cmd(f"member{i}", "/endorse R1") for i in range(40)))
    async with pg_store.transaction() as tx:
        assert await tx.endorsements.count(1) == 40
        release = await tx.releases.get_any(1)
        assert release is not None and release.status == "endorsed"
        (c,) = [c for c in await tx.communities.all() if c.slug == "forge"]
        moves = [e for e in await tx.audit_log.events(c.id) if e.action == "release.endorsed"]
        assert len(moves) == 1
        assert await tx.audit_log.verify() == []


async def test_status_command_refuses_a_stale_move(store: Store, clock: ManualClock) -> None:
    """A moderator's /status that lost a race is refused, not applied over the newer state."""
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD)
    async with store.transaction() as tx:
        release = await tx.releases.get_any(1)
        assert release is not None
        assert await tx.releases.move(release, "in_review", "flagged", clock())
        assert not await tx.releases.move(release, "in_review", "removed", clock())
        assert release.status == "flagged"


def _announcement(i: int) -> str:
    """A distinct, complete announcement (its own title, repository and hash: not a re-upload of another)."""
    return (
        GOOD.replace("Neon Dreams", f"Glass Orchard {i}")
        .replace("ada/neon-dreams", f"maker{i}/glass-orchard-{i}")
        .replace("4f1c2b8e", f"{i:08x}")
    )


async def _statuses(store: Store, ids: range) -> dict[int, str]:
    async with store.transaction() as tx:
        return {i: (await tx.releases.get_any(i)).status for i in ids}  # type: ignore[union-attr]


async def test_a_quorum_reached_by_simultaneous_endorsements_is_not_lost(pg_store: Store, clock: ManualClock) -> None:
    """Exactly the quorum (2) endorse at once and nobody after them. Each unit of work sees its own row and the
    committed ones, so without deciding under a lock both can count 1 of 2 (write skew) and the release stays
    in review for good: no later endorsement comes to move it, and its reminders are skipped as "reached"."""
    core = await build_core(pg_store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    rounds = range(1, 9)
    for i in rounds:
        await chat.say(f"maker{i}", _announcement(i))
        await asyncio.gather(chat.cmd(f"a{i}", f"/endorse R{i}"), chat.cmd(f"b{i}", f"/endorse R{i}"))
    assert await _statuses(pg_store, rounds) == {i: "endorsed" for i in rounds}


async def test_a_flag_threshold_reached_by_simultaneous_flags_is_not_lost(pg_store: Store, clock: ManualClock) -> None:
    """Exactly the threshold (3 reporters) flag at once: the release is flagged and moderators are alerted."""
    core = await build_core(pg_store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    rounds = range(1, 7)
    for i in rounds:
        await chat.say(f"maker{i}", _announcement(i))
        await asyncio.gather(*(chat.cmd(f"{who}{i}", f"/flag R{i} other looks stolen") for who in "xyz"))
    assert await _statuses(pg_store, rounds) == {i: "flagged" for i in rounds}


async def test_the_last_open_flags_resolved_together_release_the_flag(pg_store: Store, clock: ManualClock) -> None:
    """Three moderators dismiss the three open flags at once: each sees the others' flags still open unless
    the decision is made under a lock, and the release would stay flagged with no open flag."""
    mods = ("mia", "max", "moe")
    core = await build_core(pg_store, [community(moderators=mods)], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    rounds = range(1, 7)
    for i in rounds:
        await chat.say(f"maker{i}", _announcement(i))
        for who in "xyz":
            await chat.cmd(f"{who}{i}", f"/flag R{i} other looks stolen")
    assert await _statuses(pg_store, rounds) == {i: "flagged" for i in rounds}
    async with pg_store.transaction() as tx:
        flags = {i: [f.id for f in await tx.flags.of_release(i, "open")] for i in rounds}
    for i in rounds:
        await asyncio.gather(
            *(chat.cmd(mod, f"/resolve F{f} dismissed not stolen") for mod, f in zip(mods, flags[i], strict=True))
        )
    assert await _statuses(pg_store, rounds) == {i: "in_review" for i in rounds}
