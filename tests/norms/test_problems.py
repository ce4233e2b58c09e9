"""Problems as data and their three reporters."""

from __future__ import annotations

import json

import pytest

from norms import Problem, render_problems


def _p(line: int, col: int, code: str = "x", file: str = "a.yaml", message: str = "m") -> Problem:
    return Problem(file, line, col, code, "error", message, None, "")


def test_problems_sort_by_file_then_position() -> None:
    """Sorting follows file, line, column: the order an editor shows them."""
    ps = [_p(3, 1), _p(1, 9), _p(1, 2), _p(1, 1, file="0.yaml")]
    assert [(p.file, p.line, p.column) for p in sorted(ps)] == [
        ("0.yaml", 1, 1),
        ("a.yaml", 1, 2),
        ("a.yaml", 1, 9),
        ("a.yaml", 3, 1),
    ]


def test_text_reporter_is_parsable() -> None:
    """Text lines are `file:line:col: severity code: message (hint)`."""
    p = Problem("n.yaml", 4, 7, "unknown-key", "error", "unknown key 'requir'", "did you mean 'require'?", "norms[0]")
    assert render_problems([p], "text") == (
        "n.yaml:4:7: error unknown-key: unknown key 'requir' (did you mean 'require'?)"
    )


def test_json_reporter_round_trips() -> None:
    """JSON output keeps every field, so tools can re-read it."""
    p = Problem("n.yaml", 2, 3, "bad-value", "warning", "msg", None, "review.window")
    data = json.loads(render_problems([p], "json"))
    assert [Problem(**d) for d in data] == [p]


def test_github_reporter_escapes_newlines_and_commas() -> None:
    """A multi-line message stays one annotation; commas in the file name do not split properties."""
    p = Problem("a,b.yaml", 5, 6, "syntax", "error", "line one\nline two", None, "")
    out = render_problems([p], "github")
    assert out == "::error file=a%2Cb.yaml,line=5,col=6,title=syntax::syntax: line one%0Aline two"


def test_unknown_format_is_a_value_error() -> None:
    """A bad format name is rejected rather than silently printing text."""
    with pytest.raises(ValueError, match="unknown problem format"):
        render_problems([], "xml")


def test_chat_reporter_is_short_and_capped() -> None:
    """Chat output names positions without the file and counts what it leaves out."""
    ps = [_p(i, 2, message=f"m{i}") for i in range(1, 21)]
    lines = render_problems(ps, "chat").splitlines()
    assert lines[0] == "line 1, col 2: m1"
    assert len(lines) == 16 and lines[-1] == "... and 5 more"
