"""`parent_permissions: true`: every parent allows derivatives, and is credited when it asks for credit.

Parents come from provenance (`ReleaseContext.parents`, Civitai's allowDerivatives / allowNoCredit).
Undecided (None) when no parent is known; needs review when a parent's permissions are unknown.

PASS::

    parent A (allow_derivatives: true, require_credit: true, credited: true)

FAIL::

    parent A (allow_derivatives: false)                   -> "parent A does not allow derivatives"
    parent B (require_credit: true, credited: false)      -> "parent B asks for credit and is not credited"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.model import CheckOutcome, ReleaseContext

__all__ = ["ID", "ParentPermissions", "build"]

ID = "parent_permissions"


@dataclass(frozen=True, slots=True)
class ParentPermissions:
    """Compiled `parent_permissions` (no options)."""

    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome | None:
        if not ctx.parents:
            return None
        fails, unknown = [], []
        for p in ctx.parents:
            if p.allow_derivatives is False:
                fails.append(f"parent {p.name} does not allow derivatives")
            elif p.allow_derivatives is None:
                unknown.append(f"parent {p.name}: derivative permission unknown")
            if p.require_credit and not p.credited:
                fails.append(f"parent {p.name} asks for credit and is not credited")
        if fails:
            return CheckOutcome("fail", tuple(fails))
        if unknown:
            return CheckOutcome("needs_review", tuple(unknown))
        return CheckOutcome("pass", tuple(f"parent {p.name} permits this" for p in ctx.parents))


def build(value: Any) -> ParentPermissions | None:
    """`parent_permissions: false` configures nothing."""
    return ParentPermissions() if value is True else None
