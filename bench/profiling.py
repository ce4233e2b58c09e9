"""Where the time goes: pyinstrument over the watcher path (ordinary chat and announcements) on SQLite,
and over the `/endorse` path. The text trees go into the results so a change can be argued from them."""

from __future__ import annotations

import random
from typing import Any

from pyinstrument import Profiler

from bench.databases import sqlite_database
from bench.load import prompt_release
from bench.scenario import new_core
from bench.stream import Stream, endorse_event
from moderation.kernel.clock import ManualClock
from storage import Store

__all__ = ["profile_hot_paths"]


def _text(profiler: Profiler, lines: int = 45) -> str:
    out = profiler.output_text(unicode=False, color=False, show_all=False)
    return "\n".join(out.splitlines()[:lines])


async def profile_hot_paths(messages: int = 2_000) -> dict[str, Any]:
    """Profile `messages` stream messages, then 200 endorsements of the releases they announced."""
    async with sqlite_database() as url:
        store = Store.from_url(url)
        try:
            await store.upgrade()
            core = await new_core(store, 200, rules_only=True, clock=ManualClock())
            stream = Stream(list(core.communities), run="prof", seed=random.randrange(1_000))
            for _ in range(200):
                await core.handle(next(stream).event)
            released: list[tuple[str, int]] = []
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            profiler.start()
            for _ in range(messages):
                planned = next(stream)
                rid = prompt_release(await core.handle(planned.event))
                if rid is not None:
                    released.append((planned.event.chat.space_id or "", rid))
            profiler.stop()
            watcher = _text(profiler)
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            profiler.start()
            for i in range(min(200, messages // 5)):
                slug, rid = released[i % len(released)]
                await core.handle(endorse_event(slug, f"prof{i}", rid, f"prof-e{i}"))
            profiler.stop()
            return {"watcher": watcher, "endorse": _text(profiler), "messages": messages}
        finally:
            await store.close()
