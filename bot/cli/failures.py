"""The command line's kinds of failure: one exit code and one message shape each, shared by every command.

Why one table: operators script around exit codes (a deploy step that retries while the database starts,
CI that fails on a broken norm file). Before this, the same failure gave different codes and wordings
depending on the command (issue 20, item 14). Every command raises `fail(message, kind)`; nothing else
prints an error or picks an exit code. README's "Exit codes" table is `EXIT_TABLE`, checked by a test.

Messages go to stderr as `error: <message>`, one line (a norm file's problems are one line each, in the
`file:line:col: severity code: message` form of `normbot norms lint`). Only a bug prints a traceback.
"""

from __future__ import annotations

from enum import IntEnum

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["EXIT_TABLE", "Failure", "err", "fail", "norm_file_failure"]

err = Console(stderr=True)


class Failure(IntEnum):
    """Exit codes. 0-2 keep the meaning they always had (linters' convention); 3 and 4 are new kinds."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    STORE = 3
    ADDRESS = 4
    INTERNAL = 70  # sysexits' EX_SOFTWARE: not 1, which already means "findings"


EXIT_TABLE: tuple[tuple[Failure, str], ...] = (
    (Failure.OK, "done; nothing found"),
    (
        Failure.FINDINGS,
        "the command ran and found something: lint problems, a failing example, a broken audit chain, "
        "an invalid receipt, a malformed input line, a missed target",
    ),
    (
        Failure.USAGE,
        "bad input: a wrong option, a missing file, a bad config, a norm file that does not load (its "
        "problems printed as `norms lint` prints them), an unknown community, the demo refusing to delete",
    ),
    (
        Failure.STORE,
        "the store: no SQLite file there, unreachable, not a database, not migrated (run `normbot db "
        "upgrade`) or migrated by a newer normbot",
    ),
    (Failure.ADDRESS, "cannot listen on the address: the port is in use or not allowed"),
    (Failure.INTERNAL, "a bug: the traceback is printed; please report it"),
)


def fail(message: str, kind: Failure = Failure.USAGE) -> typer.Exit:
    """Print `error: message` to stderr and return the Exit to raise (`raise fail(...) from None`)."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(int(kind))


def norm_file_failure(exc: Exception) -> typer.Exit:
    """A norm file (or built-in pack name) that did not load: every problem as `norms lint` prints it, exit 2.

    `exc` is a `norms.NormError`: a `NormFileError` carries its problems, an `UnknownPackError` a message."""
    from norms import NormFileError, render_problems

    if isinstance(exc, NormFileError) and exc.problems:
        typer.echo(render_problems(exc.problems, "text"), err=True)
        n, files = len(exc.problems), len({p.file for p in exc.problems})
        return fail(f"the norm pack does not load: {n} problem{'s' if n != 1 else ''} in {files} file(s)")
    return fail(str(exc))
