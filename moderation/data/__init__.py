"""Data files shipped with the package (tables, the detector's head, adapter and gate, extraction models)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

__all__ = ["load_packaged"]

T = TypeVar("T")
_log = logging.getLogger(__name__)


def load_packaged(name: str, load: Callable[[Path], T]) -> T | None:
    """`load` applied to the shipped file `name`, or None when the package has no such file or `load` cannot
    read it (the caller then falls back to rules: a missing or damaged learned part must never stop the bot).
    A damaged file is logged as a warning; callers cache the result, so it is said once."""
    ref = resources.files(__name__).joinpath(name)
    if not ref.is_file():
        return None
    try:
        with resources.as_file(ref) as path:
            return load(Path(path))
    except Exception as exc:
        _log.warning("shipped file %s is unreadable (%s: %s); running without it", name, type(exc).__name__, exc)
        return None
