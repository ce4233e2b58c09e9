"""RE2 patterns: linear time, rejected features reported, length capped."""

from __future__ import annotations

import pytest

from norms.patterns import MAX_PATTERN, PatternError, compile_pattern


def test_catastrophic_pattern_runs_on_a_long_adversarial_string() -> None:
    """`(a+)+$` against 100k a's plus a b: a backtracking engine never returns; RE2 answers."""
    p = compile_pattern("(a+)+$")
    assert p.search("a" * 100_000 + "b") is None
    assert p.search("b" + "a" * 100_000) == "a" * 100_000


@pytest.mark.parametrize("source", [r"(a)\1", "(?=x)x", "(?!x)y", "(?<=a)b", "(unclosed"])
def test_rejected_patterns_raise_pattern_error(source: str) -> None:
    """Backreferences, lookaround and syntax errors are PatternErrors naming RE2."""
    with pytest.raises(PatternError, match="RE2 rejects"):
        compile_pattern(source)


def test_pattern_length_is_capped() -> None:
    """Very long patterns are refused before compiling."""
    with pytest.raises(PatternError, match="limit"):
        compile_pattern("a" * (MAX_PATTERN + 1))


def test_case_insensitive_flag_and_search_returns_the_match() -> None:
    """Inline flags work and the matched text is returned as evidence."""
    assert compile_pattern(r"(?i)\.(ckpt|pt)$").search("MODEL.CKPT") == ".CKPT"
