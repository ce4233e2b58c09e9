"""The work a pack may ask for, measured at lint time: norm count and total RE2 program size.

Why at lint time: a pack is adopted in chat by one moderator and then runs on every announcement of the
community. RE2 is linear, but the constant is the compiled program: the work of one announcement is at most
(sum of the pack's program sizes) x MAX_SUBJECT characters per pattern. Capping the sum when the pack is
adopted bounds that product before any announcement pays it (measured in `bench/norms_cost.py`; figures in
docs/performance.md). The bound counts the *resolved* pack, inherited norms included, since that is what runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from norms.model import Check
from norms.patterns import MAX_PROGRAM, MAX_SUBJECT, Pattern

__all__ = ["MAX_NORMS", "MAX_PACK_PROGRAM", "MAX_PROGRAM", "MAX_SUBJECT", "check_cost", "worst_case_units"]

MAX_NORMS = 200
"""Norms in a resolved pack (the baseline has 20). The schema caps one file's `norms:` list at the same."""
MAX_PACK_PROGRAM = 4_000
"""Sum of RE2 program sizes over every pattern of the resolved pack (the baseline totals 434)."""


def check_cost(check: Check) -> int:
    """RE2 program size of a compiled check's patterns; 0 for checks without patterns (their work is a few
    field look-ups, bounded by MAX_NORMS)."""
    patterns: Iterable[tuple[str, Pattern]] = getattr(check, "patterns", ())
    return sum(p.program_size for _, p in patterns)


def worst_case_units(program_total: int) -> int:
    """Program instructions x characters: the quantity RE2's worst case is proportional to."""
    return program_total * MAX_SUBJECT
