"""Patterns in norm files run on RE2 (google-re2), a linear-time engine, under a work bound.

Why RE2: norm files are written by community members and uploaded in chat, and the text they match is
written by anyone. A backtracking engine turns `(a+)+$` on a long line into a denial of service; RE2 cannot.
The price is no backreferences or lookaround; a pattern that uses them is a lint error, not a runtime one.

Why a bound on top: linear is not cheap. RE2's worst case is proportional to (compiled program size) x (characters
scanned), so a pack of many large programs (`(?s)a.{990}c`, say) can keep one announcement busy for seconds to minutes
(docs/performance.md, "The work of one norm pack"). So a pattern's program size is capped (`MAX_PROGRAM`), a pack's
total is capped (`norms.cost.MAX_PACK_PROGRAM`, checked at lint time), and a pattern sees at most `MAX_SUBJECT`
characters of its target. Their product bounds the work one announcement can cost (docs/norm-files.md "Limits").
"""

from __future__ import annotations

from typing import Any

import re2

__all__ = ["MAX_PATTERN", "MAX_PROGRAM", "MAX_SUBJECT", "Pattern", "PatternError", "clip", "compile_pattern"]

MAX_PATTERN = 1000
"""Longest pattern accepted; long alternations belong in several norms."""
MAX_PROGRAM = 1000
"""Largest RE2 program (instructions) one pattern may compile to. A 1,000-character word alternation is
about 40; `[0-9a-f]{64}` is 130; `.{990}` is 6,936: counted repetition of a wide class is what grows it."""
MAX_SUBJECT = 4096
"""Characters of one target a pattern sees (the text's first 4,096; a list target's values up to 4,096 in
total). Telegram caps a message at 4,096 characters and Discord at 4,000, so real announcements fit."""
_MAX_MEM = 8 << 20
_CUT = "\u2026"


def clip(value: str, room: int = MAX_SUBJECT) -> str:
    """`value` cut to `room` characters, the last being `…` when it was cut.

    Why the ellipsis: a pattern anchored with `$` must not match at the cut as if the text ended there.
    """
    if len(value) <= room:
        return value
    return value[: max(room - 1, 0)] + _CUT


class PatternError(ValueError):
    """RE2 rejected a pattern, or it is over a limit; the message says why and `code` names the kind."""

    def __init__(self, message: str, code: str = "bad-pattern") -> None:
        super().__init__(message)
        self.code = code


class Pattern:
    """A compiled RE2 pattern that remembers its source (for the digest, `show` and evidence)."""

    __slots__ = ("_rx", "program_size", "source")

    def __init__(self, source: str, rx: Any) -> None:
        self.source = source
        self._rx = rx
        self.program_size: int = int(rx.programsize)
        """RE2's compiled size: what the pack's cost budget counts (work per character scanned)."""

    def search(self, text: str) -> str | None:
        """The first matching substring in the first MAX_SUBJECT characters, or None. Linear in that."""
        m = self._rx.search(clip(text))
        return None if m is None else str(m.group(0))

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


def compile_pattern(source: str) -> Pattern:
    """Compile `source` with RE2 or raise PatternError with a reason a moderator can act on."""
    if len(source) > MAX_PATTERN:
        raise PatternError(f"pattern is {len(source)} characters; the limit is {MAX_PATTERN}", "pattern-too-long")
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_MEM
    try:
        rx = re2.compile(source, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"RE2 rejects this pattern: {reason} (no backreferences or lookaround)") from None
    except (TypeError, ValueError) as exc:
        raise PatternError(f"invalid pattern: {exc}") from None
    pattern = Pattern(source, rx)
    if pattern.program_size > MAX_PROGRAM:
        raise PatternError(
            f"pattern compiles to {pattern.program_size} RE2 instructions; the limit is {MAX_PROGRAM}",
            "pattern-too-costly",
        )
    return pattern
