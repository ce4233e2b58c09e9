"""Every case of the shared YAML test suite (plus hostile files) through `normbot norms lint`.

No traceback, no hang, exit code 0 or 1; YAML the suite calls broken gets a `file:line:col` message.
The corpus lives outside the repo (`<repo>/../shared/eval/yaml-suite`); under CI=true its absence fails.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli.norms  # noqa: F401  (registers the `norms` sub-app)
from bot.cli.app import app

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO.parent / "shared" / "eval" / "yaml-suite"


def _rows() -> list[tuple[str, str]]:
    if not (SUITE / "index.tsv").is_file():
        return []
    with (SUITE / "index.tsv").open(encoding="utf-8") as fh:
        return [(r["file"], r["expect"]) for r in csv.DictReader(fh, delimiter="\t")]


ROWS = _rows()


@pytest.fixture(scope="module")
def suite() -> Path:
    """The corpus folder; a failure under CI=true when it is missing, a loud skip elsewhere."""
    if not ROWS:
        if os.environ.get("CI") == "true":
            pytest.fail(f"YAML suite missing at {SUITE} under CI=true")
        pytest.skip(f"YAML suite missing at {SUITE} (CI=true makes this a failure)")
    return SUITE


@pytest.fixture(scope="module")
def big_scalar(tmp_path_factory: pytest.TempPathFactory, suite: Path) -> Path:
    """The generated 5 MiB single-scalar case, written by the suite's own script."""
    out = tmp_path_factory.mktemp("yaml-suite") / "big-scalar.yaml"
    subprocess.run(["sh", str(suite / "gen-big.sh"), str(out)], check=True, capture_output=True)
    return out


def test_index_counts(suite: Path) -> None:
    """The index lists 402 suite cases plus 6 hostile/generated ones."""
    kinds = [kind for _, kind in ROWS]
    assert len(ROWS) == 408 and kinds.count("valid") + kinds.count("error") == 402


def _lint(path: Path) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, ["norms", "lint", str(path)])
    return result.exit_code, result.output, result.exception


@pytest.mark.slow
def test_every_case_lints_without_a_traceback(suite: Path, big_scalar: Path) -> None:
    """All 408 files: exit 0/1, no unexpected exception; every problem line is file:line:col."""
    failures = []
    for name, kind in ROWS:
        path = big_scalar if kind == "generated" else suite / name
        code, output, exc = _lint(path)
        located = re.compile(rf"^{re.escape(str(path))}:\d+:\d+: error [a-z-]+: ", re.M)
        if code not in (0, 1) or (exc is not None and not isinstance(exc, SystemExit)) or "Traceback" in output:
            failures.append(f"{name}: exit {code}, {exc!r}")
        elif kind in ("error", "hostile", "generated") and (code != 1 or not located.search(output)):
            failures.append(f"{name}: broken input without a file:line:col message: {output[:200]!r}")
        elif code == 1 and not located.search(output):
            failures.append(f"{name}: problems without positions: {output[:200]!r}")
    assert failures == []


def test_syntax_errors_are_reported_as_such(suite: Path) -> None:
    """Most suite 'error' cases are caught by the parser and named `syntax error:`."""
    errors = [name for name, kind in ROWS if kind == "error"]
    syntax = sum("syntax error:" in _lint(suite / name)[1] for name in errors)
    assert syntax >= len(errors) * 0.8


@pytest.mark.parametrize("name", ["hostile-billion-laughs.yaml", "hostile-nested-10000.yaml"])
def test_hostile_files_via_subprocess(suite: Path, name: str) -> None:
    """The installed console script handles hostile files in a real process: exit 1, located message."""
    script = Path(sys.executable).with_name("normbot")
    proc = subprocess.run(
        [str(script), "norms", "lint", str(suite / name)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(rf"^{re.escape(str(suite / name))}:\d+:\d+: error (too-many-nodes|too-deep): ", proc.stdout, re.M)
