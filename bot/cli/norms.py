"""`normbot norms lint|test|show`: the moderator's tools for a community's norm file.

Exit codes (bot/cli/failures.py): 0 clean, 1 problems (`lint`) or failing examples (`test`), 2 usage errors
such as a missing file, and for every command but `lint` a norm file that does not load (its problems
printed as `lint` prints them). Nothing here prints a traceback for bad input: norms/ reports problems as data.
`PATH` may be a built-in pack name (`baseline`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, app
from bot.cli.failures import norm_file_failure
from norms import (
    FORMATS,
    NormError,
    NormFileError,
    NormPack,
    builtin_pack_names,
    lint_path,
    load_builtin,
    load_pack,
    render_problems,
    run_examples,
)
from norms.durations import format_duration
from norms.problems import Problem

__all__ = ["norms_app"]

norms_app = typer.Typer(name="norms", help="Lint, test and show norm files.", no_args_is_help=True)
app.add_typer(norms_app, name="norms")


def _is_builtin(ref: str) -> bool:
    return ref in builtin_pack_names() and not Path(ref).exists()


def _lint_one(ref: str) -> list[Problem]:
    if _is_builtin(ref):
        try:
            load_builtin(ref)
        except NormFileError as exc:
            return list(exc.problems)
        return []
    return lint_path(ref)


def _expand(paths: list[str]) -> list[str]:
    """A directory stands for the *.yaml / *.yml files directly in it (a community's norms folder in CI)."""
    out: list[str] = []
    for ref in paths:
        folder = Path(ref)
        if not _is_builtin(ref) and folder.is_dir():
            out += sorted(str(f) for f in folder.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
        else:
            out.append(ref)
    return out


@norms_app.command("lint")
def lint(
    paths: Annotated[list[str], typer.Argument(help="Norm files or folders to check (or a built-in pack name).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json | github | chat")] = "text",
) -> None:
    """Check norm files and print every problem as file:line:col."""
    err = Console(stderr=True)
    if fmt not in FORMATS:
        err.print(f"error: unknown format {fmt!r}; use one of {', '.join(FORMATS)}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    refs = _expand(paths)
    missing = [p for p in refs if not _is_builtin(p) and not Path(p).is_file()]
    if missing or not refs:
        for p in missing or paths:
            err.print(
                f"error: {p}: no such file (built-in packs: {', '.join(builtin_pack_names())})",
                markup=False,
                soft_wrap=True,
            )
        raise typer.Exit(EXIT_USAGE)
    problems = [p for ref in refs for p in _lint_one(ref)]
    if problems or fmt == "json":
        typer.echo(render_problems(problems, fmt))
    if problems:
        n = len(problems)
        err.print(
            f"{n} problem{'s' if n != 1 else ''} in {len({p.file for p in problems})} file(s)",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK)


def _load_or_exit(ref: str) -> NormPack:
    err = Console(stderr=True)
    if not _is_builtin(ref) and not Path(ref).is_file():
        err.print(
            f"error: {ref}: no such file (built-in packs: {', '.join(builtin_pack_names())})",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_USAGE)
    try:
        return load_builtin(ref) if _is_builtin(ref) else load_pack(ref)
    except NormError as exc:
        raise norm_file_failure(exc) from None


@norms_app.command("test")
def test(path: Annotated[str, typer.Argument(help="Norm file (or a built-in pack name).")]) -> None:
    """Run the pack's examples and report every expectation that does not hold."""
    from moderation.extraction import extract

    pack = _load_or_exit(path)
    outcomes = run_examples(pack, extract)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        evidence = f" [{'; '.join(o.evidence)}]" if o.evidence else ""
        typer.echo(f"{o.label()}: {o.norm_id}: expected {o.expected}, got {o.actual}{evidence}")
    typer.echo(
        f"{len(pack.examples)} examples, {len(outcomes)} expectations, {len(outcomes) - len(failed)} passed, "
        f"{len(failed)} failed"
    )
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


@norms_app.command("show")
def show(path: Annotated[str, typer.Argument(help="Norm file (or a built-in pack name).")]) -> None:
    """Print the resolved pack: every norm with its need, severity, checks and source file."""
    pack = _load_or_exit(path)
    console = Console(width=160)
    table = Table(title=f"{pack.title} ({pack.id} {pack.version}, digest {pack.digest[:12]})")
    for col in ("id", "need", "severity", "checks", "source"):
        table.add_column(col, overflow="fold")
    for n in pack.norms:
        table.add_row(n.id, n.need, n.severity, ", ".join(n.check_kinds), n.source)
    console.print(table)
    r = pack.review
    console.print(
        f"review: window {format_duration(r.window)}, quorum {r.quorum}, reviewers {', '.join(r.reviewers)}, "
        f"flag threshold {r.flag_threshold}, digest {r.digest}",
        markup=False,
    )
    if pack.switched_off:
        console.print(f"switched off: {', '.join(pack.switched_off)}", markup=False)
