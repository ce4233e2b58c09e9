"""`normbot db upgrade` and `normbot audit verify`."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._async import fail, run
from bot.cli.app import EXIT_FINDINGS, app
from storage import Store, StoreUnavailable, redact_url

db_app = typer.Typer(help="The shared store.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: NORMBOT_DATABASE_URL or ./data/normbot.db)")
]


@db_app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Create or migrate the store to the newest schema."""

    async def go() -> str:
        store = Store.from_url(db)
        try:
            await store.upgrade()
            return store.url
        finally:
            await store.close()

    try:
        url = run(go())
    except (StoreUnavailable, OSError) as exc:
        raise fail(f"cannot reach the database: {exc}") from None
    except Exception as exc:
        raise fail(f"migration failed on {redact_url(db or '')}: {type(exc).__name__}: {exc}") from None
    typer.echo(f"store is at the newest schema: {url}")


@audit_app.command("verify")
def verify(db: DbOption = None) -> None:
    """Check every community's hash chain; exit 1 and name the event when a row was edited or deleted."""

    async def go() -> list[str]:
        store = Store.from_url(db)
        try:
            async with store.transaction() as tx:
                return [f"community {p.community_id}, event {p.seq}: {p.message}" for p in await tx.verify_audit()]
        finally:
            await store.close()

    try:
        problems = run(go())
    except Exception as exc:
        raise fail(f"cannot read the audit log: {type(exc).__name__}: {exc}") from None
    if problems:
        for line in problems:
            typer.echo(line)
        raise typer.Exit(EXIT_FINDINGS)
    typer.echo("audit chain intact")
