"""One replica process for the race tests (`python -m tests.reliability.race_worker '<json spec>'`).

It gets ready (imports, store, core), prints `ready`, waits for `go` on stdin so that every replica starts the
racing part at the same moment, then prints one JSON line with what happened. Phases:

- `migrate`: `Store.upgrade()` on the database at `url` (what every replica does on start);
- `review`: the reviewer `rex` sends `/review R<i> …` for i in 1..`releases` through the real core, as a
  member whose form was delivered to two replicas (each replica has its own event ids);
- `announce`: `maker<i>` posts release i (for i in 1..`releases`) in this replica's chat, at the same moment
  as the other replica's copy: a creator cross-posting one release to two chats served by two replicas.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from storage import Store
from tests.core.harness import GOOD, Chat, reply_text


async def _barrier() -> bool:
    print("ready", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    return line.strip() == "go"


async def _migrate(spec: dict[str, Any]) -> dict[str, Any]:
    store = Store.from_url(spec["url"])
    try:
        if not await _barrier():
            return {"aborted": True}
        await store.upgrade()
        return {"migrated": True}
    finally:
        await store.close()


async def _in_chat(spec: dict[str, Any], race: Callable[[Chat], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """A replica's core on the shared store and a chat of its community; `race` runs after the barrier."""
    from bot.wiring import build_core
    from moderation.kernel.clock import ManualClock
    from tests.core.harness import community

    store = Store.from_url(spec["url"])
    try:
        clock = ManualClock(datetime.fromisoformat(spec["at"]))
        core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
        await store.ping()  # a warm connection, so the replicas start racing together
        if not await _barrier():
            return {"aborted": True}
        return {**await race(Chat(core, clock)), "internal_errors": core.stats["internal_errors"]}
    finally:
        await store.close()


async def _review(spec: dict[str, Any]) -> dict[str, Any]:
    async def race(chat: Chat) -> dict[str, Any]:
        # All at once (the store lets `max_units` of them run together), so the two replicas' units of work
        # on the same release overlap often rather than by luck of timing.
        done = await asyncio.gather(
            *(
                chat.cmd(
                    "rex", f"/review R{i} harm-real-person-consent=no {spec['note']}", event_id=f"w{spec['index']}-{i}"
                )
                for i in range(1, int(spec["releases"]) + 1)
            )
        )
        return {"replies": [reply_text(actions) for actions in done]}

    return await _in_chat(spec, race)


async def _announce(spec: dict[str, Any]) -> dict[str, Any]:
    async def race(chat: Chat) -> dict[str, Any]:
        await asyncio.gather(
            *(
                chat.say(
                    f"maker{i}", GOOD.replace("Neon Dreams", f"Neon Dreams {i}"), message_id=f"w{spec['index']}-m{i}"
                )
                for i in range(1, int(spec["releases"]) + 1)
            )
        )
        return {}

    return await _in_chat(spec, race)


async def main(spec: dict[str, Any]) -> None:
    run = {"migrate": _migrate, "review": _review, "announce": _announce}[spec["phase"]]
    print(json.dumps(await run(spec)), flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
