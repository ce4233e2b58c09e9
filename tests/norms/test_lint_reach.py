"""`normbot norms lint` reports everything in one run and reads each extended file once (issues 20.13, 21.5).

File reads are counted with a Python audit hook on `open` (what the interpreter itself reports), so the
test counts work, not wall clock.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import bot.cli.norms  # noqa: F401  (registers the `norms` sub-app)
from bot.cli.app import app
from norms import lint_path, load_pack

_WATCHED: list[tuple[Path, Counter[str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _WATCHED or not isinstance(args[0], str | Path) or "r" not in str(args[1] or "r"):
        return  # reads only (the test writes the files first)
    path = Path(args[0]).resolve()
    for folder, counts in _WATCHED:
        if path.is_relative_to(folder):
            counts[path.name] += 1


sys.addaudithook(_audit)  # audit hooks cannot be removed; it does nothing unless a test watches a folder


@pytest.fixture
def opens(tmp_path: Path) -> Any:
    """Counts of files opened under tmp_path while the test runs."""
    counts: Counter[str] = Counter()
    entry = (tmp_path.resolve(), counts)
    _WATCHED.append(entry)
    yield counts
    _WATCHED.remove(entry)


def _write_lattice(folder: Path, width: int, depth: int) -> Path:
    """Level 0 is `top.yaml`; each file of level i extends every file of level i+1; the last level extends
    baseline. Paths are spelt differently (`./x`, `./sub/../x`) so only normalised keys collapse them."""
    (folder / "sub").mkdir()
    for level in range(depth, 0, -1):
        for k in range(width):
            below = (
                [f"./l{level + 1}-{j}.yaml" if j % 2 else f"./sub/../l{level + 1}-{j}.yaml" for j in range(width)]
                if level < depth
                else ["baseline"]
            )
            (folder / f"l{level}-{k}.yaml").write_text(
                f"schema_version: 1\nid: l{level}-{k}\nversion: 1.0.0\nextends: [{', '.join(below)}]\n"
                f"norms:\n  - {{id: own-l{level}-{k}, need: credit, severity: info, match: {{text: 'x{k}'}}}}\n"
            )
    top = folder / "top.yaml"
    refs = ", ".join(f"./l1-{j}.yaml" for j in range(width))
    top.write_text(f"schema_version: 1\nid: top\nversion: 1.0.0\nextends: [{refs}]\n")
    return top


@pytest.mark.parametrize(("width", "depth"), [(2, 6), (6, 3)], ids=["diamond-ladder", "six-way"])
def test_each_extended_file_is_read_once(tmp_path: Path, opens: Counter[str], width: int, depth: int) -> None:
    """A lattice of extends (2 wide and 6 deep: 64 paths to the bottom; 6 wide and 3 deep: 216) loads, and
    every file is opened exactly once (the old resolver opened the bottom files once per path)."""
    top = _write_lattice(tmp_path, width, depth)
    assert lint_path(top) == []
    assert set(opens.values()) == {1} and len(opens) == 1 + width * depth
    opens.clear()
    pack = load_pack(top)
    assert set(opens.values()) == {1}
    assert len([n for n in pack.norms if re.fullmatch(r"own-l\d+-\d+", n.id)]) == width * depth


def test_a_too_deep_chain_is_still_refused_through_a_shared_file(tmp_path: Path) -> None:
    """Reusing a file already resolved keeps the depth limit: the chain through it is measured."""
    chain = [tmp_path / f"c{i}.yaml" for i in range(10)]
    for i, path in enumerate(chain):
        ext = f"extends: [./c{i + 1}.yaml]\n" if i + 1 < len(chain) else ""
        path.write_text(f"schema_version: 1\nid: c{i}\nversion: 1.0.0\n{ext}")
    top = tmp_path / "top.yaml"
    top.write_text("schema_version: 1\nid: top\nversion: 1.0.0\nextends: [./c8.yaml, ./c0.yaml]\n")
    assert "extends-too-deep" in {p.code for p in lint_path(top)}


FOUR = """\
schema_version: 1
id: four
version: 1.0
extends: [baseline]
overrides:
  credit-versoning: {severity: wrn}
norms:
  - id: own-one
    need: harm
    severity: nudge
    match: {text: '(a)\\1'}
examples:
  - text: hi
    expect: {own-three: pass, own-one: fail}
"""


def test_lint_shows_schema_resolution_and_example_problems_in_one_run(tmp_path: Path) -> None:
    """Schema (wrong type, bad enum), resolution (override of an unknown norm), compile (bad pattern) and
    example (unknown norm) problems in one `norms lint` run; before, the last two needed two more runs."""
    path = tmp_path / "four.yaml"
    path.write_text(FOUR)
    result = CliRunner().invoke(app, ["norms", "lint", str(path)])
    assert result.exit_code == 1
    got = [line.split(": ", 2)[:2] for line in result.stdout.strip().splitlines()]
    assert got == [
        [f"{path}:3:10", "error wrong-type"],
        [f"{path}:6:3", "error unknown-norm"],
        [f"{path}:6:32", "error bad-value"],
        [f"{path}:9:11", "error bad-value"],
        [f"{path}:11:19", "error bad-pattern"],
        [f"{path}:14:14", "error unknown-norm"],
    ]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("id: x\nnorms: [a, b\n", "3:1", "a list is not closed: expected ',' or ']' here (the enclosing part"),
        ("id: x\n\tversion: 1\n", "2:1", "a tab character (YAML indents with spaces, not tabs)"),
        ("id: x\n  version: 1\n", "2:10", "an unexpected ':'"),
        ('id: "a\\d"\n', "1:8", "unknown escape \\d in a double-quoted string (write patterns in single quotes"),
    ],
)
def test_yaml_syntax_errors_read_as_positioned_plain_problems(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    """A syntax error is `file:line:col: error syntax: syntax error: <plain words>`, not PyYAML's text."""
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["norms", "lint", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:{where}: error syntax: syntax error: {message}")
    assert "while parsing" not in result.stdout and "while scanning" not in result.stdout
