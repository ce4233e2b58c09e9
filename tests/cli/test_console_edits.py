"""The console adapter's `[edit mN]` line: a scripted run where the creator fixes her announcement by editing
it, is told what changed, and an edit of someone else's message is refused (issue 20 item 1)."""

from __future__ import annotations

from bot.cli.console import console_community
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store

ANNOUNCE = (
    "Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: neondrm. NSFW: no. "
    "https://huggingface.co/ada/neon-dreams SHA256: 4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
)
SCRIPT = f"""
@ada: {ANNOUNCE}
@bo: [edit m1] License: mine now
@ada: [edit m1] {ANNOUNCE.replace("NSFW: no.", "License: openrail++. NSFW: no.")}
@ada: [edit m1] {ANNOUNCE.replace("NSFW: no.", "License: openrail++. NSFW: no.")}
"""


async def test_a_scripted_edit_updates_the_release_and_says_what_changed(store: Store) -> None:
    """ada's edit adds the license: the transcript shows the edit, her DM with the diff, and the prompt
    updated in place with the change; bo cannot edit ada's message; an edit to the same text is silent."""
    clock = ManualClock()
    core = await build_core(store, [console_community("baseline", ["mia"], [])], clock=clock, rules_only=True)
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append)
    for line in SCRIPT.splitlines():
        await session.feed(line)
    transcript = "\n".join(out)
    assert "bo has no message m1 to edit" in transcript
    assert "ada ✏️ m1:" in transcript
    assert "normbot → DM ada:" in transcript and "license: (none) → openrail++" in transcript
    assert "✏️ Changed by the edited announcement: license." in transcript
    assert transcript.count("updated from the edited announcement") == 1  # the repeated edit changed nothing
    async with store.transaction() as tx:
        release = await tx.releases.get_any(1)
        assert release is not None and release.fields_json["license"] == "openrail++"
