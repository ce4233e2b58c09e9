"""`match`: fail unless each target has a value its pattern matches.

PASS (`match: {version: '^v?[0-9]+(\\.[0-9]+)*$'}`)::

    version: v1.2

FAIL::

    version: final-final   -> evidence "version: final-final is not in the expected form"
    (no version stated)    -> evidence "version: not stated"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.checks._targets import values_for
from norms.checks.forbid import compile_targets
from norms.model import CheckOutcome, ReleaseContext
from norms.patterns import Pattern

__all__ = ["ID", "Match", "build"]

ID = "match"


@dataclass(frozen=True, slots=True)
class Match:
    """Compiled `match`: every target must have a matching value."""

    patterns: tuple[tuple[str, Pattern], ...]
    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome:
        misses, hits = [], []
        for target, pattern in self.patterns:
            values = values_for(target, ctx)
            if not values:
                misses.append(f"{target}: not stated")
                continue
            found = next((m for m in (pattern.search(v) for v in values) if m is not None), None)
            if found is None:
                stated = ", ".join(values)[:120] if target != "text" else "the announcement"
                misses.append(f"{target}: {stated} is not in the expected form")
            else:
                hits.append(f"{target}: {found[:120]!r}")
        if misses:
            return CheckOutcome("fail", tuple(misses))
        return CheckOutcome("pass", tuple(hits))


def build(value: Any) -> Match:
    """`value` is a schema-validated mapping of target -> pattern source."""
    return Match(compile_targets(value))
