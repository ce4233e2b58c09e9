"""Serving the registry with uvicorn (the CLI and the browser tests both go through here)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import uvicorn

from bot.web.app import create_app
from moderation.kernel.community import CommunityConfig
from storage import Store

__all__ = ["make_server", "serve"]


def make_server(
    store: Store,
    communities: Sequence[CommunityConfig] = (),
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    base_dir: Path | None = None,
    log_level: str = "info",
) -> uvicorn.Server:
    """A uvicorn server for the registry (call `.run()` or `await .serve()`; set `.should_exit` to stop)."""
    app = create_app(store, communities, base_dir=base_dir)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off")
    return uvicorn.Server(config)


async def serve(
    store: Store,
    communities: Sequence[CommunityConfig] = (),
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    base_dir: Path | None = None,
) -> None:
    """Serve until interrupted."""
    await make_server(store, communities, host=host, port=port, base_dir=base_dir).serve()
