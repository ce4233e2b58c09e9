"""The bulk fill, the scale measurements on a tiny history, the report and the command line."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.fill import FillPlan, rows
from bench.report import BEGIN, END, write_into
from bench.scale import run_scale
from tests.conftest import REPO_ROOT

TINY = FillPlan(communities=4, creators=20, members=60, releases=200, endorsements=2_000, flags=40)


def test_fill_rows_match_the_plan_and_respect_uniqueness() -> None:
    """Exactly the planned number of endorsements, each (release, account) once, all referencing real rows."""
    tables = {name: (cols, data) for name, cols, data in rows(TINY)}
    cols, ends = tables["endorsements"]
    assert len(ends) == TINY.endorsements
    pairs = [(e[cols.index("release_id")], e[cols.index("account_id")]) for e in ends]
    assert len(set(pairs)) == len(pairs)
    accounts = {a[0] for a in tables["accounts"][1]}
    assert {acc for _, acc in pairs} <= accounts
    assert {rid for rid, _ in pairs} <= {r[0] for r in tables["releases"][1]}
    per_release = Counter(rid for rid, _ in pairs)
    assert max(per_release.values()) > 3 * (TINY.endorsements / TINY.releases)  # skewed: some are popular


async def test_scale_runs_every_operation_on_a_tiny_history() -> None:
    """SQLite: the fill lands every row, each operation runs through the real core, index experiments run."""
    out = await run_scale("sqlite", quick=True, runs=3, plan=TINY)
    assert out["fill"]["rows"]["endorsements"] == TINY.endorsements
    assert set(out["operations"]) == {
        "release_show", "queue", "profile", "community_page_1", "community_page_20", "announcement",
    }  # fmt: skip
    assert all(op["selects"] > 0 for op in out["operations"].values())
    assert {"open_flags_with_0002", "open_flags_without_0002"} <= set(out["index_effects"])


def test_report_replaces_only_the_generated_block(tmp_path: Path) -> None:
    """Hand-written text around the markers survives; the block is regenerated from the results."""
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nintro\n\n{BEGIN}\nold\n{END}\n\nanalysis\n", encoding="utf-8")
    results = {
        "quick": True,
        "seconds": 1.0,
        "facts": {"commit": "abc", "started_at": "now", "cores": 2, "cpu": "x", "memory_mb": 1,
                  "load_average_at_start": [1.0, 1.0, 1.0], "python": "3.11", "sqlite": "3", "postgresql": "15"},
        "sections": {"replicas": {"error": "PostgreSQL unreachable"}},
    }  # fmt: skip
    write_into(doc, results)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nintro\n\n")
    assert text.rstrip().endswith("analysis")
    assert "old" not in text
    assert "`abc`" in text
    assert "Not measured: PostgreSQL unreachable" in text


def test_cli_rejects_unknown_sections_without_a_traceback() -> None:
    """`python -m bench --only nonsense` says what is allowed and exits 2."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "nonsense", "--no-docs"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "unknown section(s): nonsense" in proc.stderr
    assert "Traceback" not in proc.stderr
