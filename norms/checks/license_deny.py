"""`license_deny`: the stated license must not be one of the listed ones (any known spelling).

Undecided (returns None) when no license is stated.

PASS (`license_deny: [cc-by-nc-4.0]`)::

    license: apache-2.0

FAIL::

    license: CC BY-NC 4.0   -> evidence "license cc-by-nc-4.0 is denied"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.licenses import normalize_license
from norms.model import CheckOutcome, ReleaseContext

__all__ = ["ID", "LicenseDeny", "build"]

ID = "license_deny"


@dataclass(frozen=True, slots=True)
class LicenseDeny:
    """Compiled `license_deny` (normalized license ids)."""

    denied: frozenset[str]
    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome | None:
        if not ctx.fields.license:
            return None
        lic = normalize_license(ctx.fields.license)
        if lic in self.denied:
            return CheckOutcome("fail", (f"license {lic} is denied",))
        return CheckOutcome("pass", (f"license {lic}",))


def build(value: Any) -> LicenseDeny:
    """`value` is a schema-validated list of license names."""
    return LicenseDeny(frozenset(normalize_license(v) for v in value))
