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
from bot.config import ConfigError, load_settings


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
        secrets = [s.get() for s in (settings.discord_token(), settings.telegram_token()) if s]
        configure_logging(settings.log.level, settings.log.format, secrets)
        application = App(settings, tick_seconds=tick, rules_only=rules_only)
        asyncio.run(application.run_forever())
    except ConfigError as exc:
        raise fail(str(exc)) from None
