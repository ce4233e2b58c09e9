"""The norms error tree.

    NormError                 root: anything norms/ raises on purpose
    ├── NormFileError         a norm file (or text) has problems; `.problems` lists every one
    └── UnknownPackError      a built-in pack name that does not exist

Everything else escaping norms/ is a bug. `str()` of each error is safe to show a user.
"""

from __future__ import annotations

from collections.abc import Sequence

from norms.problems import Problem

__all__ = ["NormError", "NormFileError", "UnknownPackError"]


class NormError(Exception):
    """Root of the errors norms/ raises deliberately."""


class NormFileError(NormError):
    """A norm file did not load; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self.problems)
        head = f"norm file has {n} problem{'s' if n != 1 else ''}"
        return head + ("\n" + "\n".join(p.text() for p in self.problems) if n else "")


class UnknownPackError(NormError):
    """Asked for a built-in pack that is not shipped."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        super().__init__(f"no built-in norm pack named {name!r} (built-in: {', '.join(known)})")
