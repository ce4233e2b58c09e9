"""Builders for norm tests: a release context from keyword fields, a one-norm pack from YAML keys."""

from __future__ import annotations

from typing import Any

import yaml

from norms import Norm, NormPack, ParentFacts, ReleaseContext, ReleaseFields, load_pack_text
from norms.examples import apply_fields


def ctx(
    text: str = "", *, parent_facts: tuple[ParentFacts, ...] = (), channel_nsfw: bool | None = None, **fields: Any
) -> ReleaseContext:
    """A ReleaseContext whose fields are given the way example files give them (strings and lists).

    `parents=[...]` is the *field* (credited parent names); `parent_facts` is what provenance knows.
    """
    return ReleaseContext(apply_fields(ReleaseFields(), fields), text, parent_facts, channel_nsfw)


def pack_with(*norms: dict[str, Any], **top: Any) -> NormPack:
    """A pack with these norm mappings (need/severity default to credit/warn)."""
    data: dict[str, Any] = {"schema_version": 1, "id": "t", "version": "1.0.0", **top}
    data["norms"] = [{"need": "credit", "severity": "warn", **n} for n in norms]
    return load_pack_text(yaml.safe_dump(data, sort_keys=False))


def one_norm(**config: Any) -> Norm:
    """A single compiled norm with id `n`."""
    norm = pack_with({"id": "n", **config}).norm("n")
    assert norm is not None
    return norm
