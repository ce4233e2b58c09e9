"""Done means: a scripted console run where B re-announces A's hash; A and the moderators get the evidence;
A's receipt verifies offline with `normbot claim verify`, and a receipt with one changed byte does not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import _load_areas, app
from bot.cli.console import console_community
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from moderation.provenance import Provenance
from storage import Store

SHA = "4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
SCRIPT = f"""
# ada publishes first
@ada: Releasing Neon Dreams v1, a LoRA for SDXL 1.0. Trigger: neondrm. License: openrail++. SHA256: {SHA}
@clock: +2d
# bo posts the same file under another name
@bo: New LoRA: Midnight Glow v1 for SDXL 1.0, trigger glowy, license openrail++. SHA256: {SHA}
"""


async def _run_script(store: Store, clock: ManualClock, prov: Provenance, base: Path) -> list[str]:
    core = await build_core(
        store, [console_community("baseline", ["mia"], [])], clock=clock, rules_only=True, migrate=False, hooks=prov
    )
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append, base_dir=base)
    for line in SCRIPT.splitlines():
        await session.feed(line)
    return out


def _cli(*args: str) -> tuple[int, str]:
    _load_areas()
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


async def test_reupload_alert_and_receipts(
    store: Store, db_url: str, clock: ManualClock, prov: Provenance, tmp_path: Path
) -> None:
    """The whole story through the console adapter and the CLI, on SQLite and PostgreSQL."""
    out = await _run_script(store, clock, prov, tmp_path)
    transcript = "\n".join(out)
    # ada gets a DM, the moderators' chat gets the card; both show both claims side by side.
    dm_at = transcript.index("normbot → DM ada:\n    │ Someone may have re-uploaded your model")
    mods_at = transcript.index("in #mods:")
    for start in (dm_at, mods_at):
        block = transcript[start : start + 1200]
        assert "Earlier: R1 Neon Dreams v1 by ada" in block
        assert "Later: R2 Midnight Glow v1 by bo" in block
        assert "same sha256 4f1c2b8e9d0a" in block
    assert "Possible re-upload" in transcript[mods_at : mods_at + 300]
    assert "not a verdict" in transcript
    assert "DM bo:\n    │ Someone may" not in transcript  # the later poster gets no re-upload DM

    receipt = tmp_path / "ada.json"
    code, text = await asyncio.to_thread(_cli, "claim", "receipt", SHA, "--db", db_url, "-o", str(receipt))
    assert code == 0, text
    assert '"account":"console:ada"' in receipt.read_text()

    code, text = await asyncio.to_thread(_cli, "claim", "verify", str(receipt))
    assert code == 0, text
    assert text.startswith("valid: sha256")

    data = bytearray(receipt.read_bytes())
    at = data.index(b"console:ada") + len("console:")
    data[at] = ord("b")  # console:bda
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(bytes(data))
    code, text = await asyncio.to_thread(_cli, "claim", "verify", str(tampered))
    assert code == 1
    assert "invalid" in text and "altered" in text

    async with store.transaction() as tx:
        events = [e.action for e in await tx.audit_log.events(1)]
        assert events.count("claim.recorded") == 2
        assert "provenance.reupload_suspected" in events
        assert await tx.audit_log.verify() == []


async def test_same_person_reposting_is_not_a_reupload(
    store: Store, clock: ManualClock, prov: Provenance, tmp_path: Path
) -> None:
    """ada announcing a new version with the same link gets no alert: it's her own model."""
    core = await build_core(
        store, [console_community("baseline", ["mia"], [])], clock=clock, rules_only=True, migrate=False, hooks=prov
    )
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append, base_dir=tmp_path)
    await session.feed("@ada: Releasing Neon Dreams v1, a LoRA for SDXL 1.0. https://huggingface.co/ada/neon")
    await session.feed("@ada: Releasing Neon Dreams v2, a LoRA for SDXL 1.0. https://huggingface.co/ada/neon")
    assert "re-upload" not in "\n".join(out)
