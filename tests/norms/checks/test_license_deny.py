"""`license_deny` check kind."""

from __future__ import annotations

from norms.checks import license_deny
from tests.norms.factories import ctx


def test_denied_license_fails_in_any_spelling() -> None:
    """'CC BY-NC 4.0' is cc-by-nc-4.0."""
    r = license_deny.build(["cc-by-nc-4.0"]).run(ctx(license="CC BY-NC 4.0"))
    assert r is not None and r.outcome == "fail"


def test_other_license_passes_and_none_is_undecided() -> None:
    """Other licenses pass; no license is undecided."""
    check = license_deny.build(["cc-by-nc-4.0"])
    assert check.run(ctx(license="apache-2.0")).outcome == "pass"  # type: ignore[union-attr]
    assert check.run(ctx()) is None
