"""`forbid` check kind."""

from __future__ import annotations

import pytest

from norms.checks import CheckConfigError, forbid
from norms.patterns import MAX_SUBJECT
from tests.norms.factories import ctx

SAFE = r"(?i)\.(ckpt|pt|bin)$"


def test_pass_without_a_match() -> None:
    """No file matches -> pass."""
    assert forbid.build({"files": SAFE}).run(ctx(files=["m.safetensors"])).outcome == "pass"


def test_fail_with_evidence_of_the_match() -> None:
    """A match fails and names the value that matched, in words: never the pattern (creators read this)."""
    r = forbid.build({"files": SAFE}).run(ctx(files=["ok.safetensors", "bad.CKPT"]))
    assert r.outcome == "fail" and r.evidence == ("files: bad.CKPT",)
    text = forbid.build({"text": "(?i)commissions? open"}).run(ctx("Hi! Commissions open now"))
    assert text.evidence == ("text: “Commissions open”",)


def test_text_and_trigger_word_targets() -> None:
    """Text and list targets are searched too; absent targets pass."""
    check = forbid.build({"text": "(?i)commission", "trigger_words": "^bad$"})
    assert check.run(ctx("Commissions open")).outcome == "fail"
    assert check.run(ctx("hi", trigger_words=["good", "bad"])).outcome == "fail"
    assert check.run(ctx()).outcome == "pass"


def test_catastrophic_pattern_is_linear() -> None:
    """`(a+)+$` on a long adversarial text gives the right answer (RE2, no backtracking)."""
    check = forbid.build({"text": "(a+)+$"})
    assert check.run(ctx("a" * 200_000 + "!")).outcome == "pass"
    assert check.run(ctx("!" + "a" * (MAX_SUBJECT - 1))).outcome == "fail"
    # Past MAX_SUBJECT the text is cut with an ellipsis: the end of a longer text is not seen, nor faked.
    assert check.run(ctx("!" + "a" * 200_000)).outcome == "pass"


def test_rejected_pattern_points_at_its_target() -> None:
    """A backreference is a CheckConfigError under the target key."""
    with pytest.raises(CheckConfigError) as info:
        forbid.build({"text": "ok", "files": r"(a)\1"})
    assert info.value.subpath == ("files",) and info.value.code == "bad-pattern"
