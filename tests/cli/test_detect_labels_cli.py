"""The community teaches the detector, through the command line: corrections made in chat (here the console)
come out of `normbot detect export-labels` in the corpus format, and `normbot eval --data` scores them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import _load_areas
from bot.cli.app import app

runner = CliRunner()
_load_areas()

MISSED = "finally finished Glass Skin v1, been cooking it for weeks, grab it on my page https://example.org/glassskin"


def test_console_corrections_export_and_score(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    script = tmp_path / "s.txt"
    script.write_text(
        "\n".join(
            [
                "@mia: /watch pixel-forge releases",
                f"@zed: {MISSED}",
                "@mia: [reply m2] /markrelease",
                "@mia: [reply m2] /markrelease",  # a second mark stores nothing new
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    run = runner.invoke(app, ["console", "--script", str(script), "--db", db, "--rules-only"])
    assert run.exit_code == 0, run.output
    exported = runner.invoke(app, ["detect", "export-labels", "--db", db])
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
    assert len(rows) == 1, rows
    (row,) = rows
    assert row["text"] == MISSED and row["is_release"] is True and row["split"] == "train"
    assert row["source"].startswith("normbot:") and row["community"]
    labels = tmp_path / "labels.jsonl"
    labels.write_text(exported.stdout, encoding="utf-8")
    scored = runner.invoke(app, ["eval", "--data", str(labels), "--split", "all", "--rules-only", "--json"])
    report = json.loads(scored.stdout)
    assert report["rows"] == 1 and report["positives"] == 1
    unknown = runner.invoke(app, ["detect", "export-labels", "--db", db, "--community", "nowhere"])
    assert unknown.exit_code == 2 and "nowhere" in unknown.stderr


def test_train_refuses_missing_or_broken_files(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["detect", "train", "--no-finetune", "--extra", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "no labelled data" in missing.stderr
    broken = tmp_path / "b.jsonl"
    broken.write_text("not json\n", encoding="utf-8")
    bad = runner.invoke(app, ["detect", "train", "--no-finetune", "--extra", str(broken)])
    assert bad.exit_code == 2 and "b.jsonl:1" in bad.stderr


def test_train_refuses_an_unknown_precision(tmp_path: Path) -> None:
    got = runner.invoke(app, ["detect", "train", "--reuse-adapter", "--precision", "fp8", "--out-dir", str(tmp_path)])
    assert got.exit_code == 2 and "fp32, bf16, int8, w8a8" in got.stderr
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.slow
def test_extraction_only_refits_the_two_extraction_models(tmp_path: Path) -> None:
    """`--extraction-only` writes the model-type model and the name ranker, nothing of the detector."""
    got = runner.invoke(app, ["detect", "train", "--extraction-only", "--out-dir", str(tmp_path)])
    assert got.exit_code == 0, got.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["name_ranker.npz", "type_model.npz"]
