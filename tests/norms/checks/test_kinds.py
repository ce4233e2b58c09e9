"""Every check kind documents itself and is known to the schema."""

from __future__ import annotations

import pytest

from norms._schema import schema
from norms.checks import KINDS, question


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_module_has_id_and_pass_fail_docs(kind: str) -> None:
    """Each module's ID is its key; its docstring shows PASS and FAIL examples."""
    module = KINDS[kind]
    assert kind == module.ID
    assert "PASS" in (module.__doc__ or "") and "FAIL" in (module.__doc__ or "")


@pytest.mark.parametrize("kind", [*sorted(KINDS), question.ID])
def test_schema_knows_every_kind(kind: str) -> None:
    """The JSON Schema accepts each check key on a norm, so editors and the loader agree."""
    norm_schema = schema()["properties"]["norms"]["items"]["properties"]
    assert kind in norm_schema
