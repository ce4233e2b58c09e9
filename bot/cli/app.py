"""The Typer application object that every CLI area registers on, with `--version` and `-h`."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.failures import Failure

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "app", "version"]

# The names the areas import; the whole table (with the store and address codes) is `bot.cli.failures`.
EXIT_OK = int(Failure.OK)
EXIT_FINDINGS = int(Failure.FINDINGS)
EXIT_USAGE = int(Failure.USAGE)

app = typer.Typer(
    name="normbot",
    help="normbot: community norms for AI model releases, as code. Exit codes: 0 ok, 1 findings, 2 bad input, "
    "3 store, 4 address in use, 70 bug (README, 'Exit codes').",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def version() -> str:
    """The installed distribution's version (the source tree's pyproject when run uninstalled)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("normbot")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"normbot {version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """normbot: community norms for AI model releases, as code."""
