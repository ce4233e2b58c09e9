"""Optional enforcement in the console: a scripted removal deletes the announcement (a transcript line), the
creator is told with the appeal command, and the deletion is audited once."""

from __future__ import annotations

from dataclasses import replace

from bot.cli.console import console_community
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store

ANNOUNCE = (
    "Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: neondrm. License: openrail++. NSFW: no. "
    "https://huggingface.co/ada/neon-dreams SHA256: 4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
)


async def test_a_scripted_removal_deletes_the_announcement(store: Store) -> None:
    clock = ManualClock()
    core = await build_core(store, [console_community("baseline", ["mia"], [])], clock=clock, rules_only=True)
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append)
    for line in (f"@ada: {ANNOUNCE}", "@mia: /setup enforcement on", "@mia: /status R1 removed stolen weights"):
        await session.feed(line)
    transcript = "\n".join(out)
    assert "normbot 🗑 deleted m1 (the announcement of R1)" in transcript
    assert "normbot → DM ada:" in transcript and "/appeal R1" in transcript
    assert transcript.count("🗑 deleted") == 1
    async with store.transaction() as tx:
        release = await tx.releases.get_any(1)
        assert release is not None
        actions = [e.action for e in await tx.audit_log.events(release.community_id)]
    assert actions.count("release.announcement_deleted") == 1 and actions.count("release.enforced") == 1


async def test_off_by_default_in_the_console(store: Store) -> None:
    clock = ManualClock()
    community = replace(console_community("baseline", ["mia"], []))
    core = await build_core(store, [community], clock=clock, rules_only=True)
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append)
    for line in (f"@ada: {ANNOUNCE}", "@mia: /status R1 removed stolen weights"):
        await session.feed(line)
    assert "🗑" not in "\n".join(out)
