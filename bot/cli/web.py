"""`normbot web`: serve the public release registry (pages, JSON API, moderator pages) on the shared store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli._async import fail, run_on_store
from bot.cli.app import app
from bot.config import ConfigError, load_settings
from storage import Store, StoreUnavailable, default_url, normalise_url, redact_url

__all__ = ["web"]


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file a URL names when it does not exist (opening it would create an empty database)."""
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    database = url.split(":///", 1)[1].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    path = Path(database)
    return None if path.exists() else path


async def _check_store(store: Store) -> None:
    """Refuse to start on a store that is unreachable or not yet migrated (the registry never writes)."""
    if not await store.ping():
        raise StoreUnavailable(f"cannot reach the database at {store.url}")
    async with store.transaction() as tx:
        await tx.communities()


@app.command("web")
def web(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: NORMBOT_DATABASE_URL, the config, ./data/normbot.db)"),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on")] = 8080,
    config: Annotated[
        Path | None, typer.Option("--config", help="normbot.toml (norm packs and moderator tokens per community)")
    ] = None,
) -> None:
    """Serve the read-only release registry: http://HOST:PORT/ (API under /api/v1, schema at /openapi.json)."""
    from bot.web.server import serve

    try:
        settings = load_settings(config, required=config is not None)
        communities = settings.core_communities()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    url = normalise_url(db or settings.database_url() or default_url())
    missing = _missing_sqlite_file(url)
    if missing is not None:
        raise fail(f"no database at {missing} (create one with `normbot demo` or `normbot db upgrade`)")
    base_dir = (config.parent if config else Path.cwd()).resolve()

    async def go() -> None:
        store = Store.from_url(url)
        try:
            await _check_store(store)
            typer.echo(f"normbot registry on http://{host}:{port}/ (store {store.url})")
            await serve(store, communities, host=host, port=port, base_dir=base_dir)
        finally:
            await store.close()

    try:
        run_on_store(go())
    except OSError as exc:
        raise fail(f"cannot serve on {host}:{port}: {exc}") from None
    except Exception as exc:
        raise fail(
            f"cannot read the store at {redact_url(url)}: {type(exc).__name__} (run `normbot db upgrade`?)"
        ) from None
