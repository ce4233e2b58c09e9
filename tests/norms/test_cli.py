"""`normbot norms lint|test|show` through Typer's CliRunner (in-process)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli.norms  # noqa: F401  (registers the `norms` sub-app)
from bot.cli.app import app

CASES = Path(__file__).parent / "cases"
THREE = str(CASES / "invalid" / "three-mistakes.yaml")


@pytest.fixture
def runner() -> CliRunner:
    """A CliRunner (stdout and stderr captured separately)."""
    return CliRunner()


def test_lint_clean_file_exits_0(runner: CliRunner) -> None:
    """A valid file: exit 0 and no output."""
    result = runner.invoke(app, ["norms", "lint", str(CASES / "valid" / "full.yaml"), "baseline"])
    assert (result.exit_code, result.stdout) == (0, "")


def test_lint_prints_all_three_mistakes_and_exits_1(runner: CliRunner) -> None:
    """Three different mistakes -> three `file:line:col` lines, exit 1."""
    result = runner.invoke(app, ["norms", "lint", THREE])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert [re.match(r"^(.*):(\d+):(\d+): error ([a-z-]+):", line).groups()[1:] for line in lines] == [  # type: ignore[union-attr]
        ("3", "10", "wrong-type"),
        ("6", "11", "bad-value"),
        ("9", "14", "bad-pattern"),
    ]
    assert all(line.startswith(THREE + ":") for line in lines)
    assert "3 problems" in result.stderr


def test_lint_json_format(runner: CliRunner) -> None:
    """--format json prints a list of problem objects."""
    result = runner.invoke(app, ["norms", "lint", "--format", "json", THREE])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and [d["code"] for d in data] == ["wrong-type", "bad-value", "bad-pattern"]
    assert data[0]["file"] == THREE and data[0]["path"] == "version"


def test_lint_github_format(runner: CliRunner) -> None:
    """--format github prints workflow annotations."""
    result = runner.invoke(app, ["norms", "lint", "-f", "github", THREE])
    assert result.stdout.splitlines()[0].startswith("::error file=")
    assert ",line=3,col=10,title=wrong-type::" in result.stdout


def test_lint_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    """A missing file or an unknown format is a usage error (2), reported without a traceback."""
    missing = runner.invoke(app, ["norms", "lint", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr and missing.exception is not None
    assert "Traceback" not in missing.output
    fmt = runner.invoke(app, ["norms", "lint", "-f", "xml", THREE])
    assert fmt.exit_code == 2 and "unknown format" in fmt.stderr


def test_lint_directory_lints_its_yaml_files(runner: CliRunner, tmp_path: Path) -> None:
    """A folder stands for its *.yaml files; a folder without any is a usage error."""
    valid = runner.invoke(app, ["norms", "lint", str(CASES / "valid")])
    assert (valid.exit_code, valid.stdout) == (0, "")
    invalid = runner.invoke(app, ["norms", "lint", str(CASES / "invalid")])
    files = {line.split(":", 1)[0] for line in invalid.stdout.splitlines()}
    assert invalid.exit_code == 1 and len(files) == len(list((CASES / "invalid").glob("*.yaml")))
    assert runner.invoke(app, ["norms", "lint", str(tmp_path)]).exit_code == 2


def test_test_command_passes_on_baseline(runner: CliRunner) -> None:
    """`norms test baseline` runs every example with the real extractor; all hold."""
    result = runner.invoke(app, ["norms", "test", "baseline"])
    assert result.exit_code == 0, result.stdout
    assert re.search(r"(\d+) examples, (\d+) expectations, \2 passed, 0 failed", result.stdout)


def test_test_command_reports_a_broken_expectation(runner: CliRunner, tmp_path: Path) -> None:
    """A wrong expectation fails with file:line, the norm, expected vs actual and evidence; exit 1."""
    f = tmp_path / "p.yaml"
    f.write_text(
        "schema_version: 1\nid: p\nversion: 1.0.0\nnorms:\n"
        "  - {id: lic, need: ownership, severity: warn, require: [license]}\n"
        "examples:\n  - text: hello\n    expect: {lic: pass}\n"
    )
    result = runner.invoke(app, ["norms", "test", str(f)])
    assert result.exit_code == 1
    assert f"{f}:7: example 1: lic: expected pass, got fail [missing: license]" in result.stdout


def test_test_command_on_invalid_file_prints_problems(runner: CliRunner) -> None:
    """A file that does not load prints its problems as `lint` does (to stderr) and exits 2: bad input, not a
    failing example (issue 20, item 12: every command but `lint` reports a broken norm file this way)."""
    result = runner.invoke(app, ["norms", "test", THREE])
    assert result.exit_code == 2 and f"{THREE}:3:10: error wrong-type" in result.stderr
    assert result.stdout == ""


def test_show_lists_resolved_norms_with_sources(runner: CliRunner) -> None:
    """`norms show` prints every resolved norm with need, severity, checks and the defining file."""
    result = runner.invoke(app, ["norms", "show", str(CASES / "valid" / "extends-baseline.yaml")])
    assert result.exit_code == 0
    out = result.stdout
    row = next(line for line in out.splitlines() if "credit-base-model" in line)
    assert "block" in row and "extends-baseline.yaml" in row and "require" in row
    assert "harm-intended-use" not in out.split("switched off:")[0]
    assert "switched off: harm-intended-use" in out
    assert "window 3d" in out


def test_show_missing_is_usage_error(runner: CliRunner) -> None:
    """show on a missing path exits 2."""
    assert runner.invoke(app, ["norms", "show", "does-not-exist.yaml"]).exit_code == 2
