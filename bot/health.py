"""`/healthz` and `/metrics` (Prometheus text format) on an optional local HTTP port.

Metrics come from the core's counters at scrape time (a custom collector), so the hot path only bumps a
`Counter` and never touches the Prometheus client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from moderation.core import Core

__all__ = ["HealthServer", "metrics_registry"]

COUNTERS = {
    "messages_seen": "Chat messages seen in chats of served communities",
    "announcements_detected": "Messages detected as release announcements",
    "prompts_sent": "Review prompts posted",
    "endorsements": "Endorsements recorded",
    "flags": "Flags recorded",
    "command_errors": "Commands refused or malformed",
    "internal_errors": "Unexpected errors (each has an incident id in the log)",
    "store_errors": "Events that could not be recorded because the store was unreachable",
}


class _CoreCollector(Collector):
    def __init__(self, core: Core, extra: Callable[[], dict[str, float]]) -> None:
        self.core = core
        self.extra = extra

    def collect(self) -> Iterator[Any]:
        for name, help_text in COUNTERS.items():
            family = CounterMetricFamily(f"normbot_{name}", help_text)
            family.add_metric([], float(self.core.stats.get(name, 0)))
            yield family
        for name, value in self.extra().items():
            gauge = GaugeMetricFamily(f"normbot_{name}", name.replace("_", " "))
            gauge.add_metric([], value)
            yield gauge


def metrics_registry(core: Core, extra: Callable[[], dict[str, float]]) -> CollectorRegistry:
    """A registry holding only normbot's metrics."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_CoreCollector(core, extra))
    return registry


class HealthServer:
    """A tiny aiohttp server; `checks()` returns component -> healthy."""

    def __init__(
        self,
        core: Core,
        host: str,
        port: int,
        platforms: Callable[[], dict[str, bool]],
        scheduler_alive: Callable[[], bool],
        scheduler_lag: Callable[[], float],
    ) -> None:
        self.core = core
        self.host, self.port = host, port
        self.platforms = platforms
        self.scheduler_alive = scheduler_alive
        self.scheduler_lag = scheduler_lag
        self.store_latency = 0.0
        self._runner: web.AppRunner | None = None
        self.registry = metrics_registry(core, self._gauges)

    def _gauges(self) -> dict[str, float]:
        return {"store_latency_seconds": self.store_latency, "scheduler_lag_seconds": self.scheduler_lag()}

    async def _healthz(self, _request: web.Request) -> web.Response:
        started = time.perf_counter()
        store_ok = await self.core.store.ping()
        self.store_latency = time.perf_counter() - started
        checks: dict[str, bool] = {"store": store_ok, "scheduler": self.scheduler_alive()}
        checks.update({f"platform:{k}": v for k, v in self.platforms().items()})
        healthy = all(checks.values())
        return web.json_response(
            {"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503
        )

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    async def start(self) -> None:
        """Listen; the port is taken from the socket when 0 was asked for."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
