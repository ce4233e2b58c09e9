"""`require` check kind."""

from __future__ import annotations

from norms.checks import require
from tests.norms.factories import ctx


def test_pass_when_all_stated() -> None:
    """All listed fields present -> pass."""
    r = require.build(["base_model", "license"]).run(ctx(base_model="SDXL 1.0", license="openrail++"))
    assert r.outcome == "pass"


def test_fail_names_the_missing_fields() -> None:
    """Missing fields are listed as evidence, in the order given."""
    r = require.build(["base_model", "license", "version"]).run(ctx(base_model="SDXL 1.0"))
    assert (r.outcome, r.evidence) == ("fail", ("missing: license, version",))


def test_empty_list_field_counts_as_missing() -> None:
    """An empty tuple (no trigger words) is 'not stated'."""
    assert require.build(["trigger_words"]).run(ctx(trigger_words=[])).outcome == "fail"
