"""Running async commands from Typer; errors go through `bot.cli.failures` (re-exported here for the areas)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.cli.failures import err, fail

__all__ = ["err", "fail", "run"]

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion."""
    return asyncio.run(coro)
