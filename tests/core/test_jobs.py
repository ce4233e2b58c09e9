"""Scheduled work: reminders, deadlines, escalation, digests; restarts; exactly once across replicas."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from bot.wiring import build_core
from moderation.kernel.actions import Send
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.conftest import REPO_ROOT
from tests.core.harness import GOOD, Chat, community


def titles(actions: list) -> list[str]:  # type: ignore[type-arg]
    return [a.card.title for a in actions if isinstance(a, Send)]


async def test_reminder_then_deadline(chat: Chat) -> None:
    """At 24h reviewers are reminded; at 72h moderators hear the window closed."""
    await chat.say("ada", GOOD)
    chat.clock.advance(timedelta(hours=25))
    assert any("Reminder: R1" in t for t in titles(await chat.core.run_due_jobs()))
    chat.clock.advance(timedelta(hours=48))
    fired = titles(await chat.core.run_due_jobs())
    assert any("Review window closed for R1" in t for t in fired)
    assert await chat.core.run_due_jobs() == []


async def test_job_rechecks_state_before_acting(chat: Chat) -> None:
    """A release endorsed before its reminder gets no reminder and no deadline notice."""
    await chat.say("ada", GOOD)
    await chat.cmd("bo", "/endorse R1")
    await chat.cmd("cy", "/endorse R1")
    chat.clock.advance(timedelta(days=4))
    assert not [t for t in titles(await chat.core.run_due_jobs()) if "R1" in t]


async def test_stale_flag_is_escalated_unless_resolved(chat: Chat) -> None:
    """An open flag escalates after 48h; a resolved one does not."""
    await chat.say("ada", GOOD)
    await chat.cmd("bo", "/flag R1 credit-base-model vague")
    await chat.cmd("cy", "/flag R1 own-hash-published none")
    await chat.cmd("mia", "/resolve F2 dismissed it is there")
    chat.clock.advance(timedelta(hours=49))
    fired = titles(await chat.core.run_due_jobs())
    assert any("F1" in t for t in fired)
    assert not any("F2" in t for t in fired)


async def test_weekly_digest_lists_newly_endorsed(chat: Chat) -> None:
    """After a week the digest names the releases endorsed that week."""
    await chat.say("ada", GOOD)
    await chat.cmd("bo", "/endorse R1")
    await chat.cmd("cy", "/endorse R1")
    chat.clock.advance(timedelta(days=7, minutes=1))
    digests = [a for a in await chat.core.run_due_jobs() if isinstance(a, Send) and "This week" in a.card.title]
    assert len(digests) == 1 and "Neon Dreams" in digests[0].card.body


async def test_missed_job_fires_once_after_restart(store: Store, clock: ManualClock) -> None:
    """A reminder due while the bot was down fires once on the next start, and never again."""
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    await Chat(core, clock).say("ada", GOOD)
    clock.advance(timedelta(hours=30))
    restarted = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    assert any("Reminder" in t for t in titles(await restarted.run_due_jobs()))
    again = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    assert not any("Reminder" in t for t in titles(await again.run_due_jobs()))


WORKER = """
import asyncio, sys
from datetime import datetime
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import community

async def main():
    store = Store.from_url(sys.argv[1])
    clock = ManualClock(datetime.fromisoformat(sys.argv[2]))
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False,
                            worker_id=sys.argv[3])
    n = 0
    for _ in range(5):
        n += len(await core.run_due_jobs())
    print(n)
    await store.close()

asyncio.run(main())
"""


@pytest.mark.slow
async def test_three_replicas_fire_each_job_exactly_once(pg_store: Store, clock: ManualClock) -> None:
    """Three processes sharing PostgreSQL race for 40 due reminders: each fires exactly once."""
    store = pg_store
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    for i in range(40):
        await chat.say(f"maker{i}", GOOD.replace("Neon Dreams", f"Model {i}"))
    clock.advance(timedelta(hours=25))
    url = store.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            url,
            clock().isoformat(),
            f"replica-{i}",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(REPO_ROOT),
        )
        for i in range(3)
    ]
    outputs = [await p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1].decode()[-2000:] for o in outputs]
    posted = sum(int(out.decode().strip().splitlines()[-1]) for out, _ in outputs)
    async with store.transaction() as tx:
        (c,) = [c for c in await tx.communities.all() if c.slug == "forge"]
        reminded = [e for e in await tx.audit_log.events(c.id) if e.action == "review.reminded"]
        reminders = [j for j in await tx.jobs.all() if j.kind == "review_reminder" and j.state == "done"]
        workers = {j.claimed_by for j in reminders}
    assert len(reminded) == 40
    assert len({e.subject for e in reminded}) == 40
    assert posted == 40  # one reminder message per release, across all replicas
    assert len(reminders) == 40
    assert workers <= {"replica-0", "replica-1", "replica-2"}


@pytest.mark.slow
async def test_more_due_jobs_than_one_batch_all_run(chat: Chat) -> None:
    """After long downtime, 120 due reminders (more than a batch of 100) all fire in one run."""
    for i in range(120):
        await chat.say(f"maker{i}", GOOD.replace("Neon Dreams", f"Model {i}"))
    chat.clock.advance(timedelta(hours=25))
    fired = [t for t in titles(await chat.core.run_due_jobs()) if t.startswith("Reminder")]
    assert len(fired) == 120
