"""The `normbot` command line.

Each concern registers its commands on the shared Typer app in its own module (`bot/cli/<area>.py`);
this package only imports them. Exit codes and error messages: `bot.cli.failures` (0 ok, 1 findings, 2 bad
input, 3 store, 4 address in use, 70 a bug).
"""

from __future__ import annotations

import importlib
import sys
import traceback

from bot.cli.app import app
from bot.cli.failures import Failure

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
    "bot.cli.config",
)


def _load_areas() -> None:
    for name in _AREAS:
        importlib.import_module(name)


def main() -> None:
    """Console-script entry point. Every failure a person can fix exits through `bot.cli.failures.fail`; what
    escapes here is a bug: its traceback is printed (it is what a report needs) and the exit code is 70, so a
    script can tell a bug from findings (1)."""
    _load_areas()
    try:
        app()
    except Exception:
        traceback.print_exc()
        print(
            f"error: internal error (a bug in normbot); please report it with the traceback above "
            f"(exit {int(Failure.INTERNAL)})",
            file=sys.stderr,
        )
        sys.exit(int(Failure.INTERNAL))
