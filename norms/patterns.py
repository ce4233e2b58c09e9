"""Patterns in norm files run on RE2 (google-re2), a linear-time engine.

Why RE2: norm files are written by community members and uploaded in chat, and the text they match is
written by anyone. A backtracking engine turns `(a+)+$` on a long line into a denial of service; RE2 cannot.
The price is no backreferences or lookaround; a pattern that uses them is a lint error, not a runtime one.
"""

from __future__ import annotations

from typing import Any

import re2

__all__ = ["MAX_PATTERN", "Pattern", "PatternError", "compile_pattern"]

MAX_PATTERN = 1000
"""Longest pattern accepted; long alternations belong in several norms."""
_MAX_MEM = 8 << 20


class PatternError(ValueError):
    """RE2 rejected a pattern; the message says why, in RE2's words."""


class Pattern:
    """A compiled RE2 pattern that remembers its source (for the digest, `show` and evidence)."""

    __slots__ = ("_rx", "source")

    def __init__(self, source: str, rx: Any) -> None:
        self.source = source
        self._rx = rx

    def search(self, text: str) -> str | None:
        """The first matching substring, or None. Linear in len(text)."""
        m = self._rx.search(text)
        return None if m is None else str(m.group(0))

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


def compile_pattern(source: str) -> Pattern:
    """Compile `source` with RE2 or raise PatternError with a reason a moderator can act on."""
    if len(source) > MAX_PATTERN:
        raise PatternError(f"pattern is {len(source)} characters; the limit is {MAX_PATTERN}")
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
    return Pattern(source, rx)
