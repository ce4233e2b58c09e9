"""`license_allow`: the stated license must be one of the listed ones (any known spelling).

Undecided (returns None) when no license is stated: pair it with `require: [license]`.

PASS (`license_allow: [openrail++, creativeml-openrail-m]`)::

    license: CreativeML Open RAIL-M

FAIL::

    license: cc-by-nc-4.0   -> evidence "license cc-by-nc-4.0 is not allowed here"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.licenses import normalize_license
from norms.model import CheckOutcome, ReleaseContext

__all__ = ["ID", "LicenseAllow", "build"]

ID = "license_allow"


@dataclass(frozen=True, slots=True)
class LicenseAllow:
    """Compiled `license_allow` (normalized license ids)."""

    allowed: frozenset[str]
    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome | None:
        if not ctx.fields.license:
            return None
        lic = normalize_license(ctx.fields.license)
        if lic in self.allowed:
            return CheckOutcome("pass", (f"license {lic}",))
        return CheckOutcome(
            "fail", (f"license {lic} is not allowed here (allowed: {', '.join(sorted(self.allowed))})",)
        )


def build(value: Any) -> LicenseAllow:
    """`value` is a schema-validated list of license names."""
    return LicenseAllow(frozenset(normalize_license(v) for v in value))
