"""`normbot web`: serve the public release registry (pages, JSON API, moderator pages) on the shared store."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._async import fail, run
from bot.cli.app import app
from bot.cli.failures import Failure, norm_file_failure
from bot.cli.stores import DbOption, open_store, store_url
from bot.config import ConfigError, load_settings

__all__ = ["web"]


def _bind(host: str, port: int) -> socket.socket:
    """Take the address before saying where we serve (as uvicorn would bind it: SO_REUSEADDR, inheritable).

    Why here: uvicorn reports a taken port by logging and exiting 3 from inside the server, after the URL was
    already printed; binding first makes a clash the CLI's own one-line error with exit 4."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@app.command("web")
def web(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on")] = 8080,
    config: Annotated[
        Path | None, typer.Option("--config", help="normbot.toml (norm packs and moderator tokens per community)")
    ] = None,
) -> None:
    """Serve the read-only release registry: http://HOST:PORT/ (API under /api/v1, schema at /openapi.json)."""
    from bot.web.server import make_server
    from norms import NormError, resolve_pack

    try:
        settings = load_settings(config, required=config is not None)
        communities = settings.core_communities()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    base_dir = (config.parent if config else Path.cwd()).resolve()
    for community in communities:  # the pages resolve them the same way; a broken one is exit 2 now, not a 503
        try:
            resolve_pack(community.norms, base_dir)
        except NormError as exc:
            raise norm_file_failure(exc) from None
    url = store_url(db, config)

    async def go() -> None:
        async with open_store(url) as store:
            try:
                sock = _bind(host, port)
            except OSError as exc:
                raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", Failure.ADDRESS) from None
            with sock:
                typer.echo(f"normbot registry on http://{host}:{port}/ (store {store.url})")
                server = make_server(store, communities, host=host, port=port, base_dir=base_dir)
                await server.serve(sockets=[sock])

    run(go())
