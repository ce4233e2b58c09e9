"""The `normbot` command line.

Each concern registers its commands on the shared Typer app in its own module (`bot/cli/<area>.py`);
this package only imports them. Exit codes follow linters: 0 ok, 1 findings, 2 usage error.
"""

from __future__ import annotations

import importlib

from bot.cli.app import app

__all__ = ["app", "main"]

# One line per area; each module registers its commands on `app` at import.
_AREAS = (
    "bot.cli.norms",
    "bot.cli.db",
    "bot.cli.console",
    "bot.cli.run",
    "bot.cli.init",
    "bot.cli.export",
    "bot.cli.detect",
    "bot.cli.provenance",
    "bot.cli.web",
    "bot.cli.handles",
)


def _load_areas() -> None:
    for name in _AREAS:
        importlib.import_module(name)


def main() -> None:
    """Console-script entry point."""
    _load_areas()
    app()
