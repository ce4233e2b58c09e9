"""/healthz reports each component; /metrics speaks Prometheus text with the core's counters."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.health import HealthServer
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import GOOD, Chat, community


async def _server(store: Store, *, platforms: dict[str, bool], scheduler: bool) -> tuple[HealthServer, Chat]:
    clock = ManualClock()
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    server = HealthServer(core, "127.0.0.1", 0, lambda: platforms, lambda: scheduler, lambda: 0.5)
    await server.start()
    return server, Chat(core, clock)


async def test_healthz_ok_and_degraded(store: Store) -> None:
    """All green gives 200; a disconnected platform gives 503 naming it."""
    server, _ = await _server(store, platforms={"discord": True}, scheduler=True)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{server.port}/healthz") as resp:
                assert resp.status == 200
                body = await resp.json()
        assert body["checks"] == {"store": True, "scheduler": True, "platform:discord": True}
    finally:
        await server.stop()
    server, _ = await _server(store, platforms={"telegram": False}, scheduler=True)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{server.port}/healthz") as resp:
                assert resp.status == 503
                assert (await resp.json())["checks"]["platform:telegram"] is False
    finally:
        await server.stop()


async def test_metrics_count_what_happened(store: Store) -> None:
    """Messages, announcements, prompts, endorsements and errors appear as counters."""
    server, chat = await _server(store, platforms={}, scheduler=True)
    try:
        await chat.say("bo", "hello there")
        await chat.say("ada", GOOD)
        await chat.cmd("bo", "/endorse R1")
        await chat.cmd("bo", "/endorse R1")  # refused: counts as a command error
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{server.port}/metrics") as resp:
                assert resp.headers["Content-Type"].startswith("text/plain")
                text = await resp.text()
    finally:
        await server.stop()
    values = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert values["normbot_messages_seen_total"] == 2
    assert values["normbot_announcements_detected_total"] == 1
    assert values["normbot_prompts_sent_total"] == 1
    assert values["normbot_endorsements_total"] == 1
    assert values["normbot_command_errors_total"] == 1
    assert values["normbot_scheduler_lag_seconds"] == 0.5
