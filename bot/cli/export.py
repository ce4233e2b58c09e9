"""`normbot export` and `normbot norms simulate`."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bot.cli._async import fail, run
from bot.cli.app import app
from bot.cli.failures import norm_file_failure
from bot.cli.norms import norms_app
from bot.cli.stores import DbOption, open_store, require_community, store_url

CSV_COLUMNS = ("id", "community", "model_name", "version", "creator", "status", "endorsements", "flags", "norm_results")


@app.command("export")
def export(
    community: Annotated[str | None, typer.Option("--community", help="Only this community (its slug)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    db: DbOption = None,
) -> None:
    """Write every release (with checks, endorsements, flags, reviews, announcements) for audits and tools."""
    if fmt not in ("jsonl", "csv"):
        raise fail(f"--format must be jsonl or csv, not {fmt!r}")
    from moderation.privacy.export import export_rows

    url = store_url(db)

    async def go() -> list[dict[str, Any]]:
        async with open_store(url) as store:
            await require_community(store, community)
            return [row async for row in export_rows(store, community)]

    rows = run(go())
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
    db: DbOption = None,
) -> None:
    """Dry run: which stored releases would get a different result under the draft pack. Writes nothing (a
    store that does not exist is reported, not created)."""
    from moderation.norms_admin.simulate import simulate as simulate_pack
    from norms import NormError, resolve_pack

    try:
        draft = resolve_pack(path)
    except NormError as exc:
        raise norm_file_failure(exc) from None
    url = store_url(db)

    async def go() -> tuple[int, list[Any]]:
        async with open_store(url) as store:
            await require_community(store, community)
            return await simulate_pack(store, draft, community)

    seen, changes = run(go())
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
