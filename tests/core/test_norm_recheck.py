"""After a norm change: `/norms set` offers to re-check the open releases, the button queues one background job
per revision (moderators only, idempotent), the job re-checks in batches, edits prompts, tells creators whose
result changed and reports a summary; `/norms simulate` answers with what a draft would change.

Real core, real store (SQLite and PostgreSQL), real norm packs; nothing of ours is mocked."""

from __future__ import annotations

import pytest

from moderation.kernel.actions import Action, DirectMessage, Edit, Reply, Send
from moderation.norms_admin import recheck
from storage import Store
from tests.core.harness import GOOD, Chat, reply_text

TRIGGER_PACK = """schema_version: 1
id: forge
version: 2.0.0
extends: [baseline]
norms:
  - id: forge-trigger
    need: credit
    severity: block
    title: Name the trigger words
    fix: 'Add "Trigger: <word>" to the announcement.'
    require: [trigger_words]
"""
NO_TRIGGER = GOOD.replace("Trigger: `neondrm`. ", "")


async def _three_releases(chat: Chat) -> None:
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.say("bea", NO_TRIGGER.replace("Neon Dreams", "Quiet Fields"), message_id="ann2")
    await chat.say("cy", NO_TRIGGER.replace("Neon Dreams", "Loud Colours"), message_id="ann3")


async def _adopt(chat: Chat) -> Reply:
    actions = await chat.cmd("mia", "/norms set", attachment_texts={"forge.yaml": TRIGGER_PACK})
    replies = [a for a in actions if isinstance(a, Reply)]
    assert len(replies) == 1, reply_text(actions)
    return replies[0]


def _dms(actions: list[Action]) -> list[DirectMessage]:
    return [a for a in actions if isinstance(a, DirectMessage)]


async def test_norms_set_offers_the_recheck_and_the_job_reports(chat: Chat, store: Store) -> None:
    await _three_releases(chat)
    answer = await _adopt(chat)
    assert [b.label for b in answer.buttons] == ["Re-check 3 open releases"]
    payload = answer.buttons[0].payload

    assert "Only moderators" in reply_text(await chat.press("bo", payload))  # members may not
    assert await chat.core.run_due_jobs() == []  # and their press queued nothing

    queued = reply_text(await chat.press("mia", payload, event_id="press-1"))
    assert "Re-checking 3 open release(s) against revision #1" in queued
    assert await chat.press("mia", payload, event_id="press-1") == []  # the same event replayed: nothing
    again = reply_text(await chat.press("mia", payload, event_id="press-2"))
    assert "asked for already" in again and "under way" in again

    actions = await chat.core.run_due_jobs()
    edits = [a for a in actions if isinstance(a, Edit)]
    assert len(edits) == 3  # every prompt refreshed in place
    assert all("forge 2.0.0" in e.card.as_text() for e in edits)
    dms = _dms(actions)
    assert sorted(d.user_id for d in dms) == ["bea", "cy"]  # ada's results did not change
    text = dms[0].card.as_text()
    assert "Now not met: Name the trigger words" in text and 'How to fix: Add "Trigger: <word>"' in text
    assert "in review → changes requested" in text
    summaries = [a for a in actions if isinstance(a, Send)]
    assert sorted(s.chat.chat_id for s in summaries) == ["releases", "releases-mods"]
    assert "3 checked, 2 changed, 2 now failing" in summaries[0].card.title

    assert await chat.core.run_due_jobs() == []  # done once
    done = reply_text(await chat.press("mia", payload, event_id="press-3"))
    assert "it is done: 3 checked, 2 changed, 2 now failing" in done
    status = reply_text(await chat.cmd("mia", "/release show R2"))
    assert "changes requested" in status
    async with store.transaction() as tx:
        jobs = [j for j in await tx.jobs.all() if j.kind == recheck.JOB_KIND]
        assert [j.state for j in jobs] == ["done"]
        actions_audited = [e.action for e in await tx.audit_log.events(await chat.core.community_id(tx, "forge"))]
    assert actions_audited.count("norms.recheck_requested") == 1
    assert actions_audited.count("norms.rechecked") == 1


async def test_a_run_in_small_batches_resumes_and_tells_each_creator_once(
    chat: Chat, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 1 and no time share: every tick does one batch and hands the job back; the counters and the
    notices add up to the same as one run, and the summary comes once."""
    monkeypatch.setattr(recheck, "BATCH", 1)
    monkeypatch.setattr(recheck, "TIME_SHARE", -1.0)
    await _three_releases(chat)
    answer = await _adopt(chat)
    await chat.press("mia", answer.buttons[0].payload)
    seen: list[Action] = []
    for _ in range(6):
        seen += await chat.core.run_due_jobs()
    assert sorted(d.user_id for d in _dms(seen)) == ["bea", "cy"]
    summaries = [a for a in seen if isinstance(a, Send)]
    assert len(summaries) == 2 and "3 checked, 2 changed, 2 now failing" in summaries[0].card.title
    async with store.transaction() as tx:
        assert [j.state for j in await tx.jobs.all() if j.kind == recheck.JOB_KIND] == ["done"]


async def test_a_button_of_an_older_revision_is_refused(chat: Chat) -> None:
    await _three_releases(chat)
    first = await _adopt(chat)
    await _adopt(chat)  # revision 2
    refused = reply_text(await chat.press("mia", first.buttons[0].payload))
    assert "changed again since revision #1" in refused
    assert await chat.core.run_due_jobs() == []


async def test_no_open_release_no_button(chat: Chat) -> None:
    answer = await _adopt(chat)
    assert answer.buttons == () and "nothing to re-check" in answer.card.as_text()


async def test_norms_simulate_summarises_without_adopting(chat: Chat) -> None:
    await _three_releases(chat)
    broken = reply_text(
        await chat.cmd("mia", "/norms simulate", attachment_texts={"draft.yaml": "schema_version: 1\nnorms: ["})
    )
    assert "nothing was changed" in broken and "draft.yaml:2:" in broken  # file:line:column
    answer = reply_text(await chat.cmd("mia", "/norms simulate", attachment_texts={"draft.yaml": TRIGGER_PACK}))
    assert "forge 2.0.0 would change 2 of 3 open release(s); 2 would newly miss a norm" in answer
    assert "forge-trigger: — → fail on 2 (R2, R3)" in answer
    assert "Nothing was adopted" in answer
    assert "No revisions" in reply_text(await chat.cmd("mia", "/norms history"))
    assert "Only moderators" in reply_text(
        await chat.cmd("bo", "/norms simulate", attachment_texts={"draft.yaml": TRIGGER_PACK})
    )
    assert "Attach the norm file" in reply_text(await chat.cmd("mia", "/norms simulate"))


async def test_the_mod_log_gets_the_consequences_and_the_summary_once(store: Store, clock: object) -> None:
    """With a log chat: the re-check's automatic moves and its summary are posted there, once."""
    from bot.wiring import build_core
    from moderation.kernel.clock import ManualClock
    from tests.core.harness import community
    from tests.core.test_modlog import logged, text_of, with_log

    assert isinstance(clock, ManualClock)
    core = await build_core(store, [with_log(community())], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await _three_releases(chat)
    answer = await _adopt(chat)
    await chat.press("mia", answer.buttons[0].payload)
    text = text_of(logged(await core.run_due_jobs()))
    assert "R2: changes requested by the norm check (a block norm fails)" in text
    assert "Open releases re-checked after the norm change (pack:1): 3 checked, 2 changed, 2 now failing" in text
    assert text.count("re-checked after the norm change") == 1
    assert logged(await core.run_due_jobs()) == []
