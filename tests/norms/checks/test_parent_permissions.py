"""`parent_permissions` check kind."""

from __future__ import annotations

from norms import ParentFacts
from norms.checks import parent_permissions
from tests.norms.factories import ctx

CHECK = parent_permissions.ParentPermissions()


def test_permitting_credited_parents_pass() -> None:
    """Derivatives allowed and credit given -> pass."""
    r = CHECK.run(ctx(parent_facts=(ParentFacts("A", allow_derivatives=True, require_credit=True, credited=True),)))
    assert r is not None and r.outcome == "pass"


def test_uncredited_parent_that_asks_for_credit_fails() -> None:
    """require_credit without credit -> fail."""
    r = CHECK.run(ctx(parent_facts=(ParentFacts("B", allow_derivatives=True, require_credit=True),)))
    assert r is not None and r.evidence == ("parent B asks for credit and is not credited",)


def test_unknown_permission_needs_review_and_no_parents_is_undecided() -> None:
    """Unknown permission -> needs_review; no parents -> None."""
    r = CHECK.run(ctx(parent_facts=(ParentFacts("C"),)))
    assert r is not None and r.outcome == "needs_review"
    assert CHECK.run(ctx()) is None
