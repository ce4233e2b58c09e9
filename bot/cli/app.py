"""The Typer application object that every CLI area registers on."""

from __future__ import annotations

import typer

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "app"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="normbot",
    help="normbot: community norms for AI model releases, as code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
