"""`require`: every listed field must be stated in the release.

PASS (`require: [base_model, license]`)::

    base_model: SDXL 1.0, license: openrail++

FAIL::

    base_model: SDXL 1.0 (no license)   -> evidence "missing: license"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.model import CheckOutcome, ReleaseContext

__all__ = ["ID", "Require", "build"]

ID = "require"


@dataclass(frozen=True, slots=True)
class Require:
    """Compiled `require`."""

    names: tuple[str, ...]
    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome:
        missing = [n for n in self.names if not ctx.fields.is_present(n)]
        if missing:
            return CheckOutcome("fail", (f"missing: {', '.join(missing)}",))
        return CheckOutcome("pass", (f"stated: {', '.join(self.names)}",))


def build(value: Any) -> Require:
    """`value` is a schema-validated list of field names."""
    return Require(tuple(value))
