"""Running async commands from Typer, with one clean message for errors people can fix."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.app import EXIT_USAGE

__all__ = ["err", "fail", "run", "run_on_store"]

T = TypeVar("T")
err = Console(stderr=True)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion."""
    return asyncio.run(coro)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print `message` to stderr and return the Exit to raise."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def run_on_store(coro: Coroutine[Any, Any, T]) -> T:
    """`run`, with an unreachable database turned into one clear error instead of a traceback."""
    from storage import StoreUnavailable

    try:
        return run(coro)
    except StoreUnavailable as exc:
        raise fail(f"cannot reach the database: {exc}") from None
