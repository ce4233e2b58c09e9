"""`normbot run`: every configured platform plus the scheduler, in one process."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._async import fail
from bot.cli.app import app
from bot.cli.failures import Failure, norm_file_failure
from bot.cli.stores import open_store, store_unreachable
from bot.config import ConfigError, ListenError, load_settings
from norms import NormError, resolve_pack
from storage import StoreUnavailable, default_url, normalise_url


@app.command("run")
def run_cmd(
    config: Annotated[Path | None, typer.Option("--config", help="The config file (default: ./normbot.toml)")] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Detect releases with rules only")] = False,
    tick: Annotated[float, typer.Option("--tick", help="Seconds between scheduler ticks")] = 15.0,
) -> None:
    """Start the bots that have tokens (DISCORD_TOKEN, TELEGRAM_TOKEN) and the scheduler; SIGTERM stops cleanly."""
    # Until the event loop installs its own handler, SIGTERM means "exit quietly": nothing has started yet.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from bot.app import App, check_runnable
    from bot.logs import configure_logging

    try:
        settings = load_settings(config, required=config is not None)
        check_runnable(settings)
        communities = settings.core_communities()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    # Every configured norm pack loads before anything starts (the core resolves them the same way, relative to
    # the working directory): a broken file is reported as `normbot norms lint` reports it, not as a traceback
    # after the shutdown log.
    for community in communities:
        try:
            resolve_pack(community.norms)
        except NormError as exc:
            raise norm_file_failure(exc) from None
    url = normalise_url(settings.database_url() or default_url())

    async def preflight() -> None:  # an unreachable, unreadable or newer store: exit 3 before anything starts
        async with open_store(url, write=True):
            pass

    asyncio.run(preflight())
    try:
        secrets = [s.get() for s in (settings.discord_token(), settings.telegram_token()) if s]
        configure_logging(settings.log.level, settings.log.format, secrets)
        application = App(settings, tick_seconds=tick, rules_only=rules_only)
        asyncio.run(application.run_forever())
    except ListenError as exc:
        raise fail(str(exc), Failure.ADDRESS) from None
    except ConfigError as exc:
        raise fail(str(exc)) from None
    except StoreUnavailable as exc:
        raise store_unreachable(url, exc) from None
    except NormError as exc:  # a norm file changed between the check above and the core loading it
        raise norm_file_failure(exc) from None
