"""One replica process of the replica benchmark: `python -m bench.replica_worker <json spec>`.

Every replica knows all communities (as each `normbot run` reads the same config) but receives only its
share of the traffic, as a gateway or a platform's sharding would deliver it. Phases:

- `load`: open-loop steps at the offered rates of `rates` (`seconds` each, started on a common schedule so the
  replicas' steps overlap), then a closed-loop run over the replica's communities (its ceiling);
- `burst`: its share of the endorsement burst and of the flag storm (duplicates land on other replicas);
- `jobs`: `Core.run_due_jobs()` at the given time; prints how many reminders it sent.

The last line of stdout is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from datetime import datetime
from typing import Any

from bench.load import burst_events, drive, fire, run_until_idle, saturate, share, storm_events
from bench.scenario import new_core
from bench.stream import Stream
from bot.wiring import settle
from moderation.core import Core
from moderation.kernel.actions import Send
from moderation.kernel.clock import ManualClock
from storage import Store
from storage.store import DEFAULT_MAX_UNITS

__all__ = ["main", "run"]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one phase of one replica as `spec` says."""
    index, replicas = int(spec["index"]), int(spec["replicas"])
    clock = ManualClock(datetime.fromisoformat(spec["at"]))
    store = Store.from_url(spec["url"], max_units=spec.get("max_units", DEFAULT_MAX_UNITS))
    try:
        core = await new_core(
            store, int(spec["communities"]), rules_only=True, clock=clock, worker_id=f"replica-{index}"
        )
        slugs = list(core.communities)
        phase = spec["phase"]
        if phase == "load":
            stream = Stream(slugs[index::replicas], run=f"r{index}", seed=100 + index)
            for _ in range(200):
                await core.handle(next(stream).event)
            await _barrier(core)
            steps = await _open_loop(core, stream, [float(r) for r in spec.get("rates", [])], float(spec["seconds"]))
            started = time.time()
            figures = await saturate(core, stream, int(spec["messages"]), int(spec.get("concurrency", 64)))
            return {
                **figures, "started": started, "ended": time.time(), "errors_stats": core.stats["store_errors"],
                "steps": steps,
            }  # fmt: skip
        if phase == "burst":
            ends = burst_events(
                spec["burst_slug"], int(spec["burst_release"]), int(spec["members"]), tag=spec.get("tag", "b")
            )
            flags = storm_events(  # event ids apart from another run's storm in the same database
                spec["storm_slug"], int(spec["storm_release"]), int(spec["flaggers"]), tag=f"f{spec.get('tag', 'b')}"
            )
            await _barrier(core)
            started = time.time()
            endorse_out, flag_out = await asyncio.gather(
                fire(core, share(ends, index, replicas)), fire(core, share(flags, index, replicas))
            )
            return {"started": started, "ended": time.time(), "endorse": endorse_out, "flag": flag_out}
        if phase == "jobs":
            actions = await run_until_idle(core)
            sent = [a for a in actions if isinstance(a, Send) and a.card.title.startswith("Reminder")]
            return {"reminders_sent": len(sent), "actions": len(actions)}
        raise SystemExit(f"unknown phase {phase!r}")
    finally:
        await store.close()


STEP_GAP_S = 2.0  # between open-loop steps: time for a step that ran over to finish before the next starts


async def _open_loop(core: Core, stream: Stream, rates: list[float], seconds: float) -> list[dict[str, Any]]:
    """One `drive` step per rate. Step k starts `k * (seconds + STEP_GAP_S)` after "go" on every replica, so
    the replicas' steps overlap even when one of them ran over in an earlier step."""
    t0 = time.time()
    out: list[dict[str, Any]] = []
    for k, rate in enumerate(rates):
        await asyncio.sleep(max(0.0, t0 + k * (seconds + STEP_GAP_S) - time.time()))
        started = time.time()
        step = await drive(core, stream, rate, seconds)
        out.append({**step.summary(), "started": started, "ended": time.time()})
    return out


async def _barrier(core: Core) -> None:
    """Open the pool's connections (a long-running bot has them open), settle as `normbot run` does, say
    "ready", wait for "go" (`bench.replicas.spawn` sends it once every replica is ready)."""
    await asyncio.gather(*(core.store.ping() for _ in range(8)))
    await settle(core)
    print("ready", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    if line.strip() != "go":
        raise SystemExit("another replica failed before the start; not starting")


def main(argv: list[str] | None = None) -> int:
    """Entry point; the spec is one JSON argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.replica_worker '<json spec>'", file=sys.stderr)
        return 2
    try:
        spec = json.loads(args[0])
    except json.JSONDecodeError as exc:
        print(f"bad spec: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
