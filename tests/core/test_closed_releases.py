"""A removed or withdrawn release takes no new flags, endorsements or reviews, and says why (issue 21, item 9:
a removed release still accepted flags). Driven through the console adapter on both backends."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.cli.console import console_community
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import AuditEvent, Store

ANNOUNCE = (
    "@ada: Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: neondrm. License: openrail++. NSFW: no. "
    "https://huggingface.co/ada/neon-dreams"
)


async def _console(store: Store, tmp_path: Path) -> tuple[ConsoleSession, list[str]]:
    clock = ManualClock()
    core = await build_core(
        store, [console_community("baseline", ["mia"], [])], clock=clock, rules_only=True, migrate=False
    )
    out: list[str] = []
    return ConsoleSession(core, clock, write=out.append, base_dir=tmp_path), out


async def _run(session: ConsoleSession, out: list[str], *lines: str) -> str:
    start = len(out)
    for line in lines:
        await session.feed(line)
    return "\n".join(out[start:])


async def _counts(store: Store) -> tuple[int, int, int, int]:
    """(flags, endorsements, reviews, flag.filed audit events) on R1."""
    async with store.transaction() as tx:
        flags = len(await tx.flags.of_release(1))
        endorsements = await tx.endorsements.count(1)
        reviews = len(await tx.reviews.of_release(1))
        filed = (
            await tx.s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "flag.filed"))
        ).scalar_one()
    return flags, endorsements, reviews, filed


async def test_a_removed_release_refuses_flags_with_its_status(store: Store, tmp_path: Path) -> None:
    """After /status R1 removed: /flag, the Flag button, /endorse and /review get a reply naming the status
    and the way back; nothing is stored. Moved back to review, the same flag is taken."""
    session, out = await _console(store, tmp_path)
    await _run(session, out, ANNOUNCE, "@mia: /status R1 removed copied weights")
    refused = await _run(
        session,
        out,
        "@bo: /flag R1 credit-base-model the base model is not named",
        "@cy: [press Flag on m2]",
        "@cy: /endorse R1",
        "@dee: /review R1 own-no-reupload=no",
    )
    assert refused.count("R1 was removed by the moderators, so it takes no new flags.") == 2
    assert "R1 was removed by the moderators, so it takes no new endorsements." in refused
    assert "R1 was removed by the moderators, so it takes no new reviews." in refused
    assert "/status R1 in_review" in refused
    assert "Flag recorded" not in refused and "Traceback" not in refused
    assert await _counts(store) == (0, 0, 0, 0)
    restored = await _run(
        session,
        out,
        "@mia: /status R1 in_review mistake",
        "@bo: /flag R1 credit-base-model the base model is not named",
    )
    assert "Flag recorded" in restored
    assert await _counts(store) == (1, 0, 0, 1)


async def test_a_withdrawn_release_refuses_flags_and_endorsements(store: Store, tmp_path: Path) -> None:
    """A release marked "not a release" says so to flags and endorsements alike, with the way back."""
    session, out = await _console(store, tmp_path)
    await _run(session, out, ANNOUNCE, "@mia: /notrelease R1")
    refused = await _run(session, out, "@bo: /flag R1 credit-base-model vague", "@cy: /endorse R1")
    assert "R1 was withdrawn: it was marked as not a release, so it takes no new flags." in refused
    assert "R1 was withdrawn: it was marked as not a release, so it takes no new endorsements." in refused
    assert refused.count("/markrelease") == 2
    assert await _counts(store) == (0, 0, 0, 0)
