"""Scheduled jobs survive a replica that died holding them (both backends).

A replica claims a due job (pending -> running, committed) and runs it in a second unit of work. If it dies in
between, the row stays `running`; after `STALE_CLAIM` any replica returns it to pending and runs it once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.wiring import build_core
from moderation.core import Core
from moderation.jobs import STALE_CLAIM
from moderation.kernel.actions import Action
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import GOOD, Chat, community, sends


@pytest.fixture
async def core(store: Store) -> Core:
    return await build_core(store, [community()], clock=ManualClock(), rules_only=True, migrate=False)


def _reminders(actions: list[Action]) -> list[str]:
    return [s.card.title for s in sends(actions) if s.card.title.startswith("Reminder")]


async def test_job_claimed_by_a_dead_replica_runs_once_after_the_stale_window(core: Core, store: Store) -> None:
    clock = core.clock
    assert isinstance(clock, ManualClock)
    chat = Chat(core, clock)
    await chat.say("ada", GOOD, message_id="ann1")
    clock.advance(timedelta(hours=25))
    async with store.transaction() as tx:
        due = [j for j in await tx.jobs.due(clock()) if j.kind == "review_reminder"]
        assert len(due) == 1
        assert await tx.jobs.claim(due[0].id, "replica-that-dies", clock())
    # The dead replica's claim is fresh: nobody else runs the job yet.
    assert _reminders(await core.run_due_jobs()) == []
    clock.advance(STALE_CLAIM + timedelta(minutes=1))
    assert len(_reminders(await core.run_due_jobs())) == 1
    assert _reminders(await core.run_due_jobs()) == []
    async with store.transaction() as tx:
        job = next(j for j in await tx.jobs.all() if j.id == due[0].id)
        assert job.state == "done" and job.claimed_by == core.worker_id
