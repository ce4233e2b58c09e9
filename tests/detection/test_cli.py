"""The `normbot detect` JSON Lines contract and `normbot eval`, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import _load_areas, app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
_load_areas()

INPUT = "\n".join(
    [
        json.dumps({"id": 1, "text": "New LoRA: **Moss Witch** v1 for SDXL https://civitai.com/models/1 license: MIT"}),
        "this is not json",
        json.dumps({"id": "b", "text": "lol"}),
        "",
        json.dumps([1, 2]),
        json.dumps({"id": 5, "text": 3}),
        json.dumps({"id": 6, "text": "x", "attachments": "not-a-list"}),
        json.dumps(
            {
                "id": 7,
                "text": "Merge of A + B for SDXL, license: MIT https://civitai.com/models/2",
                "attachments": ["m.safetensors"],
            }
        ),
    ]
)


def _rows(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_detect_contract_rules_only() -> None:
    """One output line per non-blank input line, in order; bad lines are error objects; exit 1."""
    result = runner.invoke(app, ["detect", "--rules-only"], input=INPUT)
    rows = _rows(result.stdout)
    assert result.exit_code == 1
    assert [r["id"] for r in rows] == [1, None, "b", None, 5, 6, 7]
    assert rows[0]["is_release"] is True and isinstance(rows[0]["score"], float)
    fields = rows[0]["fields"]
    assert isinstance(fields, dict) and fields["license"] == "mit" and "hashes" not in fields
    assert rows[1]["error"] == "line 2: invalid JSON (Expecting value at column 1)"
    assert rows[2] == {"id": "b", "is_release": False, "score": 0.0, "fields": {}}
    assert str(rows[3]["error"]).startswith("line 5: expected a JSON object")
    assert str(rows[4]["error"]).startswith("line 6:")
    assert str(rows[5]["error"]).startswith("line 7:")
    files = rows[6]["fields"]
    assert isinstance(files, dict) and files["files"] == [{"name": "m.safetensors", "format": "safetensors"}]


def test_detect_clean_input_exits_zero(tmp_path: Path) -> None:
    """A file with only good lines exits 0."""
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 1, "text": "hello"}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["detect", str(path), "--rules-only"])
    assert result.exit_code == 0
    assert _rows(result.stdout) == [{"id": 1, "is_release": False, "score": 0.0, "fields": {}}]


def test_detect_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    """A missing input file is a clear error and exit 2, not a traceback."""
    result = runner.invoke(app, ["detect", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.output


@pytest.mark.slow
def test_detect_with_model_via_console_script() -> None:
    """The installed `normbot` script runs the model and honours the same contract."""
    exe = Path(sys.executable).with_name("normbot")
    proc = subprocess.run(
        [str(exe), "detect"], input=INPUT, capture_output=True, text=True, timeout=300, cwd=REPO, check=False
    )
    rows = _rows(proc.stdout)
    assert proc.returncode == 1
    assert [r.get("is_release") for r in rows] == [True, None, False, None, None, None, True]
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_eval_reports_the_table_on_the_real_corpus() -> None:
    """`normbot eval --json` on the corpus's test split: the keyword rule, the rules and the model side by side,
    per language group, what each cascade stage costs, field accuracy; the exit code follows the targets."""
    result = runner.invoke(app, ["eval", "--json"])
    report = json.loads(result.stdout)
    assert report["split"] == "test" and report["rows"] >= 600
    assert set(report["detection"]) == {"keyword", "rules", "lexical", "model"}
    assert {"en", "zh"} <= set(report["by_language"])
    stages = report["stages"]
    assert set(stages) >= {"prefilter", "rules", "gate", "bound", "model", "head_alone_recall"}
    dropped = sum(stages[s]["dropped"] for s in ("prefilter", "rules", "gate", "bound", "model"))
    assert dropped == report["positives"] - report["detection"]["model"]["tp"]
    for name in ("links", "model_name", "base_model", "model_type"):
        assert 0.0 <= report["fields"][name] <= 1.0
    assert result.exit_code == (0 if report["targets_met"] else 1)
    # the model beats the plain keyword rule on real text
    assert report["detection"]["model"]["f1"] > report["detection"]["keyword"]["f1"]


def test_eval_scores_any_labelled_file(tmp_path: Path) -> None:
    """A community's own history (no splits, no sources) is scored whole; a broken file is a usage error."""
    own = tmp_path / "ours.jsonl"
    own.write_text(
        json.dumps({"text": "New LoRA: Moss Witch v1 for SDXL https://civitai.com/models/1", "is_release": True})
        + "\n"
        + json.dumps({"text": "does anyone have a good sampler for flux?", "is_release": False})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", "--data", str(own), "--rules-only", "--json"])
    report = json.loads(result.stdout)
    assert report["rows"] == 2 and report["positives"] == 1
    assert report["detection"]["rules"]["tp"] == 1 and report["detection"]["rules"]["fp"] == 0
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "x"}\n', encoding="utf-8")
    bad = runner.invoke(app, ["eval", "--data", str(broken), "--rules-only"])
    assert bad.exit_code == 2 and "broken.jsonl:1" in bad.stderr


def test_detect_batch_of_one_gives_same_rows() -> None:
    """--batch 1 (for callers that wait for each answer) changes nothing in the output."""
    a = runner.invoke(app, ["detect", "--rules-only"], input=INPUT)
    b = runner.invoke(app, ["detect", "--rules-only", "--batch", "1"], input=INPUT)
    assert _rows(a.stdout) == _rows(b.stdout) and a.exit_code == b.exit_code == 1
