"""`require_any` check kind."""

from __future__ import annotations

from norms.checks import require_any
from tests.norms.factories import ctx


def test_pass_with_one_of_them() -> None:
    """One present field is enough, and it is named."""
    r = require_any.build(["links", "hashes"]).run(ctx(links=["https://huggingface.co/a/b"]))
    assert (r.outcome, r.evidence) == ("pass", ("stated: links",))


def test_fail_with_none() -> None:
    """None present -> fail listing all."""
    r = require_any.build(["links", "hashes"]).run(ctx())
    assert (r.outcome, r.evidence) == ("fail", ("none of: links, hashes",))
