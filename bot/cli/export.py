"""`normbot export` and `normbot norms simulate`."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bot.cli._async import fail, run_on_store
from bot.cli.app import EXIT_FINDINGS, app
from bot.cli.norms import norms_app
from storage import Store

Db = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: NORMBOT_DATABASE_URL or ./data/normbot.db)")
]
CSV_COLUMNS = ("id", "community", "model_name", "version", "creator", "status", "endorsements", "flags", "norm_results")


@app.command("export")
def export(
    community: Annotated[str | None, typer.Option("--community", help="Only this community (its slug)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    db: Db = None,
) -> None:
    """Write every release (with checks, endorsements, flags, reviews, announcements) for audits and tools."""
    if fmt not in ("jsonl", "csv"):
        raise fail(f"--format must be jsonl or csv, not {fmt!r}")
    from moderation.reports import export_rows

    async def go() -> list[dict[str, Any]]:
        store = Store.from_url(db)
        try:
            return [row async for row in export_rows(store, community)]
        finally:
            await store.close()

    try:
        rows = run_on_store(go())
    except KeyError:
        raise fail(f"no community named {community!r} in the store") from None
    if fmt == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "endorsements": ";".join(row["endorsements"]),
                "flags": ";".join(f"{f['id']}:{f['norm']}:{f['status']}" for f in row["flags"]),
                "norm_results": ";".join(f"{k}={v}" for k, v in sorted(row["norm_results"].items())),
            }
        )


@norms_app.command("simulate")
def simulate(
    path: Annotated[str, typer.Argument(help="The draft norm file (or a built-in pack name)")],
    community: Annotated[str | None, typer.Option("--community", help="Only this community (its slug)")] = None,
    db: Db = None,
) -> None:
    """Dry run: which stored releases would get a different result under the draft pack. Writes nothing."""
    from moderation.reports import simulate as simulate_pack
    from norms import NormFileError, render_problems, resolve_pack

    try:
        draft = resolve_pack(path)
    except NormFileError as exc:
        typer.echo(render_problems(exc.problems, "text"), err=True)
        raise typer.Exit(EXIT_FINDINGS) from None
    except Exception as exc:
        raise fail(f"{path}: {exc}") from None

    async def go() -> tuple[int, list[Any]]:
        store = Store.from_url(db)
        try:
            return await simulate_pack(store, draft, community)
        finally:
            await store.close()

    seen, changes = run_on_store(go())
    console = Console(width=160)
    if not changes:
        console.print(f"{seen} releases re-evaluated against {draft.id} {draft.version}: no result would change.")
        return
    table = Table(title=f"{len(changes)} results would change ({seen} releases, draft {draft.id} {draft.version})")
    for col in ("release", "model", "norm", "now", "with draft"):
        table.add_column(col, overflow="fold")
    for ch in changes:
        table.add_row(ch.release, ch.model, ch.norm_id, ch.before or "—", ch.after or "—")
    console.print(table)
