"""The load generator: a multi-community stream replayed into `Core.handle` at increasing rates.

Path: console events (`bench.stream`, the events `bot.console.ConsoleSession` builds) handed directly to
`Core.handle`, the single entry point every adapter calls; the transcript rendering is not measured.

Each step offers messages open-loop at a fixed rate (a message is handed to the core when its time comes,
whether or not earlier ones are done), so queueing shows up as latency instead of silently lowering the
rate. Announcement-to-prompt latency is the time from the `handle(MessagePosted)` call to its return with
the prompt `Send`; a step is sustained when ≥ 95% of the offered rate is achieved without errors and the p99
of that latency (over at least one prompt) is within the limit. After the steps, a burst of 500 members
endorses one popular release at once (plus duplicate deliveries and repeats), 50 members flag another, and
the reminders are run; `verify` then counts rows and audit events so that nothing lost or doubled goes
unnoticed.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from bench.stream import Planned, Stream, endorse_event, flag_event
from moderation.core import Core
from moderation.kernel.actions import Action, Reply, Send
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import CoreEvent
from storage import Store

__all__ = [
    "Step",
    "burst",
    "burst_events",
    "drive",
    "expected_reminders",
    "fire",
    "flag_storm",
    "percentile",
    "prompt_release",
    "reminder_audit",
    "reminders",
    "run_until_idle",
    "saturate",
    "share",
    "storm_events",
    "verify_endorsements",
    "verify_flags",
]

_ERROR_TITLES = ("Something went wrong", "Not recorded yet")


def percentile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (0..1) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def prompt_release(actions: Iterable[Action]) -> int | None:
    """The release id of the review prompt among `actions`, if there is one."""
    for a in actions:
        if isinstance(a, Send) and a.key and a.key.startswith("prompt:"):
            return int(a.key.partition(":")[2])
    return None


def _is_error(actions: Iterable[Action]) -> bool:
    return any(isinstance(a, Reply) and a.card.title in _ERROR_TITLES for a in actions)


@dataclass
class Step:
    """One rate step of the load generator."""

    offered_per_s: float
    messages: int
    seconds: float
    achieved_per_s: float
    announcements: int
    prompts: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    dispatch_lag_ms: float
    sustained: bool = False
    released: list[tuple[str, int]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The figures, without the list of created releases."""
        out = asdict(self)
        out.pop("released")
        return out


async def _timed(core: Core, planned: Planned) -> tuple[float, int | None, bool, bool]:
    t0 = time.perf_counter()
    try:
        actions = await core.handle(planned.event)
    except Exception:  # the core promises never to raise; if it does, it is an error we count
        return time.perf_counter() - t0, None, True, planned.announcement
    return time.perf_counter() - t0, prompt_release(actions), _is_error(actions), planned.announcement


async def drive(core: Core, stream: Stream, rate: float, seconds: float, *, p99_limit_ms: float = 250.0) -> Step:
    """Offer `rate` messages per second for `seconds` (open loop) and measure what the core made of it."""
    n = max(1, int(rate * seconds))
    planned = [next(stream) for _ in range(n)]
    errors_before = core.stats["store_errors"] + core.stats["internal_errors"]
    tasks: list[asyncio.Task[tuple[float, int | None, bool, bool]]] = []
    lag = 0.0
    start = time.perf_counter()
    for i, p in enumerate(planned):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0.001:
            await asyncio.sleep(delay)
        else:
            lag = max(lag, -delay)
        tasks.append(asyncio.create_task(_timed(core, p)))
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    ann_lat = [lat * 1000 for lat, rid, _, ann in results if rid is not None]
    released = [
        (p.event.chat.space_id or "", rid)
        for p, (_, rid, _, _) in zip(planned, results, strict=True)
        if rid is not None
    ]
    errors = sum(1 for _, _, err, _ in results if err)
    errors = max(errors, core.stats["store_errors"] + core.stats["internal_errors"] - errors_before)
    step = Step(
        offered_per_s=rate,
        messages=n,
        seconds=round(elapsed, 3),
        achieved_per_s=round(n / elapsed, 1),
        announcements=sum(1 for p in planned if p.announcement),
        prompts=len(ann_lat),
        p50_ms=round(statistics.median(ann_lat), 1) if ann_lat else 0.0,
        p99_ms=round(percentile(ann_lat, 0.99), 1),
        max_ms=round(max(ann_lat), 1) if ann_lat else 0.0,
        errors=errors,
        dispatch_lag_ms=round(lag * 1000, 1),
        released=released,
    )
    # A step without a single prompt measured no announcement latency, so it cannot show p99 ≤ the limit.
    step.sustained = (
        step.achieved_per_s >= 0.95 * rate and step.prompts > 0 and step.p99_ms <= p99_limit_ms and errors == 0
    )
    return step


async def saturate(core: Core, stream: Stream, messages: int, concurrency: int = 64) -> dict[str, Any]:
    """Closed loop: `concurrency` workers hand messages to the core as fast as it answers."""
    planned = [next(stream) for _ in range(messages)]
    queue: asyncio.Queue[Planned] = asyncio.Queue()
    for p in planned:
        queue.put_nowait(p)
    lat: list[float] = []
    errors = 0
    before = Counter({k: core.stats[k] for k in ("store_errors", "internal_errors")})

    async def worker() -> None:
        nonlocal errors
        while not queue.empty():
            took, rid, err, _ = await _timed(core, queue.get_nowait())
            errors += err
            if rid is not None:
                lat.append(took * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "messages": messages,
        "concurrency": concurrency,
        "msgs_per_s": round(messages / elapsed, 1),
        "prompts": len(lat),
        "p50_ms": round(statistics.median(lat), 1) if lat else 0.0,
        "p99_ms": round(percentile(lat, 0.99), 1),
        "errors": errors,
        "error_kinds": {k: core.stats[k] - before[k] for k in before if core.stats[k] - before[k]},
    }


def burst_events(slug: str, release_id: int, members: int = 500, *, tag: str = "b") -> list[CoreEvent]:
    """`members` distinct members endorse one release; every 5th endorsement is delivered twice (same event id:
    a platform retry) and every 10th member endorses again (new event id: a double click)."""
    events: list[CoreEvent] = []
    for i in range(members):
        ev = endorse_event(slug, f"fan{tag}{i}", release_id, f"{tag}-e{i}")
        events.append(ev)
        if i % 5 == 0:
            events.append(ev)
        if i % 10 == 0:
            events.append(endorse_event(slug, f"fan{tag}{i}", release_id, f"{tag}-e{i}-again"))
    return events


def storm_events(slug: str, release_id: int, members: int = 50, *, tag: str = "f") -> list[CoreEvent]:
    """`members` distinct members flag one release, each flag delivered twice."""
    events: list[CoreEvent] = []
    for i in range(members):
        ev = flag_event(slug, f"critic{tag}{i}", release_id, f"{tag}-f{i}")
        events += [ev, ev]
    return events


def share(events: Sequence[CoreEvent], index: int, replicas: int) -> list[CoreEvent]:
    """The events replica `index` of `replicas` receives (round robin, so duplicates land on different ones)."""
    return list(events[index::replicas])


async def fire(core: Core, events: Sequence[CoreEvent]) -> dict[str, int]:
    """Hand all `events` to the core at once; count the reply titles (what people would have seen)."""
    results = await asyncio.gather(*(core.handle(e) for e in events))
    outcomes: Counter[str] = Counter()
    for actions in results:
        replies = [a.card.title for a in actions if isinstance(a, Reply)]
        outcomes[replies[0] if replies else "(no reply: replayed delivery)"] += 1
    return dict(outcomes)


async def _audit_events(store: Store, community_id: int) -> list[Any]:
    async with store.transaction() as tx:
        return list(await tx.audit_log.events(community_id))


async def verify_endorsements(store: Store, community_id: int, release_id: int, members: int) -> dict[str, Any]:
    """Rows and audit events after a burst: both must equal `members`."""
    async with store.transaction() as tx:
        rows = await tx.endorsements.count(release_id)
    events = await _audit_events(store, community_id)
    audits = sum(1 for e in events if e.action == "endorsement.added" and e.subject == f"R{release_id}")
    endorsed = sum(1 for e in events if e.action == "release.endorsed" and e.subject == f"R{release_id}")
    return {
        "rows": rows,
        "audit_events": audits,
        "exactly_once": rows == members and audits == members,
        "endorsed_transitions": endorsed,
        "transition_once": endorsed == 1,
    }


async def verify_flags(store: Store, community_id: int, release_id: int, members: int) -> dict[str, Any]:
    """Flag rows, `flag.filed` events (distinct flags) and a single `release.flagged` transition."""
    async with store.transaction() as tx:
        rows = len(await tx.flags.of_release(release_id))
    events = await _audit_events(store, community_id)
    filed = [e.subject for e in events if e.action == "flag.filed" and e.payload.get("release") == release_id]
    flagged = sum(1 for e in events if e.action == "release.flagged" and e.subject == f"R{release_id}")
    ok = rows == members and len(filed) == members and len(set(filed)) == members
    return {
        "rows": rows,
        "audit_events": len(filed),
        "exactly_once": ok,
        "flagged_transitions": flagged,
        "transition_once": flagged == 1,
    }


async def _timed_fire(cores: Sequence[Core], events: Sequence[CoreEvent]) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    fired = await asyncio.gather(*(fire(c, share(events, i, len(cores))) for i, c in enumerate(cores)))
    elapsed = time.perf_counter() - start
    outcomes: Counter[str] = Counter()
    for o in fired:
        outcomes.update(o)
    return elapsed, dict(outcomes)


async def burst(
    cores: Sequence[Core], slug: str, release_id: int, members: int = 500, *, tag: str = "b"
) -> dict[str, Any]:
    """The endorsement burst through `cores` (one or several in this process), then its verification;
    `tag` keeps the event ids of two bursts in one database apart."""
    events = burst_events(slug, release_id, members, tag=tag)
    elapsed, outcomes = await _timed_fire(cores, events)
    async with cores[0].store.transaction() as tx:
        cid = await cores[0].community_id(tx, slug)
    checked = await verify_endorsements(cores[0].store, cid, release_id, members)
    return {
        "release": f"R{release_id}", "members": members, "events_sent": len(events), "seconds": round(elapsed, 3),
        "per_s": round(members / elapsed, 1), "outcomes": outcomes, **checked,
    }  # fmt: skip


async def flag_storm(cores: Sequence[Core], slug: str, release_id: int, members: int = 50) -> dict[str, Any]:
    """The flag storm through `cores`, then its verification."""
    events = storm_events(slug, release_id, members)
    elapsed, outcomes = await _timed_fire(cores, events)
    async with cores[0].store.transaction() as tx:
        cid = await cores[0].community_id(tx, slug)
    checked = await verify_flags(cores[0].store, cid, release_id, members)
    return {
        "release": f"R{release_id}", "members": members, "events_sent": len(events), "seconds": round(elapsed, 3),
        "per_s": round(members / elapsed, 1), "outcomes": outcomes, **checked,
    }  # fmt: skip


async def expected_reminders(store: Store) -> set[str]:
    """Releases that should get exactly one 24h reminder: in review, with a pending reminder job."""
    async with store.transaction() as tx:
        pending = {j.subject for j in await tx.jobs.all("pending") if j.kind == "review_reminder"}
        out = set()
        for subject in pending:
            release = await tx.releases.get_any(int(subject))
            if release is not None and release.status == "in_review":
                out.add(f"R{subject}")
    return out


async def run_until_idle(core: Core, max_rounds: int = 100) -> list[Action]:
    """Call `run_due_jobs` until no due job is left: one call handles at most one batch (100 jobs), as the
    scheduler's next wake-up would pick up the rest."""
    actions: list[Action] = []
    for _ in range(max_rounds):
        actions += await core.run_due_jobs()
        async with core.store.transaction() as tx:
            if not await tx.jobs.due(core.clock(), limit=1):
                break
    return actions


async def reminders(cores: Sequence[Core], clocks: Sequence[ManualClock], hours: float = 25) -> dict[str, Any]:
    """Advance every replica's clock, run due jobs on all of them at once, and count reminders."""
    store = cores[0].store
    expected = await expected_reminders(store)
    for clock in clocks:
        clock.advance(timedelta(hours=hours))
    start = time.perf_counter()
    outs = await asyncio.gather(*(run_until_idle(c) for c in cores))
    elapsed = time.perf_counter() - start
    sent = [a.card.title for out in outs for a in out if isinstance(a, Send) and a.card.title.startswith("Reminder")]
    return {"expected": len(expected), "sent": len(sent), "seconds": round(elapsed, 3), **await reminder_audit(store)}


async def reminder_audit(store: Store) -> dict[str, Any]:
    async with store.transaction() as tx:
        ids = [c.id for c in await tx.communities.all()]
    counts: Counter[str] = Counter()
    for cid in ids:
        async with store.transaction() as tx:
            for e in await tx.audit_log.events(cid):
                if e.action == "review.reminded":
                    counts[e.subject] += 1
    return {"audited": sum(counts.values()), "doubled": sum(1 for v in counts.values() if v > 1)}
