"""The console commands people run first: demo, console --script, export, simulate, audit verify."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import _load_areas
from bot.cli.app import app

runner = CliRunner()
_load_areas()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"


def _demo(db: str) -> str:
    result = runner.invoke(app, ["demo", "--db", db, "--rules-only"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_reads_like_a_community(db: str) -> None:
    """The bundled demo endorses one release, nudges and fixes another, resolves flags, fires a reminder."""
    out = _demo(db)
    assert "It is now endorsed" in out
    assert "How to fix" in out
    assert "upheld" in out and "dismissed" in out
    assert "Reminder: R2" in out
    assert "This week in Pixel Forge" in out
    assert "Traceback" not in out


def test_demo_twice_starts_afresh(db: str) -> None:
    """Running the demo again gives the same community, not a doubled one."""
    _demo(db)
    _demo(db)
    path = db.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        (n,) = conn.execute("SELECT count(*) FROM releases").fetchone()
    assert n == 3


def test_script_with_bad_lines_reports_them(tmp_path: Path, db: str) -> None:
    """A malformed script line or clock step is named by line number; the run continues."""
    script = tmp_path / "s.txt"
    script.write_text("hello without a name\n@clock: tomorrow\n@bo: /help\n")
    result = runner.invoke(app, ["console", "--script", str(script), "--db", db, "--rules-only"])
    assert result.exit_code == 0
    assert "line 1" in result.output and "line 2" in result.output and "normbot commands" in result.output


def test_export_jsonl_contract(db: str) -> None:
    """One JSON object per release with the documented keys."""
    _demo(db)
    result = runner.invoke(app, ["export", "--db", db, "--community", "pixel-forge"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3
    for key in (
        "id",
        "community",
        "model_name",
        "version",
        "creator",
        "status",
        "norm_results",
        "endorsements",
        "flags",
        "reviews",
        "announcements",
    ):
        assert key in rows[0]
    endorsed = [r for r in rows if r["status"] == "endorsed"]
    assert endorsed and len(endorsed[0]["endorsements"]) >= 2
    flagged = [r for r in rows if r["flags"]]
    assert {"norm", "reporter", "status"} <= set(flagged[0]["flags"][0])


def test_export_csv_and_unknown_community(db: str) -> None:
    """CSV has a header row; an unknown community is a usage error."""
    _demo(db)
    result = runner.invoke(app, ["export", "--db", db, "--format", "csv"])
    assert result.exit_code == 0 and result.output.splitlines()[0].startswith("id,community,model_name")
    assert runner.invoke(app, ["export", "--db", db, "--community", "nope"]).exit_code == 2


def test_simulate_shows_changes_and_writes_nothing(tmp_path: Path, db: str) -> None:
    """A draft that makes hashes mandatory at block level changes results; the store is untouched."""
    _demo(db)
    draft = tmp_path / "draft.yaml"
    draft.write_text(
        "schema_version: 1\nid: pixel-forge\nversion: 2.0.0\nextends: [baseline]\n"
        "overrides:\n  own-hash-published: off\n"
    )
    path = db.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT count(*) FROM norm_checks").fetchone()
    result = runner.invoke(app, ["norms", "simulate", str(draft), "--db", db])
    assert result.exit_code == 0, result.output
    assert "own-hash-published" in result.output
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM norm_checks").fetchone() == before


def test_audit_verify_detects_tampering(db: str) -> None:
    """Intact after the demo; editing one audit row makes verify exit 1 and name it."""
    _demo(db)
    assert runner.invoke(app, ["audit", "verify", "--db", db]).exit_code == 0
    path = db.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE audit_events SET actor = 'console:mallory' WHERE seq = 3")
    result = runner.invoke(app, ["audit", "verify", "--db", db])
    assert result.exit_code == 1 and "event 3" in result.output


def test_db_upgrade_is_idempotent(db: str) -> None:
    """Upgrading twice is fine."""
    assert runner.invoke(app, ["db", "upgrade", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade", "--db", db]).exit_code == 0


def test_init_writes_config_and_norms_that_lint(tmp_path: Path) -> None:
    """`normbot init` output passes `normbot norms lint` and `normbot norms test`."""
    result = runner.invoke(app, ["init", str(tmp_path), "--slug", "lora-guild", "--name", "LoRA Guild"])
    assert result.exit_code == 0, result.output
    norm_file = tmp_path / "norms" / "lora-guild.yaml"
    assert runner.invoke(app, ["norms", "lint", str(norm_file)]).exit_code == 0
    assert runner.invoke(app, ["norms", "test", str(norm_file)]).exit_code == 0
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 2  # refuses to overwrite


@pytest.mark.parametrize("command", [["demo", "--rules-only"], ["export"], ["db", "upgrade"], ["audit", "verify"]])
def test_unreachable_database_is_a_clear_error(command: list[str]) -> None:
    """A database nobody listens on gives the store's exit code (3) and one line naming the problem, never a
    traceback."""
    result = runner.invoke(app, [*command, "--db", "postgresql://postgres@127.0.0.1:1/none"])
    assert result.exit_code == 3
    assert isinstance(result.exception, SystemExit)
    assert "cannot" in result.output and "Traceback" not in result.output
