"""`forbid`: fail when a pattern matches any value of its target.

Targets: text, links, files, trigger_words, model_name, license, base_model, version, model_type, parents.
Patterns are RE2 (linear time; no backreferences or lookaround).

PASS (`forbid: {files: '(?i)\\.(ckpt|pt|bin)$'}`)::

    files: [model.safetensors]

FAIL::

    files: [model.ckpt]   -> evidence "files: model.ckpt"

Evidence names the value (for `text`, the matched words), never the pattern: evidence is what creators are
shown, and a regex tells them nothing; the pattern is in the norm's details (`norms show`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from norms.checks._base import CheckConfigError
from norms.checks._targets import values_for
from norms.model import CheckOutcome, ReleaseContext
from norms.patterns import Pattern, PatternError, compile_pattern

__all__ = ["ID", "Forbid", "build", "compile_targets"]

ID = "forbid"


@dataclass(frozen=True, slots=True)
class Forbid:
    """Compiled `forbid`: target -> pattern."""

    patterns: tuple[tuple[str, Pattern], ...]
    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome:
        hits = []
        for target, pattern in self.patterns:
            for value in values_for(target, ctx):
                found = pattern.search(value)
                if found is not None:
                    shown = f"“{found[:120]}”" if target == "text" else value[:120]
                    hits.append(f"{target}: {shown}")
        if hits:
            return CheckOutcome("fail", tuple(hits))
        return CheckOutcome("pass")


def compile_targets(value: Mapping[str, Any]) -> tuple[tuple[str, Pattern], ...]:
    """Compile each target's pattern, raising CheckConfigError at the first bad one's key."""
    out = []
    for target, source in value.items():
        try:
            out.append((target, compile_pattern(source)))
        except PatternError as exc:
            raise CheckConfigError(str(exc), (target,), exc.code) from None
    return tuple(out)


def build(value: Any) -> Forbid:
    """`value` is a schema-validated mapping of target -> pattern source."""
    return Forbid(compile_targets(value))
