"""The load generator on tiny sizes, on SQLite and PostgreSQL: what it claims to check, it checks.

No timings are asserted (the machine is shared); the assertions are about rows and audit events: a burst
with duplicate deliveries and double clicks records each endorsement exactly once, a flag storm each flag
once, and the 24h reminders fire once per release in review.
"""

from __future__ import annotations

from pathlib import Path

from bench.load import burst, drive, flag_storm, percentile, reminders
from bench.scenario import _announce, new_core, store_path_ab
from bench.stream import Stream
from moderation.kernel.clock import ManualClock
from storage import Store


def test_percentile_is_nearest_rank() -> None:
    """p50 of 1..100 is 50, p99 is 99, p100 the maximum; no values gives 0."""
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([], 0.99) == 0.0


def test_stream_is_seeded_and_announces_about_the_share() -> None:
    """Two streams with one seed are equal; about 2% of messages are written as announcements."""
    a = [next(Stream(["c0000", "c0001"], seed=3)) for _ in range(1)]
    b = [next(Stream(["c0000", "c0001"], seed=3)) for _ in range(1)]
    assert a == b
    stream = Stream([f"c{i:04d}" for i in range(5)], share=0.02, seed=4)
    share = sum(next(stream).announcement for _ in range(5_000)) / 5_000
    assert 0.01 < share < 0.03


async def test_load_burst_storm_and_reminders_exactly_once(store: Store) -> None:
    """Open-loop load, then a 40-member burst (with retries and double clicks), an 8-member flag storm and
    the reminders: every count matches, the audit chain verifies."""
    clock = ManualClock()
    core = await new_core(store, 4, rules_only=True, clock=clock)
    slugs = list(core.communities)
    step = await drive(core, Stream(slugs, share=0.1, seed=5), rate=400, seconds=0.25)
    assert step.messages == 100
    assert step.errors == 0
    assert step.prompts == len(step.released) > 0

    popular = await _announce(core, slugs[0], "Popular")
    contested = await _announce(core, slugs[1], "Contested")
    endorsed = await burst([core], slugs[0], popular, members=40)
    assert endorsed["rows"] == 40
    assert endorsed["audit_events"] == 40
    assert endorsed["exactly_once"] is True
    # 40 first endorsements; the 8 retried deliveries and 4 double clicks get silence or "already endorsed"
    # (which one depends on which of the concurrent copies ran first), never a second endorsement.
    outcomes = endorsed["outcomes"]
    assert outcomes.pop("Endorsed") == 40
    assert set(outcomes) <= {"(no reply: replayed delivery)", "Can't do that"}
    assert sum(outcomes.values()) == 12

    flagged = await flag_storm([core], slugs[1], contested, members=8)
    assert (flagged["rows"], flagged["audit_events"], flagged["exactly_once"]) == (8, 8, True)

    fired = await reminders([core], [clock])
    assert fired["expected"] > 0
    assert fired["sent"] == fired["expected"] == fired["audited"]
    assert fired["doubled"] == 0
    async with store.transaction() as tx:
        assert await tx.audit_log.verify() == []


async def test_inline_prefilter_decides_like_the_detector() -> None:
    """The detector's async path (the pre-filter inline on the loop, only candidates handed to the worker)
    gives the same verdict as its synchronous path on every message of the benchmark stream, and what the
    pre-filter rejects is decided by the pre-filter alone."""
    from moderation.detection import Detector, prefilter_passes

    detector = Detector(use_model=False)
    stream = Stream([f"c{i:04d}" for i in range(3)], share=0.05, seed=8)
    items = [(p.event.text, tuple(a.name for a in p.event.attachments)) for p in (next(stream) for _ in range(400))]
    inline = [(await detector.adetect_many([item]))[0] for item in items]
    batched = await detector.adetect_many(items)
    sync = detector.detect_many(items)
    verdicts = [(d.is_release, d.stage) for d in sync]
    assert [(d.is_release, d.stage) for d in inline] == verdicts
    assert [(d.is_release, d.stage) for d in batched] == verdicts
    rejected = [not prefilter_passes(text, atts) for text, atts in items]
    assert [d.stage == "prefilter" for d in sync] == rejected
    assert any(rejected)
    assert any(d.is_release for d in sync)


async def test_store_path_ab_runs_both_sqlite_paths_on_one_file(tmp_path: Path) -> None:
    """The store-path A/B drives the inline core and a core over aiosqlite's thread path on the same file,
    at 1 and 64 in flight, and reports msg/s, the ratio and the errors of each; the audit chain verifies."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ab.db'}"
    store = Store.from_url(url)
    try:
        await store.upgrade()
        await new_core(store, 4, rules_only=True, clock=ManualClock())  # communities and chats, as the load run
    finally:
        await store.close()
    out = await store_path_ab(url, 4, messages=60, rounds=2)
    assert (out["rounds"], out["messages_per_round"]) == (2, 60)
    for key in ("in_flight_1", "in_flight_64"):
        row = out[key]
        assert row["inline"]["msgs_per_s"] > 0
        assert row["thread"]["msgs_per_s"] > 0
        assert row["ratio"] == round(row["inline"]["msgs_per_s"] / row["thread"]["msgs_per_s"], 2)
        assert row["inline"]["errors"] == 0  # the inline path serialises; nothing may be refused
        assert {"errors", "store_errors", "internal_errors", "retries", "p99_ms"} <= set(row["thread"])
        assert len(row["inline"]["per_round"]) == len(row["thread"]["per_round"]) == 2
    assert out["audit_chain_problems"] == 0
