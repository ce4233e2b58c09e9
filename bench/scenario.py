"""One backend, one process: the load generator's steps, a saturation run, the burst, the flag storm and the
reminders, then the same steps with the model detector and with the proposed hot-path changes."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from bench import experiments
from bench.baseline import raw_inserts
from bench.databases import pg_database, sqlite_database
from bench.load import Step, burst, drive, flag_storm, reminders, saturate
from bench.stream import Stream, announcement_text, communities, releases_chat
from bench.workflow import endorsements_per_second
from bot.wiring import build_core
from moderation.clock import ManualClock
from moderation.core import Core
from storage import Store

__all__ = ["database_for", "new_core", "run_backend", "sweep"]

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
    """Increase the rate until a step is not sustained (one failing step is kept, to show the knee)."""
    steps: list[Step] = []
    for rate in rates:
        step = await drive(core, stream, rate, seconds, p99_limit_ms=P99_LIMIT_MS)
        steps.append(step)
        logging.getLogger("bench").info("  %s msg/s offered -> %s", rate, step.summary())
        if not step.sustained:
            break
    return steps


def best_sustained(steps: Sequence[Step]) -> float:
    """The highest offered rate that was sustained (0 if none)."""
    return max((s.offered_per_s for s in steps if s.sustained), default=0.0)


async def _warm(core: Core, stream: Stream, n: int = 300) -> None:
    for _ in range(n):
        await core.handle(next(stream).event)


async def _ab(plain: Core, proposed: Core, slugs: list[str], messages: int, rounds: int) -> dict[str, Any]:
    """The current core against the proposed hot path, alternating A/B rounds (best of each) so that a
    machine whose load drifts during the run does not favour whichever went first."""
    out: dict[str, Any] = {}
    for concurrency in (1, 64):
        best: dict[str, float] = {"current": 0.0, "proposed": 0.0}
        for r in range(rounds):
            for label, core in (("current", plain), ("proposed", proposed)):
                stream = Stream(slugs, run=f"ab{label}{concurrency}r{r}", seed=31 + r)
                got = await saturate(core, stream, messages, concurrency)
                best[label] = max(best[label], got["msgs_per_s"])
        out[f"in_flight_{concurrency}"] = {**best, "gain": round(best["proposed"] / max(best["current"], 0.1), 2)}
    out["messages_per_round"] = messages
    out["rounds"] = rounds
    return out


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
            steps = await sweep(core, stream, rates, seconds)
            out["rules_only"] = {"steps": [s.summary() for s in steps], "best_sustained": best_sustained(steps)}
            out["rules_only"]["saturation"] = await saturate(core, stream, sat)
            out["raw_baseline"] = await raw_inserts(url, 1_000 if quick else 3_000)
            released = [r for s in steps for r in s.released]
            out["endorsements_50_members"] = await endorsements_per_second(
                core, url, released, per_member=8 if quick else 20
            )
            popular = await _announce(core, slugs[0], "Popular")
            storm_target = await _announce(core, slugs[1], "Contested")
            out["burst"] = await burst([core], slugs[0], popular, members=500)
            out["burst_deferred_audit"] = await _deferred_burst(url, core, clock, n_communities, slugs[2])
            out["flag_storm"] = await flag_storm([core], slugs[1], storm_target, members=50)
            out["reminders"] = await reminders([core], [clock])
            async with store.transaction() as tx:
                out["audit_chain_problems"] = len(await tx.verify_audit())
            out["stats"] = dict(core.stats)

            # The model detector (the transformer stage), when it loads: full sweep, or saturation only (quick).
            model_core = await new_core(store, n_communities, rules_only=False, clock=clock)
            detector: Any = model_core.detector  # the staged Detector, beyond the core's protocol
            status = detector.model_status
            out["model_status"] = status
            if status == "loaded":
                detector.detect(announcement_text(random.Random(1), "Warmup"))
                mstream = Stream(slugs, run="m", seed=11)
                await _warm(model_core, mstream, 100)
                msteps = [] if quick else await sweep(model_core, mstream, rates, seconds)
                out["model"] = {"steps": [s.summary() for s in msteps], "best_sustained": best_sustained(msteps)}
                out["model"]["saturation"] = await saturate(model_core, mstream, sat)
                out["model"]["stats"] = dict(model_core.stats)

            # The proposed hot-path changes (bench/experiments.py) against the current core, A/B.
            proposed = await new_core(store, n_communities, rules_only=True, clock=clock)
            experiments.apply(proposed)
            await _warm(proposed, Stream(slugs, run="p", seed=13), 100)
            out["proposed_ab"] = await _ab(core, proposed, slugs, 500 if quick else 2_000, 1 if quick else 2)
            if not quick:  # where the knee moves with the proposed changes
                psteps = await sweep(proposed, Stream(slugs, run="ps", seed=17), rates, seconds)
                out["proposed"] = {"steps": [s.summary() for s in psteps], "best_sustained": best_sustained(psteps)}
        finally:
            await store.close()
    return out


async def _deferred_burst(url: str, core: Core, clock: ManualClock, n: int, slug: str) -> dict[str, Any]:
    """The same burst through a core whose store appends audit events at COMMIT (experiments.defer_audit)."""
    target = await _announce(core, slug, "PopularDeferred")
    store = Store.from_url(url)
    try:
        experiments.defer_audit(store)
        deferred = await new_core(store, n, rules_only=True, clock=clock)
        return await burst([deferred], slug, target, members=500, tag="deferred")
    finally:
        await store.close()


async def _announce(core: Core, slug: str, name: str) -> int:
    """Announce one release in `slug` and return its id (the target of a burst or a storm)."""
    from bench.load import prompt_release
    from moderation.events import Actor, MessagePosted

    chat = releases_chat(slug)
    text = announcement_text(random.Random(name), f"{name}Model")
    ev = MessagePosted(f"{chat.chat_id}:{name}", chat, f"ann-{name}", Actor("console", f"maker-{name}", name), text)
    rid = prompt_release(await core.handle(ev))
    if rid is None:
        raise RuntimeError(f"the {name} announcement was not detected; the benchmark stream is broken")
    return rid
