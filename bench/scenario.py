"""One backend, one process: the load generator's steps, a saturation run, the burst, the flag storm and the
reminders, then the same steps with the model detector; on SQLite also the store path A/B (statements inline
on the event loop, as the core runs today, against aiosqlite's helper thread per connection)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from bench.baseline import raw_inserts
from bench.databases import pg_database, sqlite_database
from bench.load import Step, burst, drive, flag_storm, reminders, saturate
from bench.stream import Stream, announcement_text, communities, releases_chat
from bench.workflow import endorsements_per_second
from bot.wiring import build_core, settle
from moderation.core import Core
from moderation.kernel.clock import ManualClock
from storage import Store

__all__ = ["best_sustained", "database_for", "new_core", "run_backend", "store_path_ab", "sweep", "variant"]

P99_LIMIT_MS = 250.0


def database_for(backend: str, tag: str = "") -> AbstractAsyncContextManager[str]:
    """A throw-away database of `backend` (sqlite | postgresql)."""
    return sqlite_database() if backend == "sqlite" else pg_database(tag)


async def new_core(
    store: Store, n_communities: int, *, rules_only: bool, clock: ManualClock, worker_id: str | None = None
) -> Core:
    """A core like `normbot run` builds one (provenance hooks included), over `n_communities` communities."""
    return await build_core(
        store, communities(n_communities), clock=clock, rules_only=rules_only, migrate=False, worker_id=worker_id
    )


async def sweep(core: Core, stream: Stream, rates: Sequence[float], seconds: float) -> list[Step]:
    """Increase the rate until a step is not sustained (one failing step is kept, to show the knee). A step that
    kept up without errors but saw no announcement (short steps) is inconclusive: the sweep goes on."""
    steps: list[Step] = []
    for rate in rates:
        step = await drive(core, stream, rate, seconds, p99_limit_ms=P99_LIMIT_MS)
        steps.append(step)
        logging.getLogger("bench").info("  %s msg/s offered -> %s", rate, step.summary())
        inconclusive = step.prompts == 0 and step.errors == 0 and step.achieved_per_s >= 0.95 * rate
        if not step.sustained and not inconclusive:
            break
    return steps


def best_sustained(steps: Sequence[Step]) -> float:
    """The highest offered rate that was sustained (0 if none)."""
    return max((s.offered_per_s for s in steps if s.sustained), default=0.0)


def variant(steps: Sequence[Step]) -> dict[str, Any]:
    """A variant's sweep: its steps, the best sustained rate and the p99 announcement→prompt at that rate
    (None when no step was sustained)."""
    ok = [s for s in steps if s.sustained]
    best = max(ok, key=lambda s: s.offered_per_s) if ok else None
    return {
        "steps": [s.summary() for s in steps],
        "best_sustained": best.offered_per_s if best else 0.0,
        "p99_ms_at_best_sustained": best.p99_ms if best else None,
    }


async def _warm(core: Core, stream: Stream, n: int = 300) -> None:
    for _ in range(n):
        await core.handle(next(stream).event)


async def store_path_ab(url: str, n_communities: int, *, messages: int, rounds: int) -> dict[str, Any]:
    """SQLite only: the current core (statements inline on the loop, units of work serialised in-process)
    against the same core over `Store.from_url(url, inline_sqlite=False)` (aiosqlite's thread per connection,
    SQLite's own locking), on the same database file, both rules-only, both built fresh and warmed alike.
    Closed loop at 1 and 64 in flight, rounds alternating between the two (best msg/s of each; the order
    flips every round) so that a machine whose load drifts during the run does not favour either. Errors
    ("Not recorded yet" = store errors, internal errors) and store retries are summed over all rounds."""
    stores = {"inline": Store.from_url(url), "thread": Store.from_url(url, inline_sqlite=False)}
    try:
        clock = ManualClock()
        cores = {k: await new_core(st, n_communities, rules_only=True, clock=clock) for k, st in stores.items()}
        slugs = list(cores["inline"].communities)
        for label, core in cores.items():
            await _warm(core, Stream(slugs, run=f"abw{label}", seed=13), 200)
        out: dict[str, Any] = {"messages_per_round": messages, "rounds": rounds}
        pair = list(cores.items())
        for concurrency in (1, 64):
            row: dict[str, dict[str, Any]] = {}
            for r in range(rounds):
                for label, core in pair if r % 2 == 0 else pair[::-1]:
                    stream = Stream(slugs, run=f"ab{label}{concurrency}r{r}", seed=31 + r)
                    retries_before = core.stats["store_retries"]
                    got = await saturate(core, stream, messages, concurrency)
                    cur = row.setdefault(label, {"msgs_per_s": 0.0, "p99_ms": None, "errors": 0, "store_errors": 0,
                                                 "internal_errors": 0, "retries": 0, "per_round": []})  # fmt: skip
                    cur["per_round"].append(got["msgs_per_s"])
                    if got["msgs_per_s"] > cur["msgs_per_s"]:
                        cur["msgs_per_s"], cur["p99_ms"] = got["msgs_per_s"], got["p99_ms"]
                    cur["errors"] += got["errors"]
                    for kind in ("store_errors", "internal_errors"):
                        cur[kind] += got["error_kinds"].get(kind, 0)
                    cur["retries"] += core.stats["store_retries"] - retries_before
            ratio = round(row["inline"]["msgs_per_s"] / max(row["thread"]["msgs_per_s"], 0.1), 2)
            out[f"in_flight_{concurrency}"] = {**row, "ratio": ratio}
        async with stores["inline"].transaction() as tx:
            out["audit_chain_problems"] = len(await tx.audit_log.verify())
        return out
    finally:
        for st in stores.values():
            await st.close()


async def run_backend(backend: str, *, quick: bool, n_communities: int = 200) -> dict[str, Any]:
    """Everything single-process on one backend; returns the figures."""
    rates = [100, 250, 500, 1000, 2000] if quick else [100, 175, 250, 350, 500, 750, 1000, 1500, 2000, 3000]
    seconds = 2.0 if quick else 6.0
    sat = 800 if quick else 5_000
    out: dict[str, Any] = {"backend": backend, "communities": n_communities, "step_seconds": seconds}
    async with database_for(backend, "load") as url:
        store = Store.from_url(url)
        try:
            await store.upgrade()
            clock = ManualClock()
            t0 = time.perf_counter()
            core = await new_core(store, n_communities, rules_only=True, clock=clock)
            out["setup_s"] = round(time.perf_counter() - t0, 2)
            slugs = list(core.communities)
            stream = Stream(slugs, run="a")
            await _warm(core, stream)
            await settle(core)  # as `normbot run` does once started
            steps = await sweep(core, stream, rates, seconds)
            out["rules_only"] = variant(steps)
            out["rules_only"]["saturation"] = await saturate(core, stream, sat)
            out["raw_baseline"] = await raw_inserts(url, 1_000 if quick else 3_000)
            released = [r for s in steps for r in s.released]
            out["endorsements_50_members"] = await endorsements_per_second(
                core, url, released, per_member=8 if quick else 20
            )
            popular = await _announce(core, slugs[0], "Popular")
            storm_target = await _announce(core, slugs[1], "Contested")
            out["burst"] = await burst([core], slugs[0], popular, members=200 if quick else 500)
            out["flag_storm"] = await flag_storm([core], slugs[1], storm_target, members=50)
            out["reminders"] = await reminders([core], [clock])
            async with store.transaction() as tx:
                out["audit_chain_problems"] = len(await tx.audit_log.verify())
            out["stats"] = dict(core.stats)

            # The model detector (the transformer stage), when it loads: the same sweep, then saturation.
            model_core = await new_core(store, n_communities, rules_only=False, clock=clock)
            detector: Any = model_core.detector  # the staged Detector, beyond the core's protocol
            status = detector.model_status
            out["model_status"] = status
            if status == "loaded":
                detector.detect(announcement_text(random.Random(1), "Warmup"))
                # The communities' earlier announcements were made by the rules-only core, without vectors:
                # the first announcement in each community embeds them (once: they are kept), as after an
                # operator switches the model on. Timed here, so that the sweep measures the steady state.
                t0 = time.perf_counter()
                for i, slug in enumerate(slugs):
                    await _announce(model_core, slug, f"Switch{i}")
                out["model_switch_on"] = {
                    "communities": len(slugs),
                    "seconds": round(time.perf_counter() - t0, 2),
                    "note": "one announcement per community right after the model was switched on",
                }
                mstream = Stream(slugs, run="m", seed=11)
                await _warm(model_core, mstream, 100)
                await settle(model_core)
                out["model"] = variant(await sweep(model_core, mstream, rates, seconds))
                out["model"]["saturation"] = await saturate(model_core, mstream, sat)
                out["model"]["stats"] = dict(model_core.stats)

            if backend == "sqlite":  # the store path: inline statements (current) against aiosqlite's thread
                out["store_path_ab"] = await store_path_ab(
                    url, n_communities, messages=400 if quick else 2_000, rounds=3
                )
        finally:
            await store.close()
    return out


async def _announce(core: Core, slug: str, name: str) -> int:
    """Announce one release in `slug` and return its id (the target of a burst or a storm)."""
    from bench.load import prompt_release
    from moderation.kernel.events import Actor, MessagePosted

    chat = releases_chat(slug)
    text = announcement_text(random.Random(name), f"{name}Model")
    ev = MessagePosted(f"{chat.chat_id}:{name}", chat, f"ann-{name}", Actor("console", f"maker-{name}", name), text)
    rid = prompt_release(await core.handle(ev))
    if rid is None:
        raise RuntimeError(f"the {name} announcement was not detected; the benchmark stream is broken")
    return rid
