"""`normbot handles`: which account each configured `platform:@handle` was pinned to, and unpinning one.

A config may name a moderator by handle (`telegram:@mia`); the bot resolves it to the user id it first saw
with that handle and from then on trusts that id only (`moderation.kernel.permissions.resolve_pinned`). Operators
see the pins here and, when a person really moved to another account, unpin the handle.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._async import run
from bot.cli.app import app
from bot.cli.failures import fail
from bot.cli.stores import DbOption, open_store, store_url

handles_app = typer.Typer(help="Config handles (platform:@name) and the user ids they are pinned to.")
app.add_typer(handles_app, name="handles")


@handles_app.callback(invoke_without_command=True)
def show(ctx: typer.Context, db: DbOption = None) -> None:
    """List pinned handles: `platform:@handle -> platform:user_id (pinned at)`."""
    if ctx.invoked_subcommand is not None:
        return

    url = store_url(db)

    async def go() -> list[str]:
        async with open_store(url) as store, store.transaction() as tx:
            return [
                f"{p.platform}:@{p.handle} -> {p.platform}:{p.user_id} (pinned {p.pinned_at:%Y-%m-%d %H:%M})"
                for p in await tx.accounts.handle_pins()
            ]

    lines = run(go())
    typer.echo("\n".join(lines) if lines else "no handle is pinned yet")


@handles_app.command("unpin")
def unpin(
    handle: Annotated[str, typer.Argument(help="The handle as the config names it, e.g. telegram:@mia")],
    db: DbOption = None,
) -> None:
    """Forget a pin: the next account seen with the handle is pinned instead (audit it in your config's history)."""
    platform, sep, name = handle.partition(":@")
    if not sep or not platform or not name:
        raise fail(f"{handle!r} is not a handle; write it as the config does, e.g. telegram:@mia")

    url = store_url(db)

    async def go() -> bool:
        async with open_store(url) as store, store.transaction() as tx:
            return await tx.accounts.unpin_handle(platform, name)

    if not run(go()):
        raise fail(f"{handle} is not pinned")
    typer.echo(f"unpinned {handle}: the next account seen with it will be pinned")
