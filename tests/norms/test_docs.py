"""The reference in docs/norm-files.md keeps up with the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from norms._schema import schema
from norms.checks import KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "norm-files.md"


@pytest.mark.parametrize("kind", [*sorted(KINDS), "question", "answers"])
def test_every_check_kind_is_documented(kind: str) -> None:
    """Each check kind has a bold entry in the reference."""
    assert f"**{kind}" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(schema()["properties"]))
def test_every_top_level_key_is_documented(key: str) -> None:
    """Each top-level schema key appears in the reference's table."""
    assert f"`{key}`" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(schema()["properties"]["review"]["properties"]))
def test_every_review_key_is_documented(key: str) -> None:
    """Each review setting appears in the reference."""
    assert f"`{key}`" in DOC.read_text(encoding="utf-8")
