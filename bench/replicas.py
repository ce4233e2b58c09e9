"""Several processes on one PostgreSQL database: combined messages per second, and proof that the burst, the
flag storm and the reminders are recorded exactly once when replicas share the work."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.databases import pg_database
from bench.load import expected_reminders, prompt_release, reminder_audit, verify_endorsements, verify_flags
from bench.scenario import new_core
from bench.stream import announcement_text, releases_chat
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import Actor, MessagePosted
from storage import Store
from storage.store import DEFAULT_MAX_UNITS

__all__ = ["combined_steps", "run_replicas", "spawn"]

ROOT = Path(__file__).resolve().parents[1]
TIMED_PHASES = ("load", "burst")  # phases whose workers wait at a barrier and start together


async def spawn(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Start one worker per spec at once; wait for all; their JSON results (a failure raises with stderr).

    Timed phases (`load`, `burst`) start together: each worker builds its core and warms its connections,
    says it is ready, and waits for "go", which is sent once all are ready. Without this barrier the
    measured window began when the fastest worker was ready, so up to a second of one replica working
    alone while the others were still importing counted against the replicas."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = []
    for spec in specs:
        procs.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.replica_worker",
                json.dumps(spec),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                cwd=str(ROOT),
            )
        )
    start = time.perf_counter()
    ready = [spec.get("phase") in TIMED_PHASES for spec in specs]
    if all(ready):
        lines = await asyncio.gather(*(p.stdout.readline() for p in procs))  # type: ignore[union-attr]
        if any(line.strip() != b"ready" for line in lines):
            ready = [False] * len(procs)  # a worker failed before the barrier; its stderr says why
        else:
            for p in procs:
                p.stdin.write(b"go\n")  # type: ignore[union-attr]
    # All at once: a replica whose stderr pipe is not drained blocks on write while holding row locks the
    # others wait for (found the hard way: a cross-process deadlock with the audit head locked).
    outs = await asyncio.gather(*(p.communicate(b"" if all(ready) else b"abort\n") for p in procs))
    phase = specs[0].get("phase") if specs else None
    logging.getLogger("bench").info("  replicas: %s phase done in %.1f s", phase, time.perf_counter() - start)
    results = []
    for p, (out, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(f"replica failed ({p.returncode}): {err.decode()[-2000:]}")
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


async def _announce(store: Store, clock: ManualClock, n: int, slug: str, name: str) -> int:
    core = await new_core(store, n, rules_only=True, clock=clock, worker_id="announcer")
    chat = releases_chat(slug)
    ev = MessagePosted(
        f"{chat.chat_id}:{name}", chat, f"ann-{name}", Actor("console", f"maker-{name}", name),
        announcement_text(random.Random(name), f"{name}Model"),
    )  # fmt: skip
    rid = prompt_release(await core.handle(ev))
    if rid is None:
        raise RuntimeError(f"the {name} announcement was not detected")
    return rid


def _summed(outcomes: Iterable[dict[str, int]]) -> dict[str, int]:
    """The replies every replica gave, added up (what people would have seen, e.g. "Not recorded yet")."""
    total: Counter[str] = Counter()
    for o in outcomes:
        total.update(o)
    return dict(total)


def combined_steps(per_replica: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The replicas' k-th open-loop steps as one step: offered and achieved rates added up (achieved = all their
    messages over the time from the first start to the last end), the worst replica's p99, errors added up.
    Sustained only if every replica sustained its share (≥ 95 % of its rate, p99 ≤ 250 ms, no error)."""
    out = []
    for steps in zip(*per_replica, strict=True):
        wall = max(st["ended"] for st in steps) - min(st["started"] for st in steps)
        out.append({
            "offered_per_s": round(sum(st["offered_per_s"] for st in steps), 1),
            "achieved_per_s": round(sum(st["messages"] for st in steps) / wall, 1),
            "seconds": round(wall, 2),
            "prompts": sum(st["prompts"] for st in steps),
            "worst_p50_ms": max(st["p50_ms"] for st in steps),
            "worst_p99_ms": max(st["p99_ms"] for st in steps),
            "errors": sum(st["errors"] for st in steps),
            "sustained": all(st["sustained"] for st in steps),
        })  # fmt: skip
    return out


async def run_replicas(
    *, replicas: int = 3, n_communities: int = 200, messages: int = 3_000, members: int = 500, flaggers: int = 50,
    rates: Sequence[float] = (200.0, 400.0, 600.0, 800.0, 1_000.0), seconds: float = 8.0, url: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The whole replica scenario on a fresh PostgreSQL database (or on `url`, an empty migrated one, as tests
    pass it); returns figures and the exactly-once checks. `rates` are each replica's offered rates in the
    open-loop steps (the combined rate is `replicas` times as much); `messages` per replica in the closed-loop
    run that measures the ceiling."""
    async with AsyncExitStack() as stack:
        if url is None:
            url = await stack.enter_async_context(pg_database("replicas"))
        store = Store.from_url(url)
        try:
            await store.upgrade()
            clock = ManualClock()
            await new_core(store, n_communities, rules_only=True, clock=clock)  # communities and chats, once
            base = {"url": url, "replicas": replicas, "communities": n_communities}
            at = clock().isoformat()
            load = {"messages": messages, "rates": list(rates), "seconds": seconds}
            loads = await spawn([{**base, **load, "index": i, "phase": "load", "at": at} for i in range(replicas)])
            wall = max(r["ended"] for r in loads) - min(r["started"] for r in loads)
            total = sum(r["messages"] for r in loads)
            steps = combined_steps([r["steps"] for r in loads])
            out: dict[str, Any] = {
                "replicas": replicas,
                "steps": steps,
                "best_sustained_per_s": max((st["offered_per_s"] for st in steps if st["sustained"]), default=0.0),
                "messages": total,
                "combined_msgs_per_s": round(total / wall, 1),
                "per_replica": [{k: r[k] for k in ("msgs_per_s", "p50_ms", "p99_ms", "errors")} for r in loads],
            }
            slugs = [f"c{i:04d}" for i in range(n_communities)]
            popular = await _announce(store, clock, n_communities, slugs[0], "Popular")
            contested = await _announce(store, clock, n_communities, slugs[1], "Contested")
            burst_spec = {
                "burst_slug": slugs[0], "burst_release": popular, "members": members,
                "storm_slug": slugs[1], "storm_release": contested, "flaggers": flaggers,
            }  # fmt: skip
            fired = await spawn(
                [{**base, **burst_spec, "index": i, "phase": "burst", "at": at} for i in range(replicas)]
            )
            async with store.transaction() as tx:
                cid0 = (await tx.communities.by_slug(slugs[0])).id  # type: ignore[union-attr]
                cid1 = (await tx.communities.by_slug(slugs[1])).id  # type: ignore[union-attr]
            out["burst"] = {
                "members": members,
                "seconds": round(max(r["ended"] for r in fired) - min(r["started"] for r in fired), 3),
                "outcomes": _summed(r["endorse"] for r in fired),
                **await verify_endorsements(store, cid0, popular, members),
            }
            out["flag_storm"] = {
                "members": flaggers,
                "outcomes": _summed(r["flag"] for r in fired),
                **await verify_flags(store, cid1, contested, flaggers),
            }
            # The same burst and storm again, on fresh releases of two more communities, with no cap on units of
            # work in flight per replica (the baseline for `[store] max_units`, measured in the same run).
            popular2 = await _announce(store, clock, n_communities, slugs[2], "PopularUncapped")
            contested2 = await _announce(store, clock, n_communities, slugs[3], "ContestedUncapped")
            uncapped = await spawn(
                [
                    {**base, **burst_spec, "burst_slug": slugs[2], "burst_release": popular2, "storm_slug": slugs[3],
                     "storm_release": contested2, "tag": "u", "max_units": None, "index": i, "phase": "burst",
                     "at": at}
                    for i in range(replicas)
                ]
            )  # fmt: skip
            async with store.transaction() as tx:
                cid2 = (await tx.communities.by_slug(slugs[2])).id  # type: ignore[union-attr]
                cid3 = (await tx.communities.by_slug(slugs[3])).id  # type: ignore[union-attr]
            out["burst_uncapped"] = {
                "members": members,
                "max_units": None,
                "seconds": round(max(r["ended"] for r in uncapped) - min(r["started"] for r in uncapped), 3),
                "outcomes": _summed(r["endorse"] for r in uncapped),
                **await verify_endorsements(store, cid2, popular2, members),
                "flag_storm": await verify_flags(store, cid3, contested2, flaggers),
            }
            out["burst"]["max_units"] = DEFAULT_MAX_UNITS
            expected = await expected_reminders(store)
            later = (clock() + timedelta(hours=25)).isoformat()
            jobs = await spawn([{**base, "index": i, "phase": "jobs", "at": later} for i in range(replicas)])
            audit = await reminder_audit(store)
            sent = sum(r["reminders_sent"] for r in jobs)
            out["reminders"] = {
                "expected": len(expected), "sent": sent, "per_replica": [r["reminders_sent"] for r in jobs], **audit,
                "exactly_once": sent == len(expected) == audit["audited"] and audit["doubled"] == 0,
            }  # fmt: skip
            async with store.transaction() as tx:
                out["audit_chain_problems"] = len(await tx.audit_log.verify())
        finally:
            await store.close()
    return out
