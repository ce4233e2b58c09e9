"""Shared pieces of check kinds: the config error they raise and small helpers."""

from __future__ import annotations

from norms._yaml import Path

__all__ = ["CheckConfigError"]


class CheckConfigError(ValueError):
    """A check's configuration is invalid; `subpath` points below the check's key (e.g. the bad pattern)."""

    def __init__(self, message: str, subpath: Path = (), code: str = "bad-value") -> None:
        super().__init__(message)
        self.message = message
        self.subpath = subpath
        self.code = code
