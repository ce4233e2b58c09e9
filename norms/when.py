"""`when:`: whether a norm applies to a release at all, kept apart from what it checks.

Every key must hold (AND). `{model_type: [lora, merge]}` compares case-insensitively (any element for list
fields such as trigger_words); `{nsfw: true}` needs the release's NSFW flag to be exactly true (unknown is
not true); `{channel_nsfw: false}` looks at the channel; `{present: [..]}` / `{absent: [..]}` test whether
fields are stated. `{license: [..]}` compares license ids in any known spelling, and
`{base_license: [flux-1-dev-non-commercial-license]}` holds when the base model ships under one of these
licenses (from `norms/data/licenses.yaml`), so one line covers every spelling of every such base model.
A norm that does not apply gets `not_applicable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from norms.checks._targets import values_for
from norms.licenses import base_model_license, normalize_license
from norms.model import ReleaseContext

__all__ = ["WhenClause", "build_when"]


@dataclass(frozen=True, slots=True)
class WhenClause:
    """Compiled `when`."""

    equals: tuple[tuple[str, frozenset[str]], ...] = ()
    nsfw: bool | None = None
    channel_nsfw: bool | None = None
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    base_license: frozenset[str] = frozenset()

    def applies(self, ctx: ReleaseContext) -> bool:
        """True when every condition holds."""
        f = ctx.fields
        if self.nsfw is not None and f.nsfw is not self.nsfw:
            return False
        if self.channel_nsfw is not None and ctx.channel_nsfw is not self.channel_nsfw:
            return False
        if any(not f.is_present(n) for n in self.present):
            return False
        if any(f.is_present(n) for n in self.absent):
            return False
        if self.base_license:
            lic = base_model_license(f.base_model) if f.base_model else None
            if lic is None or lic not in self.base_license:
                return False
        for name, wanted in self.equals:
            if name == "hashes":
                have = {h.value.lower() for h in f.hashes}
            elif name == "license":
                have = {normalize_license(f.license)} if f.license else set()
            else:
                have = {v.strip().lower() for v in values_for(name, ctx)}
            if not have & wanted:
                return False
        return True


def build_when(value: Mapping[str, Any]) -> WhenClause:
    """`value` is the schema-validated `when` mapping."""
    special = ("nsfw", "channel_nsfw", "present", "absent", "base_license")
    equals = tuple(
        (k, frozenset(normalize_license(str(v)) if k == "license" else str(v).strip().lower() for v in vs))
        for k, vs in value.items()
        if k not in special
    )
    return WhenClause(
        equals=equals,
        nsfw=value.get("nsfw"),
        channel_nsfw=value.get("channel_nsfw"),
        present=tuple(value.get("present", ())),
        absent=tuple(value.get("absent", ())),
        base_license=frozenset(normalize_license(v) for v in value.get("base_license", ())),
    )
