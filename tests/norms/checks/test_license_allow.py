"""`license_allow` check kind."""

from __future__ import annotations

from norms.checks import license_allow
from tests.norms.factories import ctx


def test_any_spelling_of_an_allowed_license_passes() -> None:
    """Spellings normalize before comparing."""
    check = license_allow.build(["creativeml-openrail-m", "openrail++"])
    assert check.run(ctx(license="CreativeML Open RAIL-M")).outcome == "pass"  # type: ignore[union-attr]


def test_other_license_fails() -> None:
    """A license outside the list fails and names the allowed ones."""
    r = license_allow.build(["openrail++"]).run(ctx(license="cc-by-nc-4.0"))
    assert r is not None and r.outcome == "fail" and "openrail++" in r.evidence[0]


def test_no_license_is_undecided() -> None:
    """Without a license the check does not decide (require: [license] does)."""
    assert license_allow.build(["mit"]).run(ctx()) is None
