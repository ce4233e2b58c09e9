"""`require_any`: at least one of the listed fields must be stated.

PASS (`require_any: [links, hashes]`)::

    links: [https://huggingface.co/me/model]

FAIL::

    no links and no hashes   -> evidence "none of: links, hashes"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.model import CheckOutcome, ReleaseContext

__all__ = ["ID", "RequireAny", "build"]

ID = "require_any"


@dataclass(frozen=True, slots=True)
class RequireAny:
    """Compiled `require_any`."""

    names: tuple[str, ...]
    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome:
        present = [n for n in self.names if ctx.fields.is_present(n)]
        if present:
            return CheckOutcome("pass", (f"stated: {', '.join(present)}",))
        return CheckOutcome("fail", (f"none of: {', '.join(self.names)}",))


def build(value: Any) -> RequireAny:
    """`value` is a schema-validated list of field names."""
    return RequireAny(tuple(value))
