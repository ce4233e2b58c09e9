"""The console's side of the re-check after a norm change: `/norms set < file` answers with the button, a
moderator presses it (`[press Re-check on mN]`), the next clock step runs the job (edits, the creator's
message, the summary); `/norms simulate < draft` tells what would change."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import _load_areas
from bot.cli.app import app
from tests.core.harness import GOOD
from tests.core.test_norm_recheck import NO_TRIGGER, TRIGGER_PACK

runner = CliRunner()
_load_areas()


def test_console_recheck_after_norm_change(tmp_path: Path) -> None:
    pack = tmp_path / "forge.yaml"
    pack.write_text(TRIGGER_PACK)
    script = tmp_path / "s.txt"
    script.write_text(
        "\n".join(
            [
                f"@ada: {GOOD}",  # m1, prompt m2
                f"@bea: {NO_TRIGGER.replace('Neon Dreams', 'Quiet Fields')}",  # m3, prompt m4, re-upload alert m5
                f"@mia: /norms simulate < {pack}",  # m6
                f"@mia: /norms set < {pack}",  # m7, answer m8 with the button
                "@bo: [press Re-check on m8]",
                "@mia: [press Re-check on m8]",
                "@clock: +1m",
            ]
        )
        + "\n"
    )
    db = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    result = runner.invoke(app, ["console", "--script", str(script), "--db", db, "--rules-only"])
    out = result.output
    assert result.exit_code == 0, out
    assert "Traceback" not in out
    assert "would change 1 of 2 open release(s)" in out
    assert "normbot (m8) → mia:" in out and "[Re-check 2 open releases]" in out
    assert "Only moderators" in out
    assert "Re-checking 2 open release(s) against revision #1" in out
    assert "normbot ✎ m4 updated" in out
    assert "normbot → DM bea:" in out and "Now not met: Name the trigger words" in out
    assert "2 checked, 1 changed, 1 now failing" in out
