"""RE2 patterns: linear time, rejected features reported, length capped."""

from __future__ import annotations

import pytest

from norms.patterns import MAX_PATTERN, MAX_PROGRAM, MAX_SUBJECT, PatternError, compile_pattern


def test_catastrophic_pattern_runs_on_a_long_adversarial_string() -> None:
    """`(a+)+$` against a's plus a b: a backtracking engine never returns; RE2 answers."""
    p = compile_pattern("(a+)+$")
    assert p.search("a" * 100_000 + "b") is None
    assert p.search("b" + "a" * (MAX_SUBJECT - 1)) == "a" * (MAX_SUBJECT - 1)


def test_a_pattern_sees_the_first_max_subject_characters_and_no_false_end() -> None:
    """Past MAX_SUBJECT the text is cut with `…`: `$` does not match at the cut, and what lies beyond the
    cut is not seen (the documented bound on the work of one search)."""
    p = compile_pattern("a+$")
    assert p.search("b" + "a" * 100_000) is None
    assert compile_pattern("z").search("a" * MAX_SUBJECT + "z") is None
    assert compile_pattern("z").search("a" * (MAX_SUBJECT - 2) + "z") == "z"


def test_program_size_is_capped() -> None:
    """`(?s)a.{990}c` compiles to ~7,000 RE2 instructions: refused, with the limit named; `[0-9a-f]{64}` is fine."""
    with pytest.raises(PatternError, match=f"the limit is {MAX_PROGRAM}") as info:
        compile_pattern("(?s)a.{990}c")
    assert info.value.code == "pattern-too-costly"
    assert compile_pattern("^[0-9a-f]{64}$").program_size < MAX_PROGRAM


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
