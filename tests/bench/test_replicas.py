"""Three replica processes on one PostgreSQL database, tiny sizes: nothing lost or doubled."""

from __future__ import annotations

import pytest

from bench.replicas import run_replicas
from storage import Store

# Slow (three replicas racing on PostgreSQL): deselected by a developer's `make test`, always run by CI.
pytestmark = pytest.mark.slow


async def test_three_replicas_record_everything_exactly_once(pg_store: Store) -> None:
    """Load, a 30-member burst and a 6-member flag storm split over 3 processes (duplicates land on other
    replicas), then all three run the due jobs: rows and audit events match exactly."""
    url = pg_store.engine.url.render_as_string(hide_password=False)
    out = await run_replicas(
        replicas=3, n_communities=6, messages=40, members=30, flaggers=6, rates=(20.0,), seconds=1.0, url=url
    )
    assert out["messages"] == 120
    # One open-loop step at 3 × 20 msg/s: every replica's messages counted, none failed.
    (step,) = out["steps"]
    assert step["offered_per_s"] == 60.0
    assert step["errors"] == 0
    assert step["achieved_per_s"] > 0
    assert all(r["errors"] == 0 for r in out["per_replica"])
    assert (out["burst"]["rows"], out["burst"]["audit_events"], out["burst"]["exactly_once"]) == (30, 30, True)
    assert (out["flag_storm"]["rows"], out["flag_storm"]["exactly_once"]) == (6, True)
    # The baseline burst (no cap on units of work in flight) is held to the same exactly-once standard.
    uncapped = out["burst_uncapped"]
    assert (uncapped["rows"], uncapped["audit_events"], uncapped["exactly_once"]) == (30, 30, True)
    assert (uncapped["flag_storm"]["rows"], uncapped["flag_storm"]["exactly_once"]) == (6, True)
    reminders = out["reminders"]
    assert reminders["expected"] > 0
    assert reminders["exactly_once"] is True
    assert sum(reminders["per_replica"]) == reminders["expected"]
    assert out["audit_chain_problems"] == 0
