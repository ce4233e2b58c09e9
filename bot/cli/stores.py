"""Which store a command opens, and the one message and exit code (3) for each way a store can fail.

One default for `--db`, the same for every command and the same as `normbot run` writes to: `--db`, else
`NORMBOT_DATABASE_URL`, else `[store] url` in the config (`--config`, `NORMBOT_CONFIG` or ./normbot.toml when
present), else ./data/normbot.db. `normbot demo` alone has its own default (`DEMO_URL`): it must not fill the
store the bot runs on.

Commands that only read (`web`, `export`, `audit verify`, `norms simulate`, `claim receipt`, `detect
export-labels`) open with `open_store(url)`: a SQLite file that does not exist is reported, not created, and a
store that is not at this code's schema is refused before any query. Commands that write (`db upgrade`,
`console`, `demo`) open with `write=True`, which migrates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.failures import Failure, fail
from storage import Store, StoreUnavailable, default_url, normalise_url, redact_url, sqlite_file

__all__ = [
    "DB_HELP",
    "DbOption",
    "open_store",
    "require_community",
    "store_missing",
    "store_unreachable",
    "store_url",
]

DB_HELP = "Database URL (default: NORMBOT_DATABASE_URL, then [store] url in the config, then ./data/normbot.db)"
DbOption = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


def store_url(db: str | None, config: Path | None = None) -> str:
    """The store a command works on (module docstring: the one default). A broken config is exit 2."""
    if db:
        return normalise_url(db)
    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings(config, required=config is not None)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    return normalise_url(settings.database_url() or default_url())


def _db_arg(url: str) -> str:
    return "" if url == normalise_url(default_url()) else f" --db {redact_url(url)}"


def store_missing(url: str, path: Path) -> typer.Exit:
    """No SQLite file where the URL points (a reading command never creates one)."""
    return fail(
        f"no store at {path} (the file does not exist); create it with `normbot db upgrade{_db_arg(url)}`",
        Failure.STORE,
    )


def store_unreachable(url: str, exc: BaseException) -> typer.Exit:
    """Cannot connect, or the file is not a database."""
    return fail(f"cannot open the store at {redact_url(url)}: {exc}", Failure.STORE)


async def _check_schema(store: Store, url: str, *, write: bool) -> None:
    status = await store.schema_status()
    if status.state == "ahead":
        raise fail(
            f"the store at {redact_url(url)} has schema {status.current}, newer than this normbot knows "
            f"({status.head}); upgrade normbot",
            Failure.STORE,
        )
    if status.state != "current" and not write:
        raise fail(
            f"the store at {redact_url(url)} is not migrated (schema {status.current or 'none'}, this normbot "
            f"needs {status.head}); run `normbot db upgrade{_db_arg(url)}`",
            Failure.STORE,
        )


@asynccontextmanager
async def open_store(url: str, *, write: bool = False) -> AsyncIterator[Store]:
    """The store at `url`, checked (read) or migrated (`write`), closed on the way out.

    Every store failure inside the block, at open or later, becomes the one exit-3 message."""
    if not write:
        path = sqlite_file(url)
        if path is not None and not path.is_file():
            raise store_missing(url, path)
    store = Store.from_url(url)
    try:
        try:
            await _check_schema(store, url, write=write)
            if write:
                await store.upgrade()
        except StoreUnavailable as exc:
            raise store_unreachable(url, exc) from None
        try:
            yield store
        except StoreUnavailable as exc:
            raise store_unreachable(url, exc) from None
    finally:
        await store.close()


async def require_community(store: Store, slug: str | None) -> None:
    """Exit 2 naming the communities there are when `--community` names none of them."""
    if slug is None:
        return
    async with store.transaction() as tx:
        slugs = [c.slug for c in await tx.communities.all()]
    if slug not in slugs:
        known = ", ".join(slugs) if slugs else "none"
        raise fail(f"no community named {slug!r} in the store (communities: {known})")
