"""Data files shipped with the package (tables, the detector's head, adapter and gate, extraction models)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

__all__ = ["load_packaged"]

T = TypeVar("T")


def load_packaged(name: str, load: Callable[[Path], T]) -> T | None:
    """`load` applied to the shipped file `name`, or None when the package has no such file (the caller then
    falls back to rules: a missing learned part must never stop the bot)."""
    ref = resources.files(__name__).joinpath(name)
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return load(Path(path))
