"""The console's side of issue 20 (items 6 and 10): canonical command names, both spellings accepted, plain
text without markdown backticks, and permission before usage."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import _load_areas
from bot.cli.app import app

runner = CliRunner()
_load_areas()


def _run(tmp_path: Path, lines: list[str]) -> str:
    script = tmp_path / "s.txt"
    script.write_text("\n".join(lines) + "\n")
    db = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    result = runner.invoke(app, ["console", "--script", str(script), "--db", db, "--rules-only"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def test_console_spells_commands_with_hyphens_and_accepts_underscores(tmp_path: Path) -> None:
    """/help lists /forget-me; /forget_me (Telegram's spelling) reaches it and answers with /forget-me."""
    out = _run(tmp_path, ["@bo: /help", "@bo: /forget_me", "@bo: /flag R1"])
    assert "/forget-me" in out and "/export-my-data" in out and "/forget_me [" not in out
    assert "Send /forget-me confirm" in out
    assert '"norm" is missing' in out and "`" not in out


def test_console_permission_comes_before_usage(tmp_path: Path) -> None:
    """A member's /resolve without a note is refused as not allowed, not answered with the usage line."""
    out = _run(tmp_path, ["@bo: /resolve F1 upheld"])
    assert "Not allowed" in out and "Only moderators" in out and "is missing" not in out


def test_console_appeal_grant_with_the_button(tmp_path: Path) -> None:
    """A removal appealed in the console: the moderators' chat shows Grant / Deny, and pressing Grant reverses it."""
    announce = (
        "@ada: Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: `neondrm`. License: openrail++. NSFW: no. "
        "https://huggingface.co/ada/neon-dreams"
    )
    out = _run(
        tmp_path,
        [announce, "@mia: /status R1 removed spam", "@ada: /appeal R1 it is not spam", "@mia: [press grant on m5]"],
    )
    assert "Appeal A1 recorded" in out and "[Grant] [Deny]" in out
    assert "A1 granted" in out and "R1 is in review" in out
    assert "Your appeal A1 on R1 (Neon Dreams v2) was granted" in out
