"""`match` check kind."""

from __future__ import annotations

from norms.checks import match
from tests.norms.factories import ctx

VERSION = r"^[vV]?[0-9]+(\.[0-9]+)*$"


def test_pass_when_a_value_matches() -> None:
    """A matching value passes and is cited."""
    r = match.build({"version": VERSION}).run(ctx(version="v1.2"))
    assert (r.outcome, r.evidence) == ("pass", ("version: 'v1.2'",))


def test_fail_when_no_value_matches() -> None:
    """A stated but non-matching value fails."""
    assert match.build({"version": VERSION}).run(ctx(version="final")).outcome == "fail"


def test_fail_when_not_stated() -> None:
    """An absent target cannot match."""
    r = match.build({"version": VERSION}).run(ctx())
    assert r.evidence == ("version: not stated",) and r.outcome == "fail"


def test_every_target_must_match() -> None:
    """Two targets: both must match."""
    check = match.build({"version": VERSION, "hashes": "^[0-9a-f]{64}$"})
    assert check.run(ctx(version="1", hashes=["ab" * 32])).outcome == "pass"
    assert check.run(ctx(version="1", hashes=["ABCDEF0123"])).outcome == "fail"
