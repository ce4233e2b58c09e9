"""The composition root of `normbot run`: store, core, scheduler, platforms, health, in one event loop.

Everything is opened here in order and closed in reverse order. Shutdown (SIGTERM/SIGINT) first stops the
platforms taking new events, then waits (bounded) for events in flight, stops the scheduler and closes the
store. Scheduled work lives in the store, so a restart resumes it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import ConfigError, ListenError, Settings
from bot.router import Router
from bot.wiring import build_core, settle
from moderation.core import Core
from storage import Store

__all__ = ["App", "check_runnable"]

log = logging.getLogger("normbot")
DRAIN_SECONDS = 10.0
# A platform that cannot stop in this time (a flood-limited send queue) is abandoned: what it was doing is
# already recorded in the store; only the chat replies still waiting in its queue are not sent.
ADAPTER_STOP_SECONDS = 20.0


def check_runnable(settings: Settings) -> None:
    """Refuse to start with a message naming what is missing (and where to set it)."""
    if not settings.discord_token() and not settings.telegram_token():
        raise ConfigError(
            "nothing to run: set DISCORD_TOKEN and/or TELEGRAM_TOKEN in the environment "
            f"(communities are configured in {settings.source})"
        )
    if not settings.communities:
        raise ConfigError(f"{settings.source}: no [[communities]] configured; `normbot init` writes a starter file")
    listen = settings.health_listen()
    if listen and not listen.rpartition(":")[2].isdigit():
        raise ConfigError(f"{settings.source}: health.listen must be host:port, got {listen!r}")


class App:
    """A running normbot."""

    def __init__(self, settings: Settings, *, tick_seconds: float = 15.0, rules_only: bool = False) -> None:
        self.settings = settings
        self.tick_seconds = tick_seconds
        self.rules_only = rules_only
        self.router = Router()
        self.adapters: list[Any] = []
        self.core: Core | None = None
        self.store: Store | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.health: Any = None
        self._last_tick = time.monotonic()
        self._stop = asyncio.Event()

    # -- scheduler -------------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Run due jobs and deliver what they post (called by APScheduler on an interval)."""
        self._last_tick = time.monotonic()
        if self.core is None:
            return
        actions = await self.core.run_due_jobs()
        await self.router.dispatch(actions)

    def scheduler_alive(self) -> bool:
        """Whether the scheduler ticked recently (three intervals)."""
        running = self.scheduler is not None and self.scheduler.running
        return running and (time.monotonic() - self._last_tick) < 3 * self.tick_seconds + 5

    def scheduler_lag(self) -> float:
        """Seconds since the last tick beyond the interval (Prometheus gauge)."""
        return max(0.0, time.monotonic() - self._last_tick - self.tick_seconds)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open everything; raises ConfigError (or the platform's own error) when something can't start."""
        check_runnable(self.settings)
        self.store = Store.from_url(self.settings.database_url(), max_units=self.settings.store.max_units)
        self.core = await build_core(self.store, self.settings.core_communities(), rules_only=self.rules_only)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.tick_seconds,
            id="normbot-tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            replace_existing=True,
        )
        self.scheduler.start()
        await self.tick()  # a job missed while we were down fires now, once
        discord_token = self.settings.discord_token()
        if discord_token:
            from bot.discord import DiscordAdapter

            adapter: Any = DiscordAdapter(self.core, self.router, self.settings.discord, discord_token)
            await adapter.start()
            self._add(adapter, "Discord")
        telegram_token = self.settings.telegram_token()
        if telegram_token:
            from bot.telegram import TelegramAdapter

            adapter = TelegramAdapter(self.core, self.router, self.settings.telegram, telegram_token)
            await adapter.start()
            self._add(adapter, "Telegram")
        listen = self.settings.health_listen()
        if listen:
            from bot.health import HealthServer

            host, _, port = listen.rpartition(":")
            self.health = HealthServer(
                self.core, host or "127.0.0.1", int(port), self.platforms, self.scheduler_alive, self.scheduler_lag
            )
            try:
                await self.health.start()
            except OSError as exc:
                raise ListenError(f"cannot listen on {listen} for health and metrics: {exc.strerror or exc}") from None
            log.info("health and metrics on http://%s:%s/healthz", self.health.host, self.health.port)
        await settle(self.core)

    def _add(self, adapter: Any, label: str) -> None:
        self.adapters.append(adapter)
        self.router.register(adapter)
        chats = [
            f"{c.slug}:{ch.chat_id}({ch.role})"
            for c in self.settings.communities
            for ch in c.chats
            if ch.platform == adapter.platform
        ]
        log.info("%s connected; watching %s", label, ", ".join(chats) or "chats bound with /watch")

    def platforms(self) -> dict[str, bool]:
        """platform -> connected (for /healthz)."""
        return {a.platform: bool(getattr(a, "connected", False)) for a in self.adapters}

    def request_stop(self) -> None:
        """Ask `run_forever` to shut down (signal handlers call this)."""
        self._stop.set()

    async def stop(self) -> None:
        """Stop taking events, drain, close in reverse order."""
        for adapter in reversed(self.adapters):
            try:
                await asyncio.wait_for(adapter.stop(), ADAPTER_STOP_SECONDS)
            except TimeoutError:
                log.warning("%s did not stop within %.0fs; closing anyway", adapter.platform, ADAPTER_STOP_SECONDS)
            except Exception:
                log.exception("stopping %s failed", adapter.platform)
        if self.core is not None and not await self.core.drain(DRAIN_SECONDS):
            log.warning("shutdown: events still in flight after %.0fs", DRAIN_SECONDS)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.health is not None:
            await self.health.stop()
        if self.store is not None:
            await self.store.close()
        log.info("normbot stopped cleanly")

    async def run_forever(self) -> None:
        """Start, wait for SIGTERM/SIGINT, stop."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        try:
            await self.start()
            await self._stop.wait()
        finally:
            await self.stop()
