"""`normbot db upgrade` and `normbot audit verify`."""

from __future__ import annotations

import typer

from bot.cli._async import run
from bot.cli.app import EXIT_FINDINGS, app
from bot.cli.stores import DbOption, open_store, store_url

db_app = typer.Typer(help="The shared store.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")


@db_app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Create or migrate the store to the newest schema."""
    url = store_url(db)

    async def go() -> str:
        async with open_store(url, write=True) as store:
            return store.url

    typer.echo(f"store is at the newest schema: {run(go())}")


@audit_app.command("verify")
def verify(db: DbOption = None) -> None:
    """Check every community's hash chain; exit 1 and name the event when a row was edited or deleted."""
    url = store_url(db)

    async def go() -> list[str]:
        async with open_store(url) as store, store.transaction() as tx:
            return [f"community {p.community_id}, event {p.seq}: {p.message}" for p in await tx.audit_log.verify()]

    problems = run(go())
    if problems:
        for line in problems:
            typer.echo(line)
        raise typer.Exit(EXIT_FINDINGS)
    typer.echo("audit chain intact")
