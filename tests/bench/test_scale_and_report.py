"""The bulk fill, the scale measurements on a tiny history, the report and the command line."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.fill import FillPlan, rows
from bench.report import BEGIN, END, _store_path_table, _targets, write_into
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


def _step(rate: int, p99: float, sustained: bool) -> dict[str, object]:
    return {"offered_per_s": rate, "achieved_per_s": rate, "prompts": 3, "p50_ms": 10.0, "p99_ms": p99,
            "errors": 0, "sustained": sustained}  # fmt: skip


def test_targets_show_each_detector_variant_and_the_store_path_ab() -> None:
    """The Targets table has one SQLite row per detector variant (best sustained rate and the p99 at that
    rate), the store-path A/B at 64 in flight with both figures, the ratio and the errors, and the
    PostgreSQL replicas row against one process; nothing of the removed experiments remains."""
    side = {"msgs_per_s": 0.0, "p99_ms": 0.0, "errors": 0, "store_errors": 0, "internal_errors": 0, "retries": 0}
    sqlite = {
        "communities": 4, "model_status": "loaded", "raw_baseline": {"rows_per_s": 1000.0},
        "rules_only": {"steps": [_step(100, 40.0, True), _step(250, 90.5, True), _step(500, 900.0, False)],
                       "best_sustained": 250, "saturation": {"msgs_per_s": 700.0, "p50_ms": 1.0, "p99_ms": 2.0,
                                                             "errors": 0}},
        "model": {"steps": [_step(100, 180.25, True), _step(250, 600.0, False)], "best_sustained": 100},
        "store_path_ab": {
            "rounds": 2, "messages_per_round": 400, "audit_chain_problems": 0,
            "in_flight_1": {"inline": {**side, "msgs_per_s": 900.0}, "thread": {**side, "msgs_per_s": 450.0},
                            "ratio": 2.0},
            "in_flight_64": {"inline": {**side, "msgs_per_s": 800.0},
                             "thread": {**side, "msgs_per_s": 500.0, "errors": 3, "store_errors": 3, "retries": 7},
                             "ratio": 1.6},
        },
    }  # fmt: skip
    results = {
        "quick": True, "seconds": 1.0,
        "facts": {"commit": "abc", "started_at": "now", "cores": 2, "cpu": "x", "memory_mb": 1,
                  "load_average_at_start": [1.0, 1.0, 1.0], "python": "3.11", "sqlite": "3", "postgresql": "15"},
        "sections": {
            "load": {"sqlite": sqlite, "postgresql": {"rules_only": {"saturation": {"msgs_per_s": 1234.5}}}},
            "replicas": {
                "combined_msgs_per_s": 2345.6, "burst": {"exactly_once": True, "seconds": 1.5},
                "steps": [
                    {"offered_per_s": 2400.0, "achieved_per_s": 2398.0, "worst_p99_ms": 80.5, "sustained": True},
                    {"offered_per_s": 3000.0, "achieved_per_s": 2990.0, "worst_p99_ms": 120.25, "sustained": True},
                    {"offered_per_s": 3600.0, "achieved_per_s": 3100.0, "worst_p99_ms": 900.0, "sustained": False},
                ],
            },
        },
    }  # fmt: skip
    targets = _targets(results)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in targets if line.startswith("| ")}
    model = next(v for k, v in rows.items() if k.startswith("SQLite, one process, model detector"))
    rules = next(v for k, v in rows.items() if k.startswith("SQLite, one process, rules-only detector"))
    assert "100 msg/s; p99 180.25 ms" in model
    assert "250 msg/s; p99 90.5 ms" in rules
    store_path = rows["SQLite store path: inline (current) vs aiosqlite thread (baseline), closed loop 64 in flight"]
    assert "inline 800.0 msg/s, 0 errors; aiosqlite thread 500.0 msg/s, 3 errors (3 not recorded yet)" in store_path
    assert "ratio 1.6×" in store_path
    replicas = next(v for k, v in rows.items() if k.startswith("PostgreSQL, 3 replicas"))
    # The best step every replica sustained (not the unsustained faster one), its p99, and the ceiling.
    assert "3000.0 msg/s; worst p99 120.25 ms; ceiling 2345.6 msg/s" in replicas
    assert "1 process, same run: 1234.5 msg/s" in replicas
    assert not any("proposed" in line.lower() for line in targets)
    ab = "\n".join(_store_path_table(sqlite))
    assert "| 1 | 900.0 | 450.0 | 2.0× |" in ab
    assert "| 64 | 800.0 | 500.0 | 1.6× | 0.0 / 0.0 | 0 / 3 (3 not recorded yet) | 0 / 7 | — / — |" in ab
